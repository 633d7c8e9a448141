"""Mental Capacity Act 2005 support: capacity is presumed; an assessment is decision-specific.

An assessment is recorded only where capacity is in doubt for one decision, with the steps
taken to help the person decide. Someone lacks capacity for that decision only when they
cannot understand, retain, use or weigh the information, or communicate their decision
(because of an impairment of the mind or brain). Then a best-interests record
(``best_interests.py``) weighs their wishes, the people consulted and the less restrictive
options.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    BestInterestsRecord,
    CapacityAssessment,
    CapacityOutcome,
    DecisionArea,
    DifferingView,
    Person,
    Review,
    User,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from . import choice, clean, today

FUNCTIONAL_TESTS = ("understand", "retain", "use_or_weigh", "communicate")


def get_assessment(session: Session, assessment_id: int) -> CapacityAssessment:
    """The assessment, or NotFound."""
    found = session.get(CapacityAssessment, assessment_id)
    if found is None:
        raise NotFound(_l("We could not find that capacity assessment."))
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
        required=ServiceError(
            _l("Name the one decision being assessed: capacity is decision-specific.")
        ),
        limit=500,
        what=_l("decision"),
    )
    decision_area = choice(
        DecisionArea,
        area,
        ServiceError(_l("Say whether it is about health and welfare or money and property.")),
    )
    doubt = clean(
        doubt_reason,
        required=ServiceError(
            _l("Capacity is presumed. Say why it is in doubt for this decision.")
        ),
    )
    steps = clean(
        steps_taken,
        required=ServiceError(
            _l("Say what was done to help the person make the decision themselves.")
        ),
    )
    if any(findings.get(name) is None for name in FUNCTIONAL_TESTS):
        raise ServiceError(
            _l(
                "Answer all 4 questions: can the person understand, retain, use or weigh the "
                "information, and communicate their decision?"
            )
        )
    if assessed_on is None or assessed_on > today():
        raise ServiceError(_l("Enter the date of the assessment (not in the future)."))
    if review is not None and review.person_id != person.id:
        raise NotAllowed(_l("That review is about someone else."))
    if differing_view is not None:
        view_review = session.get(Review, differing_view.review_id)
        if view_review is None or view_review.person_id != person.id:
            raise NotAllowed(_l("That differing view is about someone else."))
    lacks = not all(findings[name] for name in FUNCTIONAL_TESTS)
    cleaned_notes = {name: clean(notes.get(name), what=_l("note")) for name in FUNCTIONAL_TESTS}
    reason_for_impairment = clean(impairment)
    if lacks:
        missing = [n for n in FUNCTIONAL_TESTS if not findings[n] and not cleaned_notes[n]]
        if missing:
            raise ServiceError(_l("For each thing the person could not do, say why."))
        if not reason_for_impairment:
            raise ServiceError(
                _l(
                    "Someone lacks capacity only because of an impairment or disturbance of "
                    "the mind or brain. Describe it, or record that the person has capacity."
                )
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
