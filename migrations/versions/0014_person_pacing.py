"""person settings: moving on by itself off unless switched on, with an adjustable delay (issue 22, item 3)

Moving on by itself after an answer used to be on for everyone, after 1.5 seconds. It is now
off unless staff switch it on for the person, and then waits the person's own delay (3 to 15
seconds, counted down on the screen). Settings live in the JSON column people.settings.

Everyone who had it on only because it was the default has it turned off. Someone for whom a
member of staff recorded the choice (an audit entry "person.settings_changed" naming
auto_advance, the last of which left it on) keeps it on, with the shortest new delay, 3
seconds, the nearest to the 1.5 seconds they had. Each person changed gets an audit entry, so
the change is in their record's history like any other. No column changes.

Downgrade turns it back on for the people this upgrade turned off (found by their audit
entries), again with an audit entry; the delay key is left (older code ignores it).

Revision ID: 0014_person_pacing
Revises: 0013_family_sessions
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0014_person_pacing"
down_revision = "0013_family_sessions"
branch_labels = None
depends_on = None

LABEL = "system: upgrade 0014_person_pacing"
SHORTEST_DELAY_MS = 3000

people = sa.table(
    "people",
    sa.column("id", sa.Integer),
    sa.column("settings", sa.JSON),
    sa.column("version", sa.Integer),
)
audit_events = sa.table(
    "audit_events",
    sa.column("person_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("actor_label", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("seq", sa.Integer),
)


def _events(connection: Any) -> list[Any]:
    return list(
        connection.execute(
            sa.select(audit_events.c.person_id, audit_events.c.actor_label, audit_events.c.detail)
            .where(audit_events.c.action == "person.settings_changed")
            .order_by(audit_events.c.seq)
        )
    )


def _changed(detail: Any) -> list[str]:
    found = (detail or {}).get("changed") if isinstance(detail, dict) else None
    return [str(key) for key in found] if isinstance(found, list) else []


def _store(connection: Any, person_id: int, settings: dict[str, Any], version: int) -> None:
    connection.execute(
        people.update()
        .where(people.c.id == person_id)
        .values(settings=settings, version=(version or 0) + 1)
    )


def _audit(connection: Any, person_id: int, changed: list[str], why: str) -> None:
    """One entry in the hash chain, written by the app's own audit service."""
    from facilitator.services import audit

    with Session(bind=connection) as session:
        audit.record(
            session,
            "person.settings_changed",
            actor_label=LABEL,
            object_type="people",
            object_id=person_id,
            person_id=person_id,
            detail={"changed": changed, "migration": revision, "why": why},
        )
        session.flush()


def upgrade() -> None:
    connection = op.get_bind()
    # Whether each person's last recorded change of auto_advance was made by staff.
    chosen_by_staff: set[int] = set()
    for person_id, label, detail in _events(connection):
        if label == LABEL:  # this upgrade's own entries (after a downgrade) are no one's choice
            continue
        if person_id is not None and "auto_advance" in _changed(detail):
            chosen_by_staff.add(int(person_id))
    rows = list(connection.execute(sa.select(people.c.id, people.c.settings, people.c.version)))
    for person_id, settings, version in rows:
        settings = dict(settings or {})
        if not settings.get("auto_advance", True):  # a missing key meant the old default: on
            continue
        if person_id in chosen_by_staff:
            settings["auto_advance"] = True
            settings["advance_delay_ms"] = SHORTEST_DELAY_MS
            _store(connection, person_id, settings, version)
            _audit(connection, person_id, ["advance_delay_ms"], "kept on: chosen by staff")
        else:
            settings["auto_advance"] = False
            _store(connection, person_id, settings, version)
            _audit(connection, person_id, ["auto_advance"], "off unless staff switch it on")


def downgrade() -> None:
    connection = op.get_bind()
    turned_off: set[int] = set()
    for person_id, label, detail in _events(connection):
        if person_id is None or "auto_advance" not in _changed(detail):
            continue
        mine = label == LABEL and isinstance(detail, dict) and detail.get("migration") == revision
        if mine:
            turned_off.add(int(person_id))
        else:
            turned_off.discard(int(person_id))  # changed again since: that choice stands
    rows = connection.execute(sa.select(people.c.id, people.c.settings, people.c.version))
    for person_id, settings, version in list(rows):
        settings = dict(settings or {})
        if person_id in turned_off and settings.get("auto_advance") is False:
            settings["auto_advance"] = True
            _store(connection, person_id, settings, version)
            _audit(connection, person_id, ["auto_advance"], "downgrade: back to the old default")
