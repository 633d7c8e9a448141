"""action follow-ups: at the next review, did each earlier action happen?

Revision ID: 0002_action_followups
Revises: 0001
Create Date: 2026-11-26 13:10:00

Written by hand to run the same on SQLite and PostgreSQL: one new table, no ALTER of an
existing one, enums stored as VARCHAR without a CHECK (like every enum in 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0002_action_followups"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("yes", "partly", "no", "not-sure", name="followupanswer", native_enum=False, length=60),
            nullable=False,
        ),
        sa.Column("own_words", sa.Text(), nullable=True),
        sa.Column(
            "capture_method",
            sa.Enum("tapped", "typed", "scribed", "interpreted", name="capturemethod", native_enum=False, length=60),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["outcome_actions.id"],
            name=op.f("fk_action_followups_action_id_outcome_actions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"],
            name=op.f("fk_action_followups_review_id_reviews"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_action_followups_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["action_followups.id"],
            name=op.f("fk_action_followups_supersedes_id_action_followups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_followups")),
        sa.UniqueConstraint("client_id", name=op.f("uq_action_followups_client_id")),
    )
    with op.batch_alter_table("action_followups", schema=None) as batch_op:
        batch_op.create_index("ix_action_followups_action_review", ["action_id", "review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_followups_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_followups_review_id"))
        batch_op.drop_index("ix_action_followups_action_review")
    op.drop_table("action_followups")
