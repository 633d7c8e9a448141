"""data that moves between systems: people imported from a CSV file (issue 20)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0022_data_moves
Revises: 0021_stored_files
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

revision = "0022_data_moves"
down_revision = "0021_stored_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
