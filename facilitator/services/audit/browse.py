"""Browsing and exporting the audit log: filter by person, user, action and date.

Reading never changes the log. Exports are themselves recorded in the log (who exported what
filter), because the log is about people.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import AuditEvent, User
from .. import ServiceError, audit

PER_PAGE = 50
CSV_HEADER = (
    "seq", "id", "at", "actor_user_id", "actor_label", "action", "object_type", "object_id",
    "person_id", "detail", "prev_hash", "hash",
)  # fmt: skip
# A spreadsheet treats a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    """What to show. Every part is optional; dates include both ends (UTC)."""

    person_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ServiceError(_l("The 'from' date must be on or before the 'to' date."))

    def as_detail(self) -> dict[str, Any]:
        """The filter, for the audit entry that records an export."""
        return {k: (str(v) if isinstance(v, date) else v) for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class Page:
    """One page of entries, newest first."""

    items: list[AuditEvent]
    total: int
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _query(f: AuditFilter) -> Any:
    query = select(AuditEvent)
    if f.person_id:
        query = query.where(AuditEvent.person_id == f.person_id)
    if f.user_id:
        query = query.where(AuditEvent.actor_user_id == f.user_id)
    if f.action:
        if f.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(f.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == f.action)
    if f.date_from:
        query = query.where(AuditEvent.at >= datetime.combine(f.date_from, time.min, tzinfo=UTC))
    if f.date_to:
        end = datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        query = query.where(AuditEvent.at < end)
    return query


def page(session: Session, f: AuditFilter, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """Entries matching the filter, newest first, one page at a time."""
    query = _query(f)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    items = list(
        session.scalars(
            query.order_by(AuditEvent.seq.desc()).offset((number - 1) * per_page).limit(per_page)
        )
    )
    return Page(items, total, number, pages)


def actions(session: Session) -> list[str]:
    """Every action name in the log, for the filter."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def actors(session: Session) -> list[User]:
    """Accounts that appear in the log."""
    ids = select(AuditEvent.actor_user_id).where(AuditEvent.actor_user_id.is_not(None)).distinct()
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(event: AuditEvent) -> list[str]:
    return [
        csv_safe(v)
        for v in (
            event.seq,
            event.id,
            event.at.isoformat(timespec="microseconds"),
            event.actor_user_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.person_id,
            json.dumps(event.detail or {}, sort_keys=True, separators=(",", ":")),
            event.prev_hash,
            event.hash,
        )
    ]


def export_csv(session: Session, f: AuditFilter) -> Iterator[str]:
    """The matching entries as CSV text, in chain order, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    rows = session.scalars(_query(f).order_by(AuditEvent.seq)).yield_per(500)
    for event in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_row(event))
        yield buffer.getvalue()


def record_export(
    session: Session, f: AuditFilter, *, actor: User | None, actor_label: str | None = None
) -> None:
    """Write an entry saying who exported which part of the log (call before exporting)."""
    audit.record(
        session,
        "audit.exported",
        actor=actor,
        actor_label=actor_label,
        detail={"filter": f.as_detail()},
    )
