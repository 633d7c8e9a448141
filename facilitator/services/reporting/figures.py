"""Traceability figures across many reviews, from each review's stored figures.

Each review's figures (:class:`Figures`, as :func:`.actions.figures_for_review` counts them)
are stored in ``review_figures`` and marked stale in the same transaction as any change that
alters them (see :mod:`facilitator.models.figures`). The figures across reviews are then a
``SUM`` over the stored rows: only reviews without a fresh row are counted answer by answer,
in bulk, a few queries per :data:`CHUNK` reviews, and their figures stored for the next view.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from ...models import (
    CaptureMethod,
    NonParticipation,
    OutcomeAction,
    Response,
    Review,
    ReviewFigures,
    action_responses,
    invalidate_figures,
    utcnow,
)
from ...models.figures import dialect_insert
from ..reviews.current import not_superseded

# Reviews counted per round of queries: keeps IN lists short on both databases.
CHUNK = 500
WORDS_METHODS = (CaptureMethod.TYPED, CaptureMethod.SCRIBED)
_COUNTS = ("actions", "linked", "linked_to_words", "no_link", "statements", "answered")


@dataclass
class Figures:
    """Traceability figures for one review or many."""

    reviews: int = 0
    actions: int = 0
    linked: int = 0  # actions answering at least 1 of the person's statements
    linked_to_words: int = 0  # ... at least 1 of them typed or said word for word
    no_link: int = 0  # actions with a reason instead (legal duty, safety ...)
    statements: int = 0
    answered: int = 0  # statements at least 1 action answers
    to_first_action: list[timedelta] = field(default_factory=list)

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def linked_share(self) -> float | None:
        """Share of actions linked to the person's own statements (the headline)."""
        return self._share(self.linked, self.actions)

    @property
    def words_share(self) -> float | None:
        """Share of actions linked to words the person typed or said."""
        return self._share(self.linked_to_words, self.actions)

    @property
    def answered_share(self) -> float | None:
        """Share of the person's statements that an action answers."""
        return self._share(self.answered, self.statements)

    @property
    def median_to_first_action(self) -> timedelta | None:
        """Median time from the review to its first action, over reviews with actions."""
        if not self.to_first_action:
            return None
        return timedelta(seconds=statistics.median(t.total_seconds() for t in self.to_first_action))

    def add(self, other: Figures) -> None:
        for name in ("reviews", "actions", "linked", "linked_to_words", "no_link"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.statements += other.statements
        self.answered += other.answered
        self.to_first_action.extend(other.to_first_action)


def started_at(confirmed_at: datetime | None, scheduled_for: date) -> datetime:
    """When a review counts as held: the person's confirmation, else its date."""
    if confirmed_at is not None:
        return confirmed_at
    return datetime(scheduled_for.year, scheduled_for.month, scheduled_for.day, tzinfo=UTC)


def eligible_reviews(since: date | None = None, until: date | None = None) -> Select[Any]:
    """Reviews with the person's views done (confirmed, or could not take part), by date."""
    # IN, not a correlated EXISTS: evaluated once, so the plan does not hang on the statistics
    # (SQLite scanned non_participation once per review when it believed the table tiny).
    heard = or_(
        Review.person_confirmed_at.is_not(None),
        Review.id.in_(select(NonParticipation.review_id)),
    )
    query = select(Review.id).where(heard)
    if since is not None:
        query = query.where(Review.scheduled_for >= since)
    if until is not None:
        query = query.where(Review.scheduled_for <= until)
    return query


# --- counting reviews answer by answer, in bulk --------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def compute(session: Session, review_ids: Sequence[int]) -> dict[int, Figures]:
    """Each review's figures, the same as ``figures_for_review``, a few queries per chunk."""
    found: dict[int, Figures] = {}
    for chunk in _chunks(review_ids):
        found.update(_compute_chunk(session, chunk))
    return found


def _current(chunk: list[int]) -> Any:
    """Responses of these reviews that no correction has replaced."""
    return and_(Response.review_id.in_(chunk), not_superseded(Response, review_ids=chunk))


def _compute_chunk(session: Session, chunk: list[int]) -> dict[int, Figures]:
    found = {review_id: Figures(reviews=1) for review_id in chunk}
    tapped = Response.capture_method == CaptureMethod.TAPPED
    # Statements: every current entry of words, and each prompt's latest current choice
    # unless it was a skip (as responses.answers_for_review places them). Prompt by prompt:
    # the latest choice is the largest id, and id * 2 + 1 for "not a skip" carries whether it
    # was skipped in the parity of the maximum.
    per_prompt = (
        select(
            Response.review_id.label("review_id"),
            func.sum(case((tapped, 0), else_=1)).label("words"),
            (
                func.max(
                    case((tapped, Response.id * 2 + case((Response.skipped, 0), else_=1)), else_=0)
                )
                % 2
            ).label("choice"),
        )
        .where(_current(chunk))
        .group_by(Response.review_id, Response.review_prompt_id)
        .subquery()
    )
    for review_id, words, choices in session.execute(
        select(
            per_prompt.c.review_id, func.sum(per_prompt.c.words), func.sum(per_prompt.c.choice)
        ).group_by(per_prompt.c.review_id)
    ):
        found[review_id].statements = int(words or 0) + int(choices or 0)
    acted = session.execute(
        select(OutcomeAction.id, OutcomeAction.review_id, OutcomeAction.created_at)
        .where(OutcomeAction.review_id.in_(chunk))
        .order_by(OutcomeAction.id)
    ).all()
    if not acted:
        return found
    _count_actions(session, found, acted)
    return found


def _count_actions(session: Session, found: dict[int, Figures], acted: Sequence[Any]) -> None:
    """Actions, their links and the statements they answer, for the reviews with actions."""
    with_actions = sorted({row.review_id for row in acted})
    links: dict[int, set[int]] = {}
    for action_id, response_id in session.execute(
        select(action_responses.c.action_id, action_responses.c.response_id)
        .join(OutcomeAction, OutcomeAction.id == action_responses.c.action_id)
        .where(OutcomeAction.review_id.in_(with_actions))
    ):
        links.setdefault(action_id, set()).add(response_id)
    said: dict[int, set[int]] = {}  # review -> its statements
    own: dict[int, set[int]] = {}  # review -> its statements in the person's own words
    latest_choice: dict[int, Any] = {}
    for row in session.execute(
        select(
            Response.id,
            Response.review_id,
            Response.review_prompt_id,
            Response.capture_method,
            Response.skipped,
        )
        .where(_current(with_actions))
        .order_by(Response.id)
    ):
        if row.capture_method == CaptureMethod.TAPPED:
            latest_choice[row.review_prompt_id] = row  # later rows win, as on the screens
            continue
        said.setdefault(row.review_id, set()).add(row.id)
        if row.capture_method in WORDS_METHODS:
            own.setdefault(row.review_id, set()).add(row.id)
    for row in latest_choice.values():
        if not row.skipped:
            said.setdefault(row.review_id, set()).add(row.id)
    started = {
        row.id: started_at(row.person_confirmed_at, row.scheduled_for)
        for row in session.execute(
            select(Review.id, Review.person_confirmed_at, Review.scheduled_for).where(
                Review.id.in_(with_actions)
            )
        )
    }
    answered: dict[int, set[int]] = {}
    first: dict[int, datetime] = {}
    for action_id, review_id, created_at in acted:
        ids = links.get(action_id, set())
        figures = found[review_id]
        figures.actions += 1
        if ids:
            figures.linked += 1
        else:
            figures.no_link += 1
        if ids & own.get(review_id, set()):
            figures.linked_to_words += 1
        answered.setdefault(review_id, set()).update(ids)
        if review_id not in first or created_at < first[review_id]:
            first[review_id] = created_at
    for review_id, ids in answered.items():
        found[review_id].answered = len(ids & said.get(review_id, set()))
    for review_id, when in first.items():
        found[review_id].to_first_action = [max(when - started[review_id], timedelta(0))]


# --- storing and adding up -------------------------------------------------------------------


def _row(review_id: int, figures: Figures) -> dict[str, Any]:
    seconds = figures.to_first_action[0].total_seconds() if figures.to_first_action else None
    return {
        "review_id": review_id,
        **{name: getattr(figures, name) for name in _COUNTS},
        "to_first_action_s": seconds,
    }


def store(
    session: Session, computed: dict[int, Figures], generations: Mapping[int, int | None]
) -> None:
    """Store figures computed while each review's row had the generation given (None: no row).

    A row marked stale again since (a concurrent answer or action) is left stale, and a row
    another instance stored first is left alone: never figures older than the change.
    """
    now = utcnow()
    table = cast(Table, ReviewFigures.__table__)
    new = [
        {**_row(i, computed[i]), "generation": 0, "computed_at": now}
        for i in sorted(computed)
        if generations.get(i) is None
    ]
    if new:
        # executemany: SQLAlchemy sends it in batches ("insertmanyvalues") on both databases.
        session.execute(
            dialect_insert(session)(table).on_conflict_do_nothing(index_elements=["review_id"]),
            new,
        )
    stale = [
        {**{f"new_{k}": v for k, v in _row(i, computed[i]).items()}, "seen": generations[i]}
        for i in sorted(computed)
        if generations.get(i) is not None
    ]
    if stale:
        # executemany: one UPDATE per review, each only if its row is still the one we read.
        statement = (
            update(table)
            .where(
                table.c.review_id == bindparam("new_review_id"),
                table.c.generation == bindparam("seen"),
            )
            .values(
                **{name: bindparam(f"new_{name}") for name in (*_COUNTS, "to_first_action_s")},
                computed_at=now,
            )
        )
        session.connection().execute(statement, stale)


def _missing(session: Session, eligible: Select[Any]) -> dict[int, int | None]:
    """Eligible reviews without fresh stored figures, with their row's generation if any."""
    fresh = select(ReviewFigures.review_id).where(ReviewFigures.computed_at.is_not(None))
    ids = session.scalars(eligible.where(Review.id.not_in(fresh)))
    stale = select(ReviewFigures.review_id, ReviewFigures.generation).where(
        ReviewFigures.computed_at.is_(None)
    )
    generations = {review_id: generation for review_id, generation in session.execute(stale)}
    return {review_id: generations.get(review_id) for review_id in ids}


def _summed(session: Session, eligible: Select[Any]) -> tuple[Figures, int]:
    """The fresh stored figures added up over the eligible reviews, and how many have none.

    An inner join from the stored rows (not a LEFT JOIN from the reviews): SQLite, told by
    old statistics that review_figures was nearly empty, scanned it once per review.
    """
    reviews = eligible.subquery()
    counted = select(func.count()).select_from(reviews).scalar_subquery()
    columns = [func.coalesce(func.sum(getattr(ReviewFigures, n)), 0) for n in _COUNTS]
    row = session.execute(
        select(counted, func.count(), *columns)
        .select_from(ReviewFigures)
        .join(reviews, reviews.c.id == ReviewFigures.review_id)
        .where(ReviewFigures.computed_at.is_not(None))
    ).one()
    total = Figures(reviews=int(row[0]))
    for name, value in zip(_COUNTS, row[2:], strict=True):
        setattr(total, name, int(value))
    return total, total.reviews - int(row[1])


def across(session: Session, *, since: date | None = None, until: date | None = None) -> Figures:
    """Figures over every review with the person's views done, by review date.

    The same numbers as adding up ``figures_for_review`` over those reviews. Reviews whose
    stored figures are missing or stale are counted first, in bulk, and stored in the
    session's transaction: the caller commits (the overdue page does; if it did not, the next
    view would only count them again).
    """
    eligible = eligible_reviews(since, until)
    total, missing = _summed(session, eligible)
    if missing:
        generations = _missing(session, eligible)
        store(session, compute(session, list(generations)), generations)
        total, _ = _summed(session, eligible)
    reviews = eligible.subquery()
    seconds = session.scalars(
        select(ReviewFigures.to_first_action_s)
        .join(reviews, reviews.c.id == ReviewFigures.review_id)
        .where(ReviewFigures.to_first_action_s.is_not(None))
        .order_by(ReviewFigures.review_id)
    )
    total.to_first_action = [timedelta(seconds=s) for s in seconds if s is not None]
    return total


def rebuild(session: Session, *, commit_every: bool = False) -> int:
    """Count every review's figures again and store them; the number of reviews counted.

    For after a bulk import or a restore made without the services. Each chunk is marked stale
    and then counted and stored the usual way, so a change made meanwhile is never overwritten.
    ``commit_every``: commit after each chunk (the command line does), so no lock is held long.
    """
    ids = list(session.scalars(select(Review.id).order_by(Review.id)))
    for chunk in _chunks(ids):
        invalidate_figures(session, chunk)
        generations: dict[int, int | None] = {
            review_id: generation
            for review_id, generation in session.execute(
                select(ReviewFigures.review_id, ReviewFigures.generation).where(
                    ReviewFigures.review_id.in_(chunk)
                )
            )
        }
        store(session, _compute_chunk(session, chunk), generations)
        if commit_every:
            session.commit()
    return len(ids)
