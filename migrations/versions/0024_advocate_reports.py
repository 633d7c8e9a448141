"""advocates' formal reports filed in Facilitator, and the written responses (issue 17)

Revision ID: 0024_advocate_reports
Revises: 0023_joint_meetings
Create Date: 2026-12-07 23:30:00

Two new tables: ``advocate_reports`` (a report or an addendum by the person's assigned
advocate, never edited once filed; its attached file, if any, lives in ``stored_files`` under
``file_stem``) and ``advocate_report_responses`` (staff's written response, one per report).
The downgrade drops both, and the files the reports kept in the file store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0024_advocate_reports"
down_revision = "0023_joint_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advocate_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("differing_view_id", sa.Integer(), nullable=True),
        sa.Column("addendum_to_id", sa.Integer(), nullable=True),
        sa.Column("supporter_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("file_stem", sa.String(length=200), nullable=True),
        sa.Column("upload_name", sa.String(length=200), nullable=True),
        sa.Column("upload_type", sa.String(length=100), nullable=True),
        sa.Column("filed_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("response_due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_advocate_reports_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_advocate_reports_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["differing_view_id"], ["differing_views.id"],
            name=op.f("fk_advocate_reports_differing_view_id_differing_views"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["addendum_to_id"], ["advocate_reports.id"],
            name=op.f("fk_advocate_reports_addendum_to_id_advocate_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"],
            name=op.f("fk_advocate_reports_supporter_id_supporters"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"],
            name=op.f("fk_advocate_reports_author_user_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocate_reports")),
    )  # fmt: skip
    op.create_index(op.f("ix_advocate_reports_review_id"), "advocate_reports", ["review_id"])
    op.create_index(op.f("ix_advocate_reports_person_id"), "advocate_reports", ["person_id"])
    op.create_index(
        op.f("ix_advocate_reports_addendum_to_id"), "advocate_reports", ["addendum_to_id"]
    )
    op.create_table(
        "advocate_report_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column(
            "written_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["advocate_reports.id"],
            name=op.f("fk_advocate_report_responses_report_id_advocate_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["users.id"],
            name=op.f("fk_advocate_report_responses_written_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocate_report_responses")),
        sa.UniqueConstraint("report_id", name=op.f("uq_advocate_report_responses_report_id")),
    )  # fmt: skip


def downgrade() -> None:
    connection = op.get_bind()
    stems = [
        row[0]
        for row in connection.execute(
            sa.text("SELECT file_stem FROM advocate_reports WHERE file_stem IS NOT NULL")
        )
    ]
    for stem in stems:
        connection.execute(sa.text("DELETE FROM stored_files WHERE key = :key"), {"key": stem})
    op.drop_table("advocate_report_responses")
    op.drop_index(op.f("ix_advocate_reports_addendum_to_id"), table_name="advocate_reports")
    op.drop_index(op.f("ix_advocate_reports_person_id"), table_name="advocate_reports")
    op.drop_index(op.f("ix_advocate_reports_review_id"), table_name="advocate_reports")
    op.drop_table("advocate_reports")
