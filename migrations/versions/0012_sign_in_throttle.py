"""sign-in throttle per account and address; second-step codes claimed once (issue 21, items 2 and 3)

Each sign-in attempt says what came of it (``outcome``): only failures count towards a pause,
tries refused while paused are kept but never count, and a failure can be cleared (by a whole
sign-in from the same address, or by the account's owner or an administrator). Attempts from
before this migration: failures count as before; a right password is not taken to be a whole
sign-in (the second step was not recorded then). Item 2 needs no schema change: the codes are
claimed by a conditional UPDATE of the existing columns.

Revision ID: 0012_sign_in_throttle
Revises: 0011_tablet_unlock_attempts
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_sign_in_throttle"
down_revision = "0011_tablet_unlock_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outcome", sa.String(length=60), nullable=False, server_default="failed")
        )
    attempts = sa.table("login_attempts", sa.column("succeeded"), sa.column("outcome"))
    op.execute(
        attempts.update().where(attempts.c.succeeded.is_(True)).values(outcome="password-right")
    )


def downgrade() -> None:
    # Before this migration every try that did not succeed counted as a failure. Tries
    # refused while paused, cleared failures and the marks of ended pauses must not count
    # again, and the old schema cannot say so: they are removed (the audit log keeps them).
    attempts = sa.table("login_attempts", sa.column("succeeded"), sa.column("outcome"))
    op.execute(
        attempts.delete().where(attempts.c.succeeded.is_(False), attempts.c.outcome != "failed")
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_column("outcome")
