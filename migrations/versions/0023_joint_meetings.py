"""joint problem-solving meetings (issue 17)

Revision ID: 0023_joint_meetings
Revises: 0022_data_moves
Create Date: 2026-12-07 23:30:00

Five new tables, nothing existing altered: ``joint_meetings`` (arranged from a review or a
differing view: when, where, who is invited, the easy-read question, the way forward and who
decided), ``joint_meeting_views`` (the person's own answers for the meeting, given on the
tablet, with how each was captured), ``joint_meeting_notes`` (what each party said, in their
name), ``joint_meeting_options`` (the options discussed) and ``joint_meeting_actions`` (the
actions the meeting produced). The downgrade drops them, and everything recorded in them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0023_joint_meetings"
down_revision = "0022_data_moves"
branch_labels = None
depends_on = None

WHEN = facilitator.models.base.UTCDateTime(timezone=True)


def _child(name: str, *columns: sa.Column) -> None:
    """A table of rows added to a meeting one by one, each with who recorded it and when."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["joint_meetings.id"],
            name=op.f(f"fk_{name}_meeting_id_joint_meetings"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f(f"fk_{name}_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )  # fmt: skip
    op.create_index(op.f(f"ix_{name}_meeting_id"), name, ["meeting_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "joint_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("differing_view_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("at_home", sa.Boolean(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("invitees", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=60), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("way_forward", sa.Text(), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_joint_meetings_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_joint_meetings_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["differing_view_id"], ["differing_views.id"],
            name=op.f("fk_joint_meetings_differing_view_id_differing_views"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_joint_meetings_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_joint_meetings_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_meetings")),
    )  # fmt: skip
    for column in ("person_id", "review_id", "differing_view_id"):
        op.create_index(
            op.f(f"ix_joint_meetings_{column}"), "joint_meetings", [column], unique=False
        )
    _child(
        "joint_meeting_views",
        sa.Column("prompt_key", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.String(length=40), nullable=True),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("capture_method", sa.String(length=60), nullable=False),
    )
    _child(
        "joint_meeting_notes",
        sa.Column("party_key", sa.String(length=40), nullable=False),
        sa.Column("party_name", sa.String(length=160), nullable=False),
        sa.Column("said", sa.Text(), nullable=False),
        sa.Column("capture_method", sa.String(length=60), nullable=False),
    )
    _child(
        "joint_meeting_options",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=160), nullable=True),
    )
    op.create_table(
        "joint_meeting_actions",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["joint_meetings.id"],
            name=op.f("fk_joint_meeting_actions_meeting_id_joint_meetings"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["outcome_actions.id"],
            name=op.f("fk_joint_meeting_actions_action_id_outcome_actions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "action_id", name=op.f("pk_joint_meeting_actions")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("joint_meeting_actions")
    for name in ("joint_meeting_options", "joint_meeting_notes", "joint_meeting_views"):
        op.drop_index(op.f(f"ix_{name}_meeting_id"), table_name=name)
        op.drop_table(name)
    for column in ("differing_view_id", "review_id", "person_id"):
        op.drop_index(op.f(f"ix_joint_meetings_{column}"), table_name="joint_meetings")
    op.drop_table("joint_meetings")
