"""(reserved placeholder: 0025_outcome_codes; filled in by its part)

Revision ID: 0025_outcome_codes
Revises: 0024_advocate_reports
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

revision = "0025_outcome_codes"
down_revision = "0024_advocate_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
