"""notice choices, password resets, due notices and how a supporter gets their code (issue 18)

Four additions, written by hand to run the same on SQLite and PostgreSQL, all starting empty:

- ``notice_choices``: an account's choice about one kind of optional notice (no row means
  wanted). Safety alerts and password resets are not optional and never have a row.
- ``password_resets``: a self-service reset link; only the SHA-256 of its token is kept, it
  expires, and it is used once (``used_at``) or ended by a newer one (``ended_at``).
- ``password_reset_requests``: each "forgotten your password" request (a SHA-256 of the email
  and the address asked from), for throttling, whether or not the account exists.
- ``due_notices``: the notices put in the outbox by the periodic tick (reminders, a safety
  alert's escalation, digests), by outbox key, so the tick never composes one twice.

And one column: ``supporters.code_by``, how a family link's 6-digit code reaches the supporter
("sms", "email" or "phone", read out by staff): "phone" for every existing supporter, as
before.

Revision ID: 0017_notices
Revises: 0016_outbox
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0017_notices"
down_revision = "0016_outbox"
branch_labels = None
depends_on = None

UTC = facilitator.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "notice_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_choices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_choices")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notice_choices_user_id")),
    )
    op.create_index(op.f("ix_notice_choices_user_id"), "notice_choices", ["user_id"])
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.Column("used_at", UTC(timezone=True), nullable=True),
        sa.Column("ended_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index("ix_password_resets_user_created", "password_resets", ["user_id", "created_at"])
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    op.create_index(
        "ix_password_reset_requests_email_at", "password_reset_requests", ["email_hash", "at"]
    )
    op.create_index(
        "ix_password_reset_requests_address_at", "password_reset_requests", ["address", "at"]
    )
    op.create_table(
        "due_notices",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_due_notices")),
    )
    op.create_index(op.f("ix_due_notices_kind"), "due_notices", ["kind"])
    with op.batch_alter_table("supporters") as batch:
        batch.add_column(
            sa.Column("code_by", sa.String(length=10), nullable=False, server_default="phone")
        )


def downgrade() -> None:
    with op.batch_alter_table("supporters") as batch:
        batch.drop_column("code_by")
    op.drop_index(op.f("ix_due_notices_kind"), table_name="due_notices")
    op.drop_table("due_notices")
    op.drop_index("ix_password_reset_requests_address_at", table_name="password_reset_requests")
    op.drop_index("ix_password_reset_requests_email_at", table_name="password_reset_requests")
    op.drop_table("password_reset_requests")
    op.drop_index("ix_password_resets_user_created", table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_index(op.f("ix_notice_choices_user_id"), table_name="notice_choices")
    op.drop_table("notice_choices")
