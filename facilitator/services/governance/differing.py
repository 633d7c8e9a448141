"""The register of differing views: parties, what each said, the route taken and the outcome.

A differing view may be opened from a supporter's contribution (contributions.open_differing_view)
or from the register. Either way the register derives the parties it can (the person, from
their response; the supporter, from their contribution) and never lets the person drop out of
the parties while the disagreement is about their wishes. Open items age visibly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingRoute,
    DifferingView,
    DifferingViewDetail,
    DifferingViewParty,
    DifferingViewStatement,
    PartyKind,
    Person,
    Response,
    Review,
    Supporter,
    User,
    utcnow,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from . import bump, check_version, choice, clean, today

# (first day, last day or None, id): open items age through these bands.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 13, "under-2-weeks"),
    (14, 27, "2-to-4-weeks"),
    (28, 55, "4-to-8-weeks"),
    (56, None, "over-8-weeks"),
)


@dataclass
class Party:
    """A party with what they said."""

    row: DifferingViewParty
    supporter: Supporter | None = None
    user: User | None = None
    responses: list[Response] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)


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
        raise NotFound("We could not find that differing view.")
    return view


def detail_for(session: Session, view: DifferingView) -> DifferingViewDetail:
    """The register's details of a view (unsaved defaults when none are stored yet)."""
    detail = session.get(DifferingViewDetail, view.id)
    if detail is None:
        detail = DifferingViewDetail(differing_view_id=view.id, about_wishes=True)
    return detail


def _review(session: Session, view: DifferingView) -> Review:
    review = session.get(Review, view.review_id)
    assert review is not None
    return review


def _party_rows(session: Session, view: DifferingView) -> list[DifferingViewParty]:
    return list(
        session.scalars(
            select(DifferingViewParty)
            .where(DifferingViewParty.differing_view_id == view.id)
            .order_by(DifferingViewParty.id)
        )
    )


def _author_of(contribution: Contribution) -> tuple[PartyKind, int | None, int | None]:
    if contribution.supporter_id is not None:
        return PartyKind.SUPPORTER, contribution.supporter_id, None
    return PartyKind.STAFF, None, contribution.author_user_id


def _implied(
    session: Session, view: DifferingView
) -> list[tuple[DifferingViewParty, list[DifferingViewStatement]]]:
    """Parties implied by the core row: the person (their response) and the contribution's
    author. Not saved: reading the register never writes."""
    implied = []
    if view.response_id is not None or detail_for(session, view).about_wishes:
        statements = (
            [DifferingViewStatement(response_id=view.response_id)] if view.response_id else []
        )
        implied.append(
            (DifferingViewParty(differing_view_id=view.id, kind=PartyKind.PERSON), statements)
        )
    contribution = session.get(Contribution, view.contribution_id or 0)
    if contribution is not None:
        kind, supporter_id, user_id = _author_of(contribution)
        row = DifferingViewParty(
            differing_view_id=view.id, kind=kind, supporter_id=supporter_id, user_id=user_id
        )
        implied.append((row, [DifferingViewStatement(contribution_id=contribution.id)]))
    return implied


def _materialise(session: Session, view: DifferingView) -> DifferingViewDetail:
    """Save the details and implied parties before the first change to a view."""
    detail = session.get(DifferingViewDetail, view.id)
    if detail is None:
        detail = DifferingViewDetail(differing_view_id=view.id, about_wishes=True)
        session.add(detail)
    if not _party_rows(session, view):
        for row, statements in _implied(session, view):
            session.add(row)
            session.flush()
            for statement in statements:
                statement.party_id = row.id
                session.add(statement)
    session.flush()
    return detail


def _statements(session: Session, row: DifferingViewParty) -> list[DifferingViewStatement]:
    return list(
        session.scalars(
            select(DifferingViewStatement)
            .where(DifferingViewStatement.party_id == row.id)
            .order_by(DifferingViewStatement.id)
        )
    )


def parties(session: Session, view: DifferingView) -> list[Party]:
    """The parties with what each said; the person first."""
    rows = _party_rows(session, view)
    pairs = [(row, _statements(session, row)) for row in rows] if rows else _implied(session, view)
    result = []
    for row, statements in pairs:
        party = Party(
            row,
            supporter=session.get(Supporter, row.supporter_id) if row.supporter_id else None,
            user=session.get(User, row.user_id) if row.user_id else None,
        )
        for statement in statements:
            if statement.response_id is not None:
                response = session.get(Response, statement.response_id)
                if response is not None:
                    party.responses.append(response)
            if statement.contribution_id is not None:
                contribution = session.get(Contribution, statement.contribution_id)
                if contribution is not None:
                    party.contributions.append(contribution)
        result.append(party)
    result.sort(key=lambda p: p.row.kind != PartyKind.PERSON)
    return result


def _check_open(view: DifferingView) -> None:
    if view.status != CaseStatus.OPEN:
        raise ServiceError("This differing view is resolved. Open a new one if views differ again.")


def _person_responses(
    session: Session, person_id: int, response_ids: Iterable[int]
) -> list[Response]:
    found = []
    for response_id in response_ids:
        response = session.get(Response, response_id)
        review = session.get(Review, response.review_id) if response else None
        if response is None or review is None or review.person_id != person_id:
            raise NotAllowed("That statement is not one of the person's own.")
        found.append(response)
    return found


def _contributions_by(
    session: Session,
    person_id: int,
    contribution_ids: Iterable[int],
    *,
    supporter: Supporter | None,
    user: User | None,
) -> list[Contribution]:
    found = []
    for contribution_id in contribution_ids:
        contribution = session.get(Contribution, contribution_id)
        review = session.get(Review, contribution.review_id) if contribution else None
        if contribution is None or review is None or review.person_id != person_id:
            raise NotAllowed("That contribution is about someone else.")
        if contribution.status != ContributionStatus.SUBMITTED:
            raise ServiceError("A draft is not a view yet: only sent views can be linked.")
        by_supporter = supporter is not None and contribution.supporter_id == supporter.id
        by_user = user is not None and contribution.author_user_id == user.id
        if not (by_supporter or by_user):
            raise NotAllowed("That contribution was written by someone else.")
        found.append(contribution)
    return found


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
    from ..reviews.person_first import require_person_first

    text = clean(summary, required="Write a short summary of how the views differ.", limit=2000)
    if about_wishes:
        require_person_first(session, review)
    said = _person_responses(session, review.person_id, response_ids)
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


def add_party(
    session: Session,
    view: DifferingView,
    *,
    actor: User,
    version: int | str | None,
    kind: str,
    supporter_id: int | None = None,
    user_id: int | None = None,
    position: str | None = None,
    response_ids: Iterable[int] = (),
    contribution_ids: Iterable[int] = (),
) -> DifferingViewParty:
    """Add a party with what they said (links to the person's responses or contributions)."""
    check_version(view, version)
    _check_open(view)
    review = _review(session, view)
    party_kind = choice(PartyKind, kind, "Choose whose view this is.")
    _materialise(session, view)
    supporter = user = None
    if party_kind == PartyKind.SUPPORTER:
        supporter = session.get(Supporter, supporter_id or 0)
        if supporter is None or supporter.person_id != review.person_id:
            raise NotAllowed("Choose one of the person's supporters.")
    elif party_kind == PartyKind.STAFF:
        user = session.get(User, user_id or 0)
        if user is None:
            raise ServiceError("Choose the member of staff.")
    existing = [
        p
        for p in _party_rows(session, view)
        if p.kind == party_kind
        and p.supporter_id == (supporter.id if supporter else None)
        and p.user_id == (user.id if user else None)
    ]
    if existing:
        raise ServiceError("They are already one of the parties.")
    if party_kind == PartyKind.PERSON:
        said_responses = _person_responses(session, review.person_id, response_ids)
        said_contributions: list[Contribution] = []
    else:
        said_responses = []
        said_contributions = _contributions_by(
            session, review.person_id, contribution_ids, supporter=supporter, user=user
        )
    row = DifferingViewParty(
        differing_view_id=view.id,
        kind=party_kind,
        supporter_id=supporter.id if supporter else None,
        user_id=user.id if user else None,
        position=clean(position, limit=2000, what="summary of their view"),
    )
    session.add(row)
    session.flush()
    for response in said_responses:
        session.add(DifferingViewStatement(party_id=row.id, response_id=response.id))
    for contribution in said_contributions:
        session.add(DifferingViewStatement(party_id=row.id, contribution_id=contribution.id))
    bump(view)
    audit.record(
        session,
        "differing_view.party_added",
        actor=actor,
        obj=view,
        person_id=review.person_id,
        detail={
            "party_id": row.id,
            "kind": str(party_kind),
            "responses": [r.id for r in said_responses],
            "contributions": [c.id for c in said_contributions],
        },
    )
    return row


def remove_party(
    session: Session, view: DifferingView, party_id: int, *, actor: User, version: int | str | None
) -> None:
    """Remove a party added by mistake; the person stays while it is about their wishes."""
    check_version(view, version)
    _check_open(view)
    detail = _materialise(session, view)
    row = session.get(DifferingViewParty, party_id)
    if row is None or row.differing_view_id != view.id:
        raise NotFound("That party is not on this differing view.")
    if row.kind == PartyKind.PERSON and detail.about_wishes:
        raise ServiceError(
            "The person is always one of the parties when the disagreement is about their wishes."
        )
    session.delete(row)
    bump(view)
    audit.record(
        session,
        "differing_view.party_removed",
        actor=actor,
        obj=view,
        person_id=_review(session, view).person_id,
        detail={"party_id": party_id},
    )


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
    check_version(view, version)
    _check_open(view)
    chosen = choice(DifferingRoute, route, "Choose the route taken to resolve it.")
    detail = _materialise(session, view)
    if chosen == DifferingRoute.ADVOCATE_REPORT:
        if response_due_on is None:
            raise ServiceError(
                "The advocate's formal report needs a written response: enter the date it is due."
            )
        if report_received_on is not None and report_received_on > today():
            raise ServiceError("The date the report was received cannot be in the future.")
        if report_received_on is not None and response_due_on < report_received_on:
            raise ServiceError("The response cannot be due before the report was received.")
        view.response_due_on = response_due_on
        detail.report_received_on = report_received_on
    previous = view.route
    view.route = chosen
    detail.route_set_at = utcnow()
    bump(view)
    audit.record(
        session,
        "differing_view.route_set",
        actor=actor,
        obj=view,
        person_id=_review(session, view).person_id,
        detail={"route": str(chosen), "previous": str(previous) if previous else None},
    )


def record_written_response(
    session: Session,
    view: DifferingView,
    *,
    actor: User,
    version: int | str | None,
    sent_on: date | None,
) -> None:
    """The written response to the advocate's formal report was sent."""
    check_version(view, version)
    if view.route != DifferingRoute.ADVOCATE_REPORT:
        raise ServiceError("Only the advocate's formal report needs a written response.")
    if sent_on is None or sent_on > today():
        raise ServiceError("Enter the date the written response was sent (not in the future).")
    _materialise(session, view).written_response_on = sent_on
    bump(view)
    audit.record(
        session,
        "differing_view.written_response",
        actor=actor,
        obj=view,
        person_id=_review(session, view).person_id,
    )


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
) -> None:
    """Record the outcome, the reasoning, who decided and when."""
    check_version(view, version)
    _check_open(view)
    detail = _materialise(session, view)
    if view.route is None:
        raise ServiceError("Choose the route taken before recording the outcome.")
    if view.route == DifferingRoute.ADVOCATE_REPORT and detail.written_response_on is None:
        raise ServiceError(
            "The advocate's formal report needs a written response before this is resolved."
        )
    if detail.about_wishes and not any(
        p.row.kind == PartyKind.PERSON for p in parties(session, view)
    ):
        raise ServiceError("The person must be one of the parties: add what they said first.")
    view.outcome = clean(outcome, required="Write the outcome.")
    view.reasoning = clean(reasoning, required="Write the reasoning behind the outcome.")
    detail.decision_maker = clean(
        decision_maker, required="Say who made the decision.", limit=200, what="name"
    )
    if decided_on is None or decided_on > today():
        raise ServiceError("Enter the date of the decision (not in the future).")
    if decided_on < view.opened_at.date():
        raise ServiceError("The decision cannot be dated before the differing view was opened.")
    detail.decided_on = decided_on
    view.decided_by_id = actor.id
    view.status = CaseStatus.RESOLVED
    view.resolved_at = utcnow()
    bump(view)
    audit.record(
        session,
        "differing_view.resolved",
        actor=actor,
        obj=view,
        person_id=_review(session, view).person_id,
        detail={"route": str(view.route)},
    )


def case(session: Session, view: DifferingView, as_of: date | None = None) -> Case:
    """Everything the register shows about one differing view."""
    review = _review(session, view)
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
            DifferingView.status == choice(CaseStatus, status, "Choose a status from the list.")
        )
    if route == "none":
        query = query.where(DifferingView.route.is_(None))
    elif route:
        query = query.where(
            DifferingView.route == choice(DifferingRoute, route, "Choose a route from the list.")
        )
    if service:
        query = query.where(Person.service == service)
    views = session.scalars(query.order_by(DifferingView.opened_at, DifferingView.id).limit(limit))
    cases = [case(session, view, as_of) for view in views]
    cases.sort(key=lambda c: c.view.status != CaseStatus.OPEN)
    return cases
