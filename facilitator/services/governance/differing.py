"""The register of differing views: how the views differ, the route taken and the outcome.

A differing view may be opened from a supporter's contribution (contributions.open_differing_view)
or from the register. Either way the register derives the parties it can (the person, from
their response; the supporter, from their contribution) and never lets the person drop out of
the parties while the disagreement is about their wishes (``differing_parties.py``). Open
items age visibly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CapacityAssessment,
    CapacityOutcome,
    CaseStatus,
    DifferingRoute,
    DifferingView,
    DifferingViewDetail,
    DifferingViewParty,
    DifferingViewStatement,
    OutcomeCode,
    PartyKind,
    Person,
    Review,
    User,
    utcnow,
)
from .. import NotFound, ServiceError, audit
from ..reviews.person_first import require_person_first
from . import choice, clean, today
from .differing_parties import (
    Party,
    change_open,
    detail_for,
    materialise,
    parties,
    person_statements,
    review_of,
)
from .versions import change

# (first day, last day or None, id): open items age through these bands.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 13, "under-2-weeks"),
    (14, 27, "2-to-4-weeks"),
    (28, 55, "4-to-8-weeks"),
    (56, None, "over-8-weeks"),
)


@dataclass
class Case:
    """One differing view as the register shows it."""

    view: DifferingView
    review: Review
    person: Person
    detail: DifferingViewDetail
    parties: list[Party]
    age_days: int
    report_overdue: bool

    @property
    def age_band(self) -> str:
        return age_band(self.age_days)


def age_band(days: int) -> str:
    """The ageing band of an item open for ``days`` days."""
    for first, last, band in AGE_BANDS:
        if days >= first and (last is None or days <= last):
            return band
    return AGE_BANDS[0][2]


def age_days(view: DifferingView, as_of: date | None = None) -> int:
    """Days open so far (or until it was resolved)."""
    end = view.resolved_at.date() if view.resolved_at else (as_of or today())
    return max(0, (end - view.opened_at.date()).days)


def report_overdue(
    view: DifferingView, detail: DifferingViewDetail, as_of: date | None = None
) -> bool:
    """The advocate's formal report is waiting for its written response past the due date."""
    return (
        view.status == CaseStatus.OPEN
        and view.route == DifferingRoute.ADVOCATE_REPORT
        and view.response_due_on is not None
        and detail.written_response_on is None
        and view.response_due_on < (as_of or today())
    )


def get(session: Session, view_id: int) -> DifferingView:
    """The differing view, or NotFound."""
    view = session.get(DifferingView, view_id)
    if view is None:
        raise NotFound(_l("We could not find that differing view."))
    return view


def open_view(
    session: Session,
    review: Review,
    *,
    actor: User,
    summary: str | None,
    topic_id: str | None = None,
    about_wishes: bool = True,
    response_ids: Iterable[int] = (),
) -> DifferingView:
    """Open a differing view from the register (for example one raised in a meeting).

    When it is about the person's wishes the person is a party from the start, with the
    statements given; other parties are added next.
    """
    text = clean(
        summary,
        required=ServiceError(_l("Write a short summary of how the views differ.")),
        limit=2000,
    )
    if about_wishes:
        require_person_first(session, review)
    said = person_statements(session, review.person_id, response_ids)
    view = DifferingView(
        review_id=review.id,
        topic_id=clean(topic_id, limit=60),
        response_id=said[0].id if said else None,
        summary=text,
        status=CaseStatus.OPEN,
        opened_by_id=actor.id,
    )
    session.add(view)
    session.flush()
    session.add(DifferingViewDetail(differing_view_id=view.id, about_wishes=about_wishes))
    if about_wishes or said:
        person = DifferingViewParty(differing_view_id=view.id, kind=PartyKind.PERSON)
        session.add(person)
        session.flush()
        for response in said:
            session.add(DifferingViewStatement(party_id=person.id, response_id=response.id))
    audit.record(
        session,
        "differing_view.opened",
        actor=actor,
        obj=view,
        person_id=review.person_id,
        detail={"review_id": review.id, "topic_id": view.topic_id, "from": "register"},
    )
    return view


def set_route(
    session: Session,
    view: DifferingView,
    *,
    actor: User,
    version: int | str | None,
    route: str,
    response_due_on: date | None = None,
    report_received_on: date | None = None,
) -> None:
    """Choose (or change) the route; the advocate's formal report needs a response date."""
    with change_open(
        session, view, version, actor=actor, action="differing_view.route_set"
    ) as step:
        chosen = choice(
            DifferingRoute, route, ServiceError(_l("Choose the route taken to resolve it."))
        )
        detail = materialise(session, view)
        if chosen == DifferingRoute.ADVOCATE_REPORT:
            if response_due_on is None:
                raise ServiceError(
                    _l(
                        "The advocate's formal report needs a written response: enter the "
                        "date it is due."
                    )
                )
            if report_received_on is not None and report_received_on > today():
                raise ServiceError(_l("The date the report was received cannot be in the future."))
            if report_received_on is not None and response_due_on < report_received_on:
                raise ServiceError(_l("The response cannot be due before the report was received."))
            view.response_due_on = response_due_on
            detail.report_received_on = report_received_on
        previous = view.route
        view.route = chosen
        detail.route_set_at = utcnow()
        step.detail.update(route=str(chosen), previous=str(previous) if previous else None)


def record_written_response(
    session: Session,
    view: DifferingView,
    *,
    actor: User,
    version: int | str | None,
    sent_on: date | None,
) -> None:
    """The written response to the advocate's formal report was sent."""
    with change(
        session,
        view,
        version,
        actor=actor,
        action="differing_view.written_response",
        person_id=review_of(session, view).person_id,
    ):
        if view.route != DifferingRoute.ADVOCATE_REPORT:
            raise ServiceError(_l("Only the advocate's formal report needs a written response."))
        if sent_on is None or sent_on > today():
            raise ServiceError(
                _l("Enter the date the written response was sent (not in the future).")
            )
        materialise(session, view).written_response_on = sent_on


def resolve(
    session: Session,
    view: DifferingView,
    *,
    actor: User,
    version: int | str | None,
    outcome: str | None,
    reasoning: str | None,
    decision_maker: str | None,
    decided_on: date | None,
    outcome_code: str | None = None,
    followed_supporter_id: int | None = None,
    assessment_id: int | None = None,
) -> None:
    """Record the outcome, coded as well as written, the reasoning, who decided and when.

    The code is required (:class:`OutcomeCode`). A supporter's view followed over the
    person's names that supporter, who must be one of the parties; a best-interests decision
    against the person's stated wish names the capacity assessment it rests on: one of this
    person's, finding that they lack capacity for the decision.
    """
    with change_open(session, view, version, actor=actor, action="differing_view.resolved") as step:
        detail = materialise(session, view)
        if view.route is None:
            raise ServiceError(_l("Choose the route taken before recording the outcome."))
        if view.route == DifferingRoute.ADVOCATE_REPORT and detail.written_response_on is None:
            raise ServiceError(
                _l("The advocate's formal report needs a written response before this is resolved.")
            )
        if detail.about_wishes and not any(
            p.row.kind == PartyKind.PERSON for p in parties(session, view)
        ):
            raise ServiceError(
                _l("The person must be one of the parties: add what they said first.")
            )
        view.outcome = clean(outcome, required=ServiceError(_l("Write the outcome.")))
        view.reasoning = clean(
            reasoning, required=ServiceError(_l("Write the reasoning behind the outcome."))
        )
        detail.decision_maker = clean(
            decision_maker,
            required=ServiceError(_l("Say who made the decision.")),
            limit=200,
            what=_l("name"),
        )
        if decided_on is None or decided_on > today():
            raise ServiceError(_l("Enter the date of the decision (not in the future)."))
        if decided_on < view.opened_at.date():
            raise ServiceError(
                _l("The decision cannot be dated before the differing view was opened.")
            )
        detail.decided_on = decided_on
        _code(session, view, detail, outcome_code, followed_supporter_id, assessment_id)
        view.decided_by_id = actor.id
        view.status = CaseStatus.RESOLVED
        view.resolved_at = utcnow()
        step.detail["route"] = str(view.route)
        step.detail["outcome_code"] = str(detail.outcome_code)
        if detail.followed_supporter_id is not None:
            step.detail["followed_supporter_id"] = detail.followed_supporter_id
        if detail.assessment_id is not None:
            step.detail["assessment_id"] = detail.assessment_id


def _code(
    session: Session,
    view: DifferingView,
    detail: DifferingViewDetail,
    outcome_code: str | None,
    followed_supporter_id: int | None,
    assessment_id: int | None,
) -> None:
    """Check and store the outcome's code and what it names (the rules of :func:`resolve`)."""
    code = choice(
        OutcomeCode,
        outcome_code,
        ServiceError(_l("Choose how it ended from the list of outcomes.")),
    )
    detail.outcome_code = code
    detail.followed_supporter_id = None
    detail.assessment_id = None
    if code == OutcomeCode.SUPPORTER_FOLLOWED:
        supporters = {
            p.row.supporter_id
            for p in parties(session, view)
            if p.row.kind == PartyKind.SUPPORTER and p.row.supporter_id is not None
        }
        if followed_supporter_id is None or followed_supporter_id not in supporters:
            raise ServiceError(
                _l(
                    "Choose the supporter whose view was followed. They must be one of the "
                    "parties: add them first."
                )
            )
        detail.followed_supporter_id = followed_supporter_id
    elif code == OutcomeCode.BEST_INTERESTS_AGAINST:
        if assessment_id is None:
            raise ServiceError(
                _l(
                    "A best-interests decision needs the capacity assessment it rests on. "
                    "Record the assessment first, then choose it."
                )
            )
        assessment = session.get(CapacityAssessment, assessment_id)
        if assessment is None or assessment.person_id != review_of(session, view).person_id:
            raise ServiceError(_l("Choose one of this person's capacity assessments."))
        if assessment.outcome != CapacityOutcome.LACKS_CAPACITY:
            raise ServiceError(
                _l(
                    "That assessment found the person has capacity for the decision, so it "
                    "is theirs to make: a best-interests decision cannot go against it."
                )
            )
        detail.assessment_id = assessment.id


def case(session: Session, view: DifferingView, as_of: date | None = None) -> Case:
    """Everything the register shows about one differing view."""
    review = review_of(session, view)
    person = session.get(Person, review.person_id)
    assert person is not None
    detail = detail_for(session, view)
    return Case(
        view=view,
        review=review,
        person=person,
        detail=detail,
        parties=parties(session, view),
        age_days=age_days(view, as_of),
        report_overdue=report_overdue(view, detail, as_of),
    )


def register(
    session: Session,
    *,
    status: str | None = None,
    route: str | None = None,
    service: str | None = None,
    as_of: date | None = None,
    limit: int = 200,
) -> list[Case]:
    """The register, open items first and the oldest of them at the top."""
    query = (
        select(DifferingView)
        .join(Review, Review.id == DifferingView.review_id)
        .join(Person, Person.id == Review.person_id)
    )
    if status:
        query = query.where(
            DifferingView.status
            == choice(CaseStatus, status, ServiceError(_l("Choose a status from the list.")))
        )
    if route == "none":
        query = query.where(DifferingView.route.is_(None))
    elif route:
        query = query.where(
            DifferingView.route
            == choice(DifferingRoute, route, ServiceError(_l("Choose a route from the list.")))
        )
    if service:
        query = query.where(Person.service == service)
    views = session.scalars(query.order_by(DifferingView.opened_at, DifferingView.id).limit(limit))
    cases = [case(session, view, as_of) for view in views]
    cases.sort(key=lambda c: c.view.status != CaseStatus.OPEN)
    return cases
