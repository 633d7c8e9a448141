"""The second sign-in step and session limits, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, LoginAttempt, RecoveryCode, Role, User, utcnow
from facilitator.services import NotAllowed, ServiceError, accounts

from . import factories

pytestmark = pytest.mark.db

ADDRESS = "192.0.2.10"


def _code(user: User, at: datetime) -> str:
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).at(at)


def _actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _enrolled(
    session: Session, role: Role = Role.STAFF, at: datetime | None = None
) -> tuple[User, list[str]]:
    user = factories.user(session, role=role)
    accounts.begin_second_factor(session, user)
    at = at or utcnow()
    codes = accounts.confirm_second_factor(session, user, _code(user, at), ADDRESS, now=at)
    session.commit()
    return user, codes


def test_set_up_shows_one_secret_until_a_code_confirms_it(session: Session) -> None:
    user = factories.user(session)
    secret = accounts.begin_second_factor(session, user)
    assert len(secret) == 32 and accounts.begin_second_factor(session, user) == secret
    assert not accounts.second_factor_enabled(user)
    uri = accounts.provisioning_uri(user, "Facilitator")
    assert (
        uri.startswith("otpauth://totp/")
        and f"secret={secret}" in uri
        and "issuer=Facilitator" in uri
    )

    now = utcnow()
    codes = accounts.confirm_second_factor(session, user, _code(user, now), ADDRESS, now=now)
    session.commit()
    assert accounts.second_factor_enabled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    # Stored hashed: no code appears in the database.
    hashes = list(
        session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    )
    assert len(hashes) == 10 and not any(
        code.replace("-", "") in h for code in codes for h in hashes
    )
    assert _actions(session, "user.second_factor_enabled")
    with pytest.raises(ServiceError, match="already set up"):
        accounts.begin_second_factor(session, user)


def test_a_wrong_code_does_not_switch_it_on(session: Session) -> None:
    user = factories.user(session)
    accounts.begin_second_factor(session, user)
    now = utcnow()
    wrong = f"{(int(_code(user, now)) + 1) % 1_000_000:06d}"
    with pytest.raises(accounts.WrongCode):
        accounts.confirm_second_factor(session, user, wrong, ADDRESS, now=now)
    assert not accounts.second_factor_enabled(user)
    assert (
        session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False)
            )
        )
        == 1
    )
    assert _actions(session, "signin.code_refused")


def test_a_code_is_never_accepted_twice(session: Session) -> None:
    now = utcnow()
    user, _codes = _enrolled(session, at=now)
    # The code that confirmed the set-up cannot sign in within the same time step ...
    with pytest.raises(accounts.WrongCode):
        accounts.check_second_factor(session, user, _code(user, now), ADDRESS, now=now)
    # ... the next step's code can, once ...
    later = now + timedelta(seconds=30)
    assert (
        accounts.check_second_factor(session, user, _code(user, later), ADDRESS, now=later) is None
    )
    with pytest.raises(accounts.WrongCode):
        accounts.check_second_factor(session, user, _code(user, later), ADDRESS, now=later)
    # ... and an older one (still inside the drift window) is refused after a newer was used.
    with pytest.raises(accounts.WrongCode):
        accounts.check_second_factor(
            session, user, _code(user, now), ADDRESS, now=later + timedelta(seconds=10)
        )


def test_one_step_of_clock_drift_is_allowed_but_not_more(session: Session) -> None:
    start = utcnow() - timedelta(minutes=10)
    user, _codes = _enrolled(session, at=start)
    now = utcnow()
    assert (
        accounts.check_second_factor(
            session, user, _code(user, now - timedelta(seconds=30)), ADDRESS, now=now
        )
        is None
    )
    with pytest.raises(accounts.WrongCode):
        accounts.check_second_factor(
            session, user, _code(user, now + timedelta(seconds=90)), ADDRESS, now=now
        )


def test_a_recovery_code_works_once(session: Session) -> None:
    user, codes = _enrolled(session)
    typed = "  " + codes[3].upper().replace("-", " ") + " "  # spaces and capitals are forgiven
    assert accounts.check_second_factor(session, user, typed, ADDRESS) == 9
    session.commit()
    assert accounts.recovery_codes_left(session, user) == 9
    with pytest.raises(accounts.WrongCode):
        accounts.check_second_factor(session, user, codes[3], ADDRESS)
    assert accounts.check_second_factor(session, user, codes[4], ADDRESS) == 8
    assert [e.detail for e in _actions(session, "signin.recovery_code_used")] == [
        {"left": 9},
        {"left": 8},
    ]


def test_new_recovery_codes_replace_the_old_ones_and_are_audited(session: Session) -> None:
    user, old = _enrolled(session)
    with pytest.raises(accounts.SignInRefused):
        accounts.regenerate_recovery_codes(session, user, "not-the-password", ADDRESS)
    new = accounts.regenerate_recovery_codes(session, user, "a-long-password-1", ADDRESS)
    session.commit()
    assert set(new).isdisjoint(old)
    with pytest.raises(accounts.WrongCode):
        accounts.check_second_factor(session, user, old[0], ADDRESS)
    assert accounts.check_second_factor(session, user, new[0], ADDRESS) == 9
    assert _actions(session, "user.recovery_codes_regenerated")
    not_set_up = factories.user(session)
    with pytest.raises(ServiceError, match="Set up the second step first"):
        accounts.regenerate_recovery_codes(session, not_set_up, "a-long-password-1", ADDRESS)


def test_wrong_codes_count_towards_the_sign_in_throttle(session: Session) -> None:
    now = utcnow()
    user, _codes = _enrolled(session, at=now - timedelta(minutes=1))
    policy = accounts.ThrottlePolicy(per_account_and_address=3, per_address=50)
    for _ in range(3):
        with pytest.raises(accounts.WrongCode):
            accounts.check_second_factor(session, user, "000000x", ADDRESS, policy, now=now)
    # Even the right code is refused while the pause lasts, and so is the password.
    with pytest.raises(accounts.SignInThrottled):
        accounts.check_second_factor(session, user, _code(user, now), ADDRESS, policy, now=now)
    with pytest.raises(accounts.SignInThrottled):
        accounts.authenticate(session, user.email, "a-long-password-1", ADDRESS, policy)


def test_required_for_managers_and_admins_and_on_by_default_for_staff(session: Session) -> None:
    admin = factories.user(session, role=Role.ADMIN)
    manager = factories.user(session, role=Role.MANAGER)
    staff = factories.user(session, role=Role.STAFF)
    advocate = factories.user(session, role=Role.ADVOCATE)
    assert all(accounts.second_factor_required(u) for u in (admin, manager, staff, advocate))
    with pytest.raises(ServiceError, match="must always use"):
        accounts.switch_off_second_factor(session, manager, admin, "Cannot use a phone at work")
    with pytest.raises(ServiceError, match="reason"):
        accounts.switch_off_second_factor(session, staff, admin, "   ")
    with pytest.raises(NotAllowed):
        accounts.switch_off_second_factor(session, staff, manager, "Cannot use a phone at work")
    accounts.switch_off_second_factor(
        session, advocate, admin, "No smartphone; agreed with manager"
    )
    session.commit()
    assert not accounts.second_factor_required(advocate)
    [event] = _actions(session, "user.second_factor_switched_off")
    assert event.detail == {"reason": "No smartphone; agreed with manager"}
    assert event.actor_user_id == admin.id
    accounts.switch_on_second_factor(session, advocate, admin)
    assert accounts.second_factor_required(advocate)
    assert _actions(session, "user.second_factor_switched_on")


def test_an_admin_reset_clears_the_second_step_and_ends_sessions(session: Session) -> None:
    admin = factories.user(session, role=Role.ADMIN)
    user, codes = _enrolled(session)
    record = factories.signed_in(session, user)
    with pytest.raises(NotAllowed):
        accounts.reset_second_factor(session, user, user)
    with pytest.raises(accounts.SignInRefused):  # one's own: only with one's password
        accounts.reset_second_factor(session, admin, admin, "not-the-password", ADDRESS)
    assert accounts.reset_second_factor(session, user, admin) == 1
    session.commit()
    assert not accounts.second_factor_enabled(user) and user.totp_secret is None
    assert accounts.recovery_codes_left(session, user) == 0
    session.refresh(record)
    assert record.revoked_reason == "second-factor-reset"
    assert accounts.load_session(session, record.public_id) is None
    assert _actions(session, "user.second_factor_reset")[0].detail == {"sessions_ended": 1}


# --- sessions -------------------------------------------------------------------------------

LIMITS = accounts.SessionLimits(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def test_a_session_ends_after_the_idle_limit(session: Session) -> None:
    user = factories.user(session)
    record = factories.signed_in(session, user)
    session.commit()
    start = record.last_seen_at
    assert (
        accounts.load_session(session, record.public_id, LIMITS, start + timedelta(minutes=29))
        is record
    )
    # Seen at minute 29, so minute 58 is still inside the limit; minute 90 is not.
    assert (
        accounts.load_session(session, record.public_id, LIMITS, start + timedelta(minutes=58))
        is record
    )
    with pytest.raises(accounts.SessionExpired) as ended:
        accounts.load_session(session, record.public_id, LIMITS, start + timedelta(minutes=90))
    assert ended.value.reason == "idle"
    assert record.revoked_reason == "idle-timeout"
    assert accounts.load_session(session, record.public_id, LIMITS) is None


def test_last_seen_is_written_at_most_once_a_minute(session: Session) -> None:
    record = factories.signed_in(session, factories.user(session))
    session.commit()
    start = record.last_seen_at
    accounts.load_session(session, record.public_id, LIMITS, start + timedelta(seconds=20))
    assert record.last_seen_at == start
    accounts.load_session(session, record.public_id, LIMITS, start + timedelta(seconds=70))
    assert record.last_seen_at == start + timedelta(seconds=70)


def test_a_session_ends_after_the_absolute_limit_however_active(session: Session) -> None:
    record = factories.signed_in(session, factories.user(session))
    session.commit()
    start = record.created_at
    for minutes in range(20, 12 * 60 + 1, 20):  # a request every 20 minutes for 12 hours
        accounts.load_session(session, record.public_id, LIMITS, start + timedelta(minutes=minutes))
    with pytest.raises(accounts.SessionExpired) as ended:
        accounts.load_session(
            session, record.public_id, LIMITS, start + timedelta(hours=12, minutes=10)
        )
    assert ended.value.reason == "absolute"
    assert record.revoked_reason == "absolute-timeout"


def test_person_mode_has_no_time_limit_and_stays_locked(session: Session) -> None:
    staff = factories.user(session)
    review = factories.review(session, staff, factories.person(session, staff))
    record = factories.signed_in(session, staff)
    record.person_mode_review_id = review.id
    session.commit()
    much_later = record.created_at + timedelta(hours=20)
    assert accounts.load_session(session, record.public_id, LIMITS, much_later) is record
    assert record.person_mode_review_id == review.id and record.revoked_at is None
    # Back to staff use after a long break: the staff limits apply again.
    record.person_mode_review_id = None
    with pytest.raises(accounts.SessionExpired):
        accounts.load_session(session, record.public_id, LIMITS, much_later + timedelta(hours=1))


def test_each_sign_in_gets_a_new_session_id(session: Session) -> None:
    user = factories.user(session)
    first, second = factories.signed_in(session, user), factories.signed_in(session, user)
    assert first.public_id != second.public_id and len(first.public_id) >= 40


def test_changing_the_password_ends_the_other_sessions(session: Session) -> None:
    user = factories.user(session)
    here, elsewhere = factories.signed_in(session, user), factories.signed_in(session, user)
    with pytest.raises(accounts.SignInRefused):
        accounts.change_password(
            session, user, "not-my-password", "another-long-password", keep=here
        )
    with pytest.raises(ServiceError, match="at least 12"):
        accounts.change_password(session, user, "a-long-password-1", "short", keep=here)
    assert (
        accounts.change_password(
            session, user, "a-long-password-1", "another-long-password", keep=here
        )
        == 1
    )
    session.commit()
    assert accounts.load_session(session, here.public_id) is here
    assert accounts.load_session(session, elsewhere.public_id) is None
    session.refresh(elsewhere)
    assert elsewhere.revoked_reason == "password-changed"
    assert accounts.authenticate(session, user.email, "another-long-password", ADDRESS) is user
    assert _actions(session, "user.password_changed")


def test_disabling_an_account_ends_its_sessions(session: Session) -> None:
    admin = factories.user(session, role=Role.ADMIN)
    user = factories.user(session)
    record = factories.signed_in(session, user)
    with pytest.raises(ServiceError, match="your own account"):
        accounts.set_active(session, admin, False, admin)
    accounts.set_active(session, user, False, admin)
    session.commit()
    session.refresh(record)
    assert record.revoked_reason == "account-disabled"
    assert accounts.load_session(session, record.public_id) is None
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(session, user.email, "a-long-password-1", ADDRESS)
    accounts.set_active(session, user, True, admin)
    assert accounts.authenticate(session, user.email, "a-long-password-1", ADDRESS) is user
    assert _actions(session, "user.disabled") and _actions(session, "user.enabled")
