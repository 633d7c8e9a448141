"""notice choices and password resets (issue 18)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0017_notices
Revises: 0016_outbox
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0017_notices"
down_revision = "0016_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
