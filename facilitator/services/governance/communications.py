"""Decisions communicated: who was told, when, how and in what format.

So that an inspector asking a family "how were you told?" finds the same answer in the record.
The person is told in easy read and spoken form (or the formats their record asks for); each
supporter as their involvement agreement says. Gaps are shown, not hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    Communication,
    CommunicationMethod,
    CommunicationSubject,
    Person,
    RecipientKind,
    Review,
    Supporter,
    User,
)
from .. import NotAllowed, ServiceError, audit
from . import choice, clean, today
from .agreements import current as current_agreement

FORMATS = (
    "easy-read", "spoken", "pictures", "large-print", "standard-print", "welsh", "bsl",
    "braille", "interpreter",
)  # fmt: skip
PERSON_FORMATS = frozenset({"easy-read", "spoken"})


@dataclass
class Told:
    """One record of someone being told, with any gap against what they need."""

    communication: Communication
    supporter: Supporter | None
    gaps: list[str] = field(default_factory=list)


def record(
    session: Session,
    person: Person,
    *,
    actor: User,
    subject: str,
    recipient_kind: str,
    told_on: date | None,
    method: str,
    formats: Iterable[str],
    review: Review | None = None,
    subject_id: int | None = None,
    supporter_id: int | None = None,
    recipient_name: str | None = None,
    note: str | None = None,
) -> Communication:
    """Record that someone was told about an outcome or decision."""
    if review is not None and review.person_id != person.id:
        raise NotAllowed(_l("That review is about someone else."))
    about = choice(
        CommunicationSubject, subject, ServiceError(_l("Choose what they were told about."))
    )
    kind = choice(RecipientKind, recipient_kind, ServiceError(_l("Choose who was told.")))
    how = choice(CommunicationMethod, method, ServiceError(_l("Choose how they were told.")))
    chosen = list(dict.fromkeys(formats))
    if not chosen or set(chosen) - set(FORMATS):
        raise ServiceError(_l("Choose the format or formats they were told in."))
    if told_on is None or told_on > today():
        raise ServiceError(_l("Enter the date they were told (not in the future)."))
    supporter = None
    name = None
    if kind == RecipientKind.SUPPORTER:
        supporter = session.get(Supporter, supporter_id or 0)
        if supporter is None or supporter.person_id != person.id:
            raise NotAllowed(_l("Choose one of the person's supporters."))
    elif kind == RecipientKind.OTHER:
        name = clean(
            recipient_name,
            required=ServiceError(_l("Enter who was told.")),
            limit=160,
            what=_l("name"),
        )
    elif chosen == ["standard-print"]:
        raise ServiceError(
            _l(
                "Tell the person in a form they can use: easy read and spoken, or the formats "
                "their record asks for."
            )
        )
    told = Communication(
        person_id=person.id,
        review_id=review.id if review else None,
        subject=about,
        subject_id=subject_id,
        recipient_kind=kind,
        supporter_id=supporter.id if supporter else None,
        recipient_name=name,
        told_on=told_on,
        method=how,
        formats=chosen,
        note=clean(note, limit=2000, what=_l("note")),
        recorded_by_id=actor.id,
    )
    session.add(told)
    audit.record(
        session,
        "communication.recorded",
        actor=actor,
        obj=told,
        person_id=person.id,
        detail={
            "review_id": told.review_id,
            "subject": str(about),
            "recipient": str(kind),
            "supporter_id": told.supporter_id,
        },
    )
    return told


def gaps(session: Session, told: Communication) -> list[str]:
    """Where the telling fell short of what the recipient needs.

    "person-format": the person was not told in easy read and spoken form;
    "not-as-agreed": a supporter was contacted another way than their agreement says;
    "no-agreement": the supporter has no involvement agreement.
    """
    found = []
    if told.recipient_kind == RecipientKind.PERSON:
        if not PERSON_FORMATS <= set(told.formats or []):
            found.append("person-format")
    elif told.recipient_kind == RecipientKind.SUPPORTER and told.supporter_id:
        agreement = current_agreement(session, told.supporter_id)
        if agreement is None:
            found.append("no-agreement")
        elif agreement.contact_preference and agreement.contact_preference != told.method:
            found.append("not-as-agreed")
    return found


def for_person(session: Session, person: Person, *, review: Review | None = None) -> list[Told]:
    """Everything recorded as told about this person (or one review), newest first."""
    query = select(Communication).where(Communication.person_id == person.id)
    if review is not None:
        query = query.where(Communication.review_id == review.id)
    rows = session.scalars(query.order_by(Communication.told_on.desc(), Communication.id.desc()))
    return [
        Told(
            row,
            session.get(Supporter, row.supporter_id) if row.supporter_id else None,
            gaps(session, row),
        )
        for row in rows
    ]
