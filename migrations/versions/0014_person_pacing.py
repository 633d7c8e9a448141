"""person settings: moving on by itself off unless switched on, with an adjustable delay (issue 22, item 3)

PLACEHOLDER: reserved in the migration chain; filled in by the work on this item.

Revision ID: 0014_person_pacing
Revises: 0013_family_sessions
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

revision = "0014_person_pacing"
down_revision = "0013_family_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
