"""Mental Capacity Act 2005 support: capacity is presumed; an assessment is decision-specific.

An assessment is recorded only where capacity is in doubt for one decision, with the steps
taken to help the person decide. Someone lacks capacity for that decision only when they
cannot understand, retain, use or weigh the information, or communicate their decision
(because of an impairment of the mind or brain). Then a best-interests record weighs their
past and present wishes (linked to their own statements), beliefs and values, the people
consulted and less restrictive options. An attorney's or deputy's view is a decision only
within the scope of their recorded, checked authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

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
    DifferingView,
    LegalAuthority,
    Person,
    Response,
    Review,
    Supporter,
    SupporterRole,
    User,
    WishTime,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from . import bump, check_version, choice, clean, need, today

FUNCTIONAL_TESTS = ("understand", "retain", "use_or_weigh", "communicate")
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


def get_assessment(session: Session, assessment_id: int) -> CapacityAssessment:
    """The assessment, or NotFound."""
    found = session.get(CapacityAssessment, assessment_id)
    if found is None:
        raise NotFound("We could not find that capacity assessment.")
    return found


def assess(
    session: Session,
    person: Person,
    *,
    actor: User,
    decision: str | None,
    area: str,
    doubt_reason: str | None,
    steps_taken: str | None,
    findings: Mapping[str, bool | None],
    notes: Mapping[str, str | None],
    impairment: str | None,
    assessed_on: date | None,
    review: Review | None = None,
    differing_view: DifferingView | None = None,
) -> CapacityAssessment:
    """Record a decision-specific assessment where capacity is in doubt."""
    text = clean(
        decision,
        required="Name the one decision being assessed: capacity is decision-specific.",
        limit=500,
        what="decision",
    )
    decision_area = choice(
        DecisionArea, area, "Say whether it is about health and welfare or money and property."
    )
    doubt = clean(
        doubt_reason,
        required="Capacity is presumed. Say why it is in doubt for this decision.",
    )
    steps = clean(
        steps_taken,
        required="Say what was done to help the person make the decision themselves.",
    )
    if any(findings.get(name) is None for name in FUNCTIONAL_TESTS):
        raise ServiceError(
            "Answer all 4 questions: can the person understand, retain, use or weigh the "
            "information, and communicate their decision?"
        )
    if assessed_on is None or assessed_on > today():
        raise ServiceError("Enter the date of the assessment (not in the future).")
    if review is not None and review.person_id != person.id:
        raise NotAllowed("That review is about someone else.")
    if differing_view is not None:
        view_review = session.get(Review, differing_view.review_id)
        if view_review is None or view_review.person_id != person.id:
            raise NotAllowed("That differing view is about someone else.")
    lacks = not all(findings[name] for name in FUNCTIONAL_TESTS)
    cleaned_notes = {name: clean(notes.get(name), what="note") for name in FUNCTIONAL_TESTS}
    reason_for_impairment = clean(impairment, what="text")
    if lacks:
        missing = [n for n in FUNCTIONAL_TESTS if not findings[n] and not cleaned_notes[n]]
        if missing:
            raise ServiceError("For each thing the person could not do, say why.")
        if not reason_for_impairment:
            raise ServiceError(
                "Someone lacks capacity only because of an impairment or disturbance of the "
                "mind or brain. Describe it, or record that the person has capacity."
            )
    record = CapacityAssessment(
        person_id=person.id,
        review_id=review.id if review else None,
        differing_view_id=differing_view.id if differing_view else None,
        decision=text,
        area=decision_area,
        doubt_reason=doubt,
        steps_taken=steps,
        impairment=reason_for_impairment,
        outcome=CapacityOutcome.LACKS_CAPACITY if lacks else CapacityOutcome.HAS_CAPACITY,
        assessed_on=assessed_on,
        assessor_id=actor.id,
        **{name: bool(findings[name]) for name in FUNCTIONAL_TESTS},
        **{f"{name}_note": cleaned_notes[name] for name in FUNCTIONAL_TESTS},
    )
    session.add(record)
    audit.record(
        session,
        "capacity.assessed",
        actor=actor,
        obj=record,
        person_id=person.id,
        detail={"review_id": record.review_id, "differing_view_id": record.differing_view_id},
    )
    return record


def best_interests_for(
    session: Session, assessment: CapacityAssessment
) -> BestInterestsRecord | None:
    """The best-interests record of an assessment, if one was started."""
    return session.scalar(
        select(BestInterestsRecord).where(BestInterestsRecord.assessment_id == assessment.id)
    )


def start_best_interests(
    session: Session, assessment: CapacityAssessment, *, actor: User
) -> BestInterestsRecord:
    """Start the best-interests record: only where the person lacks capacity for the decision."""
    if assessment.outcome != CapacityOutcome.LACKS_CAPACITY:
        raise ServiceError(
            "The person has capacity for this decision, so it is theirs to make, even if it "
            "seems unwise. There is no best-interests decision."
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
        raise ServiceError("This best-interests decision has been made and cannot change.")


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
    check_version(record, version)
    _check_open(record)
    record.past_wishes = clean(past_wishes)
    record.present_wishes = clean(present_wishes)
    record.beliefs_values = clean(beliefs_values)
    record.less_restrictive = clean(less_restrictive)
    bump(record)
    audit.record(
        session, "best_interests.updated", actor=actor, obj=record, person_id=record.person_id
    )


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
    response_id: int,
) -> BestInterestsWish:
    """Link one of the person's own statements as a past or present wish."""
    check_version(record, version)
    _check_open(record)
    response = session.get(Response, response_id)
    review = session.get(Review, response.review_id) if response else None
    if response is None or review is None or review.person_id != record.person_id:
        raise NotAllowed("That statement is not one of the person's own.")
    if response.skipped:
        raise ServiceError("The person skipped that question, so there is no statement to link.")
    if session.scalar(
        select(BestInterestsWish.id).where(
            BestInterestsWish.record_id == record.id,
            BestInterestsWish.response_id == response.id,
        )
    ):
        raise ServiceError("That statement is already linked.")
    wish = BestInterestsWish(
        record_id=record.id, response_id=response.id, period=wish_time(session, record, response)
    )
    session.add(wish)
    bump(record)
    audit.record(
        session,
        "best_interests.wish_linked",
        actor=actor,
        obj=record,
        person_id=record.person_id,
        detail={"response_id": response.id},
    )
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
    check_version(record, version)
    _check_open(record)
    supporter = None
    if supporter_id:
        supporter = session.get(Supporter, supporter_id)
        if supporter is None or supporter.person_id != record.person_id:
            raise NotAllowed("Choose one of the person's supporters.")
        consultee_name = supporter.name
        consultee_role = ROLE_FOR_SUPPORTER.get(SupporterRole(supporter.role), ConsulteeRole.OTHER)
    else:
        consultee_name = need(
            name, "Enter the name of the person consulted.", limit=160, what="name"
        )
        consultee_role = choice(ConsulteeRole, role, "Choose the role of the person consulted.")
    if consulted_on is None or consulted_on > today():
        raise ServiceError("Enter the date they were consulted (not in the future).")
    consultee = BestInterestsConsultee(
        record_id=record.id,
        supporter_id=supporter.id if supporter else None,
        name=consultee_name,
        role=consultee_role,
        view=clean(view, required="Write what they said."),
        consulted_on=consulted_on,
        recorded_by_id=actor.id,
    )
    session.add(consultee)
    session.flush()
    bump(record)
    audit.record(
        session,
        "best_interests.consulted",
        actor=actor,
        obj=record,
        person_id=record.person_id,
        detail={"consultee_id": consultee.id, "role": str(consultee_role)},
    )
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
    check_version(record, version)
    _check_open(record)
    if not wishes(session, record) and not record.present_wishes and not record.past_wishes:
        raise ServiceError(
            "Record the person's past and present wishes first, linked to what they said "
            "wherever they said it."
        )
    if not record.less_restrictive:
        raise ServiceError("Record the less restrictive options that were considered.")
    if not consultees(session, record):
        raise ServiceError("Record who was consulted before the decision is made.")
    record.decision = clean(decision, required="Write the decision.")
    record.reasoning = clean(reasoning, required="Write why it is in the person's best interests.")
    if decided_on is None or decided_on > today():
        raise ServiceError("Enter the date of the decision (not in the future).")
    record.decided_on = decided_on
    record.decided_by_id = actor.id
    record.status = CaseStatus.RESOLVED
    bump(record)
    audit.record(
        session, "best_interests.decided", actor=actor, obj=record, person_id=record.person_id
    )


def assessments(
    session: Session, *, person_id: int | None = None, service: str | None = None
) -> list[tuple[CapacityAssessment, Person, BestInterestsRecord | None]]:
    """Assessments newest first, with the person and any best-interests record."""
    query = (
        select(CapacityAssessment, Person, BestInterestsRecord)
        .join(Person, Person.id == CapacityAssessment.person_id)
        .outerjoin(BestInterestsRecord, BestInterestsRecord.assessment_id == CapacityAssessment.id)
        .order_by(CapacityAssessment.assessed_on.desc(), CapacityAssessment.id.desc())
    )
    if person_id:
        query = query.where(CapacityAssessment.person_id == person_id)
    if service:
        query = query.where(Person.service == service)
    return [(a, p, b) for a, p, b in session.execute(query)]
