"""Retention: keep a person's records for RETENTION_YEARS after their care ended, then erase.

Erasure removes every row that :mod:`facilitator.services.data.privacy` finds about the person
(the same map the subject access export uses), their uploaded files and the rendered speech
of sentences about them, in one transaction,
and writes one audit entry that says what was erased (counts per kind, the internal id) and
why (the rule and the dates), never the content.

The audit log itself is kept. Its entries about the person hold ids, event names, times and
the staff member who acted; no names and nothing anyone said (the logs test checks this on a
full journey). It is append-only and hash-chained, so erasing entries would break the chain
that proves nobody tampered with it; once the person's rows are gone, the person id in those
entries points at nothing and identifies no one. ``flask audit verify`` passes afterwards.

A person is held back (not erased even when due) while a complaint or a safety flag about them
is still open: records under investigation must not be destroyed.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ...models import Person, ReviewFigures, User, UserSession
from ...models.complaints import Complaint
from ...models.enums import CaseStatus
from ...models.governance import FlagStatus, SafetyFlag
from .. import ServiceError, audit
from ..media import storage
from . import privacy
from .privacy import _owning_columns, _table

log = logging.getLogger(__name__)

DEFAULT_RETENTION_YEARS = 8
RULE = "care records are kept for {years} years after care ends, then erased"


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass(frozen=True)
class Due:
    """One person whose retention period has ended."""

    person_id: int
    care_ended_on: date
    due_on: date
    held_because: str | None  # e.g. "open complaint": not erased until it is closed
    counts: dict[str, int]
    files: int


def _hold(session: Session, person_id: int) -> str | None:
    reasons = []
    open_complaint = session.scalar(
        select(Complaint.id)
        .where(Complaint.person_id == person_id, Complaint.status == CaseStatus.OPEN)
        .limit(1)
    )
    if open_complaint is not None:
        reasons.append("open complaint")
    open_flag = session.scalar(
        select(SafetyFlag.id)
        .where(SafetyFlag.person_id == person_id, SafetyFlag.status == FlagStatus.OPEN)
        .limit(1)
    )
    if open_flag is not None:
        reasons.append("open safety flag")
    return ", ".join(reasons) or None


def due(
    session: Session, *, years: int, today: date, person_id: int | None = None,
) -> list[Due]:  # fmt: skip
    """Everyone whose care ended at least ``years`` years before ``today``."""
    if years < 1:
        raise ServiceError(_l("The retention period must be at least one year."))
    query = select(Person.id, Person.care_ended_on).where(Person.care_ended_on.is_not(None))
    if person_id is not None:
        query = query.where(Person.id == person_id)
    found = []
    for pid, ended in session.execute(query.order_by(Person.care_ended_on, Person.id)):
        assert ended is not None
        due_on = add_years(ended, years)
        if due_on > today:
            continue
        held = privacy.holdings(session, pid)
        files = privacy.files_for(session, held)
        found.append(Due(
            pid, ended, due_on, _hold(session, pid), held.counts(),
            sum(len(f["files"]) for f in files),
        ))  # fmt: skip
    return found


@dataclass(frozen=True)
class Erased:
    person_id: int
    counts: dict[str, int]
    files: int


def erase_person(
    session: Session, item: Due, *, years: int, today: date, actor: User | None,
    actor_label: str | None = None, speech_files: list[Path] | None = None,
) -> Erased:  # fmt: skip
    """Erase every row and file about one person; the caller commits straight after.

    The stored files (photos, recordings) are deleted in the same transaction as the rows: a
    failed commit keeps both.
    ``speech_files``: rendered audio of sentences about the person (the views find them).
    """
    if item.held_because:
        raise ServiceError(
            _l("Person %(id)s is held: %(reason)s.", id=item.person_id, reason=item.held_because)
        )
    held = privacy.holdings(session, item.person_id)
    files = privacy.files_for(session, held)
    # A staff session that was locked to one of the reviews forgets which one.
    review_ids = held.ids("reviews")
    if review_ids:
        session.execute(
            update(UserSession)
            .where(UserSession.person_mode_review_id.in_(sorted(review_ids)))
            .values(person_mode_review_id=None)
        )
        # Derived figures (privacy.NOT_HELD): the foreign key would cascade; said here too.
        session.execute(
            delete(ReviewFigures).where(ReviewFigures.review_id.in_(sorted(review_ids)))
        )
    done = [k.table for k in privacy.kinds()]
    for kind in reversed(privacy.kinds()):
        rows = held.rows.get(kind.table, [])
        if not rows:
            continue
        table = _table(kind.table)
        if "id" in table.c:
            session.execute(delete(table).where(table.c.id.in_(sorted(held.ids(kind.table)))))
            continue
        parents = done[: done.index(kind.table)]
        conditions = [
            column.in_(sorted(held.ids(parent, parent_column)))
            for column, parent, parent_column in _owning_columns(table, parents)
            if held.ids(parent, parent_column)
        ]
        session.execute(delete(table).where(or_(*conditions)))
    counts = held.counts()
    audit.record(
        session, "person.erased", actor=actor, actor_label=actor_label,
        object_type="people", object_id=item.person_id, person_id=item.person_id,
        detail={
            "rule": RULE.format(years=years),
            "retention_years": years,
            "care_ended_on": item.care_ended_on.isoformat(),
            "due_on": item.due_on.isoformat(),
            "erased_on": today.isoformat(),
            "counts": counts,
            "files": sum(len(f["files"]) for f in files),
            "speech_files": len(speech_files or []),
        },
    )  # fmt: skip
    session.flush()
    storage.delete_files(session, [str(n) for f in files for n in f["files"]])
    for path in speech_files or []:
        Path(path).unlink(missing_ok=True)
    return Erased(item.person_id, counts, sum(len(f["files"]) for f in files))


def record_care_ended(
    session: Session, person: Person, *, on: date | None, actor: User, today: date
) -> None:
    """Record (or clear, with ``on=None``) the day the person's care and support ended."""
    if on is not None and on > today:
        raise ServiceError(_l("The day care ended cannot be in the future."))
    previous = person.care_ended_on
    person.care_ended_on = on
    person.version = (person.version or 1) + 1
    audit.record(
        session, "person.care_ended" if on else "person.care_resumed", actor=actor, obj=person,
        person_id=person.id,
        detail={"on": on.isoformat() if on else None,
                "previous": previous.isoformat() if previous else None},
    )  # fmt: skip
