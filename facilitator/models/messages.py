"""The outbox: each message that leaves Facilitator is a row here first (issue 18).

A row is written in the same transaction as the change that causes it, so a change rolled back
sends nothing and a change committed is never forgotten; the message worker delivers it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow


class OutboxStatus(enum.StrEnum):
    WAITING = "waiting"  # due at next_attempt_at
    SENDING = "sending"  # claimed by a worker until claimed_until
    SENT = "sent"
    FAILED = "failed"  # gave up (24 hours of tries); an administrator may send it again


class OutboxMessage(Base):
    """One email or text message, waiting to be sent, sent, or given up on.

    ``secret`` (a family link's token or a code) is kept apart from the body, which holds
    ``{secret}`` where it goes; it is put in only at send time and set to NULL once sent.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: the same event enqueued twice (a retry) makes one message.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))  # "email" | "sms"
    to: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(500))
    # One file sent with an email (a review meeting's calendar file); a text message has none.
    attachment: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.WAITING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(200))
