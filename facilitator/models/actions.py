"""Outcome actions: what will happen, who will do it, by when, and which of the person's
statements each answers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import (
    ActionStatus,
)
from .reviews import Response

action_responses = Table(
    "action_responses",
    Base.metadata,
    Column("action_id", ForeignKey("outcome_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("response_id", ForeignKey("responses.id"), primary_key=True),
)


class OutcomeAction(Base):
    """What will happen, who will do it, by when, linked to what the person said."""

    __tablename__ = "outcome_actions"
    __table_args__ = (Index("ix_outcome_actions_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    plain_text: Mapped[str] = mapped_column(Text)
    easy_read_text: Mapped[str] = mapped_column(Text)
    picture: Mapped[str | None] = mapped_column(String(80))
    owner_name: Mapped[str] = mapped_column(String(160))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus), default=ActionStatus.PLANNED
    )
    not_done_reason: Mapped[str | None] = mapped_column(Text)
    # Required when the action answers none of the person's statements (e.g. a legal duty).
    no_link_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    responses: Mapped[list[Response]] = relationship(secondary=action_responses)
