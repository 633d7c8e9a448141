"""People supported, their supporters and legal authority."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    ADVOCATE_ROLES,
    DEFAULT_SETTINGS,
    AdvocateReason,
    AuthorityKind,
    LegalAuthority,
    Person,
    Relationship,
    Supporter,
    SupporterRole,
    User,
    utcnow,
)
from . import NotFound, ServiceError, StaleVersion, audit, scope


class VersionConflict(StaleVersion):
    """A save based on an older version than the one stored: nothing was saved."""


SUBSTANTIAL_DIFFICULTY_AREAS = ("understanding", "retaining", "using-or-weighing", "communicating")


def _formats(formats: list[str]) -> list[str]:
    """Preferred formats as typed, trimmed, without empty entries."""
    return [f.strip() for f in formats if f.strip()]


def create_person(
    session: Session,
    *,
    actor: User | None,
    preferred_name: str,
    full_name: str,
    language: str = "en",
    communication_needs: str | None = None,
    preferred_formats: list[str] | None = None,
    communication_review_on: date | None = None,
    settings: dict[str, Any] | None = None,
    service: str | None = None,
    date_of_birth: date | None = None,
    service_id: int | None = None,
) -> Person:
    """Record a person supported, with their communication needs (AIS: identify, record).

    The person is put in a service (issue 25, ``scope.service_for_new_person``): the one
    chosen by id or name, else the actor's only service; a scoped actor only in their own.
    """
    if not preferred_name.strip() or not full_name.strip():
        raise ServiceError(_l("Enter the person's preferred name and full name."))
    placed_in = scope.service_for_new_person(session, actor, service, service_id)
    person = Person(
        preferred_name=preferred_name.strip(),
        full_name=full_name.strip(),
        language=language,
        communication_needs=communication_needs,
        preferred_formats=_formats(preferred_formats or []),
        communication_review_on=communication_review_on,
        settings={**DEFAULT_SETTINGS, **(settings or {})},
        service=service,
        date_of_birth=date_of_birth,
    )
    session.add(person)
    session.flush()
    if placed_in is not None:
        scope.place_person(session, person, placed_in)
    audit.record(session, "person.created", actor=actor, obj=person, person_id=person.id)
    return person


def record_advocate_need(
    session: Session,
    person: Person,
    *,
    actor: User | None,
    needed: bool,
    reason: AdvocateReason | None,
    difficulty: list[str] | None = None,
    detail: str | None = None,
) -> None:
    """Record whether (and why) the person needs an independent advocate (Care Act s67)."""
    difficulty = list(difficulty or [])
    unknown = set(difficulty) - set(SUBSTANTIAL_DIFFICULTY_AREAS)
    if unknown:
        raise ServiceError(
            _l("Unknown area of difficulty: %(areas)s.", areas=", ".join(sorted(unknown)))
        )
    if needed and reason is None:
        raise ServiceError(_l("Say why an advocate is needed."))
    if reason == AdvocateReason.SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON and not difficulty:
        raise ServiceError(_l("Say which of the four areas the person would have difficulty with."))
    person.advocate_needed = needed
    person.advocate_reason = reason
    person.substantial_difficulty = difficulty
    person.advocate_reason_detail = detail
    person.version += 1
    audit.record(session, "person.advocate_need", actor=actor, obj=person, person_id=person.id)


def check_relationship(
    relationship: str, note: str | None = None, *, strict: bool = False
) -> tuple[str, str | None]:
    """Who a supporter is to the person, as a value from the list (Relationship) and the note
    that goes with "other". The tablet reads the relationship out in the person's language, so
    it is never kept as typed words: with ``strict`` (a form's choice) anything off the list is
    refused; otherwise (a command, the demo) words off the list become "other" with the words
    as its note."""
    typed = " ".join((relationship or "").split()).lower()
    note = " ".join((note or "").split())[:160] or None
    try:
        code = Relationship(typed)
    except ValueError:
        if strict or not typed:
            raise ServiceError(_l("Choose who they are to the person from the list.")) from None
        return Relationship.OTHER.value, (note or typed[:160])
    if code == Relationship.OTHER:
        if not note:
            raise ServiceError(_l("Say in a few words who they are to the person."))
        return code.value, note
    return code.value, None


# How the code of a family link reaches a supporter (issue 18): a text message to their
# mobile, a second email, or staff read it out by phone.
CODE_BY = ("sms", "email", "phone")


def check_code_by(code_by: str) -> None:
    """Refuse a way of sending the code that is not on the list."""
    if code_by not in CODE_BY:
        raise ServiceError(_l("Choose how they get the code from the list."))


def add_supporter(
    session: Session,
    person: Person,
    *,
    actor: User | None,
    name: str,
    relationship: str,
    role: SupporterRole,
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
    user: User | None = None,
    relationship_note: str | None = None,
    communication_needs: str | None = None,
    strict: bool = False,
    code_by: str = "phone",
) -> Supporter:
    """Add someone from the person's circle (family, friend, advocate, attorney ...)."""
    if user is not None and role not in ADVOCATE_ROLES:
        raise ServiceError(_l("Only an advocate is linked to a sign-in account."))
    check_code_by(code_by)
    code, note = check_relationship(relationship, relationship_note, strict=strict)
    supporter = Supporter(
        person_id=person.id,
        name=name.strip(),
        relationship_to_person=code,
        relationship_note=note,
        role=role,
        email=email,
        phone=phone,
        language=language,
        code_by=code_by,
        communication_needs=(communication_needs or "").strip() or None,
        user_id=user.id if user else None,
    )
    session.add(supporter)
    audit.record(session, "supporter.added", actor=actor, obj=supporter, person_id=person.id)
    return supporter


def add_authority(
    session: Session,
    supporter: Supporter,
    *,
    actor: User | None,
    kind: AuthorityKind,
    scope: str,
    reference: str,
    registered_on: date | None = None,
    checked: bool = False,
) -> LegalAuthority:
    """Record an LPA or deputyship with its reference, and who checked it and when."""
    if supporter.ended_on is not None:
        raise ServiceError(_l("This supporter is no longer involved."))
    if not reference.strip():
        raise ServiceError(_l("Enter the reference of the LPA or court order."))
    authority = LegalAuthority(
        supporter_id=supporter.id,
        kind=kind,
        scope=scope,
        reference=reference.strip(),
        registered_on=registered_on,
        checked_by_id=actor.id if (checked and actor) else None,
        checked_at=utcnow() if checked else None,
    )
    session.add(authority)
    audit.record(
        session, "authority.added", actor=actor, obj=authority, person_id=supporter.person_id
    )
    return authority


PAGE_SIZE = 50


def all_current_people(session: Session) -> list[Person]:
    """Everyone currently supported, by preferred name (for choosing one in a form)."""
    return list(
        session.scalars(
            select(Person).where(Person.care_ended_on.is_(None)).order_by(Person.preferred_name)
        )
    )


def people_for_staff(
    session: Session, *, search: str = "", page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[Person], int]:
    """One page of the people currently supported, by preferred name, and how many match.

    A provider may support thousands of people: the list is paged and searchable by name.
    """
    query = select(Person).where(Person.care_ended_on.is_(None))
    term = search.strip()
    if term:
        like = f"%{term.lower()}%"
        query = query.where(
            func.lower(Person.preferred_name).like(like) | func.lower(Person.full_name).like(like)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(
        query.order_by(Person.preferred_name, Person.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), int(total)


def people_for_advocate(session: Session, advocate: User) -> list[Person]:
    """Only the people this advocate is assigned to."""
    return list(
        session.scalars(
            select(Person)
            .join(Supporter, Supporter.person_id == Person.id)
            .where(Supporter.user_id == advocate.id, Supporter.active.is_(True))
            .order_by(Person.preferred_name)
            .distinct()
        )
    )


def get_person(session: Session, person_id: int) -> Person:
    """The person, or NotFound."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("We could not find that person."))
    return person


def people_needing_advocate_without_one(session: Session) -> list[Person]:
    """People recorded as needing an advocate who have no active advocate."""
    with_advocate = select(Supporter.person_id).where(
        Supporter.role.in_(list(ADVOCATE_ROLES)), Supporter.active.is_(True)
    )
    return list(
        session.scalars(
            select(Person)
            .where(Person.advocate_needed.is_(True), Person.id.not_in(with_advocate))
            .order_by(Person.preferred_name)
        )
    )


def communication_flag(person: Person) -> str | None:
    """The AIS flag shown on every staff and advocate page about the person."""
    parts = []
    if person.communication_needs:
        parts.append(person.communication_needs)
    if person.preferred_formats:
        parts.append(", ".join(person.preferred_formats))
    return "; ".join(parts) or None


def update_communication(
    session: Session,
    person: Person,
    *,
    actor: User,
    version: int,
    communication_needs: str | None,
    preferred_formats: list[str],
    review_on: date | None,
    language: str,
) -> None:
    """Record the person's communication needs (AIS: record, flag, share, review).

    ``version`` is the one the editor started from: a save based on an older version is
    refused so that two staff never overwrite each other silently.
    """
    if version != person.version:
        raise VersionConflict(
            _l(
                "Someone else changed these details while you were editing. Both versions are "
                "shown: choose which to keep."
            ),
            stored=person.version,
            sent=version,
        )
    person.communication_needs = (communication_needs or "").strip() or None
    person.preferred_formats = _formats(preferred_formats)
    person.communication_review_on = review_on
    person.language = language
    person.version += 1
    audit.record(
        session, "person.communication_updated", actor=actor, obj=person, person_id=person.id
    )
