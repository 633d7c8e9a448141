"""the person's own voice, kept: consent to keep it, and their recordings (issue 24)

Revision ID: 0027_person_recordings
Revises: 0026_record_audits
Create Date: 2026-12-07 23:30:00

Three new tables. ``recording_consents``: the person's answer, per review, to "Can we keep your
voice?" and who may hear it (a new row per answer). ``person_recordings``: one row per
recording the person kept on a prompt (its sound is in ``stored_files`` under
``person-voices/<file_name>``), with a facilitator's transcript if any, and when it was
deleted. ``action_recordings``: the actions that answer a recording, as
``action_responses`` links actions to statements. The downgrade drops the three tables and
the stored sound.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0027_person_recordings"
down_revision = "0026_record_audits"
branch_labels = None
depends_on = None

UTC = facilitator.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "recording_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("hear_supporter_ids", sa.JSON(), nullable=False),
        sa.Column("capture_method", sa.String(length=40), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_recording_consents_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_recording_consents_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"],
            name=op.f("fk_recording_consents_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_consents")),
    )  # fmt: skip
    op.create_index(op.f("ix_recording_consents_review_id"), "recording_consents", ["review_id"])
    op.create_index(op.f("ix_recording_consents_person_id"), "recording_consents", ["person_id"])
    op.create_table(
        "person_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("review_prompt_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("audio_format", sa.String(length=10), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("captured_with_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("transcript_by_id", sa.Integer(), nullable=True),
        sa.Column("transcript_at", UTC(timezone=True), nullable=True),
        sa.Column("deleted_at", UTC(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_person_recordings_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_person_recordings_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_prompt_id"], ["review_prompts.id"],
            name=op.f("fk_person_recordings_review_prompt_id_review_prompts"),
        ),
        sa.ForeignKeyConstraint(
            ["captured_with_id"], ["users.id"],
            name=op.f("fk_person_recordings_captured_with_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["transcript_by_id"], ["users.id"],
            name=op.f("fk_person_recordings_transcript_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["users.id"], name=op.f("fk_person_recordings_deleted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_recordings")),
        sa.UniqueConstraint("public_id", name=op.f("uq_person_recordings_public_id")),
        sa.UniqueConstraint("client_id", name=op.f("uq_person_recordings_client_id")),
        sa.UniqueConstraint("file_name", name=op.f("uq_person_recordings_file_name")),
    )  # fmt: skip
    op.create_index(op.f("ix_person_recordings_person_id"), "person_recordings", ["person_id"])
    op.create_index(op.f("ix_person_recordings_review_id"), "person_recordings", ["review_id"])
    op.create_table(
        "action_recordings",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["outcome_actions.id"],
            name=op.f("fk_action_recordings_action_id_outcome_actions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["person_recordings.id"],
            name=op.f("fk_action_recordings_recording_id_person_recordings"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_id", "recording_id", name=op.f("pk_action_recordings")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("action_recordings")
    op.execute(sa.text("DELETE FROM stored_files WHERE key LIKE 'person-voices/%'"))
    op.drop_index(op.f("ix_person_recordings_review_id"), table_name="person_recordings")
    op.drop_index(op.f("ix_person_recordings_person_id"), table_name="person_recordings")
    op.drop_table("person_recordings")
    op.drop_index(op.f("ix_recording_consents_person_id"), table_name="recording_consents")
    op.drop_index(op.f("ix_recording_consents_review_id"), table_name="recording_consents")
    op.drop_table("recording_consents")
