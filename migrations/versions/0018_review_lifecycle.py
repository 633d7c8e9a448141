"""reviews that close and come round again (issue 17)

Revision ID: 0018_review_lifecycle
Revises: 0017_notices
Create Date: 2026-12-07 17:30:00

One new table, review_closures: each closing of a review (the summary of what was agreed, who
agreed it, the reasons given for statements with no action and for "You said, we did" not
shared, the SHA-256 of the record's content and the next review it planned) and each reopening
(the manager's reason), never edited. One new column, people.review_interval_months: the months
from one review to the next for this person (empty: the provider's interval, 12 by default).
And review_meetings: when
and where each review's meeting is held (a time, a place or "at home"), who is invited, and the
latest reason it was moved or cancelled. Written by hand to run the same on SQLite and PostgreSQL; existing rows need no change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0018_review_lifecycle"
down_revision = "0017_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column(
            "event",
            sa.Enum(
                "closed",
                "reopened",
                name="lifecycleevent",
                native_enum=False,
                create_constraint=False,
                length=60,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("agreed_by", sa.Text(), nullable=True),
        sa.Column("unanswered_reason", sa.Text(), nullable=True),
        sa.Column("not_shared_reason", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("next_review_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_closures_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_review_closures_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["next_review_id"],
            ["reviews.id"],
            name=op.f("fk_review_closures_next_review_id_reviews"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_closures")),
    )
    op.create_index(
        "ix_review_closures_review_id_id", "review_closures", ["review_id", "id"], unique=False
    )
    op.add_column("people", sa.Column("review_interval_months", sa.Integer(), nullable=True))
    op.create_table(
        "review_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("at_home", sa.Boolean(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("invitees", sa.JSON(), nullable=False),
        sa.Column("change_reason", sa.Text(), nullable=True),
        sa.Column(
            "cancelled_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_meetings_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_review_meetings_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_meetings")),
        sa.UniqueConstraint("review_id", name=op.f("uq_review_meetings_review_id")),
    )


def downgrade() -> None:
    op.drop_table("review_meetings")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("review_interval_months")
    op.drop_index("ix_review_closures_review_id_id", table_name="review_closures")
    op.drop_table("review_closures")
