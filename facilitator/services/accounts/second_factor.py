"""The second step of signing in: an authenticator app (TOTP, each code accepted once) and
recovery codes, set up by the account's owner and reset or switched off by an administrator.
Wrong codes count towards the sign-in throttle.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import RecoveryCode, Role, User, utcnow
from ...models.users import AttemptOutcome
from .. import NotAllowed, ServiceError, audit
from .sessions import end_all_sessions
from .throttle import (
    SignInRefused,
    ThrottlePolicy,
    check_own_password,
    check_throttle,
    record_attempt,
)

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
    record_attempt(session, user.email, address, AttemptOutcome.FAILED, now)
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
    check_throttle(session, user.email, address, policy or ThrottlePolicy(), now)
    if second_factor_enabled(user):
        raise ServiceError(_l("The second step is already set up for this account."))
    step = _matching_step(user, _clean_code(code), now)
    if step is None or not _claim_step(session, user, step, enabling_at=now):
        _refuse_code(session, user, address, now)
    record_attempt(session, user.email, address, AttemptOutcome.SIGNED_IN, now)
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
    check_throttle(session, user.email, address, policy or ThrottlePolicy(), now)
    if not second_factor_enabled(user):
        raise ServiceError(_l("The second step is not set up for this account."))
    cleaned = _clean_code(code)
    step = _matching_step(user, cleaned, now)
    if step is not None and _claim_step(session, user, step):
        record_attempt(session, user.email, address, AttemptOutcome.SIGNED_IN, now)
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
                record_attempt(session, user.email, address, AttemptOutcome.SIGNED_IN, now)
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
