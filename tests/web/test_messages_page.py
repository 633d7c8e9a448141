"""The administrators' Messages page (issue 18): only administrators reach it; it lists the
outbox newest first with a status filter and pages; one message shows its text with the secret
hidden; a failed message can be sent again (audited)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, OutboxMessage, OutboxStatus
from facilitator.services.messages import delivery, outbox, transports

from ..conftest import csrf_from, sign_in

SECRET = "tok-never-on-the-page-7731"


def _fill(app: Flask) -> tuple[int, int]:
    """One message waiting, one failed (the SMTP server never answered for 24 hours)."""
    with app.app_context():
        waiting = outbox.enqueue(
            db.session, key="page:waiting", kind="family-link", channel="email",
            to="sam.supporter@example.org", language="ur", subject="Your link to Sam's review",
            text="Open https://care.example/f/{secret} <b>bold</b>", secret=SECRET,
        )  # fmt: skip
        failing = outbox.enqueue(
            db.session, key="page:failed", kind="safety-alert", channel="email",
            to="lead@example.org", language="en", subject="A safety concern was raised",
            text="Look at the safeguarding page. {secret}", secret=SECRET,
        )  # fmt: skip
        assert waiting is not None and failing is not None
        db.session.commit()
        ids = (waiting.id, failing.id)
        down = transports.SmtpTransport("smtp://127.0.0.1:9", "a@b.c", timeout=2)
        # Only the second is due when the round runs.
        waiting.next_attempt_at = waiting.created_at + timedelta(days=3)
        db.session.commit()
        done = delivery.deliver(db.session, down, now=failing.created_at + timedelta(hours=25))
        assert done.failed == 1
    return ids


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin@demo.facilitator.test").status_code == 302
    return client


def test_only_administrators_reach_the_messages_pages(app: Flask, demo: dict) -> None:
    waiting, failed = _fill(app)
    anonymous = app.test_client()
    assert anonymous.get("/admin/messages").status_code == 302  # to sign in
    for who in ("manager", "staff", "advocate"):
        client = app.test_client()
        assert sign_in(client, f"{who}@demo.facilitator.test").status_code == 302
        assert client.get("/admin/messages").status_code == 403, who
        assert client.get(f"/admin/messages/{waiting}").status_code == 403, who
        page = client.get("/account/language")
        token = csrf_from(page.get_data(as_text=True))
        answer = client.post(f"/admin/messages/{failed}/send-again", data={"csrf_token": token})
        assert answer.status_code == 403, who
    with app.app_context():
        row = db.session.get(OutboxMessage, failed)
        assert row is not None and row.status == OutboxStatus.FAILED


def test_the_list_filters_and_never_shows_a_secret(app: Flask, demo: dict) -> None:
    waiting, failed = _fill(app)
    admin = _admin(app)
    page = admin.get("/admin/messages").get_data(as_text=True)
    assert "Your link to Sam&#39;s review" in page and "A safety concern was raised" in page
    assert page.index("A safety concern") < page.index("Your link to Sam")  # newest first
    assert SECRET not in page
    only_failed = admin.get("/admin/messages?status=failed").get_data(as_text=True)
    assert "A safety concern was raised" in only_failed and "Your link to Sam" not in only_failed
    # A status that is not on the list is said kindly, and everything is shown.
    odd = admin.get("/admin/messages?status=<script>&page=-4")
    assert odd.status_code == 200
    body = odd.get_data(as_text=True)
    assert "could not read that choice" in body and "<script>" not in body
    one = admin.get(f"/admin/messages/{waiting}").get_data(as_text=True)
    assert "sam.supporter@example.org" in one and "[hidden]" in one
    assert SECRET not in one and "&lt;b&gt;bold&lt;/b&gt;" in one
    assert 'dir="rtl"' in one
    assert "Send again" not in one  # only a failed message can be sent again
    assert admin.get("/admin/messages/999999").status_code == 404


def test_a_failed_message_is_sent_again_and_audited(app: Flask, demo: dict) -> None:
    _waiting, failed = _fill(app)
    admin = _admin(app)
    page = admin.get(f"/admin/messages/{failed}").get_data(as_text=True)
    assert "could not be reached" in page and "Send again" in page and SECRET not in page
    answer = admin.post(
        f"/admin/messages/{failed}/send-again", data={"csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 303
    after = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "will be sent again" in after
    with app.app_context():
        row = db.session.get(OutboxMessage, failed)
        assert row is not None and row.status == OutboxStatus.WAITING and row.attempts == 0
        assert row.secret == SECRET  # still there to be put in when it is sent
        entry = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "message.sent_again")
        )
        assert entry is not None and entry.object_id == str(failed)
    # Again: it is no longer failed, so the refusal is shown on its page.
    again = admin.post(
        f"/admin/messages/{failed}/send-again", data={"csrf_token": csrf_from(after)}
    )
    assert again.status_code == 303
    shown = admin.get(again.headers["Location"]).get_data(as_text=True)
    assert "Only a message that failed can be sent again" in shown
