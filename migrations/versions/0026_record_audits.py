"""(reserved placeholder: 0026_record_audits; filled in by its part)

Revision ID: 0026_record_audits
Revises: 0025_outcome_codes
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

revision = "0026_record_audits"
down_revision = "0025_outcome_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
