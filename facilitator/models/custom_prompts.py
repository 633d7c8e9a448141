"""Prompts written by staff for one person (or one review), and recordings of a familiar voice.

A custom prompt is answered and stored exactly like a library prompt: its review prompt rows
carry the key ``custom-<id>`` in ``library_prompt_id`` (and the id in ``custom_prompt_id``).
Each row is one *version*: once a version has answers it is never changed, so an answer
always points at the exact words, picture and voice the person was given. Editing it then
makes a new row (``version`` + 1, the same ``first_version_id``) and the old one is marked
``superseded_by_id``. A prompt with answers is retired, never deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow

CUSTOM_KEY_PREFIX = "custom-"


class VoiceRecording(Base):
    """A recording of a familiar voice reading a prompt, checked by content when uploaded.

    The file lives in the upload folder (outside the static folder) under ``file_name``, a
    random name; it is served only to those allowed to see the person. Never edited.
    """

    __tablename__ = "voice_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # The address part: random, so recordings cannot be guessed or counted from a URL.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    file_name: Mapped[str] = mapped_column(String(80), unique=True)
    # "wav", "mp3", "ogg" (Opus) or "webm" (Opus), found from the file's own bytes.
    audio_format: Mapped[str] = mapped_column(String(10))
    byte_size: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    # Whose voice it is, for staff ("Mum", "Jo, key worker").
    speaker: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomPrompt(Base):
    """One version of a prompt written by staff for one person (or one of their reviews)."""

    __tablename__ = "custom_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Set for a prompt used in one review only; empty for one used in all the person's reviews.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[str] = mapped_column(String(60))
    answer_type: Mapped[str] = mapped_column(String(40))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)  # language -> easy-read sentence
    # Choices for choose-one and choose-many: [{"id", "labels": {lang: text}, "picture"}].
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    picture: Mapped[str | None] = mapped_column(String(80))
    alt: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("voice_recordings.id"))
    # Order among the person's custom prompts in the same topic (smallest first).
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The first version's id (empty on the first version itself).
    first_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("custom_prompts.id"), index=True
    )
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("custom_prompts.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def key(self) -> str:
        """The prompt key stored on review prompts: ``custom-<id>``."""
        return f"{CUSTOM_KEY_PREFIX}{self.id}"

    @property
    def lineage_id(self) -> int:
        """The id shared by every version: the first version's."""
        return self.first_version_id or self.id

    @property
    def active(self) -> bool:
        """The current version, not retired."""
        return self.superseded_by_id is None and self.retired_at is None
