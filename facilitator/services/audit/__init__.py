"""The append-only, hash-chained audit log.

Each entry's hash covers the previous entry's hash and its own content, so editing,
deleting or reordering any row breaks the chain from that row on. The database also refuses
UPDATE and DELETE on the table (triggers in the first migration). Personal content is
referenced by id, never copied in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models import AuditEvent, AuditHead, User, utcnow

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": event.person_id,
        "detail": event.detail or {},
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(event: AuditEvent) -> str:
    """The SHA-256 that this entry must carry."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    person_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction (it commits with the change it records)."""
    if obj is not None:
        session.flush()
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    # Taking the head row's lock first serialises writers, so the chain never forks.
    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    event = AuditEvent(
        seq=head.seq,
        at=at or utcnow(),
        actor_user_id=actor.id if actor is not None else None,
        actor_label=actor_label or (f"{actor.name} ({actor.role})" if actor else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        person_id=person_id,
        detail=detail or {},
        prev_hash=head.last_hash,
    )
    event.hash = entry_hash(event)
    session.add(event)
    session.flush()
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    return event


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order and name the first entry that does not fit."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq, AuditEvent.id))
    for event in rows.yield_per(1000):
        if event.seq != expected_seq:
            return VerifyResult(
                False, checked, event.id, f"expected entry {expected_seq}, found {event.seq}"
            )
        if event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.id, "does not follow the previous entry")
        if entry_hash(event) != event.hash:
            return VerifyResult(False, checked, event.id, "content does not match its hash")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.last_hash != prev_hash):
        return VerifyResult(False, checked, None, "entries are missing from the end of the log")
    return VerifyResult(True, checked)
