"""custom prompts and recorded voices (issue 7)

Custom prompts (the table has existed since 0001) gain what staff now write: one review or all
the person's reviews, choices, a photo of the person, a recording of a familiar voice, their
order, versions (a version with answers is never changed) and retirement. Recordings of a
familiar voice get their own table; the audio files live in the upload folder (UPLOAD_FOLDER),
outside the static folder. Written by hand to run the same on SQLite and PostgreSQL.

Revision ID: 0007_custom_prompts
Revises: 0006_media
Create Date: 2026-11-26 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import facilitator.models.base

revision = "0007_custom_prompts"
down_revision = "0006_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("audio_format", sa.String(length=10), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=120), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_voice_recordings_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_voice_recordings_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_recordings")),
        sa.UniqueConstraint("public_id", name=op.f("uq_voice_recordings_public_id")),
        sa.UniqueConstraint("file_name", name=op.f("uq_voice_recordings_file_name")),
    )
    with op.batch_alter_table("voice_recordings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_recordings_person_id"), ["person_id"], unique=False
        )

    with op.batch_alter_table("custom_prompts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("choices", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("photo_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recording_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("position", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.add_column(sa.Column("first_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "retired_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("retired_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_custom_prompts_review_id_reviews"),
            "reviews",
            ["review_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_custom_prompts_photo_id_photos"), "photos", ["photo_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_custom_prompts_recording_id_voice_recordings"),
            "voice_recordings",
            ["recording_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_custom_prompts_first_version_id_custom_prompts"),
            "custom_prompts",
            ["first_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_custom_prompts_superseded_by_id_custom_prompts"),
            "custom_prompts",
            ["superseded_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_custom_prompts_retired_by_id_users"), "users", ["retired_by_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_custom_prompts_review_id"), ["review_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_custom_prompts_first_version_id"), ["first_version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("custom_prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_prompts_first_version_id"))
        batch_op.drop_index(batch_op.f("ix_custom_prompts_review_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_custom_prompts_retired_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_custom_prompts_superseded_by_id_custom_prompts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_custom_prompts_first_version_id_custom_prompts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_custom_prompts_recording_id_voice_recordings"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_custom_prompts_photo_id_photos"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_custom_prompts_review_id_reviews"), type_="foreignkey"
        )
        for column in (
            "retired_by_id", "retired_at", "superseded_by_id", "first_version_id", "version",
            "position", "recording_id", "photo_id", "choices", "review_id",
        ):  # fmt: skip
            batch_op.drop_column(column)
    with op.batch_alter_table("voice_recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_recordings_person_id"))
    op.drop_table("voice_recordings")
