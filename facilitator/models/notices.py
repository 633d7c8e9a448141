"""Notices: which optional messages each account wants, password resets, and the notices that
fall due with time already put in the outbox (issue 18)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


class NoticeChoice(Base):
    """One account's choice about one kind of optional notice (no row: the default, wanted).

    Safety alerts and password resets are not optional, so they never have a row here.
    """

    __tablename__ = "notice_choices"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    wanted: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordReset(Base):
    """A link to set a new password: only the SHA-256 of its token is kept; single use."""

    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer request, or a reset done with another link, ends this one unused.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetRequest(Base):
    """A "forgotten your password" request, known account or not, kept for throttling.

    Only the address asked from and a SHA-256 of the normalised email are kept, so the table
    does not list addresses people typed.
    """

    __tablename__ = "password_reset_requests"
    __table_args__ = (
        Index("ix_password_reset_requests_email_at", "email_hash", "at"),
        Index("ix_password_reset_requests_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DueNotice(Base):
    """A notice that fell due with time and was put in the outbox (``schedule.tick``).

    Its key is the outbox key, so the tick can pass over what is done without composing it
    again. A safety alert's escalation is kept here too (kind "safety-escalation", with the
    flag's id), which is how the tick knows a flag's second alert has gone.
    """

    __tablename__ = "due_notices"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    object_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
