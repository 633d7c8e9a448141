"""Accounts: made with a checked password, signed into with it (the first step, throttled),
the password changed by its owner, the tablet PIN, and switched off by an administrator.
"""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import Role, User, UserSession, utcnow
from ...models.users import AttemptOutcome
from .. import NotAllowed, ServiceError, audit
from .second_factor import second_factor_enabled, second_factor_required
from .sessions import end_all_sessions
from .throttle import SignInRefused, ThrottlePolicy, check_throttle, record_attempt

MIN_PASSWORD_LENGTH = 12
# Checked against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


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
    check_throttle(session, named, address, policy, now)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and valid and user.active):
        record_attempt(session, named, address, AttemptOutcome.FAILED, now)
        audit.record(session, "signin.failed", actor_label=named, detail={"address": address})
        session.commit()
        raise SignInRefused(_l("The email address or password is not right. Please try again."))
    whole = not (second_factor_enabled(user) or second_factor_required(user))
    outcome = AttemptOutcome.SIGNED_IN if whole else AttemptOutcome.PASSED_FIRST_STEP
    record_attempt(session, named, address, outcome, now)
    return user


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
