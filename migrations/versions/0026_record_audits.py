"""the monthly record audit: a sample of closed reviews, checked, findings tracked (issue 20)

Revision ID: 0026_record_audits
Revises: 0025_outcome_codes
Create Date: 2026-12-07 23:30:00

Four new tables: ``record_audits`` (the month, services, size, the reviews drawn from and the
seed, who started and finished it), ``record_audit_checks`` (each sampled review and who
checked it), ``record_audit_answers`` (each checklist item: met, not met, not applicable, and a
note) and ``record_audit_findings`` (an item not met, with its owner, due date and what was
done). The downgrade drops them (the audit log keeps its entries about each step).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0026_record_audits"
down_revision = "0025_outcome_codes"
branch_labels = None
depends_on = None

WHEN = facilitator.models.base.UTCDateTime(timezone=True)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def upgrade() -> None:
    op.create_table(
        "record_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service_ids", sa.JSON(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("pool_ids", sa.JSON(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", WHEN, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _user_fk("record_audits", "started_by_id"),
        _user_fk("record_audits", "completed_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_audits")),
    )
    op.create_index(op.f("ix_record_audits_month"), "record_audits", ["month"])
    op.create_index(op.f("ix_record_audits_started_by_id"), "record_audits", ["started_by_id"])
    op.create_table(
        "record_audit_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_audit_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["record_audit_id"], ["record_audits.id"],
            name=op.f("fk_record_audit_checks_record_audit_id_record_audits"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"],
            name=op.f("fk_record_audit_checks_review_id_reviews"), ondelete="CASCADE",
        ),
        _user_fk("record_audit_checks", "checked_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_audit_checks")),
        sa.UniqueConstraint(
            "record_audit_id", "review_id",
            name=op.f("uq_record_audit_checks_record_audit_id"),
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_record_audit_checks_record_audit_id"), "record_audit_checks", ["record_audit_id"]
    )
    op.create_index(op.f("ix_record_audit_checks_review_id"), "record_audit_checks", ["review_id"])
    op.create_table(
        "record_audit_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("met", "not-met", "n-a", name="auditanswer", native_enum=False,
                    create_constraint=False, length=60),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"], ["record_audit_checks.id"],
            name=op.f("fk_record_audit_answers_check_id_record_audit_checks"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_audit_answers")),
        sa.UniqueConstraint("check_id", "item", name=op.f("uq_record_audit_answers_check_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_record_audit_answers_check_id"), "record_audit_answers", ["check_id"])
    op.create_table(
        "record_audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_audit_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "done", name="findingstatus", native_enum=False,
                    create_constraint=False, length=60),
            nullable=False,
        ),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_audit_id"], ["record_audits.id"],
            name=op.f("fk_record_audit_findings_record_audit_id_record_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["check_id"], ["record_audit_checks.id"],
            name=op.f("fk_record_audit_findings_check_id_record_audit_checks"),
            ondelete="CASCADE",
        ),
        _user_fk("record_audit_findings", "owner_user_id"),
        _user_fk("record_audit_findings", "done_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_audit_findings")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_record_audit_findings_record_audit_id"),
        "record_audit_findings",
        ["record_audit_id"],
    )
    op.create_index(
        op.f("ix_record_audit_findings_check_id"), "record_audit_findings", ["check_id"]
    )
    op.create_index(
        "ix_record_audit_findings_status_due", "record_audit_findings", ["status", "due_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_audit_findings_status_due", table_name="record_audit_findings")
    op.drop_index(op.f("ix_record_audit_findings_check_id"), table_name="record_audit_findings")
    op.drop_index(
        op.f("ix_record_audit_findings_record_audit_id"), table_name="record_audit_findings"
    )
    op.drop_table("record_audit_findings")
    op.drop_index(op.f("ix_record_audit_answers_check_id"), table_name="record_audit_answers")
    op.drop_table("record_audit_answers")
    op.drop_index(op.f("ix_record_audit_checks_review_id"), table_name="record_audit_checks")
    op.drop_index(op.f("ix_record_audit_checks_record_audit_id"), table_name="record_audit_checks")
    op.drop_table("record_audit_checks")
    op.drop_index(op.f("ix_record_audits_started_by_id"), table_name="record_audits")
    op.drop_index(op.f("ix_record_audits_month"), table_name="record_audits")
    op.drop_table("record_audits")
