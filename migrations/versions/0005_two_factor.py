"""two-factor sign-in and session limits (issue 9)

Revision ID: 0005_two_factor
Revises: 0004_scale_indexes
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_two_factor"
down_revision = "0004_scale_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
