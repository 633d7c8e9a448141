"""A forgotten password, through the web (issue 18): the same kind answer whether the account
exists or not, a link by email (hashed at rest, single use, expiring), the new password page,
every session of the account ended, audited and throttled; and one's own notice choices."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    NoticeChoice,
    OutboxMessage,
    PasswordReset,
    PasswordResetRequest,
    User,
    utcnow,
)
from facilitator.redaction import redact
from facilitator.services.accounts import password_reset

from ..conftest import csrf_from, sign_in

STAFF = "staff@demo.facilitator.test"
NEW = "a brand new long password"
SAME_ANSWER = "If that address belongs to an account, we have sent it a link"


def _ask(client: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    page = client.get("/sign-in/forgotten")
    assert page.status_code == 200
    return client.post(
        "/sign-in/forgotten",
        data={"email": email, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )


def _resets(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "password-reset")
            .order_by(OutboxMessage.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def _main(html: str) -> str:
    return re.sub(r'(csrf[^"]*"[^"]*")|("X-CSRFToken": "[^"]+")', "", html)


def test_the_sign_in_page_offers_it(client: FlaskClient, demo: dict) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/sign-in/forgotten"' in page and "Forgotten your password?" in page


def test_the_same_answer_whether_or_not_there_is_an_account(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    unknown = _ask(client, "nobody-here@example.org")
    known = _ask(client, " Staff@Demo.Facilitator.Test ")
    assert unknown.status_code == known.status_code == 200
    assert SAME_ANSWER in unknown.get_data(as_text=True)
    assert _main(unknown.get_data(as_text=True)) == _main(known.get_data(as_text=True))
    (message,) = _resets(app)
    assert message.to == STAFF and message.secret and message.secret not in message.text
    assert "/sign-in/new-password/{secret}" in message.text
    with app.app_context():
        reset = db.session.scalars(select(PasswordReset)).one()
        assert reset.token_hash == password_reset.hash_token(message.secret)  # hashed at rest
        assert reset.expires_at - reset.created_at == timedelta(minutes=60)
        assert db.session.scalar(select(func.count(PasswordResetRequest.id))) == 2
        typed = db.session.scalars(select(PasswordResetRequest.email_hash)).all()
        assert "nobody-here@example.org" not in typed  # kept only as a digest
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "password.reset_requested" in actions


def test_an_empty_address_is_asked_for_kindly(client: FlaskClient, demo: dict) -> None:
    answer = _ask(client, "")
    assert answer.status_code == 400
    assert "Enter your email address." in answer.get_data(as_text=True)


def test_the_link_sets_a_new_password_once_and_ends_every_session(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    signed_in = app.test_client()
    sign_in(signed_in, STAFF)
    assert signed_in.get("/staff/").status_code == 200
    _ask(client, STAFF)
    token = _resets(app)[0].secret
    assert token
    follow = client.get(f"/sign-in/new-password/{token}")
    assert follow.status_code == 303 and follow.headers["Location"] == "/sign-in/new-password"
    page = client.get("/sign-in/new-password")
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    csrf = csrf_from(page.get_data(as_text=True))
    different = client.post(
        "/sign-in/new-password", data={"password": NEW, "confirm": "not it", "csrf_token": csrf}
    )
    assert different.status_code == 400
    assert "The two passwords are not the same." in different.get_data(as_text=True)
    short = client.post(
        "/sign-in/new-password", data={"password": "short", "confirm": "short", "csrf_token": csrf}
    )
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    done = client.post(
        "/sign-in/new-password", data={"password": NEW, "confirm": NEW, "csrf_token": csrf}
    )
    assert done.status_code == 303 and done.headers["Location"] == "/sign-in"
    # The session signed in before is over; the new password signs in.
    assert signed_in.get("/staff/").status_code in (302, 303)
    fresh = app.test_client()
    assert sign_in(fresh, STAFF, NEW).status_code == 302
    assert fresh.get("/staff/").status_code == 200
    # The link worked once.
    again = app.test_client().get(f"/sign-in/new-password/{token}")
    assert again.status_code == 410
    assert "has expired or has already been used" in again.get_data(as_text=True)
    with app.app_context():
        done_event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "password.reset_done")
        ).one()
        assert done_event.detail["sessions_ended"] >= 1
        assert token not in str(
            db.session.scalars(select(AuditEvent.detail)).all()
        )  # never audited


def test_an_expired_or_unknown_link_is_refused_kindly(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    _ask(client, STAFF)
    token = _resets(app)[0].secret
    with app.app_context():
        reset = db.session.scalars(select(PasswordReset)).one()
        reset.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    for address in (f"/sign-in/new-password/{token}", "/sign-in/new-password/not-a-token"):
        answer = client.get(address)
        assert answer.status_code == 410
        text = answer.get_data(as_text=True)
        assert "You can ask for a new one." in text and 'href="/sign-in/forgotten"' in text
    assert client.get("/sign-in/new-password").status_code == 410  # no link followed


def test_a_newer_link_ends_the_older_one(app: Flask, client: FlaskClient, demo: dict) -> None:
    _ask(client, STAFF)
    _ask(client, STAFF)
    first, second = (m.secret for m in _resets(app))
    assert client.get(f"/sign-in/new-password/{first}").status_code == 410
    assert client.get(f"/sign-in/new-password/{second}").status_code == 303


def test_asking_again_and_again_is_throttled_with_the_same_answer(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    answers = [_ask(client, STAFF) for _ in range(password_reset.PER_ACCOUNT + 2)]
    assert all(SAME_ANSWER in a.get_data(as_text=True) for a in answers)
    assert len(_resets(app)) == password_reset.PER_ACCOUNT
    with app.app_context():
        throttled = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "password.reset_throttled")
        )
        assert throttled == 2


def test_a_reset_token_never_reaches_a_log() -> None:
    line = 'GET /sign-in/new-password/AbC_d-123 HTTP/1.1" 303'
    assert redact(line) == 'GET /sign-in/new-password/[token] HTTP/1.1" 303'


def test_one_chooses_ones_own_notices(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/notices"' in account
    page = client.get("/account/notices")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "You always get safety alerts" in text
    assert text.count('type="checkbox"') == 4 and text.count(" checked") == 4
    saved = client.post(
        "/account/notices", data={"wanted": ["actions-digest"], "csrf_token": csrf_from(text)}
    )
    assert saved.status_code == 303
    again = client.get("/account/notices").get_data(as_text=True)
    assert again.count(" checked") == 1
    refused = client.post(
        "/account/notices", data={"wanted": ["safety-alert"], "csrf_token": csrf_from(text)}
    )
    assert refused.status_code == 400
    assert "Choose from the notices on the list." in refused.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == STAFF)).one()
        kinds = db.session.scalars(
            select(NoticeChoice.kind).where(NoticeChoice.user_id == user.id)
        ).all()
        assert sorted(kinds) == ["agreement-review-due", "complaint-ack-due", "views-received"]
