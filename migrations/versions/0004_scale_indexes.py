"""scale indexes: reviews by date, responses by the answer they supersede (issue 10)

The governance dashboard filters reviews by ``scheduled_for`` alone (the existing index starts
with ``status``) and leaves out superseded answers with ``id NOT IN (SELECT supersedes_id ...)``;
both scan whole tables without these indexes once there are millions of answers.

Revision ID: 0004_scale_indexes
Revises: 0003_governance
Create Date: 2026-11-26 14:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0004_scale_indexes"
down_revision = "0003_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reviews_scheduled_for", "reviews", ["scheduled_for"])
    op.create_index("ix_responses_supersedes_id", "responses", ["supersedes_id"])


def downgrade() -> None:
    op.drop_index("ix_responses_supersedes_id", table_name="responses")
    op.drop_index("ix_reviews_scheduled_for", table_name="reviews")
