"""answers by review and id: the kept prompt screen's stamp from the index alone (issue 10)

Every prompt screen a tablet asks for first takes a stamp of the review (how many answers it
has, and the newest). With only (review_id, review_prompt_id) indexed, both meant reading every
answer row of the review; the benchmark's reviews gather hundreds of answers, and that stamp
cost PostgreSQL more than the rest of the request.

Revision ID: 0010_answers_by_review
Revises: 0009_review_figures
Create Date: 2026-11-27 03:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0010_answers_by_review"
down_revision = "0009_review_figures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_responses_review_id_id", "responses", ["review_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_responses_review_id_id", table_name="responses")
