"""Commands (init-db, demo, users create, audit verify) and the language chosen per account."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import User

from ..conftest import csrf_from, sign_in


def test_init_db_demo_and_audit_verify(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "up to date" in runner.invoke(args=["init-db"]).output
    first = runner.invoke(args=["demo"])
    assert "Demo data loaded." in first.output and "staff@demo.facilitator.test" in first.output
    assert "already loaded" in runner.invoke(args=["demo"]).output  # loaded once
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "intact" in verify.output


def test_users_create(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "New@Example.org", "--name", "New Person", "--role", "manager"],
        input="a-long-password-9\na-long-password-9\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
        assert user is not None and user.role == "manager"
    short = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "staff"],
        input="short\nshort\n",
    )
    assert short.exit_code != 0 and "at least 12" in short.output


def test_language_per_account(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/account/language").get_data(as_text=True)
    response = client.post("/account/language", data={"csrf_token": csrf_from(page), "language": "cy"})
    assert response.status_code == 302
    assert 'lang="cy"' in client.get("/staff/").get_data(as_text=True)
    assert client.post("/account/language", data={"csrf_token": csrf_from(page), "language": "xx"}).status_code == 400


def test_person_mode_uses_the_persons_language(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get(f"/staff/reviews/{demo['reviews']['Gwen']}").get_data(as_text=True)
    client.post(f"/person/start/{demo['reviews']['Gwen']}", data={"csrf_token": csrf_from(page)})
    welcome = client.get("/person/").get_data(as_text=True)
    assert 'lang="cy"' in welcome
    assert "Helo. Dyma eich adolygiad." in welcome
