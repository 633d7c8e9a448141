"""the message outbox (issue 18)

Revision ID: 0016_outbox
Revises: 0015_services
Create Date: 2026-12-07 17:30:00

One new table, written by hand to run the same on SQLite and PostgreSQL: every email or text
message that leaves Facilitator is a row here first, written in the transaction of the change
that causes it, and delivered by the message worker (``flask messages work``). ``key`` is unique
so a retried event makes one message; ``secret`` holds a link token or code apart from the body
until the message is sent; ``attachment`` (with its file name and type) holds one file sent with
an email, such as a review meeting's calendar file. It starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0016_outbox"
down_revision = "0015_services"
branch_labels = None
depends_on = None

UTC = facilitator.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("to", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(length=500), nullable=True),
        sa.Column("attachment", sa.Text(), nullable=True),
        sa.Column("attachment_name", sa.String(length=100), nullable=True),
        sa.Column("attachment_type", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=60), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", UTC(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("sent_at", UTC(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_outbox_messages_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
    )
    op.create_index(
        "ix_outbox_messages_status_next_attempt_at",
        "outbox_messages",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_outbox_messages_user_id"), "outbox_messages", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_messages_created_at"), "outbox_messages", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_messages_created_at"), table_name="outbox_messages")
    op.drop_index(op.f("ix_outbox_messages_user_id"), table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_status_next_attempt_at", table_name="outbox_messages")
    op.drop_table("outbox_messages")
