"""custom prompts and recorded voices (issue 7)

Revision ID: 0007_custom_prompts
Revises: 0006_media
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_custom_prompts"
down_revision = "0006_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
