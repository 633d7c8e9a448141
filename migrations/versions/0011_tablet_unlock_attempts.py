"""tablet unlock attempts: one PIN counter per tablet session and account (issue 21, item 1)

PLACEHOLDER: reserved in the migration chain; filled in by the work on this item.

Revision ID: 0011_tablet_unlock_attempts
Revises: 0010_answers_by_review
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

revision = "0011_tablet_unlock_attempts"
down_revision = "0010_answers_by_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
