"""The governance dashboard: figures for a period and a service, from the records themselves.

Every figure is computed here from the tables (not from other services' caches), so that the
numbers a commissioner or inspector sees can be checked against a known data set in a test.
"Now" figures (open items, overdue items) are counted as of ``as_of``, today by default.

One module over 400 lines because it is one thing: each private function fills one section of
the one Dashboard for the same period and service filter, so a figure can be read beside its
definition and its neighbours, and ``figure_rows`` lists them all for the CSV and tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select, union_all
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    ActionStatus,
    AuditEvent,
    CaptureMethod,
    CaseStatus,
    Communication,
    Complaint,
    Contribution,
    ContributionStatus,
    DifferingRoute,
    DifferingView,
    DifferingViewDetail,
    DifferingViewParty,
    FlagStatus,
    NonParticipation,
    OutcomeAction,
    Person,
    Response,
    Review,
    SafetyFlag,
    Supporter,
    SupporterRole,
    action_responses,
)
from .. import ServiceError
from ..governance import today
from ..governance.agreements import due_for_review, supporters_without_agreement
from ..governance.complaints import detail_for as complaint_detail
from ..governance.complaints import overdue as complaint_overdue
from ..governance.differing import AGE_BANDS, age_band, age_days
from ..reviews.current import not_superseded

# Family or friends: the person's own circle, without a formal or paid role.
FAMILY_ROLES = frozenset({SupporterRole.FAMILY, SupporterRole.FRIEND, SupporterRole.UNPAID_CARER})
ROUTES = tuple(r.value for r in DifferingRoute) + ("none",)
CAPTURE_METHODS = tuple(m.value for m in CaptureMethod)
LONGEST_PERIOD_DAYS = 5 * 366
SECTIONS = ("peoples-experience", "feedback", "processes", "outcomes")
# Held reviews given by id this many at a time (under SQLite's 32,766 bound values).
HELD_CHUNK = 5000


@dataclass(frozen=True)
class Period:
    """A date range (both ends included) and optionally one service."""

    start: date
    end: date
    service: str | None = None

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)


def make_period(start: date | None, end: date | None, service: str | None = None) -> Period:
    """A checked period; the last 90 days by default."""
    end = end or today()
    start = start or end - timedelta(days=89)
    if start > end:
        raise ServiceError(_l("The start of the period must be before its end."))
    if (end - start).days > LONGEST_PERIOD_DAYS:
        raise ServiceError(_l("Choose a period of 5 years or less."))
    return Period(start, end, (service or "").strip() or None)


@dataclass(frozen=True)
class Share:
    """A part of a whole, with its percentage (None when the whole is 0)."""

    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.part / self.whole) if self.whole else None


@dataclass
class SupporterPattern:
    """How often a supporter contributes, and how often their view differs from the person's."""

    supporter: Supporter
    person: Person
    contributions: int
    differing: int

    @property
    def share(self) -> Share:
        return Share(self.differing, self.contributions)


@dataclass
class Dashboard:
    """Every figure on the dashboard."""

    period: Period
    as_of: date
    reviews_held: int = 0
    person_confirmed: int = 0
    person_first: Share = field(default_factory=lambda: Share(0, 0))
    non_participation: int = 0
    capture: dict[str, int] = field(default_factory=dict)
    no_family_with_advocate: Share = field(default_factory=lambda: Share(0, 0))
    needing_advocate: list[Person] = field(default_factory=list)
    differing_opened: dict[str, int] = field(default_factory=dict)
    differing_resolved: dict[str, int] = field(default_factory=dict)
    differing_open_by_age: dict[str, int] = field(default_factory=dict)
    reports_overdue: int = 0
    complaints_received: int = 0
    complaints_open: int = 0
    complaints_overdue: int = 0
    actions_total: int = 0
    actions_overdue: int = 0
    actions_linked: Share = field(default_factory=lambda: Share(0, 0))
    actions_with_reason: int = 0
    flags_raised: int = 0
    flags_cleared: int = 0
    flags_open: int = 0
    agreements_due: int = 0
    supporters_without_agreement: int = 0
    communications: int = 0
    audit_entries: int = 0
    supporters: list[SupporterPattern] = field(default_factory=list)


@dataclass(frozen=True)
class FigureRow:
    """One line of the CSV export: stable ids, the view adds words in the reader's language."""

    section: str
    figure: str
    breakdown: str
    value: int | None
    whole: int | None = None

    @property
    def percent(self) -> int | None:
        return Share(self.value or 0, self.whole).percent if self.whole is not None else None


def _service(query: Any, period: Period) -> Any:
    return query.where(Person.service == period.service) if period.service else query


def _of_service(query: Any, period: Period, *path: tuple[Any, Any]) -> Any:
    """``query`` for the period's service: joined through ``path`` to the person only when a
    service is chosen. (Every foreign key on the way is required, so without a service the
    joins would drop nothing; left out, the database starts from the small table instead of
    walking every person and review to find a few rows.)"""
    if not period.service:
        return query
    for table, condition in path:
        query = query.join(table, condition)
    return query.where(Person.service == period.service)


def services(session: Session) -> list[str]:
    """The services people are recorded under, for choosing one."""
    return list(
        session.scalars(
            select(Person.service)
            .where(Person.service.is_not(None))
            .distinct()
            .order_by(Person.service)
        )
    )


def _held(period: Period) -> Select[Any]:
    """Reviews held in the period: counted by the day the person's session took place.

    That is the day a facilitator first started the person's session on the tablet; for a
    review where it never started, the day it was recorded that the person could not take
    part. Never the date the review was scheduled for: a review held early, or late, counts
    on the day it happened, and a review still to come counts nowhere yet.
    """
    columns = (Review.id, Review.person_id, Review.person_confirmed_at)
    started = select(*columns).where(
        Review.person_started_at >= period.start_at, Review.person_started_at < period.end_at
    )
    # From the few reviews where the person could not take part, not a second walk of all.
    first_recorded = (
        select(NonParticipation.review_id.label("review_id"))
        .group_by(NonParticipation.review_id)
        .having(
            func.min(NonParticipation.recorded_at) >= period.start_at,
            func.min(NonParticipation.recorded_at) < period.end_at,
        )
        .subquery()
    )
    not_started = (
        select(*columns)
        .select_from(first_recorded)
        .join(Review, Review.id == first_recorded.c.review_id)
        .where(Review.person_started_at.is_(None))
    )
    if period.service:
        in_service = Person.service == period.service
        started = started.join(Person, Person.id == Review.person_id).where(in_service)
        not_started = not_started.join(Person, Person.id == Review.person_id).where(in_service)
    return union_all(started, not_started)  # type: ignore[return-value]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """The held reviews' ids a few thousand at a time: found once (the day a session took
    place has no index of its own), then given by id, within every database's limit."""
    for start in range(0, len(ids), HELD_CHUNK):
        yield ids[start : start + HELD_CHUNK]


def _reviews(session: Session, period: Period, d: Dashboard) -> list[int]:
    """The figures of the reviews held in the period; their ids, for the actions."""
    held = list(session.execute(_held(period)))
    ids = sorted(row.id for row in held)
    d.reviews_held = len(held)
    first_other: dict[int, Any] = {}
    capture: Counter[Any] = Counter()
    for chunk in _chunks(ids):
        first_other.update(
            session.execute(
                select(Contribution.review_id, func.min(Contribution.created_at))
                .where(Contribution.review_id.in_(chunk))
                .group_by(Contribution.review_id)
            ).all()
        )
        d.non_participation += (
            session.scalar(
                select(func.count(func.distinct(NonParticipation.review_id))).where(
                    NonParticipation.review_id.in_(chunk)
                )
            )
            or 0
        )
        capture.update(
            dict(
                session.execute(
                    select(Response.capture_method, func.count(Response.id))
                    .where(
                        Response.review_id.in_(chunk),
                        Response.skipped.is_(False),
                        not_superseded(Response),
                    )
                    .group_by(Response.capture_method)
                ).all()
            )
        )
    confirmed = [row for row in held if row.person_confirmed_at is not None]
    first = [
        row
        for row in confirmed
        if first_other.get(row.id) is None
        or _aware(first_other[row.id]) >= _aware(row.person_confirmed_at)
    ]
    d.person_confirmed = len(confirmed)
    d.person_first = Share(len(first), len(held))
    d.capture = {m: int(capture.get(CaptureMethod(m), 0)) for m in CAPTURE_METHODS}
    people = {row.person_id for row in held}
    with_family = set(
        session.scalars(
            select(Supporter.person_id).where(
                Supporter.person_id.in_(people),
                Supporter.role.in_(list(FAMILY_ROLES)),
                Supporter.active.is_(True),
            )
        )
    )
    with_advocate = set(
        session.scalars(
            select(Supporter.person_id).where(
                Supporter.person_id.in_(people),
                Supporter.role.in_(list(ADVOCATE_ROLES)),
                Supporter.active.is_(True),
            )
        )
    )
    without_family = people - with_family
    d.no_family_with_advocate = Share(len(without_family & with_advocate), len(without_family))
    has_advocate = select(Supporter.person_id).where(
        Supporter.role.in_(list(ADVOCATE_ROLES)), Supporter.active.is_(True)
    )
    d.needing_advocate = list(
        session.scalars(
            _service(
                select(Person).where(
                    Person.advocate_needed.is_(True),
                    Person.care_ended_on.is_(None),
                    Person.id.not_in(has_advocate),
                ),
                period,
            ).order_by(Person.preferred_name)
        )
    )
    return ids


def _aware(value: datetime) -> datetime:
    if isinstance(value, str):  # SQLite hands back aggregate timestamps as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _views(period: Period, what: Any = DifferingView) -> Select[Any]:
    return _of_service(  # type: ignore[no-any-return]
        select(what),
        period,
        (Review, Review.id == DifferingView.review_id),
        (Person, Person.id == Review.person_id),
    )


def _by_route(views: list[DifferingView]) -> dict[str, int]:
    counts = Counter(str(v.route) if v.route else "none" for v in views)
    return {route: counts.get(route, 0) for route in ROUTES}


def _differing(session: Session, period: Period, d: Dashboard) -> None:
    opened = list(
        session.scalars(
            _views(period).where(
                DifferingView.opened_at >= period.start_at, DifferingView.opened_at < period.end_at
            )
        )
    )
    resolved = list(
        session.scalars(
            _views(period).where(
                DifferingView.status != CaseStatus.OPEN,
                DifferingView.resolved_at >= period.start_at,
                DifferingView.resolved_at < period.end_at,
            )
        )
    )
    still_open = list(
        session.scalars(_views(period).where(DifferingView.status == CaseStatus.OPEN))
    )
    d.differing_opened = _by_route(opened)
    d.differing_resolved = _by_route(resolved)
    bands = Counter(age_band(age_days(v, d.as_of)) for v in still_open)
    d.differing_open_by_age = {band: bands.get(band, 0) for _, _, band in AGE_BANDS}
    answered = set(
        session.scalars(
            select(DifferingViewDetail.differing_view_id).where(
                DifferingViewDetail.written_response_on.is_not(None)
            )
        )
    )
    d.reports_overdue = sum(
        1
        for v in still_open
        if v.route == DifferingRoute.ADVOCATE_REPORT
        and v.response_due_on is not None
        and v.response_due_on < d.as_of
        and v.id not in answered
    )


def _complaints(session: Session, period: Period, d: Dashboard) -> None:
    query: Any = select(Complaint)
    if period.service:
        query = _service(query.outerjoin(Person, Person.id == Complaint.person_id), period)
    d.complaints_received = (
        session.scalar(
            select(func.count()).select_from(
                query.where(
                    Complaint.received_on >= period.start, Complaint.received_on <= period.end
                ).subquery()
            )
        )
        or 0
    )
    still_open = list(session.scalars(query.where(Complaint.status == CaseStatus.OPEN)))
    d.complaints_open = len(still_open)
    d.complaints_overdue = sum(
        1 for c in still_open if complaint_overdue(c, complaint_detail(session, c), d.as_of)
    )


def _actions(session: Session, held: list[int], d: Dashboard) -> None:
    """Actions written on the reviews held in the period."""
    linked = exists().where(action_responses.c.action_id == OutcomeAction.id)
    count = func.count(OutcomeAction.id)
    open_statuses = [ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]
    total = overdue = with_link = with_reason = 0
    for chunk in _chunks(held):
        of_these = OutcomeAction.review_id.in_(chunk)
        total += session.scalar(select(count).where(of_these)) or 0
        overdue += (
            session.scalar(
                select(count).where(
                    of_these,
                    OutcomeAction.status.in_(open_statuses),
                    OutcomeAction.due_on < d.as_of,
                )
            )
            or 0
        )
        with_link += session.scalar(select(count).where(of_these, linked)) or 0
        with_reason += (
            session.scalar(
                select(count).where(of_these, ~linked, OutcomeAction.no_link_reason.is_not(None))
            )
            or 0
        )
    d.actions_total, d.actions_overdue, d.actions_with_reason = total, overdue, with_reason
    d.actions_linked = Share(with_link, total)


def _flags_and_records(session: Session, period: Period, d: Dashboard) -> None:
    flags = _of_service(select(SafetyFlag), period, (Person, Person.id == SafetyFlag.person_id))

    def count(query: Select[Any]) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    d.flags_raised = count(
        flags.where(SafetyFlag.raised_at >= period.start_at, SafetyFlag.raised_at < period.end_at)
    )
    d.flags_cleared = count(
        flags.where(SafetyFlag.cleared_at >= period.start_at, SafetyFlag.cleared_at < period.end_at)
    )
    d.flags_open = count(flags.where(SafetyFlag.status == FlagStatus.OPEN))
    d.agreements_due = len(due_for_review(session, as_of=d.as_of, service=period.service))
    d.supporters_without_agreement = len(
        supporters_without_agreement(session, service=period.service)
    )
    d.communications = count(
        _of_service(
            select(Communication.id).where(
                Communication.told_on >= period.start, Communication.told_on <= period.end
            ),
            period,
            (Person, Person.id == Communication.person_id),
        )
    )
    audit_query = select(AuditEvent.id).where(
        AuditEvent.at >= period.start_at, AuditEvent.at < period.end_at
    )
    if period.service:
        audit_query = audit_query.join(Person, Person.id == AuditEvent.person_id).where(
            Person.service == period.service
        )
    d.audit_entries = count(audit_query)


def _supporters(session: Session, period: Period, d: Dashboard) -> None:
    contributed: Counter[int] = Counter(
        dict(  # type: ignore[arg-type]
            session.execute(
                _of_service(
                    select(Contribution.supporter_id, func.count(Contribution.id))
                    .where(
                        Contribution.supporter_id.is_not(None),
                        Contribution.status == ContributionStatus.SUBMITTED,
                        Contribution.submitted_at >= period.start_at,
                        Contribution.submitted_at < period.end_at,
                        not_superseded(Contribution),
                    )
                    .group_by(Contribution.supporter_id),
                    period,
                    (Review, Review.id == Contribution.review_id),
                    (Person, Person.id == Review.person_id),
                )
            ).all()
        )
    )
    opened_ids = _views(period, DifferingView.id).where(
        DifferingView.opened_at >= period.start_at, DifferingView.opened_at < period.end_at
    )
    pairs = set(
        session.execute(
            select(Contribution.supporter_id, DifferingView.id)
            .join(Contribution, Contribution.id == DifferingView.contribution_id)
            .where(DifferingView.id.in_(opened_ids), Contribution.supporter_id.is_not(None))
        ).all()
    ) | set(
        session.execute(
            select(DifferingViewParty.supporter_id, DifferingViewParty.differing_view_id).where(
                DifferingViewParty.differing_view_id.in_(opened_ids),
                DifferingViewParty.supporter_id.is_not(None),
            )
        ).all()
    )
    differing = Counter(supporter_id for supporter_id, _ in pairs)
    ids = set(contributed) | set(differing)
    patterns = []
    for supporter in session.scalars(select(Supporter).where(Supporter.id.in_(ids))):
        person = session.get(Person, supporter.person_id)
        assert person is not None
        patterns.append(
            SupporterPattern(
                supporter, person, contributed.get(supporter.id, 0), differing.get(supporter.id, 0)
            )
        )
    patterns.sort(key=lambda p: (p.person.preferred_name, p.supporter.name, p.supporter.id))
    d.supporters = patterns


def build(session: Session, period: Period, as_of: date | None = None) -> Dashboard:
    """Every figure for the period and service."""
    d = Dashboard(period=period, as_of=as_of or today())
    held = _reviews(session, period, d)
    _differing(session, period, d)
    _complaints(session, period, d)
    _actions(session, held, d)
    _flags_and_records(session, period, d)
    _supporters(session, period, d)
    return d


def figure_rows(d: Dashboard) -> list[FigureRow]:
    """Every figure as rows, grouped under the regulator's headings (for CSV and tables).

    Supporters appear by id and role, never by name: the export goes to commissioners.
    """
    rows = [
        FigureRow("peoples-experience", "reviews-held", "", d.reviews_held),
        FigureRow(
            "peoples-experience", "person-first", "", d.person_first.part, d.person_first.whole
        ),
        FigureRow("peoples-experience", "person-confirmed", "", d.person_confirmed, d.reviews_held),
        FigureRow(
            "peoples-experience", "non-participation", "", d.non_participation, d.reviews_held
        ),
    ]
    total_views = sum(d.capture.values())
    rows += [
        FigureRow("peoples-experience", "capture", method, n, total_views)
        for method, n in d.capture.items()
    ]
    rows += [
        FigureRow(
            "peoples-experience",
            "no-family-with-advocate",
            "",
            d.no_family_with_advocate.part,
            d.no_family_with_advocate.whole,
        ),
        FigureRow("peoples-experience", "needing-advocate", "", len(d.needing_advocate)),
        FigureRow("feedback", "complaints-received", "", d.complaints_received),
        FigureRow("feedback", "complaints-open", "", d.complaints_open),
        FigureRow("feedback", "complaints-overdue", "", d.complaints_overdue, d.complaints_open),
        FigureRow("feedback", "communications", "", d.communications),
    ]
    for p in d.supporters:
        key = f"supporter-{p.supporter.id} ({p.supporter.role})"
        rows.append(FigureRow("feedback", "supporter-contributions", key, p.contributions))
        rows.append(FigureRow("feedback", "supporter-differing", key, p.differing, p.contributions))
    rows += [
        FigureRow("processes", "differing-opened", r, n) for r, n in d.differing_opened.items()
    ]
    rows += [
        FigureRow("processes", "differing-resolved", r, n) for r, n in d.differing_resolved.items()
    ]
    rows += [
        FigureRow("processes", "differing-open-age", band, n)
        for band, n in d.differing_open_by_age.items()
    ]
    rows += [
        FigureRow("processes", "advocate-reports-overdue", "", d.reports_overdue),
        FigureRow("processes", "safety-flags-raised", "", d.flags_raised),
        FigureRow("processes", "safety-flags-cleared", "", d.flags_cleared),
        FigureRow("processes", "safety-flags-open", "", d.flags_open),
        FigureRow("processes", "agreements-due", "", d.agreements_due),
        FigureRow("processes", "supporters-without-agreement", "", d.supporters_without_agreement),
        FigureRow("processes", "audit-entries", "", d.audit_entries),
        FigureRow("outcomes", "actions", "", d.actions_total),
        FigureRow("outcomes", "actions-linked", "", d.actions_linked.part, d.actions_linked.whole),
        FigureRow("outcomes", "actions-with-reason", "", d.actions_with_reason, d.actions_total),
        FigureRow("outcomes", "actions-overdue", "", d.actions_overdue, d.actions_total),
    ]
    return rows
