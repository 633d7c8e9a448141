"""photos for a person (issue 7)

Revision ID: 0006_media
Revises: 0005_two_factor
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_media"
down_revision = "0005_two_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
