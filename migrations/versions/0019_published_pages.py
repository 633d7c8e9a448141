"""pages every provider publishes, complaints by the person and family (issue 17)

Revision ID: 0019_published_pages
Revises: 0018_review_lifecycle
Create Date: 2026-12-07 17:30:00

Two new tables, written by hand to run the same on SQLite and PostgreSQL:

* ``published_pages``: an administrator's text of the accessibility statement, the privacy
  notices and the provider's contact details, one row per page and language (a page with no
  row shows the product's own text), with who changed it, when, and its version.
* ``complaint_sources``: where a complaint made by the person on the tablet or by a family
  member through their link came from, with the one-time token of the form it was sent from
  (unique, so a double tap never makes two complaints).

Both start empty; downgrading drops them (complaints made this way stay in the register).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0019_published_pages"
down_revision = "0018_review_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_published_pages_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_pages")),
        sa.UniqueConstraint("slug", "language", name=op.f("uq_published_pages_slug")),
    )
    op.create_table(
        "complaint_sources",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("tablet_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_sources_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters.id"],
            name=op.f("fk_complaint_sources_supporter_id_supporters"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["invitation_links.id"],
            name=op.f("fk_complaint_sources_link_id_invitation_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tablet_user_id"],
            ["users.id"],
            name=op.f("fk_complaint_sources_tablet_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaint_sources")),
        sa.UniqueConstraint("client_token", name=op.f("uq_complaint_sources_client_token")),
    )
    op.create_index(
        op.f("ix_complaint_sources_supporter_id"),
        "complaint_sources",
        ["supporter_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_complaint_sources_supporter_id"), table_name="complaint_sources")
    op.drop_table("complaint_sources")
    op.drop_table("published_pages")
