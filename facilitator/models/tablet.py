"""Tries to unlock a tablet from person mode: one count per tablet session and per account.

Held in the database, so that every worker and every instance counts the same tries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


class TabletUnlockAttempt(Base):
    """One try to leave person mode that the rules count or remember.

    ``step`` is what was typed: ``pin`` (the PIN-or-password form), ``password`` or ``code``
    (the second step). ``outcome`` is ``wrong`` (checked and refused), ``refused`` (refused
    without checking: the PIN while the password is needed, or while paused), ``passed`` (a
    right password, the second step still to come) or ``cleared`` (the facilitator proved who
    they are with the password and second step: the tablet's count starts again).
    """

    __tablename__ = "tablet_unlock_attempts"
    __table_args__ = (
        Index("ix_tablet_unlock_attempts_session_at", "user_session_id", "at"),
        Index("ix_tablet_unlock_attempts_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_session_id: Mapped[int] = mapped_column(ForeignKey("user_sessions.id", ondelete="CASCADE"))
    # The review the tablet was locked to: context for the notice, cleared by erasure.
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the account was told about this refused try (at its next sign-in).
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
