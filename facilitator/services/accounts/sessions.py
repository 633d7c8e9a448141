"""Server-side sessions: started at sign-in, ended by time, by signing out or for the whole
account, and looked up on every signed-in request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from ...models import User, UserSession, utcnow
from .. import audit


@dataclass(frozen=True)
class SessionLimits:
    """How long a signed-in session lasts without activity, and at most."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    # last_seen_at is written at most this often, so that not every request writes.
    touch_every: timedelta = timedelta(seconds=60)


class SessionExpired(Exception):
    """A session ran out of time; ``reason`` is "idle" or "absolute"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start_session(session: Session, user: User) -> UserSession:
    """Open a server-side session (a fresh id on every sign-in) and audit the sign-in."""
    record = UserSession(public_id=secrets.token_urlsafe(32), user_id=user.id)
    session.add(record)
    user.last_signed_in_at = utcnow()
    audit.record(session, "signin", actor=user, obj=user)
    return record


def expiry_reason(record: UserSession, limits: SessionLimits, now: datetime) -> str | None:
    """Why a session has run out of time, or None. Person mode has no time limit."""
    if record.person_mode_review_id is not None:
        return None
    if now - record.last_seen_at > limits.idle:
        return "idle"
    if now - record.created_at > limits.absolute:
        return "absolute"
    return None


# Run on every signed-in request: built once (building it cost as much as running it), with
# the account joined (one query per request, not two).
LIVE_SESSION = (
    select(UserSession)
    .where(UserSession.public_id == bindparam("public_id"), UserSession.revoked_at.is_(None))
    .options(joinedload(UserSession.user))
)


def load_session(
    session: Session,
    public_id: str,
    limits: SessionLimits | None = None,
    now: datetime | None = None,
) -> UserSession | None:
    """The live session for a cookie's id, or None if it was ended or the account disabled.

    With ``limits``, a session past its idle or absolute limit is ended (committed) and
    SessionExpired raised; a live one has its last_seen_at moved on (at most once a minute).
    """
    record = session.scalar(LIVE_SESSION, {"public_id": public_id})
    if record is None or not record.user.active:
        return None
    if limits is None:
        return record
    now = now or utcnow()
    reason = expiry_reason(record, limits, now)
    if reason is not None:
        record.revoked_at = now
        record.revoked_reason = f"{reason}-timeout"
        audit.record(
            session, "signout", actor=record.user, obj=record.user,
            detail={"reason": f"{reason}-timeout"},
        )  # fmt: skip
        session.commit()
        raise SessionExpired(reason)
    if now - record.last_seen_at >= limits.touch_every:
        record.last_seen_at = now
        session.commit()
    return record


def end_session(session: Session, record: UserSession, reason: str = "signed-out") -> None:
    """End a session on the server, so that its cookie no longer works anywhere."""
    record.revoked_at = utcnow()
    record.revoked_reason = reason
    audit.record(session, "signout", actor=record.user, obj=record.user, detail={"reason": reason})


def end_all_sessions(
    session: Session, user: User, reason: str, keep: UserSession | None = None
) -> int:
    """End every session of a user (password change, account disabled, second step reset),
    except ``keep`` (the session changing its own password)."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = session.execute(
        query.values(revoked_at=utcnow(), revoked_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
