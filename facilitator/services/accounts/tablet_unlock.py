"""Leaving person mode: the facilitator proves who they are, and guessing the PIN does not pay.

The rule this module serves: a tablet locked to the person's review stays locked until the
facilitator unlocks it. A short PIN is quick to type, so it is trusted for a few tries only.
Every exit route (/person/break, /person/done, the end of "You said, we did") counts the
same tries, held in the database so that every worker and every instance sees them:

- five wrong PINs in one tablet session (or ten in a day across the account's tablets) and the
  PIN no longer unlocks, even when right: the tablet asks for the facilitator's password, then
  the second step (a code from the authenticator app, or a recovery code) if the account has it;
- wrong passwords are counted per account: five in 15 minutes and the tablet waits;
- the code must follow the right password within five minutes, and counts towards the
  sign-in throttle like a code typed at sign-in;
- once the password (and code) are right, the tablet's count starts again;
- every refused try is audited and committed at once, whatever the caller does next, and the
  account is told at its next sign-in (see :func:`unseen_tries`).

The tablet stays locked to the person's review the whole time: nothing here unlocks it.

One module over 400 lines because it is one rule: what the tablet asks for, the try itself and
telling the facilitator all read and write the same counted tries.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from ...models import Person, Review, TabletUnlockAttempt, User, UserSession, utcnow
from .. import ServiceError, accounts, audit


class Step(enum.StrEnum):
    """What the facilitator is asked for on the locked tablet."""

    PIN = "pin"  # the PIN (or the password, which is at least as strong)
    PASSWORD = "password"  # noqa: S105 - a step's name: the password only, after wrong PINs
    CODE = "code"  # the second step, after a right password


@dataclass(frozen=True)
class UnlockPolicy:
    """How many tries the facilitator's secrets are trusted for."""

    pin_tries: int = 5  # wrong PINs per tablet session before the password is needed
    account_pin_tries: int = 10  # wrong PINs per account, across its tablets, in a day
    account_window: timedelta = timedelta(hours=24)
    password_tries: int = 5  # wrong passwords per account in ``password_window`` ...
    password_window: timedelta = timedelta(minutes=15)  # ... before the tablet waits
    code_within: timedelta = timedelta(minutes=5)  # the code must follow the password this soon


@dataclass(frozen=True)
class UnlockTry:
    """What was typed on the tablet, and on which form (``step``) it was typed."""

    step: str = Step.PIN.value
    secret: str = ""  # the PIN or the password
    code: str = ""  # the second step
    address: str = ""  # where it came from (the code step shares the sign-in throttle)
    route: str = ""  # which exit route it came through, for the audit entry


class UnlockRefused(ServiceError):
    """The tablet stays locked. ``reason`` says why, ``step`` what to ask for now.

    reason: ``wrong`` (the secret was not right), ``locked`` (too many wrong PINs: the PIN is
    not checked any more), ``paused`` (too many wrong passwords or codes: wait ``minutes``),
    ``expired`` (the code came too late after the password) or ``changed`` (the form on the
    tablet was out of date). ``left``: wrong PINs left before the password is needed.
    """

    REASONS = ("wrong", "locked", "paused", "expired", "changed")

    def __init__(
        self, reason: str, step: Step, *, left: int | None = None, minutes: int = 0
    ) -> None:
        assert reason in self.REASONS
        super().__init__(_unlock_message(reason, step, left, minutes))
        self.reason = reason
        self.step = step
        self.left = left
        self.minutes = minutes


def _unlock_message(reason: str, step: Step, left: int | None, minutes: int) -> LazyString:
    """What the facilitator is told when the tablet stays locked, and what to type now."""
    if reason == "paused":
        return lazy_ngettext(
            "Too many tries. For safety, please wait %(num)d minute and try again.",
            "Too many tries. For safety, please wait %(num)d minutes and try again.",
            minutes,
        )
    if reason == "locked":
        return _l(
            "Too many wrong PINs. For safety, the PIN no longer unlocks this tablet. "
            "Type your password."
        )
    if reason == "expired":
        return _l("That took too long. Please type your password again.")
    if reason == "changed":
        return _l("Please try again.")
    if step is Step.CODE:
        return _l("That code is not right. Type the newest code from your app, or a recovery code.")
    if step is Step.PASSWORD:
        return _l("That password is not right. Please try again.")
    return lazy_ngettext(
        "That PIN or password is not right. %(num)d more try, then the password is needed.",
        "That PIN or password is not right. %(num)d more tries, then the password is needed.",
        left or 0,
    )


class CodeNext(ServiceError):
    """The password was right; the second step comes next (nothing is wrong)."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "Your password is right. Now type the code from your authenticator app, "
                "or a recovery code."
            )
        )
        self.step = Step.CODE


# --- what the tablet asks for ---------------------------------------------------------------


def _last(session: Session, outcome: str, *where: ColumnElement[bool]) -> datetime | None:
    found: datetime | None = session.scalar(
        select(func.max(TabletUnlockAttempt.at)).where(
            TabletUnlockAttempt.outcome == outcome, *where
        )
    )
    return found


def _wrong(session: Session, step: Step, since: datetime, *where: ColumnElement[bool]) -> int:
    return (
        session.scalar(
            select(func.count(TabletUnlockAttempt.id)).where(
                TabletUnlockAttempt.step == step.value,
                TabletUnlockAttempt.outcome == "wrong",
                TabletUnlockAttempt.at > since,
                *where,
            )
        )
        or 0
    )


def _cleared_since(session: Session, record: UserSession) -> datetime:
    """When this tablet session's count last started: sign-in, or the password proved."""
    cleared = _last(session, "cleared", TabletUnlockAttempt.user_session_id == record.id)
    return max(cleared, record.created_at) if cleared else record.created_at


def _wrong_pins(
    session: Session, record: UserSession, policy: UnlockPolicy, now: datetime
) -> tuple[int, int]:
    """Wrong PINs counted against this tablet session, and against its account."""
    in_session = _wrong(
        session,
        Step.PIN,
        _cleared_since(session, record),
        TabletUnlockAttempt.user_session_id == record.id,
    )
    window = now - policy.account_window
    cleared = _last(session, "cleared", TabletUnlockAttempt.user_id == record.user_id)
    in_account = _wrong(
        session,
        Step.PIN,
        max(window, cleared) if cleared else window,
        TabletUnlockAttempt.user_id == record.user_id,
    )
    return in_session, in_account


def pin_tries_left(
    session: Session,
    record: UserSession,
    policy: UnlockPolicy | None = None,
    now: datetime | None = None,
) -> int:
    """How many wrong PINs this tablet may still take before it asks for the password."""
    policy = policy or UnlockPolicy()
    in_session, in_account = _wrong_pins(session, record, policy, now or utcnow())
    return max(0, min(policy.pin_tries - in_session, policy.account_pin_tries - in_account))


def step_needed(
    session: Session,
    record: UserSession,
    policy: UnlockPolicy | None = None,
    now: datetime | None = None,
) -> Step:
    """What the locked tablet asks the facilitator for now."""
    policy = policy or UnlockPolicy()
    now = now or utcnow()
    if pin_tries_left(session, record, policy, now) > 0:
        return Step.PIN
    if accounts.second_factor_enabled(record.user):
        passed = _last(session, "passed", TabletUnlockAttempt.user_session_id == record.id)
        if (
            passed
            and passed > _cleared_since(session, record)
            and now - passed <= policy.code_within
        ):
            return Step.CODE
    return Step.PASSWORD


# --- a try --------------------------------------------------------------------------------


def _serialise(session: Session, record: UserSession, now: datetime) -> None:
    """One try at a time per account, whichever worker or instance it reaches.

    PostgreSQL: the account's row is locked until the commit. SQLite: the update takes the
    database's write lock (waiting for another writer), which also serialises the count.
    """
    session.execute(select(User.id).where(User.id == record.user_id).with_for_update())
    session.execute(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now))


def _note(session: Session, record: UserSession, step: Step, outcome: str, now: datetime) -> None:
    session.add(
        TabletUnlockAttempt(
            user_id=record.user_id,
            user_session_id=record.id,
            review_id=record.person_mode_review_id,
            step=step.value,
            outcome=outcome,
            at=now,
        )
    )


def _refuse(
    session: Session,
    record: UserSession,
    attempt: UnlockTry,
    typed: Step,
    refusal: UnlockRefused,
    now: datetime,
    *,
    noted: bool = False,
) -> UnlockRefused:
    """Record and audit a refused try, commit it (the caller may roll back), return the error.

    ``noted``: a wrong secret's try is noted before the refusal is chosen (it counts).
    """
    if not noted:
        _note(session, record, typed, "refused", now)
    review_id = record.person_mode_review_id
    review = session.get(Review, review_id) if review_id else None
    audit.record(
        session,
        "person_session.unlock_refused",
        actor=record.user,
        object_type="reviews",
        object_id=review_id,
        person_id=review.person_id if review else None,
        detail={"route": attempt.route, "step": typed.value, "reason": refusal.reason},
        at=now,
    )
    session.commit()
    return refusal


def _refusal_after_wrong(
    session: Session, record: UserSession, typed: Step, policy: UnlockPolicy, now: datetime
) -> UnlockRefused:
    """The refusal for a wrong secret, saying what the tablet asks for next (counted first)."""
    session.flush()
    needed = step_needed(session, record, policy, now)
    if typed is Step.PIN and needed is not Step.PIN:
        return UnlockRefused("locked", needed, left=0)
    left = pin_tries_left(session, record, policy, now) if needed is Step.PIN else None
    return UnlockRefused("wrong", needed, left=left)


def _password_pause(
    session: Session, record: UserSession, policy: UnlockPolicy, now: datetime
) -> int:
    """Minutes to wait before the next password may be tried (0: none)."""
    since = now - policy.password_window
    where = (TabletUnlockAttempt.user_id == record.user_id,)
    if _wrong(session, Step.PASSWORD, since, *where) < policy.password_tries:
        return 0
    oldest = session.scalar(
        select(TabletUnlockAttempt.at)
        .where(
            TabletUnlockAttempt.step == Step.PASSWORD.value,
            TabletUnlockAttempt.outcome == "wrong",
            TabletUnlockAttempt.at > since,
            *where,
        )
        .order_by(TabletUnlockAttempt.at.desc())
        .offset(policy.password_tries - 1)
        .limit(1)
    )
    wait = (oldest + policy.password_window - now) if oldest else policy.password_window
    return max(1, -(-int(wait.total_seconds()) // 60))


def check(
    session: Session,
    record: UserSession,
    attempt: UnlockTry,
    policy: UnlockPolicy | None = None,
    now: datetime | None = None,
) -> str:
    """Prove the facilitator before the tablet unlocks: returns how (``pin``, ``password`` or
    ``password+code``), or raises UnlockRefused (recorded, audited and committed) or CodeNext
    (the right password, recorded and committed; the tablet asks for the code next)."""
    policy = policy or UnlockPolicy()
    now = now or utcnow()
    user = record.user
    _serialise(session, record, now)
    needed = step_needed(session, record, policy, now)
    try:
        typed = Step(attempt.step)
    except ValueError:
        typed = Step.PIN
    if typed is not needed:
        # The PIN (right or not) after too many wrong ones is not checked; a code after the
        # password's five minutes needs the password again; any other form is out of date.
        reason = {
            (Step.PIN, Step.PASSWORD): "locked",
            (Step.CODE, Step.PASSWORD): "expired",
        }.get((typed, needed), "changed")
        raise _refuse(session, record, attempt, typed, UnlockRefused(reason, needed), now)
    if typed is Step.PIN:
        secret = attempt.secret or ""
        if (user.pin_hash and check_password_hash(user.pin_hash, secret)) or (
            secret and check_password_hash(user.password_hash, secret)
        ):
            return "pin"
        _note(session, record, typed, "wrong", now)
        refusal = _refusal_after_wrong(session, record, typed, policy, now)
        raise _refuse(session, record, attempt, typed, refusal, now, noted=True)
    if typed is Step.PASSWORD:
        minutes = _password_pause(session, record, policy, now)
        if minutes:
            refusal = UnlockRefused("paused", needed, minutes=minutes)
            raise _refuse(session, record, attempt, typed, refusal, now)
        # Throttled, recorded and audited like a sign-in from the tablet's address (so the
        # owner and the administrators see the failures); committed below, with the lock.
        try:
            accounts.check_own_password(
                session, user, attempt.secret or "", attempt.address or "tablet",
                now=now, commit=False,
            )  # fmt: skip
        except accounts.SignInThrottled as paused:
            refusal = UnlockRefused("paused", needed, minutes=paused.retry_minutes)
            raise _refuse(session, record, attempt, typed, refusal, now) from None
        except accounts.SignInRefused:
            _note(session, record, typed, "wrong", now)
            refusal = _refusal_after_wrong(session, record, typed, policy, now)
            raise _refuse(session, record, attempt, typed, refusal, now, noted=True) from None
        if accounts.second_factor_enabled(user):
            _note(session, record, typed, "passed", now)
            audit.record(
                session, "person_session.unlock_password_right", actor=user,
                object_type="reviews", object_id=record.person_mode_review_id,
                detail={"route": attempt.route}, at=now,
            )  # fmt: skip
            session.commit()
            raise CodeNext()
        _note(session, record, typed, "cleared", now)
        return "password"
    try:
        accounts.check_second_factor(
            session, user, attempt.code, attempt.address or "tablet", now=now
        )
    except accounts.SignInThrottled as paused:
        refusal = UnlockRefused("paused", needed, minutes=paused.retry_minutes)
        raise _refuse(session, record, attempt, typed, refusal, now) from None
    except accounts.WrongCode:
        _note(session, record, typed, "wrong", now)
        refusal = UnlockRefused("wrong", needed)
        raise _refuse(session, record, attempt, typed, refusal, now, noted=True) from None
    _note(session, record, typed, "cleared", now)
    return "password+code"


# --- telling the facilitator ----------------------------------------------------------------


@dataclass(frozen=True)
class UnseenTries:
    """Refused tries on one tablet session, not yet shown to the account."""

    count: int
    last_at: datetime
    person_name: str | None  # None once the review was erased


def unseen_tries(session: Session, user: User, now: datetime | None = None) -> list[UnseenTries]:
    """The refused tries to unlock this account's tablets not yet shown to it, marked seen.

    Shown at the account's next sign-in: only the password and second step prove it is the
    facilitator reading, not whoever typed the PIN. The caller commits.
    """
    rows = session.execute(
        select(
            TabletUnlockAttempt.user_session_id,
            TabletUnlockAttempt.review_id,
            func.count(TabletUnlockAttempt.id),
            func.max(TabletUnlockAttempt.at),
        )
        .where(
            TabletUnlockAttempt.user_id == user.id,
            TabletUnlockAttempt.outcome.in_(("wrong", "refused")),
            TabletUnlockAttempt.seen_at.is_(None),
        )
        .group_by(TabletUnlockAttempt.user_session_id, TabletUnlockAttempt.review_id)
        .order_by(func.max(TabletUnlockAttempt.at))
    ).all()
    if not rows:
        return []
    names = dict(
        session.execute(
            select(Review.id, Person.preferred_name)
            .join(Person, Person.id == Review.person_id)
            .where(Review.id.in_([r[1] for r in rows if r[1] is not None]))
        ).all()
    )
    session.execute(
        update(TabletUnlockAttempt)
        .where(
            TabletUnlockAttempt.user_id == user.id,
            TabletUnlockAttempt.outcome.in_(("wrong", "refused")),
            TabletUnlockAttempt.seen_at.is_(None),
        )
        .values(seen_at=now or utcnow())
    )
    return [
        UnseenTries(count, last, names.get(review_id) if review_id is not None else None)
        for _s, review_id, count, last in rows
    ]
