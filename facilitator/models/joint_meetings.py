"""Joint problem-solving meetings (issue 17): arranged from a differing view or a review.

A meeting belongs to the review it was arranged from (so closing the review freezes it) and,
when it was, to the differing view it tries to resolve. Who is invited are keys like a review
meeting's ("person", "supporter:<id>", "user:<id>"); the person is always one of them.

What the person said for the meeting on the tablet (``JointMeetingView``), what each party
said at it (``JointMeetingNote``) and the options discussed (``JointMeetingOption``) are rows
added one by one and never edited: a later answer is a new row, so nothing anyone said is
overwritten. The actions the meeting produced are linked in ``joint_meeting_actions``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import CaptureMethod


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


joint_meeting_actions = Table(
    "joint_meeting_actions",
    Base.metadata,
    Column("meeting_id", ForeignKey("joint_meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("action_id", ForeignKey("outcome_actions.id", ondelete="CASCADE"), primary_key=True),
)


class JointMeeting(Base):
    """One joint problem-solving meeting: when, where, who, the agenda's question, the way
    forward agreed and who decided."""

    __tablename__ = "joint_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    differing_view_id: Mapped[int | None] = mapped_column(
        ForeignKey("differing_views.id", ondelete="SET NULL"), index=True
    )
    # The question the meeting tries to answer, in easy read (it is read out to the person).
    question: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    at_home: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str | None] = mapped_column(Text)
    invitees: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus), default=MeetingStatus.PLANNED
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    way_forward: Mapped[str | None] = mapped_column(Text)
    reasoning: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class JointMeetingView(Base):
    """The person's own answer to one of the meeting's easy-read prompts, given beforehand on
    the tablet, with how it was captured (never an interpretation shown as their words)."""

    __tablename__ = "joint_meeting_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("joint_meetings.id", ondelete="CASCADE"), index=True
    )
    prompt_key: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str | None] = mapped_column(String(40))
    words: Mapped[str | None] = mapped_column(Text)
    capture_method: Mapped[CaptureMethod] = mapped_column(str_enum(CaptureMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JointMeetingNote(Base):
    """What one party said at the meeting, in their name, as written down by a member of staff."""

    __tablename__ = "joint_meeting_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("joint_meetings.id", ondelete="CASCADE"), index=True
    )
    party_key: Mapped[str] = mapped_column(String(40))
    party_name: Mapped[str] = mapped_column(String(160))
    said: Mapped[str] = mapped_column(Text)
    # For the person: how their words were captured; for anyone else: scribed by staff.
    capture_method: Mapped[CaptureMethod] = mapped_column(str_enum(CaptureMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JointMeetingOption(Base):
    """One option discussed at the meeting."""

    __tablename__ = "joint_meeting_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("joint_meetings.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str | None] = mapped_column(String(160))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = [
    "JointMeeting",
    "JointMeetingNote",
    "JointMeetingOption",
    "JointMeetingView",
    "MeetingStatus",
    "joint_meeting_actions",
]
