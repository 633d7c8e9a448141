"""the message outbox (issue 18)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0016_outbox
Revises: 0015_services
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0016_outbox"
down_revision = "0015_services"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
