"""A review's lifecycle: closing it (what was agreed, who agreed it, the record's content hash)
and reopening it (who, why), one row per event, never edited (issue 17)."""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow


class LifecycleEvent(enum.StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


class ReviewClosure(Base):
    """One closing or reopening of a review; the latest row says how it stands.

    A closing keeps the summary of what was agreed, who agreed it, the reasons given for what
    was not done before closing (statements with no action, "You said, we did" not shared), the
    SHA-256 of the record's content at that moment and the next review it planned. A reopening
    keeps the manager's reason.
    """

    __tablename__ = "review_closures"
    __table_args__ = (Index("ix_review_closures_review_id_id", "review_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    event: Mapped[LifecycleEvent] = mapped_column(str_enum(LifecycleEvent))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    agreed_by: Mapped[str | None] = mapped_column(Text)
    unanswered_reason: Mapped[str | None] = mapped_column(Text)
    not_shared_reason: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    next_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(Text)


class ReviewMeeting(Base):
    """When and where a review's meeting is held, and who is invited (one per review).

    ``invitees`` are keys: "person", "supporter:<id>" or "user:<id>". A reschedule or a
    cancellation keeps its reason here (the latest) and in the audit log (each one).
    """

    __tablename__ = "review_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), unique=True
    )
    starts_at: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer, default=90)
    at_home: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str | None] = mapped_column(Text)
    invitees: Mapped[list[str]] = mapped_column(JSON, default=list)
    change_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
