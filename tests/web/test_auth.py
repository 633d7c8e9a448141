"""Signing in and out, throttling, sessions that end on the server, and roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ..conftest import csrf_from, second_factor_code, sign_in

STAFF = "staff@demo.facilitator.test"
MANAGER = "manager@demo.facilitator.test"


def test_sign_in_page_renders(client: FlaskClient) -> None:
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert "Sign in" in page.get_data(as_text=True)


def test_wrong_password_is_refused_kindly(client: FlaskClient, demo: dict) -> None:
    response = sign_in(client, STAFF, "not-the-password")
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "The email address or password is not right" in body
    assert client.get("/staff/").status_code == 302  # still signed out


def test_unknown_account_gets_the_same_message(client: FlaskClient, demo: dict) -> None:
    response = sign_in(client, "nobody@example.org", "whatever-password")
    assert response.status_code == 401
    assert "The email address or password is not right" in response.get_data(as_text=True)


def test_failed_sign_ins_are_throttled_per_account(client: FlaskClient, demo: dict) -> None:
    for _ in range(5):
        assert sign_in(client, STAFF, "wrong-password-1").status_code == 401
    # Even the right password is refused while the pause lasts.
    response = sign_in(client, STAFF)
    assert response.status_code == 429
    assert "Too many tries" in response.get_data(as_text=True)


def test_failed_sign_ins_are_throttled_per_address(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 20
    assert sign_in(app.test_client(), STAFF).status_code == 302  # has signed in from here
    for n in range(20):
        assert sign_in(client, f"someone{n}@example.org", "wrong-password-1").status_code == 401
    assert sign_in(client, MANAGER).status_code == 429  # never signed in from here
    # Someone who signed in from this address before (a care home's shared one) carries on.
    assert sign_in(app.test_client(), STAFF).status_code == 302


def _from(app: Flask, address: str) -> FlaskClient:
    """A browser at another address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _earlier(app: Flask, seconds: int) -> None:
    """Move every sign-in attempt back in time, as if ``seconds`` had passed."""
    from facilitator.extensions import db
    from facilitator.models import LoginAttempt

    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(seconds=seconds)
        db.session.commit()


def test_someone_elses_wrong_passwords_do_not_lock_the_owner_out(app: Flask, demo: dict) -> None:
    attacker = _from(app, "198.51.100.7")
    for _ in range(5):
        assert sign_in(attacker, STAFF, "wrong-password-1").status_code == 401
    # The owner, at their own desk, signs in as usual.
    assert sign_in(_from(app, "203.0.113.20"), STAFF).status_code == 302
    paused = sign_in(attacker, STAFF)  # even the right password is paused from there
    assert paused.status_code == 429
    assert "Please try again in 1 minute." in paused.get_data(as_text=True)


def test_pauses_grow_and_refused_tries_do_not_stretch_them(app: Flask, demo: dict) -> None:
    browser = _from(app, "198.51.100.8")
    for _ in range(5):
        assert sign_in(browser, STAFF, "wrong-password-1").status_code == 401
    for _ in range(3):  # refused unchecked while paused, and not counted
        refused = sign_in(browser, STAFF, "wrong-password-1")
        assert refused.status_code == 429
        assert "Tries while it is paused are not counted." in refused.get_data(as_text=True)
    _earlier(app, 61)
    assert sign_in(browser, STAFF, "wrong-password-1").status_code == 401  # the 6th failure
    again = sign_in(browser, STAFF)
    assert again.status_code == 429 and "try again in 2 minutes" in again.get_data(as_text=True)
    _earlier(app, 61)
    assert sign_in(browser, STAFF).status_code == 429  # 2 minutes, not 1
    _earlier(app, 60)
    assert sign_in(browser, STAFF).status_code == 302


def test_unknown_accounts_are_paused_the_same_way(app: Flask, demo: dict) -> None:
    seen = []
    for n, email in enumerate([STAFF, "nobody@example.org"]):
        browser = _from(app, f"198.51.100.{20 + n}")
        statuses = [sign_in(browser, email, "wrong-password-1").status_code for _ in range(7)]
        seen.append((statuses, sign_in(browser, email, "x" * 12).get_data(as_text=True)))
    assert seen[0][0] == seen[1][0] == [401] * 5 + [429] * 2
    message = re.compile(r'<div class="error-summary".*?</div>', re.S)
    assert message.search(seen[0][1]).group(0) == message.search(seen[1][1]).group(0)  # type: ignore[union-attr]


def test_the_owner_and_an_admin_see_failed_tries_and_end_a_pause(app: Flask, demo: dict) -> None:
    attacker = _from(app, "198.51.100.9")
    for _ in range(5):
        sign_in(attacker, STAFF, "wrong-password-1")
    assert sign_in(attacker, STAFF).status_code == 429
    owner = _from(app, "203.0.113.21")
    assert sign_in(owner, STAFF).status_code == 302
    page = owner.get("/account").get_data(as_text=True)
    assert "Failed sign-in tries" in page and "<code>198.51.100.9</code>" in page
    assert "<td>5</td>" in page and "Until " in page
    owner.post("/account/failed-tries/clear", data={"csrf_token": csrf_from(page)})
    assert "The pause is ended" in owner.get("/account").get_data(as_text=True)
    assert sign_in(attacker, STAFF).status_code == 302  # that place works again
    # An administrator sees and clears them too.
    other = _from(app, "198.51.100.10")
    for _ in range(6):
        sign_in(other, MANAGER, "wrong-password-1")
    admin = app.test_client()
    assert sign_in(admin, "admin@demo.facilitator.test").status_code == 302
    manager_page = admin.get(f"/admin/users/{demo['users'][MANAGER]}").get_data(as_text=True)
    assert "<code>198.51.100.10</code>" in manager_page and "<td>1</td>" in manager_page
    admin.post(
        f"/admin/users/{demo['users'][MANAGER]}/failed-tries/clear",
        data={"csrf_token": csrf_from(manager_page)},
    )
    assert sign_in(other, MANAGER).status_code == 302


def test_sign_in_then_home_by_role(client: FlaskClient, demo: dict) -> None:
    response = sign_in(client, STAFF)
    assert response.status_code == 302
    home = client.get("/home", follow_redirects=True)
    assert home.status_code == 200
    assert "People and reviews" in home.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "home_text", "allowed", "refused"),
    [
        ("staff@demo.facilitator.test", "People and reviews", "/staff/", "/governance/"),
        ("manager@demo.facilitator.test", "Governance", "/governance/", "/admin/users"),
        ("admin@demo.facilitator.test", "Accounts", "/admin/users", "/advocate/"),
        ("advocate@demo.facilitator.test", "My people", "/advocate/", "/staff/"),
    ],
)
def test_each_role_has_a_page_and_is_refused_elsewhere(
    client: FlaskClient, demo: dict, email: str, home_text: str, allowed: str, refused: str
) -> None:
    assert sign_in(client, email).status_code == 302
    home = client.get("/home", follow_redirects=True)
    assert home_text in home.get_data(as_text=True)
    assert client.get(allowed).status_code == 200
    denied = client.get(refused)
    assert denied.status_code == 403
    assert "You cannot see this page" in denied.get_data(as_text=True)


def test_sign_out_ends_the_session_on_the_server(client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    assert client.get("/staff/").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    old_value = cookie.value
    page = client.get("/staff/")
    response = client.post("/sign-out", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    # Replay the cookie from before signing out: the server has ended that session.
    client.set_cookie("session", old_value)
    replay = client.get("/staff/")
    assert replay.status_code == 302
    assert "/sign-in" in replay.headers["Location"]


def _sign_in_with_next(app: Flask, client: FlaskClient, target: str):  # type: ignore[no-untyped-def]
    from facilitator.extensions import db

    page = client.get(f"/sign-in?next={target}")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        f"/sign-in?next={target}",
        data={"email": STAFF, "password": "demo-password-2026", "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        code = second_factor_code(db.session, STAFF)
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})


def test_next_only_follows_local_addresses(app: Flask, client: FlaskClient, demo: dict) -> None:
    response = _sign_in_with_next(app, client, "https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")


def test_next_is_followed_after_the_second_step(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    response = _sign_in_with_next(app, client, "/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")


def test_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
