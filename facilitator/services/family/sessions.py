"""Family sessions by link, kept on the server like staff sessions (issue 21, item 4).

Continuing from a link starts a session: a row here, whose random ``public_id`` is all the
cookie carries (never the link's token or id). Each request loads the row, so a session ends
for every copy of its cookie at once when:

- the family member presses "Finish on this device" (``finished``), or opens another link in
  the same browser (``replaced``);
- staff revoke or reissue the link, or five wrong codes lock it (``revoke_link`` ends the
  link's sessions, and the link's state is checked on every request anyway);
- the review stops being open to family (``links.review_open``: closed, or erased with its
  person; the one place a later closing or archiving feature changes, with
  ``links.end_family_sessions(review=...)`` to end them at once);
- it is not used for ``idle`` (20 minutes, shorter than staff's 30: a family member's device
  is a home computer or phone, often shared) or is older than ``absolute`` (4 hours). Typing
  counts as use: the views page asks ``/family/still-here`` now and then while they type, as
  staff pages do, so that writing a long view does not end the session under them.

This mirrors ``accounts.start_session`` / ``load_session`` / ``end_session`` for staff.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import FamilySession, InvitationLink, Review, utcnow
from .. import audit
from ..reviews import consent
from . import links
from .links import FamilyAccess


@dataclass(frozen=True)
class FamilyLimits:
    """How long a family session lasts without use, and at most."""

    idle: timedelta = timedelta(minutes=20)
    absolute: timedelta = timedelta(hours=4)
    # last_seen_at is written at most this often, so that not every request writes.
    touch_every: timedelta = timedelta(seconds=60)


TIME_LIMITS = ("idle", "absolute")


class SessionEnded(Exception):
    """The session has ended; ``reason`` is "idle" or "absolute" (a time limit) or "ended"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason if reason in TIME_LIMITS else "ended"


def start(session: Session, link: InvitationLink, now: datetime | None = None) -> FamilySession:
    """A new session for a link the family member has just opened (not yet confirmed)."""
    now = now or utcnow()
    record = FamilySession(
        public_id=secrets.token_urlsafe(32), link_id=link.id, created_at=now, last_seen_at=now
    )
    session.add(record)
    return record


def expiry_reason(record: FamilySession, limits: FamilyLimits, now: datetime) -> str | None:
    """Why a session has run out of time ("idle" or "absolute"), or None."""
    if now - record.last_seen_at > limits.idle:
        return "idle"
    if now - record.created_at > limits.absolute:
        return "absolute"
    return None


def find(session: Session, public_id: object) -> FamilySession | None:
    """The session a cookie names (live or ended), or None."""
    if not isinstance(public_id, str) or not 20 <= len(public_id) <= 64:
        return None
    return session.scalar(select(FamilySession).where(FamilySession.public_id == public_id))


def load(
    session: Session,
    public_id: object,
    limits: FamilyLimits | None = None,
    now: datetime | None = None,
) -> tuple[FamilySession, FamilyAccess]:
    """The live session a cookie names and what it may reach.

    Raises ``links.LinkProblem`` when the link no longer works (revoked, locked, expired, the
    review no longer open: the session is ended too), or ``SessionEnded`` when the session
    was ended or has just run out of time (it is ended now). A live session has its
    last_seen_at moved on (at most once a minute). Like ``accounts.load_session``, an ending
    or a move is committed here, on any request (a GET too, and whatever the caller does next).
    """
    limits = limits or FamilyLimits()
    now = now or utcnow()
    record = find(session, public_id)
    if record is None:
        raise SessionEnded("ended")
    if record.revoked_at is not None:
        # A link that no longer works explains an ended session best (revoked, locked ...).
        links.access_for_link_id(session, record.link_id, now)
        raise SessionEnded(record.revoked_reason or "ended")
    reason = expiry_reason(record, limits, now)
    if reason is not None:
        end(session, record, reason, now)
        session.commit()
        raise SessionEnded(reason)
    try:
        access = links.access_for_link_id(session, record.link_id, now)
    except links.LinkProblem as problem:
        end(session, record, f"link-{problem.kind}", now)
        session.commit()
        raise
    if now - record.last_seen_at >= limits.touch_every:
        record.last_seen_at = now
        session.commit()
    return record, access


def confirm(
    session: Session,
    record: FamilySession,
    link: InvitationLink,
    entered: str,
    now: datetime | None = None,
) -> None:
    """Check the code (or email address) sent separately; if right, the session may now see
    what was shared (the caller commits).

    A wrong one raises ``links.CodeRefused``; one that locks the link (or a link that no
    longer works) raises ``links.LinkProblem`` and ends this session: both are committed.
    """
    try:
        links.verify_code(session, link, entered, now)
    except links.LinkProblem as problem:
        end(session, record, f"link-{problem.kind}", now)
        session.commit()
        raise
    record.confirmed_at = now or utcnow()


def record_viewed(session: Session, access: FamilyAccess) -> None:
    """Audit that the family member opened the review's page (committed: it is read on a GET)."""
    audit.record(
        session,
        "family.review_viewed",
        actor_label=f"supporter {access.supporter.id} by link {access.link.id}",
        object_type="reviews",
        object_id=access.review.id,
        person_id=access.review.person_id,
        detail={
            "link_id": access.link.id,
            "shared": consent.may_see(session, access.review, access.supporter),
        },
    )
    session.commit()


def end(session: Session, record: FamilySession, reason: str, now: datetime | None = None) -> None:
    """End a session on the server, so that its cookie no longer works anywhere; audited."""
    if record.revoked_at is not None:
        return
    record.revoked_at = now or utcnow()
    record.revoked_reason = reason[:40]
    link = session.get(InvitationLink, record.link_id)
    review = session.get(Review, link.review_id) if link is not None else None
    audit.record(
        session,
        "family.session_ended",
        actor_label=(
            f"supporter {link.supporter_id} by link {link.id}" if link is not None else None
        ),
        object_type=InvitationLink.__tablename__,
        object_id=record.link_id,
        person_id=review.person_id if review is not None else None,
        detail={"reason": record.revoked_reason},
    )
