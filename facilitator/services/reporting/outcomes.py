"""Outcome figures (issue 20): what the person said happened, outcomes that went against the
person's stated view, and every cheap dashboard figure by quarter and by service.

- :func:`did_it_happen`: the person's own "did it happen?" answers at a later review, beside
  staff's status for the same actions, and the actions where the two disagree.
- :func:`against_persons_view`: per supporter role and per supporter, how many decided,
  coded differing views they were a party to went against the person's stated view (the
  commissioner's "dependency or control" signal).
- :func:`quarterly_trends` and :func:`service_comparison`: the dashboard's figures
  (``dashboard.build``) and the two above, per quarter and per service.

``service_ids`` None means every service the viewer may see: within a request the session is
already limited to the viewer's people (``scope.limit_session``), so nothing else is needed;
given, it keeps the records of reviews held in those services (``Review.service_id``).
Periods include both ends (``start`` and ``end`` are dates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    AGAINST_PERSON,
    ActionFollowUp,
    ActionStatus,
    CaseStatus,
    DifferingView,
    DifferingViewDetail,
    DifferingViewParty,
    FollowUpAnswer,
    OutcomeAction,
    OutcomeCode,
    PartyKind,
    Person,
    Review,
    Service,
    Supporter,
)
from ..reviews.current import drop_superseded
from . import dashboard
from .dashboard import Share

CHUNK = 500  # ids per IN list: within every database's limit
# The codes that are a decision about the person's view (unresolved and escalated are not).
DECIDED = frozenset(
    {
        OutcomeCode.PERSON_FOLLOWED,
        OutcomeCode.AGREED_WAY,
        OutcomeCode.BEST_INTERESTS_AGAINST,
        OutcomeCode.SUPPORTER_FOLLOWED,
    }
)
# Staff's status that agrees with each of the person's answers; "not sure" never disagrees.
AGREES: dict[FollowUpAnswer, frozenset[ActionStatus]] = {
    FollowUpAnswer.YES: frozenset({ActionStatus.DONE}),
    FollowUpAnswer.PARTLY: frozenset({ActionStatus.IN_PROGRESS}),
    FollowUpAnswer.NO: frozenset({ActionStatus.PLANNED, ActionStatus.NOT_DONE}),
}
STAFF_STATUSES = tuple(s.value for s in ActionStatus)


def _start_at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _end_at(day: date) -> datetime:
    """The first moment after ``day``."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for first in range(0, len(ordered), CHUNK):
        yield ordered[first : first + CHUNK]


def _in_services(query: Any, service_ids: Iterable[int] | None) -> Any:
    if service_ids is None:
        return query
    return query.where(Review.service_id.in_(list(service_ids) or [-1]))


# --- did it happen? ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """An action where the person's answer and staff's status disagree."""

    action_id: int
    review_id: int  # the review the action was written at
    person_id: int
    answered_at_review_id: int  # the later review where the person answered
    person_answer: str  # a FollowUpAnswer value
    staff_status: str  # an ActionStatus value (staff's status now)


@dataclass
class DidItHappen:
    """The person's answers at the next review, beside staff's status for the same actions.

    Counted: each action whose person answered "did it happen?" at a later review held in the
    period (by that answer), and each action whose next review with the person's session was
    held in the period without an answer ("not answered").
    """

    happened: int = 0
    partly: int = 0
    did_not: int = 0
    not_sure: int = 0
    not_answered: int = 0
    staff: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAFF_STATUSES, 0))
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.happened + self.partly + self.did_not + self.not_sure

    @property
    def asked(self) -> int:
        """Every action counted: answered or not."""
        return self.answered + self.not_answered

    @property
    def happened_share(self) -> Share:
        return Share(self.happened, self.answered)

    @property
    def partly_share(self) -> Share:
        return Share(self.partly, self.answered)

    @property
    def did_not_share(self) -> Share:
        return Share(self.did_not, self.answered)


_ANSWER_FIELD = {
    FollowUpAnswer.YES: "happened",
    FollowUpAnswer.PARTLY: "partly",
    FollowUpAnswer.NO: "did_not",
    FollowUpAnswer.NOT_SURE: "not_sure",
}


def did_it_happen(
    session: Session, *, service_ids: Iterable[int] | None, start: date, end: date
) -> DidItHappen:
    """The person's "did it happen?" answers for the period (see :class:`DidItHappen`).

    ``service_ids`` keeps actions written at reviews held in those services. Staff's status is
    the action's status now. Disagreements: the person said it happened but staff have not
    marked it done; partly, but staff say done, planned or not done; it did not, but staff say
    done or in progress.
    """
    return did_it_happen_by(session, service_ids=service_ids, periods=[(start, end)])[0]


def did_it_happen_by(
    session: Session,
    *,
    service_ids: Iterable[int] | None,
    periods: Sequence[tuple[date, date]],
) -> list[DidItHappen]:
    """:func:`did_it_happen` for several periods (each counted in the first that holds it),
    in one pass over the records: the quarters of the trends."""
    results = [DidItHappen() for _ in periods]
    if not periods:
        return results
    bounds = [(_start_at(first), _end_at(last)) for first, last in periods]
    start_at, end_at = min(b[0] for b in bounds), max(b[1] for b in bounds)
    with_actions = select(Review.person_id).join(
        OutcomeAction, OutcomeAction.review_id == Review.id
    )
    # The people with actions and a session held, or an answer given, in the periods.
    people = set(
        session.scalars(
            select(Review.person_id)
            .where(
                Review.person_started_at >= start_at,
                Review.person_started_at < end_at,
                Review.person_id.in_(with_actions),
            )
            .distinct()
        )
    ) | set(
        session.scalars(
            select(Review.person_id)
            .join(ActionFollowUp, ActionFollowUp.review_id == Review.id)
            .where(ActionFollowUp.created_at >= start_at, ActionFollowUp.created_at < end_at)
            .distinct()
        )
    )
    ids = None if service_ids is None else list(service_ids)
    for chunk in _chunks(people):
        _did_it_happen_for(session, chunk, ids, bounds, results)
    for result in results:
        result.disagreements.sort(key=lambda d: (d.person_id, d.review_id, d.action_id))
    return results


def _did_it_happen_for(
    session: Session,
    people: list[int],
    service_ids: list[int] | None,
    bounds: list[tuple[datetime, datetime]],
    results: list[DidItHappen],
) -> None:
    reviews = {
        r.id: r
        for r in session.execute(
            select(
                Review.id, Review.person_id, Review.scheduled_for, Review.person_started_at
            ).where(Review.person_id.in_(people))
        )
    }
    by_person: dict[int, list[Any]] = defaultdict(list)
    for r in reviews.values():
        by_person[r.person_id].append(r)
    for rows in by_person.values():
        rows.sort(key=lambda r: (r.scheduled_for, r.id))
    actions = list(
        session.execute(
            _in_services(
                select(OutcomeAction.id, OutcomeAction.review_id, OutcomeAction.status)
                .join(Review, Review.id == OutcomeAction.review_id)
                .where(Review.person_id.in_(people)),
                service_ids,
            )
        )
    )
    answers: dict[int, ActionFollowUp] = {}
    for ids in _chunks(a.id for a in actions):
        current = drop_superseded(
            session.scalars(
                select(ActionFollowUp)
                .where(ActionFollowUp.action_id.in_(ids))
                .order_by(ActionFollowUp.id)
            )
        )
        for row in current:  # the latest, should an action have answers at two reviews
            answers[row.action_id] = row
    for action in actions:
        written_at = reviews[action.review_id]
        answer = answers.get(action.id)
        if answer is not None:
            at = reviews.get(answer.review_id)
            when = _aware(at.person_started_at if at is not None else None) or _aware(
                answer.created_at
            )
        else:
            key = (written_at.scheduled_for, written_at.id)
            later = [
                r
                for r in by_person[written_at.person_id]
                if (r.scheduled_for, r.id) > key and r.person_started_at is not None
            ]
            when = _aware(later[0].person_started_at) if later else None
        if when is None:
            continue
        index = next((i for i, (lo, hi) in enumerate(bounds) if lo <= when < hi), None)
        if index is None:
            continue
        result = results[index]
        status = ActionStatus(action.status)
        result.staff[status.value] += 1
        if answer is None:
            result.not_answered += 1
            continue
        said = FollowUpAnswer(answer.answer)
        name = _ANSWER_FIELD[said]
        setattr(result, name, getattr(result, name) + 1)
        if said in AGREES and status not in AGREES[said]:
            result.disagreements.append(
                Disagreement(
                    action_id=action.id,
                    review_id=action.review_id,
                    person_id=written_at.person_id,
                    answered_at_review_id=answer.review_id,
                    person_answer=said.value,
                    staff_status=status.value,
                )
            )


# --- outcomes against the person's stated view -------------------------------------------------


@dataclass
class AgainstRow:
    """One supporter role, or one supporter: the decided differing views they were party to."""

    role: str  # a SupporterRole value
    supporter: Supporter | None = None  # None on a row for the whole role
    person: Person | None = None
    view_ids: list[int] = field(default_factory=list)  # decided views they were party to
    against_ids: list[int] = field(default_factory=list)  # ... that went against the person
    followed_ids: list[int] = field(default_factory=list)  # ... where their view was followed

    @property
    def decided(self) -> int:
        return len(self.view_ids)

    @property
    def against(self) -> int:
        return len(self.against_ids)

    @property
    def followed_over_person(self) -> int:
        return len(self.followed_ids)

    @property
    def share(self) -> Share:
        return Share(self.against, self.decided)


@dataclass
class AgainstPersonsView:
    """How often decided outcomes went against the person's stated view.

    Counted: differing views resolved in the period with a code that is a decision (the
    person's view followed, a way they agreed, a best-interests decision against their wish,
    a supporter's view followed over theirs). Each view counts once for each supporter who was
    a party and once for each role among them; uncoded, unresolved and escalated views are
    counted apart and never in a share.
    """

    by_role: list[AgainstRow] = field(default_factory=list)
    by_supporter: list[AgainstRow] = field(default_factory=list)
    decided_ids: list[int] = field(default_factory=list)
    against_ids: list[int] = field(default_factory=list)
    uncoded: int = 0  # resolved in the period without a code (before codes existed)
    unresolved: int = 0  # closed with the code "unresolved"
    escalated: int = 0
    codes: dict[str, int] = field(default_factory=dict)  # decided views by code

    @property
    def total(self) -> Share:
        return Share(len(self.against_ids), len(self.decided_ids))


def against_persons_view(
    session: Session, *, service_ids: Iterable[int] | None, start: date, end: date
) -> AgainstPersonsView:
    """Per supporter role and per supporter (see :class:`AgainstPersonsView`)."""
    start_at, end_at = _start_at(start), _end_at(end)
    rows = list(
        session.execute(
            _in_services(
                select(
                    DifferingView.id,
                    DifferingViewDetail.outcome_code,
                    DifferingViewDetail.followed_supporter_id,
                )
                .join(Review, Review.id == DifferingView.review_id)
                .outerjoin(
                    DifferingViewDetail,
                    DifferingViewDetail.differing_view_id == DifferingView.id,
                )
                .where(
                    DifferingView.status != CaseStatus.OPEN,
                    DifferingView.resolved_at >= start_at,
                    DifferingView.resolved_at < end_at,
                ),
                service_ids,
            )
        )
    )
    result = AgainstPersonsView()
    decided: dict[int, OutcomeCode] = {}
    followed: dict[int, int | None] = {}
    for view_id, code, followed_id in rows:
        if view_id in decided:
            continue  # one row per view (a detail row is 1:1), counted once whatever happens
        if code is None:
            result.uncoded += 1
        elif OutcomeCode(code) == OutcomeCode.UNRESOLVED:
            result.unresolved += 1
        elif OutcomeCode(code) == OutcomeCode.ESCALATED:
            result.escalated += 1
        else:
            decided[view_id] = OutcomeCode(code)
            followed[view_id] = followed_id
    result.decided_ids = sorted(decided)
    result.against_ids = sorted(v for v, c in decided.items() if c in AGAINST_PERSON)
    result.codes = {c.value: 0 for c in OutcomeCode if c in DECIDED}
    for code in decided.values():
        result.codes[code.value] += 1
    # Each (supporter, view) pair once: a supporter listed twice on a view counts once.
    pairs: set[tuple[int, int]] = set()
    for ids in _chunks(decided):
        pairs |= {
            (int(supporter_id), view_id)
            for supporter_id, view_id in session.execute(
                select(DifferingViewParty.supporter_id, DifferingViewParty.differing_view_id).where(
                    DifferingViewParty.differing_view_id.in_(ids),
                    DifferingViewParty.kind == PartyKind.SUPPORTER,
                    DifferingViewParty.supporter_id.is_not(None),
                )
            ).all()
            if supporter_id is not None
        }
    pairs |= {(s, v) for v, s in followed.items() if s is not None}
    supporters: dict[int, Supporter] = {}
    for ids in _chunks(s for s, _ in pairs):
        supporters.update(
            {s.id: s for s in session.scalars(select(Supporter).where(Supporter.id.in_(ids)))}
        )
    people: dict[int, Person] = {}
    for ids in _chunks(s.person_id for s in supporters.values()):
        people.update({p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))})
    per_supporter: dict[int, AgainstRow] = {}
    per_role: dict[str, AgainstRow] = {}
    role_views: set[tuple[str, int]] = set()
    for supporter_id, view_id in sorted(pairs):
        supporter = supporters.get(supporter_id)
        if supporter is None:  # out of the viewer's sight
            continue
        role = str(supporter.role)
        row = per_supporter.setdefault(
            supporter_id,
            AgainstRow(role=role, supporter=supporter, person=people.get(supporter.person_id)),
        )
        row.view_ids.append(view_id)
        against = decided[view_id] in AGAINST_PERSON
        if against:
            row.against_ids.append(view_id)
        if followed.get(view_id) == supporter_id:
            row.followed_ids.append(view_id)
        if (role, view_id) in role_views:
            continue  # two supporters of one role on one view: the role counts it once
        role_views.add((role, view_id))
        group = per_role.setdefault(role, AgainstRow(role=role))
        group.view_ids.append(view_id)
        if against:
            group.against_ids.append(view_id)
        chosen = supporters.get(followed.get(view_id) or 0)
        if chosen is not None and str(chosen.role) == role:
            group.followed_ids.append(view_id)
    for row in [*per_supporter.values(), *per_role.values()]:
        row.view_ids.sort()
        row.against_ids.sort()
        row.followed_ids.sort()
    result.by_role = sorted(per_role.values(), key=lambda r: r.role)
    result.by_supporter = sorted(
        per_supporter.values(),
        key=lambda r: (
            r.person.preferred_name if r.person else "",
            r.supporter.name if r.supporter else "",
            r.supporter.id if r.supporter else 0,
        ),
    )
    return result


# --- trends and comparison ----------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one quarter or one service: the dashboard's that count a period, and
    the two outcome figures above."""

    label: str
    start: date
    end: date
    reviews_held: int = 0
    person_first: Share = field(default_factory=lambda: Share(0, 0))
    person_confirmed: int = 0
    non_participation: int = 0
    actions: int = 0
    actions_linked: Share = field(default_factory=lambda: Share(0, 0))
    actions_with_reason: int = 0
    differing_opened: int = 0
    differing_resolved: int = 0
    complaints_received: int = 0
    flags_raised: int = 0
    flags_cleared: int = 0
    communications: int = 0
    happened: Share = field(default_factory=lambda: Share(0, 0))
    not_answered: int = 0
    disagreements: int = 0
    against: Share = field(default_factory=lambda: Share(0, 0))
    service_id: int | None = None


# The figures in order, for tables and CSV: (attribute, whether it is a Share).
TREND_FIGURES: tuple[tuple[str, bool], ...] = (
    ("reviews_held", False),
    ("person_first", True),
    ("person_confirmed", False),
    ("non_participation", False),
    ("actions", False),
    ("actions_linked", True),
    ("actions_with_reason", False),
    ("differing_opened", False),
    ("differing_resolved", False),
    ("complaints_received", False),
    ("flags_raised", False),
    ("flags_cleared", False),
    ("communications", False),
    ("happened", True),
    ("not_answered", False),
    ("disagreements", False),
    ("against", True),
)


def _add(a: Share, b: Share) -> Share:
    return Share(a.part + b.part, a.whole + b.whole)


def _service_names(session: Session, service_ids: Iterable[int] | None) -> list[str | None]:
    """The dashboard's service filter (by name) for ``service_ids``: [None] for all."""
    if service_ids is None:
        return [None]
    ids = list(service_ids)
    if not ids:
        return []
    return list(
        session.scalars(select(Service.name).where(Service.id.in_(ids)).order_by(Service.name))
    )


def _figures(
    session: Session,
    label: str,
    start: date,
    end: date,
    service_ids: Iterable[int] | None,
    as_of: date,
    happened: DidItHappen | None = None,
) -> Figures:
    ids = None if service_ids is None else list(service_ids)
    f = Figures(label=label, start=start, end=end)
    for name in _service_names(session, ids):
        d = dashboard.build(session, dashboard.Period(start, end, name), as_of=as_of)
        f.reviews_held += d.reviews_held
        f.person_first = _add(f.person_first, d.person_first)
        f.person_confirmed += d.person_confirmed
        f.non_participation += d.non_participation
        f.actions += d.actions_total
        f.actions_linked = _add(f.actions_linked, d.actions_linked)
        f.actions_with_reason += d.actions_with_reason
        f.differing_opened += sum(d.differing_opened.values())
        f.differing_resolved += sum(d.differing_resolved.values())
        f.complaints_received += d.complaints_received
        f.flags_raised += d.flags_raised
        f.flags_cleared += d.flags_cleared
        f.communications += d.communications
    if happened is None:
        happened = did_it_happen(session, service_ids=ids, start=start, end=end)
    f.happened = happened.happened_share
    f.not_answered = happened.not_answered
    f.disagreements = len(happened.disagreements)
    f.against = against_persons_view(session, service_ids=ids, start=start, end=end).total
    return f


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter ``day`` falls in: its first and last days."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    after = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, after - timedelta(days=1)


def quarters_to(as_of: date, quarters: int = 8) -> list[tuple[date, date]]:
    """The last ``quarters`` calendar quarters, oldest first, the current one up to ``as_of``."""
    found: list[tuple[date, date]] = []
    start, end = quarter_of(as_of)
    end = as_of
    for _ in range(max(1, quarters)):
        found.append((start, end))
        start, end = quarter_of(start - timedelta(days=1))
    return list(reversed(found))


def quarter_label(start: date) -> str:
    """``2026 Q4``: the same in every language."""
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def quarterly_trends(
    session: Session, *, service_ids: Iterable[int] | None, as_of: date, quarters: int = 8
) -> list[Figures]:
    """Every figure of :class:`Figures` for each of the last ``quarters`` calendar quarters,
    oldest first (the current quarter up to ``as_of``)."""
    ids = None if service_ids is None else list(service_ids)
    periods = quarters_to(as_of, quarters)
    happened = did_it_happen_by(session, service_ids=ids, periods=periods)
    return [
        _figures(session, quarter_label(start), start, end, ids, as_of, answers)
        for (start, end), answers in zip(periods, happened, strict=True)
    ]


def service_comparison(
    session: Session, *, service_ids: Iterable[int] | None, start: date, end: date
) -> list[Figures]:
    """The same figures for one period, one row per service (by name; every service when
    ``service_ids`` is None)."""
    query = select(Service).order_by(Service.name)
    if service_ids is not None:
        query = query.where(Service.id.in_(list(service_ids) or [-1]))
    rows = []
    for service in session.scalars(query).all():
        f = _figures(session, service.name, start, end, [service.id], end)
        f.service_id = service.id
        rows.append(f)
    return rows


def share_values(rows: Sequence[Figures], name: str) -> list[int]:
    """A figure's values across ``rows`` for a chart: a Share as its percentage (0 for none)."""
    values = []
    for row in rows:
        value = getattr(row, name)
        values.append((value.percent or 0) if isinstance(value, Share) else int(value))
    return values
