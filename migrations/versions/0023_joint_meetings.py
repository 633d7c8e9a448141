"""(reserved placeholder: 0023_joint_meetings; filled in by its part)

Revision ID: 0023_joint_meetings
Revises: 0022_data_moves
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

revision = "0023_joint_meetings"
down_revision = "0022_data_moves"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
