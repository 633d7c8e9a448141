"""data that moves between systems: people imported from a CSV file (issue 20)

Revision ID: 0022_data_moves
Revises: 0021_stored_files
Create Date: 2026-12-07 18:00:00

One new table, ``people_imports``: a CSV file of people (and their supporters) kept between
its preview and its confirmation (who uploaded it and when, its name, SHA-256, text and
number of rows; when it was confirmed and how many people it made). The downgrade drops it
(the people an import made stay: they are ordinary people rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0022_data_moves"
down_revision = "0021_stored_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "uploaded_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column(
            "confirmed_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("people_created", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_people_imports_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_imports")),
    )  # fmt: skip
    op.create_index(op.f("ix_people_imports_uploaded_by_id"), "people_imports", ["uploaded_by_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_people_imports_uploaded_by_id"), table_name="people_imports")
    op.drop_table("people_imports")
