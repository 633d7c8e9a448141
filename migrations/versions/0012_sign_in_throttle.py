"""sign-in throttle per account and address; second-step codes claimed once (issue 21, items 2 and 3)

PLACEHOLDER: reserved in the migration chain; filled in by the work on this item.

Revision ID: 0012_sign_in_throttle
Revises: 0011_tablet_unlock_attempts
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

revision = "0012_sign_in_throttle"
down_revision = "0011_tablet_unlock_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
