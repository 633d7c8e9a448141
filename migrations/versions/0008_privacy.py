"""subject access and retention (issue 9)

Revision ID: 0008_privacy
Revises: 0007_custom_prompts
Create Date: 2026-11-26 15:40:00

Erasing a person at the end of the retention period deletes their row, but the append-only
audit log keeps its entries about them (ids and event names, never content), so
audit_events.person_id becomes a plain number instead of a foreign key to people.

SQLite cannot drop a constraint in place: the table is rebuilt (rows copied unchanged, so
every hash still verifies) and its append-only triggers, which go with the old table, are
created again.
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "0008_privacy"
down_revision = "0007_custom_prompts"
branch_labels = None
depends_on = None

FK = "fk_audit_events_person_id_people"
AUDIT_GUARD_SQLITE = (
    "CREATE TRIGGER audit_events_no_{op} BEFORE {OP} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _guard_sqlite() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")
        op.execute(AUDIT_GUARD_SQLITE.format(op=verb, OP=verb.upper()))


def upgrade() -> None:
    if _sqlite():
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
    if _sqlite():
        _guard_sqlite()


def downgrade() -> None:
    # Fails if a person has been erased since: their audit entries point at no row.
    if _sqlite():
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_foreign_key(FK, "people", ["person_id"], ["id"])
    if _sqlite():
        _guard_sqlite()
