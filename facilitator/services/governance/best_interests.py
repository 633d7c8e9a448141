"""Best-interests decisions (Mental Capacity Act 2005, section 4), after an assessment.

Only where the person lacks capacity for the decision (``capacity.py``). The record weighs
their past and present wishes (linked to their own statements), beliefs and values, the people
consulted and less restrictive options, before the decision is made. An attorney's or
deputy's view is a decision only within the scope of their recorded, checked authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    AuthorityKind,
    BestInterestsConsultee,
    BestInterestsRecord,
    BestInterestsWish,
    CapacityAssessment,
    CapacityOutcome,
    CaseStatus,
    ConsulteeRole,
    DecisionArea,
    LegalAuthority,
    Response,
    Review,
    Supporter,
    SupporterRole,
    User,
    WishTime,
)
from .. import NotAllowed, ServiceError, audit
from . import choice, clean, need, today
from .versions import change

AUTHORITY_FOR_AREA = {
    DecisionArea.HEALTH_WELFARE: frozenset(
        {AuthorityKind.LPA_HEALTH_WELFARE, AuthorityKind.DEPUTY_HEALTH_WELFARE}
    ),
    DecisionArea.PROPERTY_FINANCE: frozenset(
        {AuthorityKind.LPA_PROPERTY_FINANCE, AuthorityKind.DEPUTY_PROPERTY_FINANCE}
    ),
}
ROLE_FOR_SUPPORTER = {
    SupporterRole.FAMILY: ConsulteeRole.FAMILY,
    SupporterRole.FRIEND: ConsulteeRole.FRIEND,
    SupporterRole.UNPAID_CARER: ConsulteeRole.UNPAID_CARER,
    SupporterRole.CARE_ACT_ADVOCATE: ConsulteeRole.ADVOCATE,
    SupporterRole.IMHA: ConsulteeRole.ADVOCATE,
    SupporterRole.IMCA: ConsulteeRole.IMCA,
    SupporterRole.ATTORNEY: ConsulteeRole.ATTORNEY,
    SupporterRole.DEPUTY: ConsulteeRole.DEPUTY,
}


@dataclass(frozen=True)
class Standing:
    """Whether a consultee's view is a decision, and why.

    ``reason`` is one of: within-authority, outside-authority, authority-not-checked,
    no-authority.
    """

    is_decision: bool
    reason: str
    authority: LegalAuthority | None = None


def best_interests_for(
    session: Session, assessment: CapacityAssessment
) -> BestInterestsRecord | None:
    """The best-interests record of an assessment, if one was started."""
    return session.scalar(
        select(BestInterestsRecord).where(BestInterestsRecord.assessment_id == assessment.id)
    )


def started_for(session: Session, assessment: CapacityAssessment) -> BestInterestsRecord:
    """The best-interests record of an assessment, refused when it has not been started."""
    record = best_interests_for(session, assessment)
    if record is None:
        raise ServiceError(_l("Start the best-interests record first."))
    return record


def start_best_interests(
    session: Session, assessment: CapacityAssessment, *, actor: User
) -> BestInterestsRecord:
    """Start the best-interests record: only where the person lacks capacity for the decision."""
    if assessment.outcome != CapacityOutcome.LACKS_CAPACITY:
        raise ServiceError(
            _l(
                "The person has capacity for this decision, so it is theirs to make, even if "
                "it seems unwise. There is no best-interests decision."
            )
        )
    existing = best_interests_for(session, assessment)
    if existing is not None:
        return existing
    record = BestInterestsRecord(
        assessment_id=assessment.id, person_id=assessment.person_id, status=CaseStatus.OPEN
    )
    session.add(record)
    audit.record(
        session,
        "best_interests.started",
        actor=actor,
        obj=record,
        person_id=assessment.person_id,
        detail={"assessment_id": assessment.id},
    )
    return record


def _check_open(record: BestInterestsRecord) -> None:
    if record.status != CaseStatus.OPEN:
        raise ServiceError(_l("This best-interests decision has been made and cannot change."))


def update_best_interests(
    session: Session,
    record: BestInterestsRecord,
    *,
    actor: User,
    version: int | str | None,
    past_wishes: str | None,
    present_wishes: str | None,
    beliefs_values: str | None,
    less_restrictive: str | None,
) -> None:
    """Record the person's wishes, beliefs and values, and the less restrictive options."""
    with change(
        session,
        record,
        version,
        actor=actor,
        action="best_interests.updated",
        person_id=record.person_id,
        check=_check_open,
    ):
        record.past_wishes = clean(past_wishes)
        record.present_wishes = clean(present_wishes)
        record.beliefs_values = clean(beliefs_values)
        record.less_restrictive = clean(less_restrictive)


def _assessment(session: Session, record: BestInterestsRecord) -> CapacityAssessment:
    found = session.get(CapacityAssessment, record.assessment_id)
    assert found is not None
    return found


def wish_time(session: Session, record: BestInterestsRecord, response: Response) -> WishTime:
    """A statement from the assessment's review, or the person's latest review, is present."""
    assessment = _assessment(session, record)
    if assessment.review_id is not None:
        return WishTime.PRESENT if response.review_id == assessment.review_id else WishTime.PAST
    latest = session.scalar(
        select(Review.id)
        .join(Response, Response.review_id == Review.id)
        .where(Review.person_id == record.person_id)
        .order_by(Review.scheduled_for.desc(), Review.id.desc())
        .limit(1)
    )
    return WishTime.PRESENT if response.review_id == latest else WishTime.PAST


def link_wish(
    session: Session,
    record: BestInterestsRecord,
    *,
    actor: User,
    version: int | str | None,
    response_id: int | None,
) -> BestInterestsWish:
    """Link one of the person's own statements as a past or present wish."""
    with change(
        session,
        record,
        version,
        actor=actor,
        action="best_interests.wish_linked",
        person_id=record.person_id,
        check=_check_open,
    ) as step:
        response = session.get(Response, response_id or 0)
        review = session.get(Review, response.review_id) if response else None
        if response is None or review is None or review.person_id != record.person_id:
            raise NotAllowed(_l("That statement is not one of the person's own."))
        if response.skipped:
            raise ServiceError(
                _l("The person skipped that question, so there is no statement to link.")
            )
        if session.scalar(
            select(BestInterestsWish.id).where(
                BestInterestsWish.record_id == record.id,
                BestInterestsWish.response_id == response.id,
            )
        ):
            raise ServiceError(_l("That statement is already linked."))
        wish = BestInterestsWish(
            record_id=record.id,
            response_id=response.id,
            period=wish_time(session, record, response),
        )
        session.add(wish)
        step.detail["response_id"] = response.id
    return wish


def wishes(
    session: Session, record: BestInterestsRecord
) -> list[tuple[BestInterestsWish, Response]]:
    """The person's linked statements, present first."""
    rows = session.execute(
        select(BestInterestsWish, Response)
        .join(Response, Response.id == BestInterestsWish.response_id)
        .where(BestInterestsWish.record_id == record.id)
        .order_by(BestInterestsWish.period.desc(), Response.id)
    )
    return [(w, r) for w, r in rows]


def add_consultee(
    session: Session,
    record: BestInterestsRecord,
    *,
    actor: User,
    version: int | str | None,
    supporter_id: int | None,
    name: str | None,
    role: str | None,
    view: str | None,
    consulted_on: date | None,
) -> BestInterestsConsultee:
    """Record who was consulted (attorney, deputy, family, advocate, IMCA ...) and their view."""
    with change(
        session,
        record,
        version,
        actor=actor,
        action="best_interests.consulted",
        person_id=record.person_id,
        check=_check_open,
    ) as step:
        supporter = None
        if supporter_id:
            supporter = session.get(Supporter, supporter_id)
            if supporter is None or supporter.person_id != record.person_id:
                raise NotAllowed(_l("Choose one of the person's supporters."))
            consultee_name = supporter.name
            consultee_role = ROLE_FOR_SUPPORTER.get(
                SupporterRole(supporter.role), ConsulteeRole.OTHER
            )
        else:
            consultee_name = need(
                name,
                ServiceError(_l("Enter the name of the person consulted.")),
                limit=160,
                what=_l("name"),
            )
            consultee_role = choice(
                ConsulteeRole, role, ServiceError(_l("Choose the role of the person consulted."))
            )
        if consulted_on is None or consulted_on > today():
            raise ServiceError(_l("Enter the date they were consulted (not in the future)."))
        consultee = BestInterestsConsultee(
            record_id=record.id,
            supporter_id=supporter.id if supporter else None,
            name=consultee_name,
            role=consultee_role,
            view=clean(view, required=ServiceError(_l("Write what they said."))),
            consulted_on=consulted_on,
            recorded_by_id=actor.id,
        )
        session.add(consultee)
        session.flush()
        step.detail.update(consultee_id=consultee.id, role=str(consultee_role))
    return consultee


def consultees(session: Session, record: BestInterestsRecord) -> list[BestInterestsConsultee]:
    """Everyone consulted, in the order recorded."""
    return list(
        session.scalars(
            select(BestInterestsConsultee)
            .where(BestInterestsConsultee.record_id == record.id)
            .order_by(BestInterestsConsultee.id)
        )
    )


def standing(
    session: Session, consultee: BestInterestsConsultee, area: DecisionArea | str
) -> Standing:
    """Whether this consultee's view is a decision: only an attorney's or deputy's, and only
    within the kind of authority recorded for them, once it has been checked."""
    if (
        consultee.role not in (ConsulteeRole.ATTORNEY, ConsulteeRole.DEPUTY)
        or not consultee.supporter_id
    ):
        return Standing(False, "no-authority")
    authorities = list(
        session.scalars(
            select(LegalAuthority).where(LegalAuthority.supporter_id == consultee.supporter_id)
        )
    )
    if not authorities:
        return Standing(False, "no-authority")
    in_scope = [a for a in authorities if a.kind in AUTHORITY_FOR_AREA[DecisionArea(area)]]
    if not in_scope:
        return Standing(False, "outside-authority", authorities[0])
    checked = [a for a in in_scope if a.checked_at is not None]
    if not checked:
        return Standing(False, "authority-not-checked", in_scope[0])
    return Standing(True, "within-authority", checked[0])


def decide(
    session: Session,
    record: BestInterestsRecord,
    *,
    actor: User,
    version: int | str | None,
    decision: str | None,
    reasoning: str | None,
    decided_on: date | None,
) -> None:
    """Record the best-interests decision once the person's wishes, the people consulted and
    the less restrictive options are on the record."""
    with change(
        session,
        record,
        version,
        actor=actor,
        action="best_interests.decided",
        person_id=record.person_id,
        check=_check_open,
    ):
        if not wishes(session, record) and not record.present_wishes and not record.past_wishes:
            raise ServiceError(
                _l(
                    "Record the person's past and present wishes first, linked to what they "
                    "said wherever they said it."
                )
            )
        if not record.less_restrictive:
            raise ServiceError(_l("Record the less restrictive options that were considered."))
        if not consultees(session, record):
            raise ServiceError(_l("Record who was consulted before the decision is made."))
        record.decision = clean(decision, required=ServiceError(_l("Write the decision.")))
        record.reasoning = clean(
            reasoning, required=ServiceError(_l("Write why it is in the person's best interests."))
        )
        if decided_on is None or decided_on > today():
            raise ServiceError(_l("Enter the date of the decision (not in the future)."))
        record.decided_on = decided_on
        record.decided_by_id = actor.id
        record.status = CaseStatus.RESOLVED
