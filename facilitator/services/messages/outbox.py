"""The outbox: a message is a row written in the caller's transaction (issue 18).

A change rolled back sends nothing; a change committed is never forgotten: the message worker
(``services/messages/delivery.py``, ``flask messages work``) delivers every row. What a message
says is decided by its caller; this module only keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ...models import OutboxMessage, OutboxStatus, User, utcnow
from ...models.figures import dialect_insert
from .. import NotFound, ServiceError, audit

CHANNELS = ("email", "sms")
PLACEHOLDER = "{secret}"
SECRET = PLACEHOLDER  # noqa: S105 - the placeholder's name callers use, not a secret
# What the Messages page, the logs and an .eml written after sending show in place of a secret.
MASK = "[hidden]"
PAGE_SIZE = 50
# How long a message's words and address are kept once it is sent, or once it failed; then only
# what it was (kind, channel, key, times, status) stays, so its key still stops a repeat.
KEEP_SENT_DAYS = 30
KEEP_FAILED_DAYS = 90
FORGOTTEN = "-"


@dataclass(frozen=True)
class Attachment:
    """One file sent with an email: its name, its MIME type (with parameters) and its text."""

    name: str  # e.g. "review-meeting.ics"
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: str


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    channel: str,
    to: str,
    language: str,
    subject: str,
    text: str,
    html: str | None = None,
    secret: str | None = None,
    user_id: int | None = None,
    attachment: Attachment | None = None,
) -> OutboxMessage | None:
    """Put one message in the outbox, in the caller's session and transaction.

    - ``key`` names the event the message is for (e.g. ``"family-link:42"``): enqueuing a key
      already in the outbox adds nothing and returns None, so a retried event never makes a
      second message. Otherwise the new row is returned (waiting, due now).
    - ``channel`` is ``"email"`` (``to`` an address) or ``"sms"`` (``to`` a phone number).
    - ``text`` is the plain-text body, ``html`` an optional HTML body, ``subject`` the subject
      (a text message sends only ``text``).
    - ``secret`` (a family link's token or URL part, or a code) is stored apart from the body:
      write ``{secret}`` in ``text`` (and ``html``) where it goes. The worker puts it in at
      send time and sets the column to NULL once sent. Nothing else in the body is
      substituted, so other braces are safe. The secret never reaches a log, the Messages page
      or an .eml file (they show ``[hidden]``).
    - ``attachment`` (email only) is one file sent with the message: SMTP and ``.eml`` files
      attach it; GOV.UK Notify cannot, so there the email goes without it (its text must
      say what matters anyway).
    - Nothing is sent until the caller's transaction commits; if it rolls back, the message is
      gone with it.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
    if not key or len(key) > 200:
        raise ValueError("key must be 1 to 200 characters")
    if secret is not None and PLACEHOLDER not in text and (html is None or PLACEHOLDER not in html):
        raise ValueError("a secret was given but the body has no {secret} placeholder")
    if attachment is not None and channel != "email":
        raise ValueError("only an email can carry an attachment")
    now = utcnow()
    row = {
        "key": key,
        "kind": kind,
        "channel": channel,
        "to": to,
        "user_id": user_id,
        "language": language,
        "subject": subject,
        "text": text,
        "html": html,
        "secret": secret,
        "attachment": attachment.content if attachment else None,
        "attachment_name": attachment.name if attachment else None,
        "attachment_type": attachment.content_type if attachment else None,
        "status": OutboxStatus.WAITING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    table = OutboxMessage.__table__
    inserted = session.execute(
        dialect_insert(session)(table)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)
    ).scalar_one_or_none()
    if inserted is None:
        return None
    return session.get(OutboxMessage, inserted)


def masked(body: str | None) -> str | None:
    """A body as the Messages page and logs show it: the secret's place marked, never filled."""
    if body is None:
        return None
    return body.replace(PLACEHOLDER, MASK)


def filled(body: str, secret: str | None) -> str:
    """A body as it is sent: the secret put in its place."""
    return body.replace(PLACEHOLDER, secret) if secret is not None else body


def hide(text: str | None, secret: str | None) -> str | None:
    """Any text (an error from a server, say) with the secret replaced by the mask."""
    if text is None or not secret:
        return text
    return text.replace(secret, MASK)


# The Messages page (administrators).


def listing(
    session: Session, *, status: str | None = None, page: int = 1
) -> tuple[list[OutboxMessage], int]:
    """Messages newest first, one page, optionally of one status; and how many in all."""
    query = select(OutboxMessage)
    count = select(func.count()).select_from(OutboxMessage)
    if status:
        if status not in {s.value for s in OutboxStatus}:
            raise ServiceError(_l("Choose a status from the list."))
        query = query.where(OutboxMessage.status == status)
        count = count.where(OutboxMessage.status == status)
    total = session.execute(count).scalar_one()
    page = max(1, page)
    rows = (
        session.execute(
            query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return list(rows), total


def get(session: Session, message_id: int) -> OutboxMessage:
    """One message, or NotFound."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_l("There is no such message."))
    return message


def send_again(session: Session, message_id: int, actor: User, now: datetime | None = None) -> None:
    """An administrator asks for a failed message to be tried again (audited).

    Its tries start afresh: another 24 hours of them, from now.
    """
    message = get(session, message_id)
    if message.status != OutboxStatus.FAILED:
        raise ServiceError(_l("Only a message that failed can be sent again."))
    now = now or utcnow()
    message.status = OutboxStatus.WAITING
    message.attempts = 0
    message.next_attempt_at = now
    message.created_at = now
    message.claimed_by = None
    message.claimed_until = None
    audit.record(
        session,
        "message.sent_again",
        actor=actor,
        obj=message,
        detail={"kind": message.kind, "channel": message.channel},
    )


def forget_old(
    session: Session,
    now: datetime,
    *,
    sent_days: int = KEEP_SENT_DAYS,
    failed_days: int = KEEP_FAILED_DAYS,
) -> int:
    """Blank the recipient, subject and words of messages sent (or failed) long enough ago.

    A message names the person it is about (a family link's email does) and its recipient's
    address; once it has done its work that is kept no longer than needed (UK GDPR storage
    limitation). The row stays, with its key, kind, channel, status and times, so the Messages
    page can still count it and a retried event still finds its key and adds nothing.
    Returns how many messages were blanked.
    """
    sent_before = now - timedelta(days=sent_days)
    failed_before = now - timedelta(days=failed_days)
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.to != FORGOTTEN,
            or_(
                (OutboxMessage.status == OutboxStatus.SENT) & (OutboxMessage.sent_at < sent_before),
                (OutboxMessage.status == OutboxStatus.FAILED)
                & (OutboxMessage.created_at < failed_before),
            ),
        )
        .values(
            to=FORGOTTEN,
            subject=FORGOTTEN,
            text=FORGOTTEN,
            html=None,
            secret=None,
            attachment=None,
            attachment_name=None,
            attachment_type=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
