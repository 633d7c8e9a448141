"""Administrators keep accounts up to date (issue 17): roles, tablet PINs, password resets, the
one email rule; each change audited. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, Role, UserSession
from facilitator.services import NotAllowed, ServiceError, accounts
from facilitator.services.accounts import tablet_unlock

from . import factories

pytestmark = pytest.mark.db


def _actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    "pin", ["0000", "1111", "99999999", "1234", "4567", "9876", "3210", "7890", "0987", "123456"]
)
def test_simple_pins_are_refused(session: Session, pin: str) -> None:
    admin = factories.user(session, Role.ADMIN)
    staff = factories.user(session, pin=None)
    with pytest.raises(ServiceError, match="too easy to guess"):
        accounts.set_pin(session, staff, pin, actor=admin)
    assert staff.pin_hash is None


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "١٢٣٤٥"])
def test_pins_must_be_four_to_eight_digits(session: Session, pin: str) -> None:
    staff = factories.user(session, pin=None)
    with pytest.raises(ServiceError, match="4 to 8 digits"):
        accounts.set_pin(session, staff, pin)


def test_a_pin_reset_makes_the_old_pin_fail_and_is_audited(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN)
    staff = factories.user(session, pin="4821")
    record = factories.signed_in(session, staff)
    person = factories.person(session, staff)
    record.person_mode_review_id = factories.review(session, staff, person).id
    session.flush()

    accounts.set_pin(session, staff, "5830", actor=admin)
    session.flush()

    with pytest.raises(tablet_unlock.UnlockRefused):
        tablet_unlock.check(session, record, tablet_unlock.UnlockTry(secret="4821"))
    assert tablet_unlock.check(session, record, tablet_unlock.UnlockTry(secret="5830")) == "pin"
    [event] = _actions(session, "user.pin_reset")
    assert event.actor_user_id == admin.id and event.object_id == str(staff.id)
    assert "4821" not in str(event.detail) and "5830" not in str(event.detail)


def test_only_an_administrator_sets_someone_elses_pin(session: Session) -> None:
    manager = factories.user(session, Role.MANAGER)
    staff = factories.user(session, pin=None)
    with pytest.raises(NotAllowed):
        accounts.set_pin(session, staff, "5830", actor=manager)


def test_own_pin_needs_own_password(session: Session) -> None:
    staff = factories.user(session, pin="4821")
    with pytest.raises(accounts.SignInRefused):
        accounts.change_own_pin(session, staff, "not my password", "5830", "127.0.0.1")
    accounts.change_own_pin(session, staff, "a-long-password-1", "5830", "127.0.0.1")
    assert _actions(session, "user.pin_reset")[-1].actor_user_id == staff.id


def test_a_role_change_is_audited_and_refused_to_others(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN)
    manager = factories.user(session, Role.MANAGER)
    staff = factories.user(session)
    with pytest.raises(NotAllowed):
        accounts.change_role(session, staff, Role.ADMIN, manager)
    with pytest.raises(ServiceError, match="own administrator role"):
        accounts.change_role(session, admin, Role.STAFF, admin)
    with pytest.raises(ServiceError, match="Choose a role"):
        accounts.change_role(session, staff, "owner", admin)
    accounts.change_role(session, staff, Role.MANAGER, admin)
    assert staff.role == Role.MANAGER
    [event] = _actions(session, "user.role_changed")
    assert event.detail == {"from": "staff", "to": "manager"}
    assert event.actor_user_id == admin.id


def test_a_password_reset_ends_every_session_and_asks_for_a_new_password(
    session: Session,
) -> None:
    admin = factories.user(session, Role.ADMIN)
    staff = factories.user(session)
    first = factories.signed_in(session, staff)
    second = factories.signed_in(session, staff)
    with pytest.raises(ServiceError):
        accounts.reset_password(session, staff, "short", admin)
    with pytest.raises(ServiceError, match="Your account"):
        accounts.reset_password(session, admin, "temporary-password-1", admin)

    ended = accounts.reset_password(session, staff, "temporary-password-1", admin)
    session.flush()

    assert ended == 2
    session.refresh(first)
    session.refresh(second)
    assert first.revoked_at is not None and second.revoked_at is not None
    assert staff.must_change_password
    assert accounts.authenticate(session, staff.email, "temporary-password-1", "10.0.0.1") == staff
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(session, staff.email, "a-long-password-1", "10.0.0.1")
    [event] = _actions(session, "user.password_reset")
    assert event.detail == {"sessions_ended": 2} and event.actor_user_id == admin.id

    accounts.change_password(session, staff, "temporary-password-1", "my-own-new-password")
    assert not staff.must_change_password


def test_last_sign_in_is_kept(session: Session) -> None:
    staff = factories.user(session)
    assert staff.last_signed_in_at is None
    factories.signed_in(session, staff)
    assert staff.last_signed_in_at is not None
    assert session.scalar(select(UserSession).where(UserSession.user_id == staff.id))


@pytest.mark.parametrize(
    "email",
    [
        "admin@demo.facilitator.test",
        "first.admin@care.local",
        "  Rhian.Pritchard@Example.ORG ",
        "o'neil+reviews@example.org",
    ],
)
def test_one_email_rule_accepts(session: Session, email: str) -> None:
    made = accounts.create_user(
        session, email=email, name="Someone", role=Role.STAFF, password="a-long-password-1"
    )
    assert made.email == email.strip().lower()


@pytest.mark.parametrize(
    "email",
    ["", "name", "name@", "@example.org", "a@localhost", "a b@example.org", "a@@example.org",
     "a@example..org", "a@-example.org", "a@1.2", ".a@example.org", "a" * 65 + "@example.org"],
)  # fmt: skip
def test_one_email_rule_refuses(session: Session, email: str) -> None:
    with pytest.raises(ServiceError, match="real email address"):
        accounts.create_user(
            session, email=email, name="Someone", role=Role.STAFF, password="a-long-password-1"
        )
