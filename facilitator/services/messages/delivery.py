"""Delivering the outbox: claim a batch, send each, record each (issue 18).

1. **Claim**: due messages (waiting and due, or "sending" under a lease that has run out) are
   marked "sending" by this worker until ``now + lease``, and the claim is committed. On
   PostgreSQL the rows are chosen with ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers
   take different rows without waiting on each other; the UPDATE repeats the "still due"
   condition, so on SQLite (one writer at a time) two workers cannot claim one row either.
2. **Send** each through the transport.
3. **Record** each at once, only while this worker still holds the claim: sent (the secret set
   to NULL), or failed this time and due again after a wait that doubles from 1 minute to at
   most 1 hour, or, once 24 hours have passed since it was put in the outbox (or the transport
   says it can never work), "failed" with the reason, for an administrator to see.

At least once: a worker that dies after the server accepted a message but before it recorded
"sent" leaves the row claimed; when the lease runs out another worker sends it again. Nothing
is lost; in that rare case the recipient may get it twice.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from ...models import OutboxMessage, OutboxStatus, utcnow
from .outbox import hide
from .transports import Transport, TransportError, Undeliverable

LOG = logging.getLogger(__name__)

FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
DEFAULT_LEASE = timedelta(minutes=10)
DEFAULT_BATCH = 20


def worker_name() -> str:
    """This process, as a claim names it: host and process id."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def wait_after(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 ... minutes, up to 1 h."""
    wait = FIRST_WAIT * (2 ** max(0, min(attempts - 1, 12)))
    return min(wait, LONGEST_WAIT)


@dataclass
class Round:
    """What one round of delivery did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    lost_claim: int = 0
    errors: list[str] = field(default_factory=list)


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.WAITING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )


def claim(
    session: Session,
    worker: str,
    now: datetime,
    *,
    limit: int = DEFAULT_BATCH,
    lease: timedelta = DEFAULT_LEASE,
) -> list[int]:
    """Claim up to ``limit`` due messages for ``worker`` and commit; return their ids."""
    chosen = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    ids = list(session.execute(chosen).scalars())
    if not ids:
        session.commit()
        return []
    until = now + lease
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _due(now))
        .values(status=OutboxStatus.SENDING, claimed_by=worker, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    mine = list(
        session.execute(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.claimed_until == until,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .order_by(OutboxMessage.id)
        ).scalars()
    )
    session.commit()
    return mine


def _record(session: Session, message_id: int, worker: str, **values: object) -> bool:
    """Write one outcome if this worker still holds the claim; commit. False if it lost it."""
    done = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(done, "rowcount", 0))


def deliver(
    session: Session,
    transport: Transport,
    *,
    now: datetime | None = None,
    worker: str | None = None,
    batch: int = DEFAULT_BATCH,
    lease: timedelta = DEFAULT_LEASE,
) -> Round:
    """One round: claim a batch of due messages, send each, record each. Commits as it goes."""
    worker = worker or worker_name()
    now = now or utcnow()
    result = Round()
    ids = claim(session, worker, now, limit=batch, lease=lease)
    result.claimed = len(ids)
    try:
        for message_id in ids:
            _send_one(session, transport, message_id, worker, now, result)
    finally:
        transport.close()
    return result


def _send_one(
    session: Session,
    transport: Transport,
    message_id: int,
    worker: str,
    now: datetime,
    result: Round,
) -> None:
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.claimed_by != worker:
        result.lost_claim += 1
        return
    if message.claimed_until is not None and utcnow() > message.claimed_until:
        # The lease ran out while earlier messages of the batch were sent: another worker may
        # have it now, so this one leaves it rather than risk sending it twice.
        result.lost_claim += 1
        return
    attempts = message.attempts + 1
    secret = message.secret
    try:
        provider_id = transport.send(message)
    except TransportError as error:
        reason = hide(str(error), secret) or "Sending failed."
        final = isinstance(error, Undeliverable) or now - message.created_at >= GIVE_UP_AFTER
        if final:
            values: dict[str, object] = {"status": OutboxStatus.FAILED}
            result.failed += 1
        else:
            values = {
                "status": OutboxStatus.WAITING,
                "next_attempt_at": now + wait_after(attempts),
            }
            result.retrying += 1
        result.errors.append(reason)
        # Only the id, kind and reason: never the recipient, the body or the secret.
        LOG.warning(
            "message %s (%s) not sent, try %s%s: %s",
            message_id,
            message.kind,
            attempts,
            " (given up)" if final else "",
            reason,
        )
        session.rollback()
        if not _record(session, message_id, worker, attempts=attempts, last_error=reason, **values):
            result.lost_claim += 1
        return
    session.rollback()
    recorded = _record(
        session,
        message_id,
        worker,
        status=OutboxStatus.SENT,
        attempts=attempts,
        sent_at=utcnow(),
        secret=None,
        last_error=None,
        provider_id=(provider_id or "")[:200] or None,
    )
    if recorded:
        result.sent += 1
    else:
        result.lost_claim += 1
