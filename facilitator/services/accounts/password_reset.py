"""A forgotten password: a link by email to set a new one (issue 18).

- Asking always gets the same kind answer, whether or not the address has an account, so the
  page does not tell anyone which addresses do.
- The link's token is 256 bits from ``secrets``; only its SHA-256 is kept. It works once, for
  ``PASSWORD_RESET_MINUTES`` (60 by default), and a newer request ends any earlier link.
- Setting the new password ends every session of the account (a thief signed in is signed
  out), clears the account's failed sign-in tries, and is audited. The token never is.
- Throttled: at most ``PER_ACCOUNT`` requests an hour for one address typed and
  ``PER_ADDRESS`` from one network address; past that the answer is the same, and nothing is
  sent (every request is kept, account or not, as a digest of what was typed).
- An account with the second step keeps it: a new password does not replace the code.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import PasswordReset, PasswordResetRequest, User, utcnow
from .. import ServiceError, audit
from ..messages import compose, notices
from .sessions import end_all_sessions
from .throttle import clear_failed_tries
from .users import check_password_rules, normalise_email

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
MINUTES = 60
PER_ACCOUNT = 3  # an hour, for one address typed
PER_ADDRESS = 10  # an hour, from one network address
WINDOW = timedelta(hours=1)
LINK_PROBLEM = _l(
    "This link to set a new password has expired or has already been used. "
    "You can ask for a new one."
)


def minutes() -> int:
    """How long a reset link works (the setting PASSWORD_RESET_MINUTES)."""
    if has_app_context():
        return int(current_app.config.get("PASSWORD_RESET_MINUTES", MINUTES))
    return MINUTES


def hash_token(token: str) -> str:
    """The SHA-256 (hex) kept for a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _digest(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode("utf-8")).hexdigest()


def _recent(session: Session, column: object, value: str, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count(PasswordResetRequest.id)).where(
                column == value,  # type: ignore[operator]
                PasswordResetRequest.at > now - WINDOW,
            )
        )
        or 0
    )


def request_reset(
    session: Session, email: str, address: str, now: datetime | None = None
) -> PasswordReset | None:
    """Ask for a link to set a new password. The caller shows the same answer whatever this
    returns (the new reset, or None when nothing was sent)."""
    now = now or utcnow()
    typed = normalise_email(email or "")[:254]
    digest = _digest(typed)
    address = (address or "unknown")[:64]
    too_many = (
        _recent(session, PasswordResetRequest.email_hash, digest, now) >= PER_ACCOUNT
        or _recent(session, PasswordResetRequest.address, address, now) >= PER_ADDRESS
    )
    session.add(PasswordResetRequest(email_hash=digest, address=address, at=now))
    user = session.scalar(select(User).where(User.email == typed)) if typed else None
    if too_many:
        audit.record(
            session,
            "password.reset_throttled",
            actor_label="someone asking for a password reset",
            object_type="users" if user else None,
            object_id=user.id if user else None,
            detail={"address": address},
        )
        return None
    if user is None or not user.active or not user.email:
        return None
    _end_unused(session, user, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    reset = PasswordReset(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes()),
    )
    session.add(reset)
    session.flush()
    audit.record(
        session,
        "password.reset_requested",
        actor_label="someone asking for a password reset",
        obj=user,
        detail={"address": address, "reset_id": reset.id},
    )
    if notices.can_compose("password-reset"):
        notices.to_user(
            session,
            user,
            "password-reset",
            f"password-reset:{reset.id}",
            secret=token,
            user_name=user.name,
            minutes=minutes(),
            url=compose.secret_url("auth.new_password_link", "token"),
        )
    return reset


def _end_unused(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.ended_at.is_(None),
        )
        .values(ended_at=now),
        execution_options={"synchronize_session": "fetch"},
    )


def check_token(session: Session, token: str, now: datetime | None = None) -> PasswordReset:
    """The reset for a token that still works, or ServiceError (the same for every reason)."""
    now = now or utcnow()
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise ServiceError(LINK_PROBLEM)
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if (
        reset is None
        or reset.used_at is not None
        or reset.ended_at is not None
        or reset.expires_at <= now
    ):
        raise ServiceError(LINK_PROBLEM)
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        raise ServiceError(LINK_PROBLEM)
    return reset


def set_new_password(
    session: Session, token: str, new: str, confirm: str, now: datetime | None = None
) -> User:
    """Set the new password with a working link: the link is used up, every session ends."""
    now = now or utcnow()
    reset = check_token(session, token, now)
    user = session.get(User, reset.user_id)
    assert user is not None
    if new != confirm:
        raise ServiceError(_l("The two passwords are not the same. Please type them again."))
    check_password_rules(new)
    if check_password_hash(user.password_hash, new):
        raise ServiceError(_l("The new password must be different from the old one."))
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    reset.used_at = now
    _end_unused(session, user, now)
    ended = end_all_sessions(session, user, "password-reset")
    clear_failed_tries(session, user, user)  # they proved they hold the account's email
    audit.record(
        session,
        "password.reset_done",
        actor=user,
        obj=user,
        detail={"reset_id": reset.id, "sessions_ended": ended},
    )
    return user
