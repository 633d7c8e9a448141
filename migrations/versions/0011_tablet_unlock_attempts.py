"""tablet unlock attempts: one PIN counter per tablet session and account (issue 21, item 1)

Leaving person mode needed the facilitator's PIN, and the only limit was a rate limit counted
per endpoint and per worker. Each try that counts is now a row here, shared by every exit
route, worker and instance: wrong PINs per tablet session and per account, wrong passwords,
a right password waiting for its second step, the count cleared, and when the account was
told.

Revision ID: 0011_tablet_unlock_attempts
Revises: 0010_answers_by_review
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0011_tablet_unlock_attempts"
down_revision = "0010_answers_by_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tablet_unlock_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_session_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_tablet_unlock_attempts_review_id_reviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tablet_unlock_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_session_id"],
            ["user_sessions.id"],
            name=op.f("fk_tablet_unlock_attempts_user_session_id_user_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tablet_unlock_attempts")),
    )
    with op.batch_alter_table("tablet_unlock_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tablet_unlock_attempts_session_at", ["user_session_id", "at"], unique=False
        )
        batch_op.create_index("ix_tablet_unlock_attempts_user_at", ["user_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tablet_unlock_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_tablet_unlock_attempts_user_at")
        batch_op.drop_index("ix_tablet_unlock_attempts_session_at")
    op.drop_table("tablet_unlock_attempts")
