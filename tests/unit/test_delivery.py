"""Delivering the outbox (issue 18) against real servers on loopback: aiosmtpd with STARTTLS
and AUTH, and a local HTTP server standing in for GOV.UK Notify."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy.orm import Session

from facilitator import config
from facilitator.models import OutboxMessage, OutboxStatus, utcnow
from facilitator.services.messages import delivery, outbox, transports
from tests.mail_server import MailServer, free_port

SECRET = "tok-Zq81-secret-part"


def _enqueue(session: Session, key: str, **extra: object) -> OutboxMessage:
    fields: dict[str, object] = {
        "kind": "family-link",
        "channel": "email",
        "to": "sam@example.org",
        "language": "cy",
        "subject": f"Subject {key}",
        "text": "Open your link: https://care.example/f/{secret}\nThank you.",
        "html": '<h1>Your link</h1><p><a href="https://care.example/f/{secret}">Open</a></p>',
        "secret": SECRET,
    }
    fields.update(extra)
    message = outbox.enqueue(session, key=key, **fields)  # type: ignore[arg-type]
    assert message is not None
    session.commit()
    return message


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(tmp_path).start()
    yield server
    server.stop()


def _smtp(server: MailServer) -> transports.SmtpTransport:
    return transports.SmtpTransport(server.url, "Facilitator <care@example.org>", timeout=5)


@pytest.mark.db
def test_smtp_message_arrives_with_its_secret_which_is_then_cleared(
    session: Session, mail: MailServer
) -> None:
    message = _enqueue(session, "link:1")
    done = delivery.deliver(session, _smtp(mail))
    assert (done.claimed, done.sent) == (1, 1)
    assert mail.count() == 1
    got = mail.received[0]
    assert got.rcpt_tos == ["sam@example.org"]
    assert got.message["Subject"] == "Subject link:1"
    assert got.message["Content-Language"] == "cy"
    assert f"https://care.example/f/{SECRET}" in got.text
    assert f"https://care.example/f/{SECRET}" in got.html and "{secret}" not in got.html
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None
    assert row.status == OutboxStatus.SENT and row.secret is None and row.attempts == 1
    assert row.sent_at is not None and row.provider_id
    # Sent once: another round finds nothing.
    assert delivery.deliver(session, _smtp(mail)).claimed == 0


@pytest.mark.db
def test_smtp_down_the_message_waits_with_backoff_and_arrives_when_it_is_back(
    session: Session, tmp_path: Path
) -> None:
    server = MailServer(tmp_path)  # not started: nothing listens on its port
    message = _enqueue(session, "down:1")
    start = utcnow()
    first = delivery.deliver(session, _smtp(server), now=start)
    assert (first.claimed, first.retrying) == (1, 1)
    assert "could not be reached" in first.errors[0]
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.WAITING and row.attempts == 1
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert row.secret == SECRET and SECRET not in (row.last_error or "")
    # Not due again before its wait is over.
    assert delivery.deliver(session, _smtp(server), now=start + timedelta(seconds=30)).claimed == 0
    second = start + timedelta(minutes=1)
    delivery.deliver(session, _smtp(server), now=second)
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.attempts == 2
    assert row.next_attempt_at == second + timedelta(minutes=2)  # the wait doubles
    server.start()
    try:
        done = delivery.deliver(session, _smtp(server), now=second + timedelta(minutes=2))
        assert done.sent == 1 and server.count() == 1
        assert SECRET in server.received[0].text
    finally:
        server.stop()
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.SENT and row.secret is None


def test_backoff_doubles_to_an_hour() -> None:
    waits = [delivery.wait_after(n) for n in range(1, 10)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=1)


@pytest.mark.db
def test_after_24_hours_of_tries_the_message_has_failed_with_its_reason(
    session: Session, tmp_path: Path
) -> None:
    server = MailServer(tmp_path)
    message = _enqueue(session, "late:1")
    done = delivery.deliver(session, _smtp(server), now=message.created_at + timedelta(hours=24))
    assert done.failed == 1
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.FAILED
    assert "could not be reached" in (row.last_error or "")
    assert row.secret == SECRET  # kept: an administrator may send it again


@pytest.mark.db
def test_a_text_message_cannot_go_by_smtp_and_fails_clearly(
    session: Session, mail: MailServer
) -> None:
    message = _enqueue(
        session, "sms:1", channel="sms", to="+447700900123", text="Code {secret}", html=None
    )
    done = delivery.deliver(session, _smtp(mail))
    assert done.failed == 1 and mail.count() == 0
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.FAILED
    assert "GOV.UK Notify" in (row.last_error or "")


@pytest.mark.db
def test_without_mail_url_messages_are_eml_files_with_the_secret_masked(
    session: Session, tmp_path: Path
) -> None:
    message = _enqueue(session, "file:1")
    transport = transports.from_config(
        {"MAIL_URL": None, "MAIL_FOLDER": str(tmp_path / "outbox"), "MAIL_FROM": "a@b.c"}
    )
    assert delivery.deliver(session, transport).sent == 1
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    written = files[0].read_text()
    assert "Subject file:1" in written and "[hidden]" in written and SECRET not in written
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.SENT and row.secret is None


# --- GOV.UK Notify ---------------------------------------------------------------------------

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
KEY_SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"facilitator_test-{SERVICE_ID}-{KEY_SECRET}"
EMAIL_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE = "0c8d0a5c-4f52-4fbd-8b8c-cf6a0fb3b1a9"


class FakeNotify:
    """Checks each request as GOV.UK Notify's API documents it, and answers."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.status = 201
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                auth = self.headers.get("Authorization", "")
                try:
                    assert auth.startswith("Bearer ")
                    claims = jwt.decode(auth[7:], KEY_SECRET, algorithms=["HS256"])
                    assert jwt.get_unverified_header(auth[7:])["alg"] == "HS256"
                    assert claims["iss"] == SERVICE_ID and isinstance(claims["iat"], int)
                except (AssertionError, jwt.PyJWTError, KeyError) as error:
                    outer.problems.append(f"auth: {error!r}")
                outer.requests.append({"path": self.path, "body": body})
                status = outer.status
                answer = (
                    {"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": body["reference"]}
                    if status == 201
                    else {"errors": [{"error": "Exception", "message": "Internal error"}]}
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    fake = FakeNotify()
    yield fake
    fake.close()


def _notify(fake: FakeNotify) -> transports.Transport:
    return transports.from_config(
        {
            "MAIL_URL": "notify://",
            "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE,
            "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE,
            "NOTIFY_BASE_URL": fake.url,
            "MAIL_TIMEOUT_SECONDS": 5,
        }
    )


@pytest.mark.db
def test_notify_email_and_sms_requests_are_as_documented(
    session: Session, notify: FakeNotify
) -> None:
    email = _enqueue(session, "n:email")
    sms = _enqueue(
        session, "n:sms", channel="sms", to="07700900123", text="Your code is {secret}", html=None
    )
    done = delivery.deliver(session, _notify(notify))
    assert done.sent == 2, done.errors
    assert notify.problems == []
    by_path = {r["path"]: r["body"] for r in notify.requests}
    assert by_path["/v2/notifications/email"] == {
        "email_address": "sam@example.org",
        "template_id": EMAIL_TEMPLATE,
        "personalisation": {
            "subject": "Subject n:email",
            "body": f"Open your link: https://care.example/f/{SECRET}\nThank you.",
        },
        "reference": "n:email",
    }
    assert by_path["/v2/notifications/sms"] == {
        "phone_number": "07700900123",
        "template_id": SMS_TEMPLATE,
        "personalisation": {"subject": "Subject n:sms", "body": f"Your code is {SECRET}"},
        "reference": "n:sms",
    }
    session.expire_all()
    for message in (email, sms):
        row = session.get(OutboxMessage, message.id)
        assert row is not None and row.status == OutboxStatus.SENT and row.secret is None
        assert row.provider_id == "740e5834-3a29-46b4-9a6f-16142fde533a"


@pytest.mark.db
def test_a_notify_error_is_retried_then_shown_as_failed(
    session: Session, notify: FakeNotify
) -> None:
    notify.status = 500
    message = _enqueue(session, "n:err")
    start = message.created_at
    first = delivery.deliver(session, _notify(notify), now=start)
    assert first.retrying == 1 and "GOV.UK Notify answered 500" in first.errors[0]
    second = delivery.deliver(session, _notify(notify), now=start + timedelta(minutes=1))
    assert second.retrying == 1
    last = delivery.deliver(session, _notify(notify), now=start + timedelta(hours=24))
    assert last.failed == 1
    assert len(notify.requests) == 3
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.FAILED and row.attempts == 3
    assert row.last_error == "GOV.UK Notify answered 500."


@pytest.mark.db
def test_a_change_rolled_back_sends_nothing_to_the_server(
    session: Session, mail: MailServer
) -> None:
    savepoint = session.begin_nested()
    outbox.enqueue(
        session, key="undone:1", kind="views-received", channel="email", to="co@example.org",
        language="en", subject="Views received", text="Someone sent their views.",
    )  # fmt: skip
    savepoint.rollback()
    kept = _enqueue(session, "kept:1")
    done = delivery.deliver(session, _smtp(mail))
    assert done.sent == 1 and mail.subjects() == [kept.subject]


@pytest.mark.db
def test_no_secret_reaches_the_log(
    session: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    server = MailServer(tmp_path)  # down: the failure is logged
    _enqueue(session, "log:1")
    delivery.deliver(session, _smtp(server))
    assert "not sent" in caplog.text
    assert SECRET not in caplog.text and "sam@example.org" not in caplog.text


def test_mail_url_is_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_URL", "smtp://user:pass@mail.example.org:587?starttls=true")
    assert config.mail_url() == "smtp://user:pass@mail.example.org:587?starttls=true"
    monkeypatch.setenv("MAIL_URL", "pigeon://loft")
    with pytest.raises(config.ConfigError, match="unsupported scheme"):
        config.mail_url()
    monkeypatch.setenv("MAIL_URL", "smtp://")
    with pytest.raises(config.ConfigError, match="no host"):
        config.mail_url()
    monkeypatch.setenv("MAIL_URL", "notify://")
    monkeypatch.delenv("NOTIFY_API_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="NOTIFY_API_KEY"):
        config.mail_url()
    monkeypatch.delenv("MAIL_URL")
    assert config.mail_url() is None


@pytest.mark.db
def test_a_claim_that_ran_out_is_left_for_the_next_round(
    session: Session, mail: MailServer
) -> None:
    message = _enqueue(session, "lease:1")
    done = delivery.deliver(session, _smtp(mail), lease=timedelta(0))
    assert (done.claimed, done.sent, done.lost_claim) == (1, 0, 1) and mail.count() == 0
    session.expire_all()
    row = session.get(OutboxMessage, message.id)
    assert row is not None and row.status == OutboxStatus.SENDING  # claimed, lease over
    assert delivery.deliver(session, _smtp(mail)).sent == 1 and mail.count() == 1
