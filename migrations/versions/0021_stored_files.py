"""files every instance sees: photos and recorded voices in the database (issue 19)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0021_stored_files
Revises: 0020_account_records
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0021_stored_files"
down_revision = "0020_account_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
