"""Each review's traceability figures, kept up to date as answers and actions arrive.

The overdue actions page shows the figures across every review. Counting every answer of every
review on each view grows with all answers ever given (seconds at 100,000 reviews), so each
review's figures are stored once (see
:mod:`facilitator.services.reporting.figures`) and added up in SQL.

A stored row is right only until something it counts changes. Rather than trusting every
service to remember that, a session hook marks the row stale in the same transaction as any
change to the person's answers, the review's actions (and their links), a record that the
person could not take part, or the review's dates. Code that writes those tables with Core
statements, which the hook cannot see, calls :func:`invalidate_figures` itself.

Marking stale is an upsert that bumps ``generation`` (and creates the row if there is none):
a page computing figures from a snapshot taken before a concurrent answer stores them only
``WHERE generation`` is still the one it read (or, for a new row, ``ON CONFLICT DO NOTHING``),
so figures computed before a change can never overwrite the mark that the change made.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, event, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base
from .actions import OutcomeAction
from .base import UTCDateTime
from .reviews import NonParticipation, Response, Review


class ReviewFigures(Base):
    """One review's figures as ``figures_for_review`` defines them (a derived cache)."""

    __tablename__ = "review_figures"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    actions: Mapped[int] = mapped_column(Integer, default=0)
    linked: Mapped[int] = mapped_column(Integer, default=0)
    linked_to_words: Mapped[int] = mapped_column(Integer, default=0)
    no_link: Mapped[int] = mapped_column(Integer, default=0)
    statements: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds from the review to its first action; None when it has no actions.
    to_first_action_s: Mapped[float | None] = mapped_column(Float)
    # Bumped each time the figures go stale; a computation stores only if it is unchanged.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # None while stale (or never computed): the next reader computes the figures again.
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def dialect_insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL both do)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert


def invalidate_figures(session: Session, review_ids: Iterable[int | None]) -> None:
    """Mark these reviews' stored figures stale, in the session's transaction."""
    ids = sorted({int(i) for i in review_ids if i is not None})
    if not ids:
        return
    table = ReviewFigures.__table__
    statement = dialect_insert(session)(table).values(
        [{"review_id": i, "generation": 1, "computed_at": None} for i in ids]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["review_id"],
            set_={"generation": table.c.generation + 1, "computed_at": None},
        )
    )


# What each kind of row changes: any change to an answer or a non-participation record, and
# these attributes of an action or a review (an action's status or wording counts for nothing).
_WATCHED_ALWAYS = (Response, NonParticipation)
_WATCHED_ATTRIBUTES: dict[type, tuple[str, ...]] = {
    OutcomeAction: ("review_id", "created_at", "responses"),
    Review: ("person_confirmed_at", "scheduled_for"),
}


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _affected_reviews(session: Session) -> set[int | None]:
    affected: set[int | None] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, (*_WATCHED_ALWAYS, OutcomeAction)):
            affected.add(obj.review_id)
    for obj in session.dirty:
        if isinstance(obj, _WATCHED_ALWAYS):
            affected.add(obj.review_id)
        elif isinstance(obj, OutcomeAction) and _changed(obj, _WATCHED_ATTRIBUTES[OutcomeAction]):
            affected.add(obj.review_id)
            # An action moved to another review changes the review it left too.
            affected.update(inspect(obj).attrs.review_id.history.deleted or ())
        elif isinstance(obj, Review) and _changed(obj, _WATCHED_ATTRIBUTES[Review]):
            affected.add(obj.id)
    return affected


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # Runs inside flush, so this statement does not flush again; it joins the same transaction.
    invalidate_figures(session, _affected_reviews(session))


if not event.contains(Session, "before_flush", _before_flush):
    event.listen(Session, "before_flush", _before_flush)
