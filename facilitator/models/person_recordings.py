"""The person's own voice, kept (issue 24): their consent, and what they said, recorded.

``RecordingConsent``: before the first recording in a review the person is asked, in easy
read, whether their voice may be kept and who may hear it. Each answer is a new row (nothing
is overwritten); the latest row on a review is the one that applies.

``PersonRecording``: one recording the person kept on one prompt. The sound lives in the file
store (``services/media/storage.py``) under ``person-voices/<file_name>``; the row says what it
is. Attributed as "said by the person, recorded". A facilitator may add a transcript: it is
theirs (``transcript_by_id``), never the person's words. Deleting a recording (the person may
ask) removes the sound and keeps the row, marked deleted, so the record says it existed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow

# An action answers a recording as it answers any statement of the person's (issue 24).
action_recordings = Table(
    "action_recordings",
    Base.metadata,
    Column("action_id", ForeignKey("outcome_actions.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "recording_id", ForeignKey("person_recordings.id", ondelete="CASCADE"), primary_key=True
    ),
)


class RecordingConsent(Base):
    """The person's answer to "Can we keep your voice?", and who may hear it."""

    __tablename__ = "recording_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # "yes" (keep my voice) or "no" (do not record me).
    decision: Mapped[str] = mapped_column(String(20))
    # The supporters the person said may hear their recordings (ids), chosen one by one.
    hear_supporter_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    capture_method: Mapped[str] = mapped_column(String(40), default="tapped")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonRecording(Base):
    """One recording of the person's own voice on one prompt of a review."""

    __tablename__ = "person_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    review_prompt_id: Mapped[int] = mapped_column(ForeignKey("review_prompts.id"))
    # The address part: random, so recordings cannot be guessed or counted from a URL.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Made on the tablet, so a resend from its offline queue stores the recording once.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # "audio" (say it); "video" (sign it) is not built.
    kind: Mapped[str] = mapped_column(String(10), default="audio")
    file_name: Mapped[str] = mapped_column(String(80), unique=True)
    # "webm" or "ogg" (Opus), found from the file's own bytes.
    audio_format: Mapped[str] = mapped_column(String(10))
    byte_size: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # The facilitator whose tablet session it was made in.
    captured_with_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A facilitator's transcript: theirs, never the person's words.
    transcript: Mapped[str | None] = mapped_column(Text)
    transcript_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    transcript_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None
