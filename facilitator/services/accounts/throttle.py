"""Sign-in throttling: failed tries pause further ones, per account and address (OWASP's
advice: slow an attacker down without handing them a way to lock someone else out), the tries
shown to the account's owner, and the password check that proves the owner under the same
throttle (check_own_password, used before a change to how the account signs in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from ...models import LoginAttempt, Role, User, utcnow
from ...models.users import AttemptOutcome
from .. import NotAllowed, ServiceError, audit


class SignInRefused(ServiceError):
    """Wrong email or password (deliberately not saying which)."""


class SignInThrottled(ServiceError):
    """Too many failed attempts; ``retry_minutes`` says how long to wait."""

    def __init__(self, message: str | LazyString, retry_minutes: int) -> None:
        super().__init__(message)
        self.retry_minutes = retry_minutes


@dataclass(frozen=True)
class ThrottlePolicy:
    """When failed sign-ins pause further tries, and for how long (OWASP's advice: slow an
    attacker down without handing them a way to lock someone else out).

    - ``per_account_and_address`` failures of one account from one address pause that account
      at that address only: someone else's wrong passwords elsewhere never stop the owner.
    - ``per_account`` failures of one account from anywhere, or ``per_address`` failures of any
      accounts from one address, pause tries from places the account has not signed in from
      within ``known_for`` (a spread-out attack slows down; the usual office and a care home's
      shared address carry on).
    - Each pause starts at the last failure and doubles with each further failure, from
      ``first_pause`` to ``longest_pause``. Tries refused during a pause are not checked and do
      not count, so they never stretch it. Failures are forgotten after ``window``, and when
      the account signs in from that address.
    """

    per_account_and_address: int = 5
    per_account: int = 50
    per_address: int = 20
    window: timedelta = timedelta(hours=24)
    first_pause: timedelta = timedelta(minutes=1)
    longest_pause: timedelta = timedelta(hours=1)
    known_for: timedelta = timedelta(days=30)

    def pause(self, failures: int, limit: int) -> timedelta:
        """How long tries wait after the last of ``failures`` (none below ``limit``)."""
        if failures < limit:
            return timedelta(0)
        doublings = min(failures - limit, 20)
        return min(self.first_pause * 2**doublings, self.longest_pause)


def _failures(
    session: Session, since: datetime, *where: ColumnElement[bool]
) -> tuple[int, datetime | None]:
    """How many failures that still count, and the last one's time."""
    count, last = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            LoginAttempt.outcome == AttemptOutcome.FAILED, LoginAttempt.at >= since, *where
        )
    ).one()
    return int(count or 0), last


def paused_until(
    session: Session, email: str, address: str, policy: ThrottlePolicy, now: datetime
) -> datetime | None:
    """Until when tries for this account (or digest) from this address wait, if they do."""
    since = now - policy.window
    checks = [
        (
            _failures(session, since, LoginAttempt.email == email, LoginAttempt.address == address),
            policy.per_account_and_address,
        )
    ]
    known = session.scalar(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.address == address,
            LoginAttempt.outcome == AttemptOutcome.SIGNED_IN,
            LoginAttempt.at >= now - policy.known_for,
        )
        .limit(1)
    )
    # The wider limits count only failures after the owner or an administrator last ended
    # the account's pauses (the address's failures are mostly not the account's own rows).
    ended = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.outcome == AttemptOutcome.PAUSES_ENDED
        )
    )
    after = ended if ended is not None and ended > since else since
    # Always asked (the same queries whether or not the account exists or is known here).
    wider = [
        (_failures(session, after, LoginAttempt.email == email), policy.per_account),
        (_failures(session, after, LoginAttempt.address == address), policy.per_address),
    ]
    if known is None:
        checks += wider
    until = None
    for (count, last), limit in checks:
        pause = policy.pause(count, limit)
        if last is not None and pause and last + pause > now:
            until = max(until or now, last + pause)
    return until


def check_throttle(
    session: Session,
    email: str,
    address: str,
    policy: ThrottlePolicy,
    now: datetime,
    *,
    commit: bool = True,
) -> None:
    """Refuse an attempt, unchecked, while a pause lasts. The refusal is kept (and audited)
    but does not count, so it never makes the pause longer (committed unless ``commit`` is
    False: then the caller commits)."""
    until = paused_until(session, email, address, policy, now)
    if until is None:
        return
    session.add(
        LoginAttempt(
            email=email, address=address, succeeded=False, outcome=AttemptOutcome.PAUSED, at=now
        )
    )
    audit.record(session, "signin.throttled", actor_label=email, detail={"address": address})
    if commit:
        session.commit()
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    raise SignInThrottled(
        lazy_ngettext(
            "Too many tries. For your safety, signing in here is paused. Please try again in "
            "%(num)d minute. Tries while it is paused are not counted. If it is urgent, ask your "
            "administrator to end the pause.",
            "Too many tries. For your safety, signing in here is paused. Please try again in "
            "%(num)d minutes. Tries while it is paused are not counted. If it is urgent, ask your "
            "administrator to end the pause.",
            minutes,
        ),
        minutes,
    )


def record_attempt(
    session: Session, email: str, address: str, outcome: AttemptOutcome, now: datetime
) -> None:
    """Keep an attempt. A whole sign-in clears the failures of that account at that address
    (the counter is reset by success; only the owner gets this far)."""
    succeeded = outcome in (AttemptOutcome.SIGNED_IN, AttemptOutcome.PASSED_FIRST_STEP)
    if outcome == AttemptOutcome.SIGNED_IN:
        session.execute(
            update(LoginAttempt)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.address == address,
                LoginAttempt.outcome == AttemptOutcome.FAILED,
            )
            .values(outcome=AttemptOutcome.CLEARED),
            execution_options={"synchronize_session": False},
        )
    session.add(
        LoginAttempt(email=email, address=address, succeeded=succeeded, outcome=outcome, at=now)
    )


@dataclass(frozen=True)
class FailedTries:
    """Recent failed sign-in tries of one account from one address, to show its owner and
    the administrators."""

    address: str
    failed: int  # wrong passwords and codes, counting or cleared
    refused: int  # tries refused unchecked while paused
    last_at: datetime
    paused_until: datetime | None


def failed_tries(
    session: Session, user: User, policy: ThrottlePolicy | None = None, now: datetime | None = None
) -> list[FailedTries]:
    """The account's failed and refused tries within the policy's window, by address, newest
    first, with any pause still running."""
    policy = policy or ThrottlePolicy()
    now = now or utcnow()
    outcomes = (AttemptOutcome.FAILED, AttemptOutcome.CLEARED, AttemptOutcome.PAUSED)
    rows = session.execute(
        select(
            LoginAttempt.address,
            func.count(LoginAttempt.id).filter(LoginAttempt.outcome != AttemptOutcome.PAUSED),
            func.count(LoginAttempt.id).filter(LoginAttempt.outcome == AttemptOutcome.PAUSED),
            func.max(LoginAttempt.at),
        )
        .where(
            LoginAttempt.email == user.email,
            LoginAttempt.outcome.in_(outcomes),
            LoginAttempt.at >= now - policy.window,
        )
        .group_by(LoginAttempt.address)
        .order_by(func.max(LoginAttempt.at).desc())
        .limit(50)
    ).all()
    return [
        FailedTries(
            address=address,
            failed=int(failed),
            refused=int(refused),
            last_at=last_at,
            paused_until=paused_until(session, user.email, address, policy, now),
        )
        for address, failed, refused, last_at in rows
    ]


def clear_failed_tries(session: Session, user: User, actor: User) -> int:
    """End every pause on an account: its failures stop counting (they are still shown).

    The account's owner (signed in, so it is really them) or an administrator; audited.
    Returns how many failures were cleared.
    """
    if actor.id != user.id and actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only the account's owner or an administrator can clear its pauses."))
    result = session.execute(
        update(LoginAttempt)
        .where(LoginAttempt.email == user.email, LoginAttempt.outcome == AttemptOutcome.FAILED)
        .values(outcome=AttemptOutcome.CLEARED),
        execution_options={"synchronize_session": False},
    )
    cleared = int(result.rowcount or 0)  # type: ignore[attr-defined]
    # Failures from the account's addresses by other (often made-up) accounts pause it too;
    # they are not this account's to clear, so from now on they stop counting for it.
    session.add(
        LoginAttempt(
            email=user.email,
            address="",
            succeeded=False,
            outcome=AttemptOutcome.PAUSES_ENDED,
            at=utcnow(),
        )
    )
    audit.record(
        session, "signin.failures_cleared", actor=actor, obj=user, detail={"cleared": cleared}
    )
    return cleared


def check_own_password(
    session: Session,
    user: User,
    password: str,
    address: str,
    policy: ThrottlePolicy | None = None,
    *,
    now: datetime | None = None,
    commit: bool = True,
) -> None:
    """Proof that it is really the account's owner, before a change to how it signs in, or
    to unlock a tablet after too many wrong PINs.

    A signed-in session alone is not enough to make new recovery codes or reset one's own
    second step (a browser left open, a stolen cookie). A wrong password is throttled, counted
    and audited like one at sign-in (committed, unless ``commit`` is False: a caller holding a
    lock commits), then SignInRefused is raised; SignInThrottled while a pause lasts.
    """
    now = now or utcnow()
    check_throttle(session, user.email, address, policy or ThrottlePolicy(), now, commit=commit)
    if check_password_hash(user.password_hash, password):
        return
    record_attempt(session, user.email, address, AttemptOutcome.FAILED, now)
    audit.record(session, "signin.failed", actor_label=user.email, detail={"address": address})
    if commit:
        session.commit()
    raise SignInRefused(_l("Your password is not right. Please try again."))
