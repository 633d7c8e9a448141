"""Accounts, their server-side sessions and sign-in attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import Role


class User(Base):
    """A staff, manager, admin or advocate account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    # A short PIN lets a facilitator unlock a tablet without typing a long password.
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(10), default="en")
    organisation: Mapped[str | None] = mapped_column(String(160))
    job_title: Mapped[str | None] = mapped_column(String(120))
    is_safeguarding_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    # May see every service (issue 25; given to managers): otherwise only the services in
    # staff_services (models/services.py, rules in services/scope.py).
    all_services: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Second factor (time-based one-time codes). The secret is set when set-up starts and
    # counts only once a code has confirmed it (``totp_enabled_at``).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step whose code was accepted: the same code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Staff and advocates: an administrator may switch the second factor off for one account,
    # with a reason (never for managers or administrators).
    two_factor_off_reason: Mapped[str | None] = mapped_column(String(300))
    # An administrator reset the password: the account chooses a new one at its next sign-in
    # before it may do anything else (issue 17).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the account last signed in (a whole sign-in, second step included).
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Base):
    """A signed-in session, held on the server so that signing out ends it everywhere.

    The cookie carries only ``public_id``; revoking the row makes an old cookie worthless.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    # When a facilitator hands the tablet to the person, the session is locked to one review.
    person_mode_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(back_populates="sessions")


class RecoveryCode(Base):
    """A single-use code for signing in without the authenticator app, stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class AttemptOutcome(StrEnum):
    """What came of one sign-in attempt (``LoginAttempt.outcome``).

    Only FAILED counts towards a pause. PAUSED (refused unchecked while paused) never does, so
    refused tries do not stretch the pause; CLEARED is a failure that no longer counts (the
    account signed in from that address, or the owner or an administrator cleared it).
    PAUSES_ENDED marks when the owner or an administrator ended the account's pauses: the
    wider limits (the account from anywhere, any account from one address) count only the
    failures after it (those rows are not all the account's own, so cannot be cleared).
    """

    SIGNED_IN = "signed-in"  # the whole sign-in, second step included
    PASSED_FIRST_STEP = "password-right"  # the password was right; the second step follows
    FAILED = "failed"
    PAUSED = "paused"
    CLEARED = "cleared"
    PAUSES_ENDED = "pauses-ended"


class LoginAttempt(Base):
    """One sign-in attempt, kept for throttling by account and address, and to be shown."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[AttemptOutcome] = mapped_column(
        str_enum(AttemptOutcome), default=AttemptOutcome.FAILED
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
