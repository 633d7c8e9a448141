"""family sessions kept on the server (issue 21, item 4)

PLACEHOLDER: reserved in the migration chain; filled in by the work on this item.

Revision ID: 0013_family_sessions
Revises: 0012_sign_in_throttle
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

revision = "0013_family_sessions"
down_revision = "0012_sign_in_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
