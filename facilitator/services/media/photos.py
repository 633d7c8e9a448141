"""Photos of a person's life (their home, their key worker, their day centre...).

An upload is never trusted. It is read in bounded chunks up to a byte limit, opened by Pillow
with an explicit list of formats (JPEG, PNG, WebP: never SVG, HTML, GIF or anything a browser
might sniff), its pixel count checked from the header before any decoding, decompression-bomb
warnings turned into errors, and truncated files refused. What is kept is not the upload: the
picture is turned upright (EXIF orientation), flattened to RGB and re-encoded as new JPEG files
at the sizes the pages use, with no metadata at all (no EXIF, GPS, ICC, XMP or comments). The
files sit in UPLOAD_FOLDER, outside the static folder, under a random name; the views serve
them only to those allowed to see the person.

Every refusal is a :class:`PhotoRefused` whose message says which limit and what to do.
"""

from __future__ import annotations

import io
import os
import secrets
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ADVOCATE_ROLES, Person, Photo, Role, Supporter, User, utcnow
from .. import NotFound, ServiceError, audit

FORMATS = ("JPEG", "PNG", "WEBP")
# The longest side of each stored size. "thumb": choice buttons, staff lists and the record;
# "prompt": the big picture on a person-mode screen (320 CSS px at 2x); "large": a closer look.
SIZES: dict[str, int] = {"thumb": 240, "prompt": 720, "large": 1600}
JPEG_QUALITY = 82
CHUNK = 64 * 1024
DEFAULT_MAX_BYTES = 6 * 1024 * 1024
DEFAULT_MAX_PIXELS = 25_000_000
# One photo decoded at a time in each process: a threaded worker serving several uploads at once
# would otherwise hold the full-size pixels of each (up to about 130 MiB apiece).
ONE_AT_A_TIME = threading.Lock()
# A WebP cannot be decoded at a reduced scale, and Pillow's WebP decoder holds several copies
# of the pixels (about 16 bytes a pixel): 25 million pixels took 384 MiB. A JPEG at the full
# limit is decoded at a half or quarter scale; a PNG in full, once (docs/security.md).
WEBP_MAX_PIXELS = 6_000_000
MAX_ALT = 300
MAX_LABEL = 120

# What a photo can stand for: a picture key of the library (easyread_assets/pictures.json).
# Only things in a person's life, never interface pictures such as "tick" or "next".
STANDS_FOR_KEYS: tuple[str, ...] = (
    "house", "house-with-garden", "bed", "staff", "handshake", "people", "people-hugging",
    "family", "friends", "partner", "neighbours", "pets", "work", "college", "volunteering",
    "doctor", "stethoscope", "medicine", "plate", "cooking", "shopping", "bus", "walking",
    "things-i-enjoy", "music", "art", "sport", "swimming", "gardening", "seaside", "visits",
)  # fmt: skip


class PhotoRefused(ServiceError):
    """An upload that cannot be used; ``kind`` names the check that refused it (for tests)."""

    def __init__(self, kind: str, message: LazyString) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class CleanPhoto:
    """The re-encoded files of one upload, written to the folder, not yet in the database."""

    file_stem: str
    width: int
    height: int
    byte_size: int


# --- reading the upload, within limits ----------------------------------------------------------


def read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    """The whole upload, read in chunks; refused as soon as it passes ``max_bytes``."""
    buffer = io.BytesIO()
    total = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise PhotoRefused("too-many-bytes", _too_big_message(max_bytes))
        buffer.write(chunk)
    if total == 0:
        raise PhotoRefused(
            "empty",
            _l("The file is empty. Choose the photo again; it may not have copied properly."),
        )
    return buffer.getvalue()


def _too_big_message(max_bytes: int) -> LazyString:
    return _l(
        "The file is larger than %(size)s MB. Please send a smaller copy of the photo "
        "(most phones can share a 'medium' or 'large' size instead of the original).",
        size=f"{max_bytes / (1024 * 1024):g}",
    )


def _not_a_photo() -> PhotoRefused:
    return PhotoRefused(
        "not-a-photo",
        _l(
            "This file is not a JPEG, PNG or WebP photo, so we cannot use it (drawings, web "
            "pages, GIFs and documents are not accepted, even if the name ends in .jpg or .png). "
            "Save or export the photo as a JPEG and try again."
        ),
    )


def _damaged() -> PhotoRefused:
    return PhotoRefused(
        "damaged",
        _l(
            "The photo is damaged or incomplete (perhaps the upload or the copy was cut short). "
            "Choose the photo again from where it was saved and try again."
        ),
    )


def _too_many_pixels(max_pixels: int) -> PhotoRefused:
    return PhotoRefused(
        "too-many-pixels",
        _l(
            "The photo is too large in pixels (more than %(millions)s million). Please send a "
            "smaller copy, for example one no more than 4000 pixels across.",
            millions=f"{max_pixels / 1_000_000:g}",
        ),
    )


def _too_many_pixels_for_webp(max_pixels: int) -> PhotoRefused:
    return PhotoRefused(
        "too-many-pixels",
        _l(
            "This WebP photo is too large in pixels (more than %(millions)s million). Please "
            "save it as a JPEG, which can be larger, or send a smaller copy.",
            millions=f"{max_pixels / 1_000_000:g}",
        ),
    )


# --- cleaning -----------------------------------------------------------------------------------


def open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """Open with the allowed formats only and check the size from the header (no decoding)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels) from None
        except (UnidentifiedImageError, SyntaxError, ValueError, TypeError):
            raise _not_a_photo() from None
        except OSError:
            raise _damaged() from None
    if image.format not in FORMATS:  # pragma: no cover - Pillow honours ``formats``
        raise _not_a_photo()
    width, height = image.size
    if width < 1 or height < 1:
        raise _damaged()
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if image.format == "WEBP" and width * height > WEBP_MAX_PIXELS:
        raise _too_many_pixels_for_webp(WEBP_MAX_PIXELS)
    return image


def _decoded(image: Image.Image, largest: int) -> Image.Image:
    """The pixels, upright, in RGB and no larger than ``largest`` on the longest side; truncated
    or corrupt data is refused, never padded.

    Only one full-size copy of the pixels is ever held: the decoded image itself (a JPEG decoded
    at a reduced scale when it is much larger than needed). Everything else is done on bands of
    it, or on the shrunk result: see :func:`_shrunk_rgb`.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # pragma: no cover - nobody here sets it
        raise RuntimeError("ImageFile.LOAD_TRUNCATED_IMAGES must stay off")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            if image.format == "JPEG":
                # Decode at a reduced scale when the largest size needs fewer pixels: less memory.
                image.draft("RGB", (largest, largest))
            image.load()
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(DEFAULT_MAX_PIXELS) from None
        except (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError):
            raise _damaged() from None
    small = _shrunk_rgb(image, largest)
    # Turned upright last, on the shrunk copy (a full-size turn would be a second full copy).
    turn = UPRIGHT.get(orientation if isinstance(orientation, int) else 1)
    return small.transpose(turn) if turn is not None else small


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
UPRIGHT: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Rows of the shrunk image made from each band of the decoded one.
BAND_ROWS = 64


def _shrunk_rgb(image: Image.Image, largest: int) -> Image.Image:
    """An RGB copy no larger than ``largest``, made band by band from the decoded image.

    Each band is flattened (transparency onto white, palettes and other modes to RGB) and
    box-reduced by a whole factor, so no second full-size copy exists; the reduced image (at
    least ``largest`` on its longest side, like a JPEG draft) is then resized with LANCZOS.
    """
    width, height = image.size
    factor = max(1, max(width, height) // largest)
    band = factor * BAND_ROWS
    reduced = Image.new("RGB", (-(-width // factor), -(-height // factor)))
    for top in range(0, height, band):
        part = _flat_rgb(image.crop((0, top, width, min(top + band, height))))
        reduced.paste(part.reduce(factor) if factor > 1 else part, (0, top // factor))
    if max(reduced.size) > largest:
        reduced = reduced.resize(_fit(reduced.size, largest), Image.Resampling.LANCZOS)
    return reduced


def _flat_rgb(part: Image.Image) -> Image.Image:
    """RGB pixels: any transparency composed onto white."""
    transparent = part.mode in ("RGBA", "LA", "PA") or (
        part.mode == "P" and "transparency" in part.info
    )
    if part.mode == "RGB":
        return part
    if not transparent:
        return part.convert("RGB")
    rgba = part if part.mode == "RGBA" else part.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _encoded_sizes(image: Image.Image) -> dict[str, bytes]:
    """Fresh JPEGs of every size, carrying no metadata whatever.

    Largest first, each smaller size made from the one before, so only one full-size copy of
    the pixels is ever held.
    """
    encoded: dict[str, bytes] = {}
    current = image
    for size, longest in sorted(SIZES.items(), key=lambda item: -item[1]):
        if max(current.size) > longest:
            current = current.resize(
                _fit(current.size, longest), Image.Resampling.LANCZOS, reducing_gap=3.0
            )
        # A new image owns no ``info`` (ICC profile, EXIF, XMP, comments): nothing carries over.
        clean = Image.new("RGB", current.size)
        clean.paste(current)
        out = io.BytesIO()
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        encoded[size] = out.getvalue()
    return encoded


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def clean_upload(
    stream: IO[bytes],
    folder: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CleanPhoto:
    """Check and re-encode an upload, and write its sizes to ``folder`` under a random stem."""
    data = read_limited(stream, max_bytes)
    with ONE_AT_A_TIME:
        image = open_checked(data, max_pixels)
        try:
            pixels = _decoded(image, max(SIZES.values()))
        finally:
            image.close()
        del data
        encoded = _encoded_sizes(pixels)
        del pixels
    with Image.open(io.BytesIO(encoded["large"])) as large:
        width, height = large.size
    stem = secrets.token_hex(16)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for size, body in encoded.items():
            written.append(_write(file_path(folder, stem, size), body))
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return CleanPhoto(stem, width, height, sum(len(b) for b in encoded.values()))


def _write(path: Path, body: bytes) -> Path:
    """Write atomically (a half-written file is never served) and readable by us only."""
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(body)
    os.replace(partial, path)
    return path


def file_path(folder: Path, stem: str, size: str) -> Path:
    """Where one stored size of a photo lives."""
    if size not in SIZES:
        raise ValueError(f"unknown photo size {size!r}")
    return folder / f"{stem}-{size}.jpg"


def delete_files(folder: Path, stem: str) -> None:
    """Remove every stored size of a photo (missing files are fine)."""
    for size in SIZES:
        file_path(folder, stem, size).unlink(missing_ok=True)


# --- the records --------------------------------------------------------------------------------


def _text(value: str, limit: int, missing: LazyString, too_long: LazyString) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ServiceError(missing)
    if len(value) > limit:
        raise ServiceError(too_long)
    return value


def add_photo(
    session: Session,
    person: Person,
    stream: IO[bytes],
    folder: Path,
    *,
    actor: User,
    alt_text: str,
    label: str,
    stands_for: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Photo:
    """Check the words, clean the file, store both; audited. The caller commits.

    The words are checked before the file is read, so a missing alt text costs no work. If the
    caller's commit fails, it should call :func:`delete_files` with the photo's stem.
    """
    alt = _text(
        alt_text, MAX_ALT,
        _l(
            "Describe the photo for someone who cannot see it (alt text), for example "
            "'Sam's front door, painted blue'."
        ),
        lazy_ngettext(
            "Please keep the description to %(num)d character or fewer.",
            "Please keep the description to %(num)d characters or fewer.",
            MAX_ALT,
        ),
    )  # fmt: skip
    what = _text(
        label, MAX_LABEL,
        _l("Say in a few words what the photo shows, for example 'My flat'."),
        lazy_ngettext(
            "Please keep 'what it shows' to %(num)d character or fewer.",
            "Please keep 'what it shows' to %(num)d characters or fewer.",
            MAX_LABEL,
        ),
    )  # fmt: skip
    key = (stands_for or "").strip() or None
    if key is not None and key not in STANDS_FOR_KEYS:
        raise ServiceError(_l("Choose what the photo stands for from the list, or 'Nothing'."))
    clean = clean_upload(stream, folder, max_bytes=max_bytes, max_pixels=max_pixels)
    photo = Photo(
        person_id=person.id,
        public_id=secrets.token_urlsafe(18),
        alt_text=alt,
        label=what,
        stands_for=key,
        width=clean.width,
        height=clean.height,
        file_stem=clean.file_stem,
        file_format="jpeg",
        byte_size=clean.byte_size,
        uploaded_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(photo)
    session.flush()
    audit.record(
        session, "photo.added", actor=actor, obj=photo, person_id=person.id,
        detail={"stands_for": key, "width": clean.width, "height": clean.height},
    )  # fmt: skip
    return photo


def photos_for_person(session: Session, person_id: int) -> list[Photo]:
    """The person's photos that are not removed, newest first."""
    return list(
        session.scalars(
            select(Photo)
            .where(Photo.person_id == person_id, Photo.removed_at.is_(None))
            .order_by(Photo.created_at.desc(), Photo.id.desc())
        )
    )


def get_photo(session: Session, public_id: str, person_id: int | None = None) -> Photo:
    """A photo that is not removed, by its public id (and person), or NotFound."""
    photo = session.scalar(select(Photo).where(Photo.public_id == public_id))
    if photo is None or photo.removed or (person_id is not None and photo.person_id != person_id):
        raise NotFound(_l("We could not find that photo."))
    return photo


def remove_photo(session: Session, photo: Photo, folder: Path, *, actor: User) -> None:
    """Soft-remove: the record stays (who added and removed it, when), the image files go."""
    if photo.removed:
        raise ServiceError(_l("That photo has already been removed."))
    photo.removed_at = utcnow()
    photo.removed_by_id = actor.id
    audit.record(
        session, "photo.removed", actor=actor, obj=photo, person_id=photo.person_id,
        detail={"stands_for": photo.stands_for},
    )  # fmt: skip
    session.flush()
    delete_files(folder, photo.file_stem)


def erase_files_for_person(session: Session, person_id: int, folder: Path) -> int:
    """Delete every image file of a person (for erasure at the end of retention); returns how
    many photos had files. The rows go with the person (ON DELETE CASCADE)."""
    stems = session.scalars(select(Photo.file_stem).where(Photo.person_id == person_id)).all()
    for stem in stems:
        delete_files(folder, stem)
    return len(stems)


def may_see(session: Session, user: User, person_id: int) -> bool:
    """Staff, managers and admins see any person's photos; an advocate only those of a person
    they are assigned to (an active advocate supporter row). Nobody else."""
    if user.role in (Role.STAFF, Role.MANAGER, Role.ADMIN):
        return True
    if user.role != Role.ADVOCATE:
        return False
    assigned = session.scalar(
        select(Supporter.id).where(
            Supporter.person_id == person_id,
            Supporter.user_id == user.id,
            Supporter.role.in_(list(ADVOCATE_ROLES)),
            Supporter.active.is_(True),
        )
    )
    return assigned is not None


def standing_photos(session: Session, person: Person) -> dict[str, Photo]:
    """Picture key -> the person's newest photo that stands for it, when the person's
    "pictures" setting is "photos"; empty otherwise (the pictograms are used)."""
    if person.setting("pictures") != "photos":
        return {}
    return photos_standing_for(session, person.id)


def photos_standing_for(session: Session, person_id: int) -> dict[str, Photo]:
    """Picture key -> the person's newest photo standing for it, whatever the setting."""
    found: dict[str, Photo] = {}
    for photo in photos_for_person(session, person_id):
        if photo.stands_for and photo.stands_for not in found:
            found[photo.stands_for] = photo
    return found


def keys_in_use(photos: Iterable[Photo]) -> set[str]:
    """The picture keys these photos stand for."""
    return {p.stands_for for p in photos if p.stands_for}
