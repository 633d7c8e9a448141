"""Administrators keep accounts up to date in the browser (issue 17): create with the one email
rule, change a role, set or reset a tablet PIN, reset a password; a user changes their own PIN."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import check_password_hash

from facilitator.extensions import db
from facilitator.models import AuditEvent, Role, User, UserSession

from ..conftest import csrf_from, sign_in

STAFF = "staff@demo.facilitator.test"
ADMIN = "admin@demo.facilitator.test"
PASSWORD = "demo-password-2026"


def _admin(app: Flask) -> FlaskClient:
    admin = app.test_client()
    assert sign_in(admin, ADMIN).status_code == 302
    return admin


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def _audited(app: Flask, action: str) -> int:
    with app.app_context():
        return len(list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))))


def _post(client: FlaskClient, page_url: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_form_accepts_what_the_command_accepts(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    made = _post(
        admin,
        "/admin/users",
        "/admin/users",
        {
            "name": "Ffion Morgan",
            "email": " Ffion.Morgan@Care.Local ",
            "role": "staff",
            "password": "temporary-password-1",
        },
    )
    assert made.status_code == 302
    ffion = _user(app, "ffion.morgan@care.local")
    assert ffion.must_change_password and ffion.role == Role.STAFF

    refused = _post(
        admin,
        "/admin/users",
        "/admin/users",
        {"name": "Typo", "email": "typo@gmailcom", "role": "staff", "password": "x" * 12},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Enter a real email address, like name@example.org." in page
    assert 'value="typo@gmailcom"' in page  # nothing typed is lost


def test_a_role_change_takes_effect_on_the_next_request(app: Flask, demo: dict) -> None:
    staff = app.test_client()
    sign_in(staff, STAFF)
    assert staff.get("/governance/").status_code == 403
    admin = _admin(app)
    staff_id = demo["users"][STAFF]
    page_url = f"/admin/users/{staff_id}"
    changed = _post(admin, page_url, f"/admin/users/{staff_id}/role", {"role": "manager"})
    assert changed.status_code == 303
    assert staff.get("/governance/").status_code == 200  # the same session, no new sign-in
    assert _audited(app, "user.role_changed") == 1
    assert "manager" in admin.get(page_url).get_data(as_text=True)

    refused = _post(admin, page_url, f"/admin/users/{staff_id}/role", {"role": "owner"})
    assert refused.status_code == 400


def test_an_admin_sets_a_pin_and_simple_ones_are_refused(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    staff_id = demo["users"][STAFF]
    page_url = f"/admin/users/{staff_id}"
    refused = _post(admin, page_url, f"/admin/users/{staff_id}/pin", {"pin": "1234"})
    assert refused.status_code == 400
    assert "too easy to guess" in refused.get_data(as_text=True)
    done = _post(admin, page_url, f"/admin/users/{staff_id}/pin", {"pin": "5830"})
    assert done.status_code == 303
    pin_hash = _user(app, STAFF).pin_hash
    assert pin_hash and check_password_hash(pin_hash, "5830")
    assert not check_password_hash(pin_hash, "2468")  # the demo's old PIN no longer works
    assert _audited(app, "user.pin_reset") == 1


def test_a_password_reset_signs_them_out_and_asks_for_a_new_one(app: Flask, demo: dict) -> None:
    staff = app.test_client()
    sign_in(staff, STAFF)
    assert staff.get("/staff/").status_code == 200
    admin = _admin(app)
    staff_id = demo["users"][STAFF]
    page_url = f"/admin/users/{staff_id}"
    short = _post(
        admin, page_url, f"/admin/users/{staff_id}/password", {"temporary_password": "short"}
    )
    assert short.status_code == 400
    done = _post(
        admin,
        page_url,
        f"/admin/users/{staff_id}/password",
        {"temporary_password": "temporary-password-1"},
    )
    assert done.status_code == 303
    assert _audited(app, "user.password_reset") == 1
    with app.app_context():
        live = db.session.scalars(
            select(UserSession).where(
                UserSession.user_id == staff_id, UserSession.revoked_at.is_(None)
            )
        ).all()
        assert live == []
    assert staff.get("/staff/").status_code == 302  # their session has ended

    again = app.test_client()
    assert sign_in(again, STAFF, PASSWORD).status_code == 401  # the old password is gone
    sign_in(again, STAFF, "temporary-password-1")
    forced = again.get("/staff/")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account")
    account = again.get("/account").get_data(as_text=True)
    assert "Choose your own password" in account
    changed = again.post(
        "/account/password",
        data={
            "current": "temporary-password-1",
            "new": "my-own-password-2027",
            "confirm": "my-own-password-2027",
            "csrf_token": csrf_from(account),
        },
    )
    assert changed.status_code == 302
    assert again.get("/staff/").status_code == 200
    assert not _user(app, STAFF).must_change_password


def test_the_admin_page_shows_last_sign_in(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    page = admin.get(f"/admin/users/{demo['users'][ADMIN]}").get_data(as_text=True)
    assert "Last signed in" in page and "UTC" in page
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "Last signed in" in listing and "Never" in listing


def test_a_user_changes_their_own_pin_with_their_password(app: Flask, demo: dict) -> None:
    staff = app.test_client()
    sign_in(staff, STAFF)
    wrong = _post(
        staff, "/account", "/account/pin", {"new_pin": "5830", "pin_password": "not-mine"}
    )
    assert wrong.status_code == 400
    simple = _post(staff, "/account", "/account/pin", {"new_pin": "9876", "pin_password": PASSWORD})
    assert simple.status_code == 400 and "too easy to guess" in simple.get_data(as_text=True)
    done = _post(staff, "/account", "/account/pin", {"new_pin": "5830", "pin_password": PASSWORD})
    assert done.status_code == 303
    pin_hash = _user(app, STAFF).pin_hash
    assert pin_hash and check_password_hash(pin_hash, "5830")
    assert _audited(app, "user.pin_reset") == 1


def test_only_administrators_reach_the_new_account_actions(app: Flask, demo: dict) -> None:
    staff = app.test_client()
    sign_in(staff, STAFF)
    staff_id = demo["users"][STAFF]
    token = csrf_from(staff.get("/account").get_data(as_text=True))
    for action, data in (
        ("role", {"role": "admin"}),
        ("pin", {"pin": "5830"}),
        ("password", {"temporary_password": "temporary-password-1"}),
    ):
        answer = staff.post(f"/admin/users/{staff_id}/{action}", data={**data, "csrf_token": token})
        assert answer.status_code == 403
    assert _user(app, STAFF).role == Role.STAFF
