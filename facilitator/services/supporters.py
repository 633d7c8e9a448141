"""Keeping a person's record up to date (issue 17): their details, their supporters (contact,
language, their own communication needs, who they are to the person), the end of a
supporter's involvement, and legal authority recorded, corrected or ended.

Every edit is made from the version the editor read: a save from an older one is refused with
both versions kept (``VersionConflict``, answered 409; the page shows the stored version beside
the one typed). A change goes through ``governance.versions.change``: bumped and audited once.
Recording a supporter and an authority for the first time stays in ``services/people.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import LANGUAGES
from ..models import (
    AuthorityKind,
    InvitationLink,
    LegalAuthority,
    Person,
    Supporter,
    User,
    utcnow,
)
from ..text import clean_text
from . import NotFound, ServiceError
from .family.links import revoke_link
from .governance.versions import change
from .people import VersionConflict, check_code_by, check_relationship

BOTH_SHOWN = _l(
    "Someone else changed these details while you were editing. Both versions are shown: "
    "choose which to keep."
)


def _from_version(record: Any, version: int | None) -> None:
    """Refuse a save made from an older version; the page shows both."""
    if version != record.version:
        raise VersionConflict(BOTH_SHOWN, stored=record.version, sent=version)


def _text(value: str | None, limit: int) -> str | None:
    cleaned = clean_text(value or "").strip()
    return cleaned[:limit] or None


def _no_future(on: date, message: Any) -> None:
    if on > date.today():
        raise ServiceError(message)


# --- the person --------------------------------------------------------------------------------


def update_details(
    session: Session,
    person: Person,
    *,
    actor: User,
    version: int | None,
    preferred_name: str,
    full_name: str,
    date_of_birth: date | None,
) -> None:
    """Correct the person's names and date of birth."""
    _from_version(person, version)
    preferred, full = _text(preferred_name, 80), _text(full_name, 160)
    if not preferred or not full:
        raise ServiceError(_l("Enter the person's preferred name and full name."))
    if date_of_birth is not None:
        _no_future(date_of_birth, _l("The date of birth cannot be in the future."))
    with change(
        session, person, version, actor=actor, action="person.details_updated", person_id=person.id
    ) as step:
        step.detail["changed"] = [
            name
            for name, old, new in (
                ("preferred_name", person.preferred_name, preferred),
                ("full_name", person.full_name, full),
                ("date_of_birth", person.date_of_birth, date_of_birth),
            )
            if old != new
        ]
        person.preferred_name, person.full_name = preferred, full
        person.date_of_birth = date_of_birth


# --- supporters --------------------------------------------------------------------------------


def get_supporter(session: Session, person: Person, supporter_id: int) -> Supporter:
    """One of the person's supporters, or NotFound."""
    supporter = session.get(Supporter, supporter_id)
    if supporter is None or supporter.person_id != person.id:
        raise NotFound(_l("We could not find that supporter."))
    return supporter


def update_supporter(
    session: Session,
    supporter: Supporter,
    *,
    actor: User,
    version: int | None,
    name: str,
    relationship: str,
    relationship_note: str | None,
    email: str | None,
    phone: str | None,
    language: str,
    communication_needs: str | None,
    code_by: str | None = None,
) -> None:
    """Edit a supporter's name, who they are to the person, contact, language and their own
    communication needs (the Accessible Information Standard covers them too)."""
    _from_version(supporter, version)
    if supporter.ended_on is not None:
        raise ServiceError(_l("This supporter is no longer involved, so their details stay."))
    cleaned_name = _text(name, 160)
    if not cleaned_name:
        raise ServiceError(_l("Enter the supporter's name."))
    code, note = check_relationship(relationship, relationship_note, strict=True)
    if language not in LANGUAGES:
        raise ServiceError(_l("Choose a language from the list."))
    with change(
        session,
        supporter,
        version,
        actor=actor,
        action="supporter.updated",
        person_id=supporter.person_id,
    ) as step:
        new = {
            "name": cleaned_name,
            "relationship_to_person": code,
            "relationship_note": note,
            "email": _text(email, 254),
            "phone": _text(phone, 40),
            "language": language,
            "communication_needs": _text(communication_needs, 2000),
        }
        if code_by is not None:  # how the code of a family link reaches them (issue 18)
            check_code_by(code_by)
            new["code_by"] = code_by
        step.detail["changed"] = [k for k, v in new.items() if getattr(supporter, k) != v]
        for key, value in new.items():
            setattr(supporter, key, value)


def end_involvement(
    session: Session,
    supporter: Supporter,
    *,
    actor: User,
    version: int | None,
    ended_on: date,
    reason: str,
) -> int:
    """End a supporter's involvement: they leave the person's circle, their open family links
    stop working (returns how many), and what they contributed stays, shown as from someone
    no longer involved."""
    _from_version(supporter, version)
    if supporter.ended_on is not None:
        raise ServiceError(_l("This supporter's involvement has already ended."))
    why = _text(reason, 2000)
    if not why:
        raise ServiceError(_l("Write why their involvement ends."))
    _no_future(ended_on, _l("The day their involvement ended cannot be in the future."))
    open_links = session.scalars(
        select(InvitationLink).where(
            InvitationLink.supporter_id == supporter.id,
            InvitationLink.revoked_at.is_(None),
            InvitationLink.expires_at > utcnow(),
        )
    ).all()
    for link in open_links:
        revoke_link(session, link, actor, reason="supporter-ended")
    with change(
        session,
        supporter,
        version,
        actor=actor,
        action="supporter.ended",
        person_id=supporter.person_id,
    ) as step:
        supporter.active = False
        supporter.ended_on = ended_on
        supporter.ended_reason = why
        step.detail.update(ended_on=ended_on.isoformat(), links_revoked=len(open_links))
    return len(open_links)


# --- legal authority ---------------------------------------------------------------------------


def get_authority(session: Session, supporter: Supporter, authority_id: int) -> LegalAuthority:
    """One of the supporter's legal authorities, or NotFound."""
    authority = session.get(LegalAuthority, authority_id)
    if authority is None or authority.supporter_id != supporter.id:
        raise NotFound(_l("We could not find that legal authority."))
    return authority


def correct_authority(
    session: Session,
    authority: LegalAuthority,
    *,
    actor: User,
    version: int | None,
    kind: AuthorityKind,
    scope: str,
    reference: str,
    registered_on: date | None,
    checked: bool,
) -> None:
    """Correct an LPA or deputyship. Ticking "checked" records who checked the registered
    document and when; a correction without the tick keeps the earlier check as it was."""
    _from_version(authority, version)
    if authority.ended_on is not None:
        raise ServiceError(_l("This legal authority has ended, so it cannot be changed."))
    ref = _text(reference, 80)
    if not ref:
        raise ServiceError(_l("Enter the reference of the LPA or court order."))
    if registered_on is not None:
        _no_future(registered_on, _l("The date it was registered cannot be in the future."))
    with change(
        session,
        authority,
        version,
        actor=actor,
        action="authority.corrected",
        person_id=authority.supporter.person_id,
    ) as step:
        new = {
            "kind": kind,
            "scope": _text(scope, 2000) or "",
            "reference": ref,
            "registered_on": registered_on,
        }
        step.detail["changed"] = [k for k, v in new.items() if getattr(authority, k) != v]
        for key, value in new.items():
            setattr(authority, key, value)
        if checked:
            authority.checked_by_id = actor.id
            authority.checked_at = utcnow()
            step.detail["checked"] = True


def end_authority(
    session: Session,
    authority: LegalAuthority,
    *,
    actor: User,
    version: int | None,
    ended_on: date,
    reason: str,
) -> None:
    """An authority that no longer stands (revoked, the attorney died, the order ended): kept on
    the record, no longer counted as authority to decide."""
    _from_version(authority, version)
    if authority.ended_on is not None:
        raise ServiceError(_l("This legal authority has already ended."))
    why = _text(reason, 2000)
    if not why:
        raise ServiceError(_l("Write why the legal authority ended."))
    _no_future(ended_on, _l("The day it ended cannot be in the future."))
    with change(
        session,
        authority,
        version,
        actor=actor,
        action="authority.ended",
        person_id=authority.supporter.person_id,
    ) as step:
        authority.ended_on = ended_on
        authority.ended_reason = why
        step.detail["ended_on"] = ended_on.isoformat()


__all__ = [
    "BOTH_SHOWN",
    "correct_authority",
    "end_authority",
    "end_involvement",
    "get_authority",
    "get_supporter",
    "update_details",
    "update_supporter",
]
