"""reviews that close and come round again (issue 17)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0018_review_lifecycle
Revises: 0017_notices
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0018_review_lifecycle"
down_revision = "0017_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
