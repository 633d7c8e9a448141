"""The files of a photo of a person's life: an upload checked and re-encoded, and where it lives.

An upload is never trusted. It is read in bounded chunks up to a byte limit, opened by Pillow
with an explicit list of formats (JPEG, PNG, WebP: never SVG, HTML, GIF or anything a browser
might sniff), its pixel count checked from the header before any decoding, decompression-bomb
warnings turned into errors, and truncated files refused. What is kept is not the upload: the
picture is turned upright (EXIF orientation), flattened to RGB and re-encoded as new JPEG files
at the sizes the pages use, with no metadata at all (no EXIF, GPS, ICC, XMP or comments). The
files are kept in the file store (``storage.py``: the database by default) under a random name;
the views serve them only to those allowed to see the person.

Every refusal is a :class:`PhotoRefused` whose message says which limit and what to do.
"""

from __future__ import annotations

import io
import secrets
import threading
import warnings
from dataclasses import dataclass
from typing import IO

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

from .. import ServiceError

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


class PhotoRefused(ServiceError):
    """An upload that cannot be used; ``kind`` names the check that refused it (for tests)."""

    def __init__(self, kind: str, message: LazyString) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class CleanPhoto:
    """The re-encoded files of one upload (size -> JPEG bytes), not yet stored."""

    file_stem: str
    width: int
    height: int
    byte_size: int
    files: dict[str, bytes]


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
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CleanPhoto:
    """Check and re-encode an upload: its sizes under a random stem, ready to store."""
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
    return CleanPhoto(stem, width, height, sum(len(b) for b in encoded.values()), encoded)


def file_key(stem: str, size: str) -> str:
    """The name of one stored size of a photo in the file store."""
    if size not in SIZES:
        raise ValueError(f"unknown photo size {size!r}")
    return f"{stem}-{size}.jpg"


def file_keys(stem: str) -> list[str]:
    """The names of every stored size of a photo."""
    return [file_key(stem, size) for size in SIZES]
