"""two-factor sign-in and session limits (issue 9)

Accounts gain a confirmed time-based second factor (``totp_enabled_at``), the last accepted
time step (so that a code cannot be replayed), a recorded reason when an administrator has
switched the second factor off for one staff or advocate account, and single-use recovery
codes stored hashed.

Revision ID: 0005_two_factor
Revises: 0004_scale_indexes
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0005_two_factor"
down_revision = "0004_scale_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "totp_enabled_at",
                facilitator.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("two_factor_off_reason", sa.String(length=300), nullable=True)
        )

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("used_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("two_factor_off_reason")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
