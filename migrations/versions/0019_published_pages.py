"""pages every provider publishes, complaints by the person and family (issue 17)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0019_published_pages
Revises: 0018_review_lifecycle
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0019_published_pages"
down_revision = "0018_review_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
