"""(reserved placeholder: 0027_person_recordings; filled in by its part)

Revision ID: 0027_person_recordings
Revises: 0026_record_audits
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

revision = "0027_person_recordings"
down_revision = "0026_record_audits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
