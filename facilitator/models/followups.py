"""At the next review, what the person said about each earlier action: did it happen?"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import CaptureMethod


class FollowUpAnswer(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NOT_SURE = "not-sure"


class ActionFollowUp(Base):
    """The person's answer, at a later review, to "did it happen?" about one earlier action.

    Never edited: a change of mind is a new row that supersedes the earlier one, like the
    person's other answers.
    """

    __tablename__ = "action_followups"
    __table_args__ = (Index("ix_action_followups_action_review", "action_id", "review_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("outcome_actions.id", ondelete="CASCADE"))
    # The later review at which the person was asked.
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    # Generated on the tablet, so a double tap or a resend stores the answer once.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[FollowUpAnswer] = mapped_column(str_enum(FollowUpAnswer))
    own_words: Mapped[str | None] = mapped_column(Text)
    capture_method: Mapped[CaptureMethod] = mapped_column(str_enum(CaptureMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("action_followups.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
