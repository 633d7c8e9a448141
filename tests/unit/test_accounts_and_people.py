"""Accounts and people services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AdvocateReason,
    AuditEvent,
    AuthorityKind,
    LoginAttempt,
    Role,
    SupporterRole,
    User,
)
from facilitator.services import NotAllowed, ServiceError, StaleVersion, accounts, audit, people

pytestmark = pytest.mark.db


def _staff(session: Session) -> object:
    return accounts.create_user(
        session,
        email="Staff@Example.org ",
        name="Sian",
        role=Role.STAFF,
        password="a-long-password-1",
    )


def test_create_user_normalises_email_and_hashes_password(session: Session) -> None:
    user = _staff(session)
    session.commit()
    assert user.email == "staff@example.org"
    assert "a-long-password-1" not in user.password_hash
    with pytest.raises(ServiceError, match="already an account"):
        _staff(session)


def test_short_password_refused(session: Session) -> None:
    with pytest.raises(ServiceError, match="at least 12"):
        accounts.create_user(session, email="a@b.org", name="A", role="staff", password="short")


def test_authenticate_records_attempts_and_throttles(session: Session) -> None:
    _staff(session)
    session.commit()
    policy = accounts.ThrottlePolicy(per_account_and_address=3, per_address=100)
    for _ in range(3):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(session, "staff@example.org", "wrong", "10.0.0.1", policy)
    with pytest.raises(accounts.SignInThrottled):
        accounts.authenticate(session, "staff@example.org", "a-long-password-1", "10.0.0.1", policy)
    attempts = session.scalars(select(LoginAttempt)).all()
    assert len(attempts) == 4 and not any(a.succeeded for a in attempts)


def test_sessions_end_on_the_server(session: Session) -> None:
    user = _staff(session)
    record = accounts.start_session(session, user)
    session.commit()
    assert accounts.load_session(session, record.public_id) is not None
    accounts.end_session(session, record)
    session.commit()
    assert accounts.load_session(session, record.public_id) is None


def test_disabled_account_sessions_do_not_load(session: Session) -> None:
    user = _staff(session)
    record = accounts.start_session(session, user)
    user.active = False
    session.commit()
    assert accounts.load_session(session, record.public_id) is None


def test_people_supporters_authority_and_advocate_need(session: Session) -> None:
    staff = _staff(session)
    person = people.create_person(
        session,
        actor=staff,
        preferred_name="Sam",
        full_name="Samuel Carter",
        communication_needs="Easy read",
        preferred_formats=["pictures"],
    )
    mother = people.add_supporter(
        session,
        person,
        actor=staff,
        name="Mary",
        relationship="mother",
        role=SupporterRole.ATTORNEY,
    )
    session.flush()
    authority = people.add_authority(
        session,
        mother,
        actor=staff,
        kind=AuthorityKind.LPA_HEALTH_WELFARE,
        scope="health",
        reference="LPA-1",
        registered_on=date(2020, 1, 1),
        checked=True,
    )
    assert authority.checked_by_id == staff.id and authority.checked_at is not None
    with pytest.raises(ServiceError):
        people.add_authority(
            session,
            mother,
            actor=staff,
            kind=AuthorityKind.LPA_HEALTH_WELFARE,
            scope="x",
            reference=" ",
        )
    people.record_advocate_need(
        session,
        person,
        actor=staff,
        needed=True,
        reason=AdvocateReason.SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON,
        difficulty=["communicating"],
    )
    session.commit()
    assert [p.id for p in people.people_needing_advocate_without_one(session)] == [person.id]
    people.add_supporter(
        session,
        person,
        actor=staff,
        name="Jo",
        relationship="advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
    )
    session.commit()
    assert people.people_needing_advocate_without_one(session) == []
    assert people.communication_flag(person) == "Easy read; pictures"
    # A save from an old version is a stale version (409 at the edge), with both versions.
    with pytest.raises(StaleVersion) as stale:
        people.update_communication(
            session, person, actor=staff, version=person.version - 1, communication_needs="x",
            preferred_formats=[], review_on=None, language="en",
        )  # fmt: skip
    assert (stale.value.stored, stale.value.sent) == (person.version, person.version - 1)
    # Every change left an audit entry, and the chain holds.
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[:3] == ["user.created", "person.created", "supporter.added"]
    assert audit.verify(session).ok


def test_substantial_difficulty_needs_an_area(session: Session) -> None:
    staff = _staff(session)
    person = people.create_person(session, actor=staff, preferred_name="E", full_name="E M")
    with pytest.raises(ServiceError, match="four areas"):
        people.record_advocate_need(
            session,
            person,
            actor=staff,
            needed=True,
            reason=AdvocateReason.SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON,
        )
    with pytest.raises(ServiceError, match="Unknown area"):
        people.record_advocate_need(
            session,
            person,
            actor=staff,
            needed=True,
            reason=AdvocateReason.OTHER,
            difficulty=["flying"],
        )


def test_a_password_typed_into_the_email_box_is_never_written_down(session: Session) -> None:
    from facilitator.models import AuditEvent

    _staff(session)
    session.commit()
    policy = accounts.ThrottlePolicy(per_account_and_address=2, per_address=100)
    for _ in range(3):  # the third is throttled: the same digest counts as the same account
        with pytest.raises((accounts.SignInRefused, accounts.SignInThrottled)):
            accounts.authenticate(session, "Tr0ub4dor&3-secret", "x", "10.0.0.2", policy)
    with pytest.raises(accounts.SignInThrottled):
        accounts.authenticate(session, "Tr0ub4dor&3-secret", "x", "10.0.0.2", policy)
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(session, "staff@example.org", "wrong", "10.0.0.2", policy)
    written = [a.email for a in session.scalars(select(LoginAttempt))]
    written += [str(e.actor_label) for e in session.scalars(select(AuditEvent))]
    assert not any("tr0ub4dor" in w.lower() for w in written)
    assert any(w.startswith("no-account:") for w in written)
    assert "staff@example.org" in written  # a real account is still named


def test_pauses_are_per_account_and_address_grow_and_can_be_cleared(session: Session) -> None:
    user = _staff(session)
    admin = accounts.create_user(
        session,
        email="admin@example.org",
        name="Ada",
        role=Role.ADMIN,
        password="a-long-password-2",
    )
    session.commit()
    policy = accounts.ThrottlePolicy(per_account_and_address=3, per_account=50, per_address=20)
    email, password = "staff@example.org", "a-long-password-1"

    def earlier(seconds: int) -> None:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(seconds=seconds)
        session.commit()

    for _ in range(3):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(session, email, "wrong", "10.0.0.5", policy)
    for _ in range(4):  # refused unchecked, and not counted
        with pytest.raises(accounts.SignInThrottled) as paused:
            accounts.authenticate(session, email, password, "10.0.0.5", policy)
        assert paused.value.retry_minutes == 1
    assert accounts.authenticate(session, email, password, "10.0.0.6", policy) is user
    earlier(61)
    with pytest.raises(accounts.SignInRefused):  # the 4th failure: the next pause is 2 minutes
        accounts.authenticate(session, email, "wrong", "10.0.0.5", policy)
    with pytest.raises(accounts.SignInThrottled) as paused:
        accounts.authenticate(session, email, password, "10.0.0.5", policy)
    assert paused.value.retry_minutes == 2
    [tries] = [t for t in accounts.failed_tries(session, user, policy) if t.address == "10.0.0.5"]
    assert (tries.failed, tries.refused) == (4, 5) and tries.paused_until is not None
    with pytest.raises(NotAllowed):
        accounts.clear_failed_tries(session, user, _other_staff(session))
    assert accounts.clear_failed_tries(session, user, admin) == 4
    assert accounts.authenticate(session, email, password, "10.0.0.5", policy) is user
    [tries] = [t for t in accounts.failed_tries(session, user, policy) if t.address == "10.0.0.5"]
    assert tries.failed == 4 and tries.paused_until is None  # still shown, no longer counted
    assert session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "signin.failures_cleared")
    ).all() == [{"cleared": 4}]


def _other_staff(session: Session) -> User:
    return accounts.create_user(
        session,
        email="other@example.org",
        name="Oli",
        role=Role.STAFF,
        password="a-long-password-3",
    )


def test_ending_a_pause_ends_one_from_the_address_wide_limit(session: Session) -> None:
    """Failures of made-up accounts from one address pause a real account there; the owner or
    an administrator ending the pause really ends it (the others' rows are not the account's)."""
    user = _staff(session)
    session.commit()
    policy = accounts.ThrottlePolicy(per_account_and_address=5, per_account=50, per_address=20)
    address = "203.0.113.9"
    for n in range(20):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(session, f"made-up-{n}@example.org", "wrong", address, policy)
    with pytest.raises(accounts.SignInThrottled):
        accounts.authenticate(session, "staff@example.org", "a-long-password-1", address, policy)
    assert accounts.clear_failed_tries(session, user, user) == 0
    session.commit()
    [tries] = accounts.failed_tries(session, user, policy)
    assert tries.paused_until is None and tries.refused == 1
    assert accounts.authenticate(session, "staff@example.org", "a-long-password-1", address, policy)
    # Failures after the pause was ended count again.
    for n in range(20):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(
                session, f"later-{n}@example.org", "wrong", "203.0.113.10", policy
            )
    with pytest.raises(accounts.SignInThrottled):
        accounts.authenticate(
            session, "staff@example.org", "a-long-password-1", "203.0.113.10", policy
        )


def _check_downgrade_of_the_throttle(url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from facilitator.db import alembic_config

    engine = create_engine(url)
    rows = [
        ("a@example.org", "failed", False),
        ("a@example.org", "paused", False),
        ("a@example.org", "cleared", False),
        ("a@example.org", "signed-in", True),
    ]
    with engine.begin() as conn:
        for email, outcome, succeeded in rows:
            conn.execute(
                text(
                    "INSERT INTO login_attempts (email, address, succeeded, outcome, at) "
                    "VALUES (:e, '10.0.0.1', :s, :o, CURRENT_TIMESTAMP)"
                ),
                {"e": email, "s": succeeded, "o": outcome},
            )
    engine.dispose()
    command.downgrade(alembic_config(url), "0011_tablet_unlock_attempts")
    engine = create_engine(url)
    with engine.connect() as conn:
        # The count the code before 0012 made: every try that did not succeed.
        counted = conn.execute(
            text("SELECT count(*) FROM login_attempts WHERE succeeded = :f"), {"f": False}
        ).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM login_attempts")).scalar_one()
    engine.dispose()
    assert (counted, total) == (1, 2)  # only the real failure counts; the sign-in is kept


def test_downgrade_of_the_throttle_does_not_count_cleared_or_paused_tries(
    tmp_path: Path,
) -> None:
    from facilitator.db import upgrade

    url = f"sqlite:///{tmp_path / 'throttle.sqlite3'}"
    upgrade(url, "0012_sign_in_throttle")
    _check_downgrade_of_the_throttle(url)


def test_downgrade_of_the_throttle_on_postgresql() -> None:
    from alembic import command

    from facilitator.db import alembic_config

    from ..conftest import own_postgres_database

    with own_postgres_database("throttle") as url:
        command.downgrade(alembic_config(url), "0012_sign_in_throttle")
        _check_downgrade_of_the_throttle(url)
