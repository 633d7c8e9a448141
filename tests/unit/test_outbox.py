"""The outbox (issue 18): a message is a row in the caller's transaction, once per key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import OutboxMessage, OutboxStatus
from facilitator.services import ServiceError
from facilitator.services.messages import outbox


def _enqueue(session: Session, key: str = "test:1", **extra: object) -> OutboxMessage | None:
    fields: dict[str, object] = {
        "kind": "test",
        "channel": "email",
        "to": "sam@example.org",
        "language": "en",
        "subject": "Hello",
        "text": "Your link: https://x.example/f/{secret}",
    }
    fields.update(extra)
    return outbox.enqueue(session, key=key, **fields)  # type: ignore[arg-type]


def _count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


@pytest.mark.db
def test_enqueue_once_per_key(session: Session) -> None:
    first = _enqueue(session, secret="tok-123")
    assert first is not None and first.status == OutboxStatus.WAITING
    assert first.secret == "tok-123" and "tok-123" not in first.text
    assert _enqueue(session, secret="other") is None
    assert _count(session) == 1
    assert session.get(OutboxMessage, first.id).secret == "tok-123"  # type: ignore[union-attr]


@pytest.mark.db
def test_a_change_rolled_back_sends_nothing(session: Session) -> None:
    savepoint = session.begin_nested()
    _enqueue(session, key="rolled:1")
    savepoint.rollback()
    assert _count(session) == 0
    # The key is free again: the event happening for real makes its message.
    assert _enqueue(session, key="rolled:1") is not None


def test_secret_needs_its_place_and_channel_is_checked(session: Session) -> None:
    with pytest.raises(ValueError, match="placeholder"):
        _enqueue(session, text="no place", secret="s")
    with pytest.raises(ValueError, match="channel"):
        _enqueue(session, channel="pigeon")


def test_masking() -> None:
    assert outbox.masked("a {secret} b") == "a [hidden] b"
    assert outbox.filled("a {secret} b", "XYZ") == "a XYZ b"
    assert outbox.hide("error near XYZ", "XYZ") == "error near [hidden]"


@pytest.mark.db
def test_listing_newest_first_paged_and_by_status(session: Session) -> None:
    for i in range(outbox.PAGE_SIZE + 5):
        _enqueue(session, key=f"list:{i}", subject=f"Message {i}", text="hello", secret=None)
    first, total = outbox.listing(session)
    assert total == outbox.PAGE_SIZE + 5 and len(first) == outbox.PAGE_SIZE
    assert first[0].subject == f"Message {outbox.PAGE_SIZE + 4}"  # newest first
    second, _ = outbox.listing(session, page=2)
    assert [m.subject for m in second][-1] == "Message 0" and len(second) == 5
    assert outbox.listing(session, status="failed") == ([], 0)
    with pytest.raises(ServiceError):
        outbox.listing(session, status="lost")


@pytest.mark.db
def test_old_messages_words_and_address_are_forgotten_but_their_key_stays(
    session: Session,
) -> None:
    from datetime import timedelta

    from facilitator.models import utcnow

    now = utcnow()
    old_sent = _enqueue(session, key="old-sent", text="About Sam Jones")
    new_sent = _enqueue(session, key="new-sent", text="About Sam Jones")
    old_failed = _enqueue(session, key="old-failed", text="About Sam Jones")
    waiting = _enqueue(session, key="waiting", text="About Sam Jones")
    assert old_sent and new_sent and old_failed and waiting
    old_sent.status, old_sent.sent_at = OutboxStatus.SENT, now - timedelta(days=31)
    new_sent.status, new_sent.sent_at = OutboxStatus.SENT, now - timedelta(days=29)
    old_failed.status, old_failed.created_at = OutboxStatus.FAILED, now - timedelta(days=91)
    waiting.created_at = now - timedelta(days=200)
    session.flush()

    assert outbox.forget_old(session, now) == 2
    session.expire_all()
    assert old_sent.to == outbox.FORGOTTEN and old_sent.text == outbox.FORGOTTEN
    assert old_sent.html is None and old_sent.subject == outbox.FORGOTTEN
    assert old_failed.to == outbox.FORGOTTEN
    assert new_sent.text == "About Sam Jones" and waiting.text == "About Sam Jones"
    assert old_sent.status == OutboxStatus.SENT  # still counted as sent
    assert _enqueue(session, key="old-sent") is None  # its key still stops a repeat
    assert outbox.forget_old(session, now) == 0  # once only
