"""Involvement agreements: how each supporter takes part, and whether the person agreed.

One agreement per supporter is current (the latest). Staff edit it with a version check; when
its terms change, the person's earlier "yes" no longer covers it, so they are asked again.
The person's answer is recorded in easy read, as in their session, and kept as a history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    AgreementAnswer,
    CaptureMethod,
    CommunicationMethod,
    ConsentDecision,
    InvolvementAgreement,
    Person,
    Supporter,
    User,
)
from .. import ServiceError, audit
from . import choice, clean, today
from .versions import change

AREAS = ("planning", "reviews", "day-to-day")
DUE_SOON_DAYS = 30
LONGEST_REVIEW_GAP_DAYS = 3 * 366
TERMS = ("involved_in", "may_see", "contact_preference", "escalation_route")


@dataclass(frozen=True)
class AgreementDue:
    """An agreement whose review date has passed or is near."""

    agreement: InvolvementAgreement
    supporter: Supporter
    person: Person
    overdue: bool


def current(session: Session, supporter_id: int) -> InvolvementAgreement | None:
    """The supporter's current agreement (the latest), if there is one."""
    return session.scalar(
        select(InvolvementAgreement)
        .where(InvolvementAgreement.supporter_id == supporter_id)
        .order_by(InvolvementAgreement.id.desc())
        .limit(1)
    )


def for_supporters(
    session: Session, supporter_ids: Iterable[int]
) -> dict[int, InvolvementAgreement]:
    """Each supporter's current agreement, by supporter id (for showing beside them)."""
    ids = list(supporter_ids)
    if not ids:
        return {}
    latest = (
        select(func.max(InvolvementAgreement.id))
        .where(InvolvementAgreement.supporter_id.in_(ids))
        .group_by(InvolvementAgreement.supporter_id)
    )
    rows = session.scalars(select(InvolvementAgreement).where(InvolvementAgreement.id.in_(latest)))
    return {row.supporter_id: row for row in rows}


def _involved_in(areas: Iterable[str], decisions: Iterable[str]) -> list[str]:
    chosen = [a for a in AREAS if a in set(areas)]
    unknown = set(areas) - set(AREAS)
    if unknown:
        raise ServiceError(_l("Choose what the supporter is involved in from the list."))
    for line in decisions:
        text = clean(line, limit=200, what=_l("decision"))
        if text and text not in chosen:
            chosen.append(text)
    if not chosen:
        raise ServiceError(
            _l(
                "Say what the supporter is involved in: planning, reviews, day-to-day support "
                "or particular decisions."
            )
        )
    return chosen


def save(
    session: Session,
    supporter: Supporter,
    *,
    actor: User,
    version: int | str | None,
    areas: Iterable[str],
    decisions: Iterable[str] = (),
    may_see: str | None,
    contact_preference: str | None,
    escalation_route: str | None,
    review_on: date | None,
) -> InvolvementAgreement:
    """Create or update the supporter's agreement.

    ``version`` is the one the editor started from (None when creating). Changing the terms
    means the person's earlier agreement no longer covers them: they are asked again.
    """
    terms = {
        "involved_in": _involved_in(list(areas), decisions),
        "may_see": clean(may_see, required=ServiceError(_l("Say what the supporter may see."))),
        "contact_preference": choice(
            CommunicationMethod,
            contact_preference,
            ServiceError(_l("Choose how the supporter prefers to be contacted.")),
        ).value,
        "escalation_route": clean(
            escalation_route,
            required=ServiceError(
                _l("Say what happens when the supporter's view differs from the person's.")
            ),
        ),
    }
    if review_on is None:
        raise ServiceError(_l("Enter the date to review this agreement."))
    if review_on < today():
        raise ServiceError(_l("The review date cannot be in the past."))
    if review_on > today() + timedelta(days=LONGEST_REVIEW_GAP_DAYS):
        raise ServiceError(_l("Review the agreement at least every 3 years."))
    agreement = current(session, supporter.id)
    if agreement is None:
        if version not in (None, "", "0", 0):
            raise ServiceError(_l("This agreement no longer exists. Reload the page."))
        agreement = InvolvementAgreement(supporter_id=supporter.id, version=1, **terms)
        agreement.review_on = review_on
        session.add(agreement)
        audit.record(
            session,
            "agreement.created",
            actor=actor,
            obj=agreement,
            person_id=supporter.person_id,
            detail={"supporter_id": supporter.id},
        )
        return agreement
    with change(
        session,
        agreement,
        version,
        actor=actor,
        action="agreement.updated",
        person_id=supporter.person_id,
    ) as step:
        changed = [name for name in TERMS if getattr(agreement, name) != terms[name]]
        for name, value in terms.items():
            setattr(agreement, name, value)
        agreement.review_on = review_on
        ask_again = bool(changed) and agreement.person_agreed is not None
        if ask_again:
            agreement.person_agreed = None
            agreement.person_agreed_on = None
        step.detail.update(
            supporter_id=supporter.id,
            version=step.next_version,
            terms_changed=changed,
            person_asked_again=ask_again,
        )
    return agreement


def record_person_answer(
    session: Session,
    agreement: InvolvementAgreement,
    *,
    actor: User,
    version: int | str | None,
    answer: str,
    method: str,
    words: str | None = None,
) -> AgreementAnswer:
    """The person's own answer to the agreement as shown to them in easy read.

    "Not sure" leaves the agreement unagreed; the history of answers is kept.
    """
    supporter = session.get(Supporter, agreement.supporter_id)
    assert supporter is not None
    with change(
        session,
        agreement,
        version,
        actor=actor,
        action="agreement.person_answered",
        person_id=supporter.person_id,
    ) as step:
        decision = choice(ConsentDecision, answer, ServiceError(_l("Choose the person's answer.")))
        capture = choice(
            CaptureMethod, method, ServiceError(_l("Say how the person gave their answer."))
        )
        row = AgreementAnswer(
            agreement_id=agreement.id,
            agreement_version=agreement.version,
            answer=decision,
            capture_method=capture,
            words=clean(words, what=_l("words")),
            recorded_by_id=actor.id,
        )
        session.add(row)
        if decision == ConsentDecision.NOT_SURE:
            agreement.person_agreed = None
            agreement.person_agreed_on = None
        else:
            agreement.person_agreed = decision == ConsentDecision.YES
            agreement.person_agreed_on = today()
        step.obj = row
        step.detail.update(agreement_id=agreement.id, agreement_version=row.agreement_version)
    return row


def answers(session: Session, agreement: InvolvementAgreement) -> list[AgreementAnswer]:
    """Every answer the person gave to this agreement, newest first."""
    return list(
        session.scalars(
            select(AgreementAnswer)
            .where(AgreementAnswer.agreement_id == agreement.id)
            .order_by(AgreementAnswer.id.desc())
        )
    )


def is_due(agreement: InvolvementAgreement, as_of: date | None = None) -> bool:
    """Whether the agreement's review date is within the next 30 days or has passed."""
    as_of = as_of or today()
    return agreement.review_on is not None and agreement.review_on <= as_of + timedelta(
        days=DUE_SOON_DAYS
    )


def due_for_review(
    session: Session, *, as_of: date | None = None, service: str | None = None
) -> list[AgreementDue]:
    """Current agreements of active supporters due for review, the most overdue first."""
    as_of = as_of or today()
    latest = select(func.max(InvolvementAgreement.id)).group_by(InvolvementAgreement.supporter_id)
    query = (
        select(InvolvementAgreement, Supporter, Person)
        .join(Supporter, Supporter.id == InvolvementAgreement.supporter_id)
        .join(Person, Person.id == Supporter.person_id)
        .where(
            InvolvementAgreement.id.in_(latest),
            Supporter.active.is_(True),
            Person.care_ended_on.is_(None),
            InvolvementAgreement.review_on <= as_of + timedelta(days=DUE_SOON_DAYS),
        )
        .order_by(InvolvementAgreement.review_on, Person.preferred_name)
    )
    if service:
        query = query.where(Person.service == service)
    return [
        AgreementDue(a, s, p, overdue=a.review_on is not None and a.review_on < as_of)
        for a, s, p in session.execute(query)
    ]


def supporters_without_agreement(
    session: Session, *, service: str | None = None
) -> list[tuple[Supporter, Person]]:
    """Active supporters of people still supported who have no agreement yet."""
    with_agreement = select(InvolvementAgreement.supporter_id)
    query = (
        select(Supporter, Person)
        .join(Person, Person.id == Supporter.person_id)
        .where(
            Supporter.active.is_(True),
            Person.care_ended_on.is_(None),
            Supporter.id.not_in(with_agreement),
        )
        .order_by(Person.preferred_name, Supporter.name)
    )
    if service:
        query = query.where(Person.service == service)
    return [(s, p) for s, p in session.execute(query)]
