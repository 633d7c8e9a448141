"""each review's traceability figures, kept up to date as answers arrive

Revision ID: 0009_review_figures
Revises: 0008_privacy
Create Date: 2026-12-03 10:00:00

One new table, written by hand to run the same on SQLite and PostgreSQL. It starts empty: the
overdue actions page computes the figures of reviews that have no row (or a stale one) and
stores them, so no data migration is needed; ``flask figures rebuild`` fills it at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0009_review_figures"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_figures",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("actions", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("linked_to_words", sa.Integer(), nullable=False),
        sa.Column("no_link", sa.Integer(), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("to_first_action_s", sa.Float(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("computed_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_figures_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_review_figures")),
    )


def downgrade() -> None:
    op.drop_table("review_figures")
