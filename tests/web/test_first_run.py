"""A first run without the demo (issue 17): `flask users create` makes the first administrator,
who signs in and builds the team in the browser; the command and the form share one email rule."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Person, User

from ..conftest import csrf_from, sign_in

ADMIN = "first.admin@care.local"


def _create(app: Flask, email: str, role: str = "admin"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(
        args=["users", "create", "--email", email, "--name", "Bethan Price", "--role", role,
              "--password", "a-long-first-password"]
    )  # fmt: skip


def test_the_command_and_the_form_share_one_email_rule(app: Flask) -> None:
    refused = _create(app, "bethan@localhost")
    assert refused.exit_code != 0
    assert "Enter a real email address, like name@example.org." in refused.output
    made = _create(app, " Bethan.Price@Care.Local ")
    assert made.exit_code == 0, made.output
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "bethan.price@care.local"


def test_from_an_empty_database_to_a_team_and_a_person_recorded(app: Flask) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
    assert _create(app, ADMIN).exit_code == 0
    with app.app_context():
        first = db.session.scalars(select(User)).one()
        assert not first.must_change_password  # they chose their own password

    admin = app.test_client()
    assert sign_in(admin, ADMIN, "a-long-first-password").status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    made = admin.post(
        "/admin/users",
        data={"csrf_token": csrf_from(page), "name": "Sian Jones", "email": "sian@care.local",
              "role": "staff", "password": "temporary-password-1"},
    )  # fmt: skip
    assert made.status_code == 302

    sian = app.test_client()
    assert sign_in(sian, "sian@care.local", "temporary-password-1").status_code == 302
    assert sian.get("/staff/").headers["Location"].endswith("/account")
    account = sian.get("/account").get_data(as_text=True)
    sian.post(
        "/account/password",
        data={"csrf_token": csrf_from(account), "current": "temporary-password-1",
              "new": "sians-own-password", "confirm": "sians-own-password"},
    )  # fmt: skip
    assert sian.get("/staff/").status_code == 200

    new_person = sian.get("/staff/people/new").get_data(as_text=True)
    person = sian.post(
        "/staff/people/new",
        data={"csrf_token": csrf_from(new_person), "preferred_name": "Gwen",
              "full_name": "Gwen Hughes", "language": "cy"},
    )  # fmt: skip
    assert person.status_code == 303, person.get_data(as_text=True)[:2000]
    with app.app_context():
        made_person = db.session.scalars(select(Person)).one()
        assert made_person.preferred_name == "Gwen" and made_person.language == "cy"


def test_the_first_administrator_sees_every_service_and_staff_only_their_own(app: Flask) -> None:
    assert _create(app, ADMIN).exit_code == 0
    made = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "sian@care.local", "--name", "Sian Jones",
              "--role", "staff", "--password", "a-long-first-password"]
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    refused = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "tom@care.local", "--name", "Tom Okafor",
              "--role", "staff", "--all-services", "--password", "a-long-first-password"]
    )  # fmt: skip
    assert refused.exit_code != 0 and "Only a manager or an administrator" in refused.output
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == ADMIN)).one()
        sian = db.session.scalars(select(User).where(User.email == "sian@care.local")).one()
        assert admin.all_services and not sian.all_services
