"""records people keep up to date: accounts, supporters, legal authorities (issue 17)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0020_account_records
Revises: 0019_published_pages
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0020_account_records"
down_revision = "0019_published_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
