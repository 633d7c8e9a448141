"""services as records, staff in services, cover (issue 25)

(Placeholder: its issue's work fills it in. Until then it changes nothing.)

Revision ID: 0015_services
Revises: 0014_person_pacing
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

revision = "0015_services"
down_revision = "0014_person_pacing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
