"""(reserved placeholder: 0024_advocate_reports; filled in by its part)

Revision ID: 0024_advocate_reports
Revises: 0023_joint_meetings
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

revision = "0024_advocate_reports"
down_revision = "0023_joint_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
