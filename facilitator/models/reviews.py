"""Reviews, the prompts chosen for them, and the person's own responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import CaptureMethod, NonParticipationReason, ReviewKind, ReviewStatus
from .people import Person


class Review(Base):
    """A Care Act s27 review of a person's care and support plan."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_status_scheduled", "status", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(str_enum(ReviewKind))
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus), default=ReviewStatus.PLANNED
    )
    scheduled_for: Mapped[date] = mapped_column(Date, index=True)
    # The service the review was held in (issue 25): set when planned, kept when the person
    # moves on (the review stays with the service it was held in).
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    person_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship()
    prompts: Mapped[list[ReviewPrompt]] = relationship(
        back_populates="review", order_by="ReviewPrompt.position"
    )


class ReviewPrompt(Base):
    """One prompt chosen for a review, in the order staff set."""

    __tablename__ = "review_prompts"
    __table_args__ = (UniqueConstraint("review_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    library_prompt_id: Mapped[str | None] = mapped_column(String(80))
    custom_prompt_id: Mapped[int | None] = mapped_column(ForeignKey("custom_prompts.id"))
    topic_id: Mapped[str] = mapped_column(String(60))

    review: Mapped[Review] = relationship(back_populates="prompts")


class NonParticipation(Base):
    """Why the person's views could not be captured, what was tried, and when to try again."""

    __tablename__ = "non_participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reason: Mapped[NonParticipationReason] = mapped_column(str_enum(NonParticipationReason))
    detail: Mapped[str | None] = mapped_column(Text)
    what_was_tried: Mapped[str] = mapped_column(Text)
    try_again_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Response(Base):
    """One answer from the person: never edited; a correction is a new row that supersedes it."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_review_prompt", "review_id", "review_prompt_id"),
        # A review's answers counted, and its newest found, from the index alone (the stamp
        # of a kept prompt screen, views/person/screen_cache.py, asks on every screen).
        Index("ix_responses_review_id_id", "review_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    review_prompt_id: Mapped[int] = mapped_column(ForeignKey("review_prompts.id"))
    # Generated on the tablet, so a double tap or a resend stores the answer once.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[list[str]] = mapped_column(JSON, default=list)  # chosen option ids
    own_words: Mapped[str | None] = mapped_column(Text)
    capture_method: Mapped[CaptureMethod] = mapped_column(str_enum(CaptureMethod))
    # The named facilitator who scribed or interpreted, or who was with the person.
    captured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), index=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    flagged_for_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review_prompt: Mapped[ReviewPrompt] = relationship()
