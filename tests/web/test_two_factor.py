"""The second sign-in step, session limits, Your account and the admin's account actions."""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.serving import make_server

from facilitator.extensions import db
from facilitator.models import AuditEvent, User, UserSession
from facilitator.services import accounts

from ..conftest import csrf_from, make_test_app, own_postgres_database, second_factor_code, sign_in

STAFF = "staff@demo.facilitator.test"
MANAGER = "manager@demo.facilitator.test"
ADMIN = "admin@demo.facilitator.test"
KEYWORKER = "keyworker@demo.facilitator.test"
PASSWORD = "demo-password-2026"
CODES = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


def _password(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    return response, token


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def _actions(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _set_up(app: Flask, client: FlaskClient, email: str) -> tuple[str, list[str]]:
    """First sign-in: the set-up page, then a code; returns the secret and recovery codes."""
    response, _token = _password(client, email)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/set-up"
    page = client.get("/sign-in/set-up").get_data(as_text=True)
    secret = (
        re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    )  # type: ignore[union-attr]
    done = client.post(
        "/sign-in/set-up",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)},
    )
    assert done.status_code == 200
    return secret, CODES.findall(done.get_data(as_text=True))


def test_first_sign_in_sets_up_the_app_with_a_qr_code_and_a_typed_key(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    response, _token = _password(client, MANAGER)
    assert response.headers["Location"] == "/sign-in/set-up"
    # Not signed in yet: nothing is reachable before the second step is set up.
    assert client.get("/governance/").headers["Location"].startswith("/sign-in")
    page = client.get("/sign-in/set-up")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'src="data:image/svg+xml' in body and 'alt="QR code for adding Facilitator' in body
    key = re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', body).group(1)  # type: ignore[union-attr]
    secret = _user(app, MANAGER).totp_secret
    assert key.replace(" ", "") == secret and not _user(app, MANAGER).totp_enabled_at
    # The same secret until it is confirmed (reloading does not change the QR code).
    assert key in client.get("/sign-in/set-up").get_data(as_text=True)

    wrong = client.post("/sign-in/set-up", data={"code": "123456", "csrf_token": csrf_from(body)})
    assert wrong.status_code == 401
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert not _user(app, MANAGER).totp_enabled_at

    done = client.post(
        "/sign-in/set-up", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(body)}
    )
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert "They will not be shown again" in text and len(set(CODES.findall(text))) == 10
    assert _user(app, MANAGER).totp_enabled_at is not None
    assert client.get("/governance/").status_code == 200
    assert _actions(app, "user.second_factor_enabled")


def test_later_sign_ins_ask_for_the_code_and_never_accept_it_twice(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    secret, _codes = _set_up(app, client, STAFF)
    client.post(
        "/sign-out", data={"csrf_token": csrf_from(client.get("/account").get_data(as_text=True))}
    )
    response, token = _password(client, STAFF)
    assert response.headers["Location"] == "/sign-in/code"
    page = client.get("/sign-in/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    # The set-up used this time step's code already: typing it again is refused.
    step = int(__import__("time").time()) // 30
    used = _user(app, STAFF).totp_last_step
    replay = pyotp.TOTP(secret).at(used * 30)
    refused = client.post("/sign-in/code", data={"code": replay, "csrf_token": token})
    assert refused.status_code == 401 and "That code is not right" in refused.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    # The next code (an app shows it within 30 seconds) is accepted.
    fresh = pyotp.TOTP(secret).at(max(step, used + 1) * 30)
    signed = client.post("/sign-in/code", data={"code": fresh, "csrf_token": token})
    assert signed.status_code == 302 and signed.headers["Location"] == "/home"
    assert client.get("/staff/").status_code == 200


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    _secret, codes = _set_up(app, client, ADMIN)
    client.post(
        "/sign-out", data={"csrf_token": csrf_from(client.get("/account").get_data(as_text=True))}
    )
    _response, token = _password(client, ADMIN)
    signed = client.post("/sign-in/code", data={"code": codes[0].upper(), "csrf_token": token})
    assert signed.status_code == 302
    assert "You have 9 left" in client.get("/home", follow_redirects=True).get_data(as_text=True)
    client.post(
        "/sign-out", data={"csrf_token": csrf_from(client.get("/account").get_data(as_text=True))}
    )
    _response, token = _password(client, ADMIN)
    again = client.post("/sign-in/code", data={"code": codes[0], "csrf_token": token})
    assert again.status_code == 401


def test_wrong_codes_are_throttled_with_passwords(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    with app.app_context():
        second_factor_code(db.session, STAFF)  # enrolled
    _response, token = _password(client, STAFF)
    for _ in range(5):
        assert (
            client.post("/sign-in/code", data={"code": "000000", "csrf_token": token}).status_code
            == 401
        )
    with app.app_context():
        code = second_factor_code(db.session, STAFF)
    paused = client.post("/sign-in/code", data={"code": code, "csrf_token": token})
    assert paused.status_code == 429 and "Too many tries" in paused.get_data(as_text=True)


def test_the_code_page_needs_a_recent_right_password(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    assert client.get("/sign-in/set-up").headers["Location"] == "/sign-in"
    _password(client, STAFF)
    with client.session_transaction() as browser_session:
        browser_session["signin_pending"] = {
            **browser_session["signin_pending"],
            "at": "2020-01-01T00:00:00+00:00",
        }
    late = client.get("/sign-in/set-up")
    assert late.headers["Location"] == "/sign-in"
    assert "please sign in again" in client.get("/sign-in").get_data(as_text=True)
    # A wrong password never reaches the second step.
    response, _token = _password(client, STAFF, "not-the-password")
    assert response.status_code == 401
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_sign_in_starts_a_fresh_session(app: Flask, client: FlaskClient, demo: dict) -> None:
    with client.session_transaction() as browser_session:
        browser_session["left-over"] = "from before signing in"
    assert sign_in(client, STAFF).status_code == 302
    with client.session_transaction() as browser_session:
        assert "left-over" not in browser_session and "signin_pending" not in browser_session
        first = browser_session["_user_id"]
    other = app.test_client()
    sign_in(other, STAFF)
    with other.session_transaction() as browser_session:
        assert browser_session["_user_id"] != first


def _age_session(app: Flask, **ago: timedelta) -> None:
    with app.app_context():
        record = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
        assert record is not None
        for column, delta in ago.items():
            setattr(record, column, getattr(record, column) - delta)
        db.session.commit()


def test_idle_sessions_end_with_a_kind_page(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    assert client.get("/staff/").status_code == 200
    _age_session(app, last_seen_at=timedelta(minutes=31))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signed-out?after=idle&next=/staff/"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "after 30 minutes without activity" in page and "Nothing you saved was lost." in page
    assert 'href="/sign-in?next=/staff/"' in page
    assert client.get("/staff/").headers["Location"].startswith("/sign-in")  # ended for good
    with app.app_context():
        reason = db.session.scalars(
            select(UserSession.revoked_reason).order_by(UserSession.id.desc())
        ).first()
    assert reason == "idle-timeout"


def test_htmx_requests_are_told_where_to_go(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    _age_session(app, last_seen_at=timedelta(minutes=45))
    response = client.get("/staff/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/signed-out?after=idle")
    assert "Nothing you saved was lost." in response.get_data(as_text=True)


def test_sessions_end_after_the_absolute_limit(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    _age_session(app, created_at=timedelta(hours=12, minutes=1))
    response = client.get("/staff/")
    assert response.headers["Location"].startswith("/signed-out?after=absolute")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed in for 12 hours" in page and "Nothing you saved was lost." in page


def test_person_mode_has_no_time_limit_but_stays_locked(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, KEYWORKER)
    review_id = demo["reviews"]["Sam"]
    page = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    client.post(f"/person/start/{review_id}", data={"csrf_token": csrf_from(page)})
    _age_session(app, created_at=timedelta(hours=30), last_seen_at=timedelta(hours=5))
    assert client.get("/person/").status_code == 200
    assert client.get("/staff/").headers["Location"].endswith("/person/")  # still locked


def test_unknown_reasons_on_the_signed_out_page_go_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/signed-out?after=whatever").headers["Location"] == "/sign-in"


def test_cookies_are_httponly_samesite_lax_and_secure_over_https(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "proxy.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_test_app(tmp_path, f"sqlite:///{path}", TRUSTED_PROXIES=1)
    client = app.test_client()
    plain = client.get("/sign-in").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    https = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    cookie = https.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    production = make_test_app(tmp_path, f"sqlite:///{path}", SESSION_COOKIE_SECURE=True)
    assert "Secure" in production.test_client().get("/sign-in").headers["Set-Cookie"]
    db.engine.dispose()


# --- your account ---------------------------------------------------------------------------


def test_changing_the_password_signs_out_other_devices(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    other = app.test_client()
    sign_in(other, STAFF)
    sign_in(client, STAFF)
    page = client.get("/account").get_data(as_text=True)
    assert "Change your password" in page and "recovery codes left" in page
    token = csrf_from(page)
    new = "a-new-long-password"
    wrong = client.post(
        "/account/password",
        data={"current": "not-the-password", "new": new, "confirm": new, "csrf_token": token},
    )
    assert wrong.status_code == 400 and "Your current password is not right" in wrong.get_data(
        as_text=True
    )
    mismatch = client.post("/account/password", data={
        "current": PASSWORD, "new": "a-new-long-password", "confirm": "a-new-long-passwerd",
        "csrf_token": token})  # fmt: skip
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    done = client.post("/account/password", data={
        "current": PASSWORD, "new": "a-new-long-password", "confirm": "a-new-long-password",
        "csrf_token": token})  # fmt: skip
    assert done.status_code == 302
    assert "signed out on your other devices" in client.get("/account").get_data(as_text=True)
    assert other.get("/staff/").headers["Location"].startswith("/sign-in")
    assert client.get("/staff/").status_code == 200
    assert sign_in(app.test_client(), STAFF, "a-new-long-password").status_code == 302


def test_new_recovery_codes_are_shown_once_and_audited(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    _secret, old = _set_up(app, client, STAFF)
    page = client.get("/account").get_data(as_text=True)
    assert "You have 10 recovery codes left." in page
    response = client.post(
        "/account/recovery-codes", data={"password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    new = CODES.findall(response.get_data(as_text=True))
    assert response.status_code == 200 and len(new) == 10 and set(new).isdisjoint(old)
    assert response.headers["Cache-Control"] == "no-store"
    assert _actions(app, "user.recovery_codes_regenerated")
    assert not CODES.findall(client.get("/account").get_data(as_text=True))


def test_new_recovery_codes_need_the_password(app: Flask, client: FlaskClient, demo: dict) -> None:
    _set_up(app, client, STAFF)
    page = client.get("/account").get_data(as_text=True)
    token = csrf_from(page)
    for fields in ({}, {"password": "not-the-password"}):
        refused = client.post("/account/recovery-codes", data={**fields, "csrf_token": token})
        text = refused.get_data(as_text=True)
        assert not CODES.findall(text) and refused.status_code == 400
        assert "Type your password" in text or "Your password is not right" in text
    assert 'name="password"' in page and 'autocomplete="current-password"' in page
    assert not _actions(app, "user.recovery_codes_regenerated")
    assert "You have 10 recovery codes left." in client.get("/account").get_data(as_text=True)
    # A wrong password here counts like one at sign-in.
    assert [e.detail["address"] for e in _actions(app, "signin.failed")] == ["127.0.0.1"]
    done = client.post("/account/recovery-codes", data={"password": PASSWORD, "csrf_token": token})
    assert done.status_code == 200 and len(CODES.findall(done.get_data(as_text=True))) == 10


def test_resetting_ones_own_second_step_needs_the_password(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    admin_id = demo["users"][ADMIN]
    page = admin.get(f"/admin/users/{admin_id}").get_data(as_text=True)
    token = csrf_from(page)
    only_token = admin.post(
        f"/admin/users/{admin_id}/second-step/reset", data={"csrf_token": token}
    )
    assert not _actions(app, "user.second_factor_reset") and only_token.status_code == 400
    assert "Type your password" in only_token.get_data(as_text=True)
    assert 'name="password"' in page
    wrong = admin.post(
        f"/admin/users/{admin_id}/second-step/reset",
        data={"password": "not-the-password", "csrf_token": token},
    )
    assert wrong.status_code == 400 and "Your password is not right" in wrong.get_data(as_text=True)
    assert not _actions(app, "user.second_factor_reset")
    assert _user(app, ADMIN).totp_enabled_at is not None
    done = admin.post(
        f"/admin/users/{admin_id}/second-step/reset",
        data={"password": PASSWORD, "csrf_token": token},
    )
    assert done.status_code == 302 and _actions(app, "user.second_factor_reset")


# --- administrators -------------------------------------------------------------------------


def _admin(app: Flask) -> FlaskClient:
    admin = app.test_client()
    assert sign_in(admin, ADMIN).status_code == 302
    return admin


def test_an_admin_resets_someones_second_step(app: Flask, client: FlaskClient, demo: dict) -> None:
    _set_up(app, client, STAFF)
    admin = _admin(app)
    staff_id = demo["users"][STAFF]
    page = admin.get(f"/admin/users/{staff_id}").get_data(as_text=True)
    assert "On: set up with an authenticator app." in page
    response = admin.post(
        f"/admin/users/{staff_id}/second-step/reset", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert "signed out everywhere" in admin.get(f"/admin/users/{staff_id}").get_data(as_text=True)
    # Their session has ended, and their next sign-in sets the app up again.
    assert client.get("/staff/").headers["Location"].startswith("/sign-in")
    assert _password(app.test_client(), STAFF)[0].headers["Location"] == "/sign-in/set-up"
    [event] = _actions(app, "user.second_factor_reset")
    assert event.object_id == str(staff_id) or event.object_id == staff_id


def test_an_admin_switches_the_second_step_off_for_one_staff_account_with_a_reason(
    app: Flask, demo: dict
) -> None:
    admin = _admin(app)
    staff_id, manager_id = demo["users"][STAFF], demo["users"][MANAGER]
    page = admin.get(f"/admin/users/{staff_id}").get_data(as_text=True)
    empty = admin.post(
        f"/admin/users/{staff_id}/second-step/off",
        data={"reason": " ", "csrf_token": csrf_from(page)},
    )
    assert empty.status_code == 400 and "Write the reason" in empty.get_data(as_text=True)
    done = admin.post(
        f"/admin/users/{staff_id}/second-step/off",
        data={"reason": "No work phone; agreed with the manager", "csrf_token": csrf_from(page)},
    )
    assert done.status_code == 302
    assert "Reason recorded: No work phone" in admin.get(f"/admin/users/{staff_id}").get_data(
        as_text=True
    )
    [event] = _actions(app, "user.second_factor_switched_off")
    assert event.detail == {"reason": "No work phone; agreed with the manager"}
    response, _token = _password(app.test_client(), STAFF)
    assert response.headers["Location"] == "/home"  # the password alone, for this account only
    # Never for a manager: no form is offered, and a hand-made request is refused.
    manager_page = admin.get(f"/admin/users/{manager_id}").get_data(as_text=True)
    assert "must always use the second step" in manager_page and "Switch it off" not in manager_page
    refused = admin.post(
        f"/admin/users/{manager_id}/second-step/off",
        data={"reason": "Please switch it off", "csrf_token": csrf_from(page)},
    )
    assert refused.status_code == 400 and "must always use" in refused.get_data(as_text=True)
    # Switching it on again ends the password-only session at its next request.
    staff = app.test_client()
    sign_in(staff, STAFF)
    admin.post(f"/admin/users/{staff_id}/second-step/on", data={"csrf_token": csrf_from(page)})
    assert staff.get("/staff/").headers["Location"] == "/sign-in"
    assert "set up the second step" in staff.get("/sign-in").get_data(as_text=True)


def test_disabling_an_account_signs_it_out_everywhere(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, STAFF)
    admin = _admin(app)
    staff_id = demo["users"][STAFF]
    page = admin.get(f"/admin/users/{staff_id}").get_data(as_text=True)
    admin.post(f"/admin/users/{staff_id}/disable", data={"csrf_token": csrf_from(page)})
    assert client.get("/staff/").headers["Location"].startswith("/sign-in")
    assert _password(app.test_client(), STAFF)[0].status_code == 401
    admin.post(f"/admin/users/{staff_id}/enable", data={"csrf_token": csrf_from(page)})
    assert sign_in(app.test_client(), STAFF).status_code == 302
    accounts_page = admin.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{staff_id}"' in accounts_page


def test_the_admin_cannot_disable_their_own_account(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    admin_id = demo["users"][ADMIN]
    page = admin.get(f"/admin/users/{admin_id}").get_data(as_text=True)
    admin.post(f"/admin/users/{admin_id}/disable", data={"csrf_token": csrf_from(page)})
    assert "You cannot disable your own account." in admin.get(f"/admin/users/{admin_id}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.id == admin_id)) is True
        db.session.execute(update(User).where(User.id == admin_id).values(active=True))


def test_typing_keeps_a_session_alive_but_an_idle_one_still_ends(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    assert client.get("/account/still-here").status_code == 302  # not signed in: sign in first
    sign_in(client, STAFF)
    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-still-here="/account/still-here"' in page
    assert 'data-still-here-every="120000"' in page
    for _ in range(3):  # 25 minutes of typing at a time, three times: 75 minutes in all
        _age_session(app, last_seen_at=timedelta(minutes=25))
        kept = client.get("/account/still-here")
        assert kept.status_code == 204 and kept.headers["Cache-Control"] == "no-store"
    assert client.get("/staff/").status_code == 200
    _age_session(app, last_seen_at=timedelta(minutes=31))
    assert client.get("/account/still-here").status_code == 302  # too late: idle is idle


def test_a_locked_tablet_does_not_send_still_here(client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    page = client.get(f"/staff/reviews/{demo['reviews']['Sam']}").get_data(as_text=True)
    client.post(f"/person/start/{demo['reviews']['Sam']}", data={"csrf_token": csrf_from(page)})
    person_page = client.get("/person/", follow_redirects=True).get_data(as_text=True)
    assert "data-still-here" not in person_page


# --- one code sent by ten browsers at once, against a real server ---------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A database of its own for a server that commits for real (dropped afterwards)."""
    if request.param == "sqlite":
        path = tmp_path / "server.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    with own_postgres_database("codes") as url:
        yield url


class _Browser:
    """A cookie-keeping HTTP client: one browser of its own."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def open(self, path: str, fields: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@contextmanager
def _real_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _all_at_once(browsers: list[_Browser], path: str, fields: dict[str, str]) -> list[int]:
    """Each browser posts the same thing at the same moment; their statuses."""
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def send(browser: _Browser) -> None:
        page = browser.open(path)[1]
        start.wait()
        statuses.append(browser.open(path, {**fields, "csrf_token": csrf_from(page)})[0])

    senders = [threading.Thread(target=send, args=(browser,)) for browser in browsers]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    return statuses


@pytest.mark.db
@pytest.mark.parametrize("kind", ["app code", "recovery code"])
def test_one_code_sent_by_ten_browsers_at_once_signs_in_one(
    tmp_path: Path, server_database: str, kind: str
) -> None:
    from facilitator.services import demo as demo_service

    app = make_test_app(
        tmp_path, server_database, TESTING=False, RATELIMIT_SIGN_IN="1000 per minute"
    )
    with app.app_context():
        demo_service.load(db.session)
        db.session.commit()
        code = second_factor_code(db.session, STAFF)  # enrolled, never used
        user = db.session.scalar(select(User).where(User.email == STAFF))
        assert user is not None
        recovery = accounts.regenerate_recovery_codes(db.session, user, PASSWORD, "::1")[0]
        db.session.commit()
    with _real_server(app) as base:
        browsers = [_Browser(base) for _ in range(10)]
        for browser in browsers:  # ten browsers past the password step
            page = browser.open("/sign-in")[1]
            status, _ = browser.open(
                "/sign-in",
                {"email": STAFF, "password": PASSWORD, "csrf_token": csrf_from(page)},
            )
            assert status == 302
        statuses = _all_at_once(
            browsers, "/sign-in/code", {"code": code if kind == "app code" else recovery}
        )
        signed_in = [browser.open("/staff/")[0] for browser in browsers].count(200)
    print(f"\n{server_database.split(':')[0]} {kind}: {signed_in} of 10 signed in, {statuses}")
    # The others are told the code is not right (or, once their failures add up, to wait).
    assert statuses.count(302) == 1 and set(statuses) <= {302, 401, 429}, statuses
    assert signed_in == 1
    staff_id = _user(app, STAFF).id
    assert [e.actor_user_id for e in _actions(app, "signin")].count(staff_id) == 1
    if db.engine is not None:
        db.engine.dispose()
