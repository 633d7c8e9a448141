"""Photos of a person's life (their home, their key worker, their day centre...): the records.

What staff add is checked and re-encoded by ``photo_files.py`` (an upload is never trusted, and
what is kept is not the upload); this module keeps the record of each photo (who added and
removed it, what it shows and stands for), who may see it, and which photo stands for which
picture on the person's screens.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import IO

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ADVOCATE_ROLES, Person, Photo, Role, Supporter, User, utcnow
from .. import NotFound, ServiceError, audit
from . import storage
from .photo_files import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    clean_upload,
    file_key,
    file_keys,
)

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
    *,
    actor: User,
    alt_text: str,
    label: str,
    stands_for: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Photo:
    """Check the words, clean the file, store both; audited. The caller commits.

    The words are checked before the file is read, so a missing alt text costs no work. The
    files go into the file store in the same transaction as the row: a failed commit keeps
    neither.
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
    clean = clean_upload(stream, max_bytes=max_bytes, max_pixels=max_pixels)
    for size, body in clean.files.items():
        storage.put(session, file_key(clean.file_stem, size), body, "image/jpeg")
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


def remove_photo(session: Session, photo: Photo, *, actor: User) -> None:
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
    storage.delete_files(session, file_keys(photo.file_stem))


def erase_files_for_person(session: Session, person_id: int) -> int:
    """Delete every image file of a person (for erasure at the end of retention); returns how
    many photos had files. The rows go with the person (ON DELETE CASCADE)."""
    stems = session.scalars(select(Photo.file_stem).where(Photo.person_id == person_id)).all()
    for stem in stems:
        storage.delete_files(session, file_keys(stem))
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
