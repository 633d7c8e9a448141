"""subject access and retention (issue 9)

Revision ID: 0008_privacy
Revises: 0007_custom_prompts
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_privacy"
down_revision = "0007_custom_prompts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
