"""family sessions kept on the server (issue 21, item 4)

Revision ID: 0013_family_sessions
Revises: 0012_sign_in_throttle
Create Date: 2026-12-07 04:00:00

One new table, written by hand to run the same on SQLite and PostgreSQL. A family member's
session by link was held only in the signed cookie, so a copy of that cookie kept working after
"Finish on this device"; now the cookie carries the id of a row here, which finishing, revoking
the link, the review closing and the time limits end. It starts empty: a cookie from before the
upgrade holds no such id, so its holder is asked to open their link again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0013_family_sessions"
down_revision = "0012_sign_in_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "family_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_seen_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "confirmed_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("revoked_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["invitation_links.id"],
            name=op.f("fk_family_sessions_link_id_invitation_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_sessions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_family_sessions_public_id")),
    )
    op.create_index(
        op.f("ix_family_sessions_link_id"), "family_sessions", ["link_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_family_sessions_link_id"), table_name="family_sessions")
    op.drop_table("family_sessions")
