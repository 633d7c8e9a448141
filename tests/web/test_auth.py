"""Signing in and out, throttling, sessions that end on the server, and roles."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import csrf_from, second_factor_code, sign_in

STAFF = "staff@demo.facilitator.test"


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
    for n in range(20):
        assert sign_in(client, f"someone{n}@example.org", "wrong-password-1").status_code == 401
    assert sign_in(client, STAFF).status_code == 429


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
