"""Accounts, sign-in with throttling, and server-side sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import LoginAttempt, Role, User, UserSession, utcnow
from . import ServiceError, audit

MIN_PASSWORD_LENGTH = 12
# Checked against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


class SignInRefused(ServiceError):
    """Wrong email or password (deliberately not saying which)."""


class SignInThrottled(ServiceError):
    """Too many failed attempts; ``retry_minutes`` says how long to wait."""

    def __init__(self, message: str, retry_minutes: int) -> None:
        super().__init__(message)
        self.retry_minutes = retry_minutes


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures, per account and per address, within a window."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short; length matters more than symbols."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    language: str = "en",
    actor: User | None = None,
    **extra: object,
) -> User:
    """Create an account (email unique, password rules checked) and audit it."""
    email = normalise_email(email)
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ServiceError("There is already an account with that email address.")
    user = User(
        email=email,
        name=name.strip(),
        role=Role(role),
        password_hash=generate_password_hash(password),
        language=language,
        **extra,
    )
    session.add(user)
    audit.record(session, "user.created", actor=actor, obj=user, detail={"role": str(user.role)})
    return user


def set_pin(session: Session, user: User, pin: str) -> None:
    """Set the short PIN used to unlock a tablet from person mode."""
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ServiceError("The PIN must be 4 to 8 digits.")
    user.pin_hash = generate_password_hash(pin)
    audit.record(session, "user.pin_set", actor=user, obj=user)


def _recent_failures(session: Session, column: object, value: str, since: object) -> int:
    return (
        session.scalar(
            select(func.count(LoginAttempt.id)).where(
                column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
            )
        )
        or 0
    )


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    policy: ThrottlePolicy | None = None,
) -> User:
    """Check a sign-in, throttled per account and per address; every attempt is recorded."""
    policy = policy or ThrottlePolicy()
    email = normalise_email(email)[:254]
    now = utcnow()
    since = now - policy.window
    minutes = int(policy.window.total_seconds() // 60)
    if (
        _recent_failures(session, LoginAttempt.email, email, since) >= policy.per_account
        or _recent_failures(session, LoginAttempt.address, address, since) >= policy.per_address
    ):
        session.add(LoginAttempt(email=email, address=address, succeeded=False, at=now))
        audit.record(session, "signin.throttled", actor_label=email, detail={"address": address})
        session.commit()
        raise SignInThrottled(
            f"Too many tries. For your safety, sign-in is paused. Please wait {minutes} minutes "
            "and try again, or ask your administrator.",
            minutes,
        )
    user = session.scalar(select(User).where(User.email == email))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = bool(user and valid and user.active)
    session.add(LoginAttempt(email=email, address=address, succeeded=ok, at=now))
    if not ok:
        audit.record(session, "signin.failed", actor_label=email, detail={"address": address})
        session.commit()
        raise SignInRefused("The email address or password is not right. Please try again.")
    assert user is not None
    return user


def start_session(session: Session, user: User) -> UserSession:
    """Open a server-side session (a fresh id on every sign-in) and audit the sign-in."""
    record = UserSession(public_id=secrets.token_urlsafe(32), user_id=user.id)
    session.add(record)
    audit.record(session, "signin", actor=user, obj=user)
    return record


def load_session(session: Session, public_id: str) -> UserSession | None:
    """The live session for a cookie's id, or None if it was ended or the account disabled."""
    record = session.scalar(
        select(UserSession).where(
            UserSession.public_id == public_id, UserSession.revoked_at.is_(None)
        )
    )
    if record is None or not record.user.active:
        return None
    return record


def end_session(session: Session, record: UserSession, reason: str = "signed-out") -> None:
    """End a session on the server, so that its cookie no longer works anywhere."""
    record.revoked_at = utcnow()
    record.revoked_reason = reason
    audit.record(session, "signout", actor=record.user, obj=record.user, detail={"reason": reason})


def end_all_sessions(session: Session, user: User, reason: str) -> int:
    """End every session of a user (password change, account disabled)."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
