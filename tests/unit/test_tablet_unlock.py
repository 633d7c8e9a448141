"""Leaving person mode: one count of wrong tries per tablet session and per account, held in
the database, on SQLite and PostgreSQL (issue 21, item 1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    Review,
    TabletUnlockAttempt,
    User,
    UserSession,
    utcnow,
)
from facilitator.services import accounts
from facilitator.services.accounts.tablet_unlock import (
    CodeNext,
    Step,
    UnlockPolicy,
    UnlockRefused,
    UnlockTry,
    check,
    step_needed,
    unseen_tries,
)
from facilitator.services.reviews import person_session

from . import factories

pytestmark = pytest.mark.db

PASSWORD = "a-long-password-1"  # noqa: S105 - the factories' test password
SMALL = UnlockPolicy(pin_tries=3, account_pin_tries=4)


def _tablet(session: Session, user: User, name: str = "Sam") -> UserSession:
    """A signed-in session, locked to a review of a new person."""
    review = factories.review(session, user, factories.person(session, user, name))
    record = factories.signed_in(session, user)
    person_session.start(session, review, user, record)
    session.commit()
    return record


def _pin(pin: str) -> UnlockTry:
    return UnlockTry(step="pin", secret=pin, route="break")


def _refused(
    session: Session, record: UserSession, attempt: UnlockTry, **kw: object
) -> UnlockRefused:
    with pytest.raises(UnlockRefused) as refused:
        check(session, record, attempt, **kw)  # type: ignore[arg-type]
    return refused.value


def _enrol(session: Session, user: User, at: datetime) -> None:
    accounts.begin_second_factor(session, user)
    assert user.totp_secret
    code = pyotp.TOTP(user.totp_secret).at(at)
    accounts.confirm_second_factor(session, user, code, "192.0.2.1", now=at)
    session.commit()


def test_wrong_pins_count_per_tablet_session_and_per_account(session: Session) -> None:
    facilitator = factories.user(session)
    first, second = _tablet(session, facilitator), _tablet(session, facilitator, "Ellis")
    someone_else = _tablet(session, factories.user(session, name="Alex Hughes"))
    for left in (2, 1):
        assert _refused(session, first, _pin("0000"), policy=SMALL).left == left
    assert _refused(session, first, _pin("1111"), policy=SMALL).reason == "locked"
    assert step_needed(session, first, SMALL) is Step.PASSWORD
    # The other tablet has its own count, but the account's is shared: one more locks both.
    assert step_needed(session, second, SMALL) is Step.PIN
    assert _refused(session, second, _pin("0000"), policy=SMALL).reason == "locked"
    assert step_needed(session, second, SMALL) is Step.PASSWORD
    assert step_needed(session, _tablet(session, facilitator, "Gwen"), SMALL) is Step.PASSWORD
    # Another account's tablet is not touched.
    assert check(session, someone_else, _pin("2468"), SMALL) == "pin"


def test_after_the_limit_the_right_pin_is_refused_and_the_password_unlocks(
    session: Session,
) -> None:
    facilitator = factories.user(session)
    assert not accounts.second_factor_enabled(facilitator)  # the password alone proves it
    tablet = _tablet(session, facilitator)
    for _ in range(5):
        _refused(session, tablet, _pin("0000"))
    for typed in ("2468", PASSWORD):  # not even the password on the PIN form
        assert _refused(session, tablet, _pin(typed)).reason == "locked"
    assert tablet.person_mode_review_id is not None
    wrong = _refused(session, tablet, UnlockTry(step="password", secret="not-it"))
    assert (wrong.reason, wrong.step) == ("wrong", Step.PASSWORD)
    review_id = tablet.person_mode_review_id
    assert (
        person_session.unlock(session, tablet, UnlockTry(step="password", secret=PASSWORD))
        == review_id
    )
    assert tablet.person_mode_review_id is None
    # Proved with the password: this tablet's count starts again.
    assert step_needed(session, tablet) is Step.PIN


def test_the_password_step_is_counted_and_paused(session: Session) -> None:
    facilitator = factories.user(session)
    tablet = _tablet(session, facilitator)
    now = utcnow()
    for _ in range(5):
        _refused(session, tablet, _pin("0000"), now=now)
    for _ in range(5):
        _refused(session, tablet, UnlockTry(step="password", secret="guess"), now=now)
    paused = _refused(session, tablet, UnlockTry(step="password", secret=PASSWORD), now=now)
    assert paused.reason == "paused" and paused.minutes == 15
    later = now + timedelta(minutes=15, seconds=1)
    assert (
        check(session, tablet, UnlockTry(step="password", secret=PASSWORD), now=later) == "password"
    )


def test_the_second_step_follows_the_password_within_five_minutes(session: Session) -> None:
    facilitator = factories.user(session)
    _enrol(session, facilitator, utcnow() - timedelta(minutes=10))
    tablet = _tablet(session, facilitator)
    now = utcnow()
    for _ in range(5):
        _refused(session, tablet, _pin("0000"), now=now)
    with pytest.raises(CodeNext):
        check(session, tablet, UnlockTry(step="password", secret=PASSWORD), now=now)
    assert step_needed(session, tablet, now=now) is Step.CODE
    assert (
        _refused(session, tablet, UnlockTry(step="code", code="000000"), now=now).step is Step.CODE
    )
    # Too late: the password again, then the code.
    late = now + timedelta(minutes=6)
    assert step_needed(session, tablet, now=late) is Step.PASSWORD
    assert facilitator.totp_secret
    code = pyotp.TOTP(facilitator.totp_secret).at(late)
    assert (
        _refused(session, tablet, UnlockTry(step="code", code=code), now=late).reason == "expired"
    )
    with pytest.raises(CodeNext):
        check(session, tablet, UnlockTry(step="password", secret=PASSWORD), now=late)
    proof = check(session, tablet, UnlockTry(step="code", code=code), now=late)
    assert proof == "password+code" and step_needed(session, tablet, now=late) is Step.PIN


def test_every_refused_try_is_audited_even_when_the_caller_rolls_back(session: Session) -> None:
    facilitator = factories.user(session)
    tablet = _tablet(session, facilitator)
    review_id = tablet.person_mode_review_id
    assert review_id is not None
    with pytest.raises(person_session.WrongUnlockSecret):
        person_session.confirm(session, session.get_one(Review, review_id), tablet, "0000")
    session.rollback()
    with pytest.raises(person_session.WrongUnlockSecret):
        person_session.unlock(session, tablet, "9999")
    session.rollback()
    audited = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "person_session.unlock_refused")
    ).all()
    assert [(e.object_id, e.detail["route"]) for e in audited] == [
        (str(review_id), "done"),
        (str(review_id), "break"),
    ]
    counted = session.scalar(select(func.count(TabletUnlockAttempt.id)))
    assert counted == 2


def test_the_account_is_told_once(session: Session) -> None:
    facilitator = factories.user(session)
    tablet = _tablet(session, facilitator, "Sam")
    for pin in ("0000", "1111"):
        _refused(session, tablet, _pin(pin))
    check(session, tablet, _pin("2468"))
    told = unseen_tries(session, facilitator)
    assert [(t.count, t.person_name) for t in told] == [(2, "Sam")]
    assert unseen_tries(session, facilitator) == []


def test_the_password_step_is_a_sign_in_try_from_that_address(session: Session) -> None:
    """Wrong passwords on the tablet are throttled and recorded like sign-ins from its
    address (the owner and the administrators see them), not only by the tablet's own count."""
    facilitator = factories.user(session)
    tablet = _tablet(session, facilitator)
    lenient = UnlockPolicy(password_tries=100)  # only the sign-in throttle is left to stop it
    address = "198.51.100.7"
    for _ in range(5):
        _refused(session, tablet, _pin("0000"), policy=lenient)
    for _ in range(5):
        wrong = _refused(
            session,
            tablet,
            UnlockTry(step="password", secret="guess", address=address),
            policy=lenient,
        )
        assert wrong.reason == "wrong"
    paused = _refused(
        session,
        tablet,
        UnlockTry(step="password", secret=PASSWORD, address=address),
        policy=lenient,
    )
    assert paused.reason == "paused" and paused.minutes >= 1 and paused.step is Step.PASSWORD
    assert tablet.person_mode_review_id is not None  # still locked to the person's review
    [tries] = accounts.failed_tries(session, facilitator)
    assert (tries.address, tries.failed, tries.refused) == (address, 5, 1)
    assert tries.paused_until is not None


def test_the_tablet_password_meets_the_address_wide_pause(session: Session) -> None:
    """Made-up accounts failing from the tablet's address pause its password step too."""
    facilitator = factories.user(session)
    tablet = _tablet(session, facilitator)
    address = "198.51.100.8"
    for n in range(20):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(session, f"made-up-{n}@example.org", "wrong", address)
    for _ in range(5):
        _refused(session, tablet, _pin("0000"))
    paused = _refused(session, tablet, UnlockTry(step="password", secret=PASSWORD, address=address))
    assert paused.reason == "paused" and tablet.person_mode_review_id is not None
