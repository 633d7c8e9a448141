"""Accounts, sign-in with throttling, the second factor, and server-side sessions."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import LoginAttempt, RecoveryCode, Role, User, UserSession, utcnow
from ...models.users import AttemptOutcome
from .. import NotAllowed, ServiceError, audit

MIN_PASSWORD_LENGTH = 12
# Checked against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


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


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short; length matters more than symbols."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l(
                "The password must be at least %(length)d characters long.",
                length=MIN_PASSWORD_LENGTH,
            )
        )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    language: str = "en",
    actor: User | None = None,
    **extra: object,
) -> User:
    """Create an account (email unique, password rules checked) and audit it."""
    email = normalise_email(email)
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ServiceError(_l("There is already an account with that email address."))
    user = User(
        email=email,
        name=name.strip(),
        role=Role(role),
        password_hash=generate_password_hash(password),
        language=language,
        **extra,
    )
    session.add(user)
    audit.record(session, "user.created", actor=actor, obj=user, detail={"role": str(user.role)})
    return user


def set_pin(session: Session, user: User, pin: str) -> None:
    """Set the short PIN used to unlock a tablet from person mode."""
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ServiceError(_l("The PIN must be 4 to 8 digits."))
    user.pin_hash = generate_password_hash(pin)
    audit.record(session, "user.pin_set", actor=user, obj=user)


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


def _typed_account(session: Session, email: str) -> tuple[User | None, str]:
    """The account typed at sign-in, and how attempts and the audit log may name it.

    An address with an account is named. Anything else is kept only as a digest: people type
    their password into the email box, and the audit log is kept for years and cannot be
    edited, so a typed value that matches no account is never written down as typed.
    """
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, email
    return None, "no-account:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:24]


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


def _check_throttle(
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


def _record_attempt(
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


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    policy: ThrottlePolicy | None = None,
) -> User:
    """Check a sign-in, throttled per account and per address; every attempt is recorded."""
    policy = policy or ThrottlePolicy()
    user, named = _typed_account(session, normalise_email(email)[:254])
    now = utcnow()
    _check_throttle(session, named, address, policy, now)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and valid and user.active):
        _record_attempt(session, named, address, AttemptOutcome.FAILED, now)
        audit.record(session, "signin.failed", actor_label=named, detail={"address": address})
        session.commit()
        raise SignInRefused(_l("The email address or password is not right. Please try again."))
    whole = not (second_factor_enabled(user) or second_factor_required(user))
    outcome = AttemptOutcome.SIGNED_IN if whole else AttemptOutcome.PASSED_FIRST_STEP
    _record_attempt(session, named, address, outcome, now)
    return user


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


# --- the second factor ----------------------------------------------------------------------

RECOVERY_CODE_COUNT = 10
# Letters and digits that cannot be mistaken for one another when read aloud or copied.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # about 49 bits each, salted and hashed like a password
_RECOVERY_HASH = "pbkdf2:sha256:30000"
TOTP_STEP_SECONDS = 30


class WrongCode(SignInRefused):
    """A code from the app or a recovery code was not right (or was already used)."""


def second_factor_required(user: User) -> bool:
    """Managers and admins always; staff and advocates unless an admin switched it off."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    return user.two_factor_off_reason is None


def second_factor_enabled(user: User) -> bool:
    """Whether a confirmed authenticator app is set up for the account."""
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def begin_second_factor(session: Session, user: User) -> str:
    """The secret to show while setting up (the same one until it is confirmed)."""
    if second_factor_enabled(user):
        raise ServiceError(_l("The second step is already set up for this account."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32(32)  # 160 bits
        user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User, issuer: str) -> str:
    """The otpauth:// address the QR code carries."""
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _clean_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())[:40]


def _matching_step(user: User, code: str, now: datetime) -> int | None:
    """The time step the six-digit code belongs to (one step either side allowed for clock
    drift), if it is later than the last one accepted: a code is never accepted twice."""
    if not (user.totp_secret and len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(user.totp_secret, interval=TOTP_STEP_SECONDS)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(
    session: Session, user: User, step: int, enabling_at: datetime | None = None
) -> bool:
    """Mark ``step`` as used, if no request has used it (or a later one) already.

    One conditional UPDATE: when two requests send the same code at the same moment, the
    database lets exactly one of them change the row (PostgreSQL makes the other wait and
    re-check the condition; SQLite lets one writer at a time), so exactly one signs in.
    ``enabling_at`` switches the second step on in the same statement (set-up).
    """
    claim = update(User).where(
        User.id == user.id,
        (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
    )
    values: dict[str, object] = {"totp_last_step": step}
    if enabling_at is not None:
        claim = claim.where(User.totp_enabled_at.is_(None))
        values["totp_enabled_at"] = enabling_at
    result = session.execute(
        claim.values(**values), execution_options={"synchronize_session": False}
    )
    claimed = bool(result.rowcount)  # type: ignore[attr-defined]
    if claimed:
        for name, value in values.items():
            set_committed_value(user, name, value)
    return claimed


def _claim_recovery_code(session: Session, recovery: RecoveryCode, now: datetime) -> bool:
    """Mark a recovery code used, if no other request has (one conditional UPDATE)."""
    result = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    set_committed_value(recovery, "used_at", now)
    return True


def _refuse_code(session: Session, user: User, address: str, now: datetime) -> None:
    _record_attempt(session, user.email, address, AttemptOutcome.FAILED, now)
    audit.record(session, "signin.code_refused", actor=user, obj=user, detail={"address": address})
    session.commit()
    raise WrongCode(
        _l(
            "That code is not right. Check you typed the newest code from your app, or use a "
            "recovery code."
        )
    )


def confirm_second_factor(
    session: Session,
    user: User,
    code: str,
    address: str,
    policy: ThrottlePolicy | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Switch the second factor on once a code proves the app has the secret.

    Returns the new recovery codes, to be shown once. Wrong codes count towards the sign-in
    throttle.
    """
    now = now or utcnow()
    _check_throttle(session, user.email, address, policy or ThrottlePolicy(), now)
    if second_factor_enabled(user):
        raise ServiceError(_l("The second step is already set up for this account."))
    step = _matching_step(user, _clean_code(code), now)
    if step is None or not _claim_step(session, user, step, enabling_at=now):
        _refuse_code(session, user, address, now)
    _record_attempt(session, user.email, address, AttemptOutcome.SIGNED_IN, now)
    audit.record(session, "user.second_factor_enabled", actor=user, obj=user)
    return _new_recovery_codes(session, user)


def check_second_factor(
    session: Session,
    user: User,
    code: str,
    address: str,
    policy: ThrottlePolicy | None = None,
    now: datetime | None = None,
) -> int | None:
    """Check a code from the app or a recovery code, throttled like passwords.

    Returns None for an app code, or how many recovery codes are left after using one.
    """
    now = now or utcnow()
    _check_throttle(session, user.email, address, policy or ThrottlePolicy(), now)
    if not second_factor_enabled(user):
        raise ServiceError(_l("The second step is not set up for this account."))
    cleaned = _clean_code(code)
    step = _matching_step(user, cleaned, now)
    if step is not None and _claim_step(session, user, step):
        _record_attempt(session, user.email, address, AttemptOutcome.SIGNED_IN, now)
        return None
    if len(cleaned) == _RECOVERY_LENGTH:
        unused = session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
        for recovery in unused:
            if check_password_hash(recovery.code_hash, cleaned):
                if not _claim_recovery_code(session, recovery, now):
                    break  # another request used it a moment ago
                left = recovery_codes_left(session, user)
                _record_attempt(session, user.email, address, AttemptOutcome.SIGNED_IN, now)
                audit.record(
                    session, "signin.recovery_code_used", actor=user, obj=user,
                    detail={"left": left},
                )  # fmt: skip
                return left
    _refuse_code(session, user, address, now)
    return None  # not reached: _refuse_code raises


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        session.add(
            RecoveryCode(user_id=user.id, code_hash=generate_password_hash(code, _RECOVERY_HASH))
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


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
    _check_throttle(session, user.email, address, policy or ThrottlePolicy(), now, commit=commit)
    if check_password_hash(user.password_hash, password):
        return
    _record_attempt(session, user.email, address, AttemptOutcome.FAILED, now)
    audit.record(session, "signin.failed", actor_label=user.email, detail={"address": address})
    if commit:
        session.commit()
    raise SignInRefused(_l("Your password is not right. Please try again."))


def regenerate_recovery_codes(
    session: Session,
    user: User,
    password: str,
    address: str,
    policy: ThrottlePolicy | None = None,
) -> list[str]:
    """New recovery codes (the old ones stop working), shown once; audited.

    Only with the account's password (check_own_password): the codes sign in without the app.
    """
    if not second_factor_enabled(user):
        raise ServiceError(_l("Set up the second step first."))
    check_own_password(session, user, password, address, policy)
    codes = _new_recovery_codes(session, user)
    audit.record(session, "user.recovery_codes_regenerated", actor=user, obj=user)
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _clear_second_factor(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reset_second_factor(
    session: Session,
    user: User,
    actor: User,
    password: str | None = None,
    address: str = "unknown",
    policy: ThrottlePolicy | None = None,
) -> int:
    """An admin clears someone's second factor (lost phone): they set it up again at their
    next sign-in, and every session they had ends. Returns how many sessions ended.

    An administrator resetting their own needs their password (check_own_password)."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can reset the second step."))
    if actor.id == user.id:
        check_own_password(session, user, password or "", address, policy)
    _clear_second_factor(session, user)
    ended = end_all_sessions(session, user, "second-factor-reset")
    audit.record(
        session, "user.second_factor_reset", actor=actor, obj=user, detail={"sessions_ended": ended}
    )
    return ended


def switch_off_second_factor(session: Session, user: User, actor: User, reason: str) -> None:
    """An admin switches the second step off for one staff or advocate account, saying why."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can switch the second step off."))
    if user.role in (Role.MANAGER, Role.ADMIN):
        raise ServiceError(_l("Managers and administrators must always use the second step."))
    reason = " ".join(reason.split())[:300]
    if len(reason) < 5:
        raise ServiceError(_l("Write the reason for switching it off."))
    _clear_second_factor(session, user)
    user.two_factor_off_reason = reason
    end_all_sessions(session, user, "second-factor-off")
    audit.record(
        session, "user.second_factor_switched_off", actor=actor, obj=user, detail={"reason": reason}
    )


def switch_on_second_factor(session: Session, user: User, actor: User) -> None:
    """Back to the default: the account sets up the second step at its next sign-in."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can switch the second step on."))
    user.two_factor_off_reason = None
    audit.record(session, "user.second_factor_switched_on", actor=actor, obj=user)


# --- passwords and accounts -----------------------------------------------------------------


def change_password(
    session: Session, user: User, current: str, new: str, keep: UserSession | None = None
) -> int:
    """Change one's own password; every other session of the account ends."""
    if not check_password_hash(user.password_hash, current):
        raise SignInRefused(_l("Your current password is not right. Please try again."))
    check_password_rules(new)
    if check_password_hash(user.password_hash, new):
        raise ServiceError(_l("The new password must be different from the old one."))
    user.password_hash = generate_password_hash(new)
    ended = end_all_sessions(session, user, "password-changed", keep=keep)
    audit.record(
        session, "user.password_changed", actor=user, obj=user, detail={"sessions_ended": ended}
    )
    return ended


def set_active(session: Session, user: User, active: bool, actor: User) -> None:
    """Disable an account (its sessions end at once) or enable it again."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can disable accounts."))
    if user.id == actor.id and not active:
        raise ServiceError(_l("You cannot disable your own account."))
    user.active = active
    if not active:
        end_all_sessions(session, user, "account-disabled")
    audit.record(session, "user.enabled" if active else "user.disabled", actor=actor, obj=user)


# --- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLimits:
    """How long a signed-in session lasts without activity, and at most."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    # last_seen_at is written at most this often, so that not every request writes.
    touch_every: timedelta = timedelta(seconds=60)


class SessionExpired(Exception):
    """A session ran out of time; ``reason`` is "idle" or "absolute"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start_session(session: Session, user: User) -> UserSession:
    """Open a server-side session (a fresh id on every sign-in) and audit the sign-in."""
    record = UserSession(public_id=secrets.token_urlsafe(32), user_id=user.id)
    session.add(record)
    audit.record(session, "signin", actor=user, obj=user)
    return record


def expiry_reason(record: UserSession, limits: SessionLimits, now: datetime) -> str | None:
    """Why a session has run out of time, or None. Person mode has no time limit."""
    if record.person_mode_review_id is not None:
        return None
    if now - record.last_seen_at > limits.idle:
        return "idle"
    if now - record.created_at > limits.absolute:
        return "absolute"
    return None


# Run on every signed-in request: built once (building it cost as much as running it), with
# the account joined (one query per request, not two).
LIVE_SESSION = (
    select(UserSession)
    .where(UserSession.public_id == bindparam("public_id"), UserSession.revoked_at.is_(None))
    .options(joinedload(UserSession.user))
)


def load_session(
    session: Session,
    public_id: str,
    limits: SessionLimits | None = None,
    now: datetime | None = None,
) -> UserSession | None:
    """The live session for a cookie's id, or None if it was ended or the account disabled.

    With ``limits``, a session past its idle or absolute limit is ended (committed) and
    SessionExpired raised; a live one has its last_seen_at moved on (at most once a minute).
    """
    record = session.scalar(LIVE_SESSION, {"public_id": public_id})
    if record is None or not record.user.active:
        return None
    if limits is None:
        return record
    now = now or utcnow()
    reason = expiry_reason(record, limits, now)
    if reason is not None:
        record.revoked_at = now
        record.revoked_reason = f"{reason}-timeout"
        audit.record(
            session, "signout", actor=record.user, obj=record.user,
            detail={"reason": f"{reason}-timeout"},
        )  # fmt: skip
        session.commit()
        raise SessionExpired(reason)
    if now - record.last_seen_at >= limits.touch_every:
        record.last_seen_at = now
        session.commit()
    return record


def end_session(session: Session, record: UserSession, reason: str = "signed-out") -> None:
    """End a session on the server, so that its cookie no longer works anywhere."""
    record.revoked_at = utcnow()
    record.revoked_reason = reason
    audit.record(session, "signout", actor=record.user, obj=record.user, detail={"reason": reason})


def end_all_sessions(
    session: Session, user: User, reason: str, keep: UserSession | None = None
) -> int:
    """End every session of a user (password change, account disabled, second step reset),
    except ``keep`` (the session changing its own password)."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = session.execute(
        query.values(revoked_at=utcnow(), revoked_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
