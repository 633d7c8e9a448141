"""Accounts: made with a checked password, signed into with it (the first step, throttled),
the password changed by its owner, the tablet PIN, and switched off by an administrator.
"""

from __future__ import annotations

import hashlib
import re
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
from .throttle import (
    SignInRefused,
    ThrottlePolicy,
    check_own_password,
    check_throttle,
    record_attempt,
)

MIN_PASSWORD_LENGTH = 12
# Checked against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


# One rule for what an account's email may be, for the web form and `flask users create`
# alike: name@domain, the domain with at least one dot. Internal and test domains
# (care.local, demo.facilitator.test) are accepted: an account's address is where the team
# reaches the person, not proof that mail is delivered there.
_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
BAD_EMAIL = _l("Enter a real email address, like name@example.org.")


def check_email(email: str) -> str:
    """The address normalised, or ServiceError if it cannot be an account's email."""
    email = normalise_email(email)
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(email) > 254
        or not 1 <= len(local) <= 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ServiceError(BAD_EMAIL)
    return email


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
    """Create an account (email rule and password rules checked, email unique) and audit it.

    An administrator gives a new account a temporary password (``must_change_password``): its
    owner chooses their own at their first sign-in.
    """
    email = check_email(email)
    check_password_rules(password)
    if not name.strip():
        raise ServiceError(_l("Enter a name."))
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


def check_pin_rules(pin: str) -> None:
    """A PIN is 4 to 8 digits and not one anyone would guess first: all one digit (0000), or
    a run up or down (1234, 9876, 7890)."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ServiceError(_l("The PIN must be 4 to 8 digits."))
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {9}):
        raise ServiceError(
            _l(
                "That PIN is too easy to guess. Do not use one digit again and again, or "
                "digits in order like 1234 or 9876."
            )
        )


def set_pin(session: Session, user: User, pin: str, actor: User | None = None) -> None:
    """Set (or, by an administrator, reset) the short PIN used to unlock a tablet from person
    mode. Stored hashed: the old PIN stops working at once."""
    check_pin_rules(pin)
    if actor is not None and actor.id != user.id and actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can set someone else's PIN."))
    had_pin = user.pin_hash is not None
    user.pin_hash = generate_password_hash(pin)
    audit.record(
        session,
        "user.pin_reset" if had_pin else "user.pin_set",
        actor=actor or user,
        obj=user,
        detail={"by_admin": actor is not None and actor.id != user.id},
    )


def change_own_pin(
    session: Session,
    user: User,
    password: str,
    pin: str,
    address: str,
    policy: ThrottlePolicy | None = None,
) -> None:
    """Change one's own PIN: the PIN rules first, then one's password (a wrong one is counted
    and committed like a failed sign-in)."""
    check_pin_rules(pin)
    check_own_password(session, user, password, address, policy)
    set_pin(session, user, pin, actor=user)


def change_role(session: Session, user: User, role: Role | str, actor: User) -> None:
    """An administrator changes an account's role. The role is read afresh on every request,
    so it takes effect on the account's next request."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can change a role."))
    try:
        new = Role(role)
    except ValueError:
        raise ServiceError(_l("Choose a role from the list.")) from None
    if user.id == actor.id and new != Role.ADMIN:
        raise ServiceError(
            _l("You cannot take away your own administrator role. Ask another administrator.")
        )
    old = user.role
    if new == old:
        return
    user.role = new
    audit.record(
        session,
        "user.role_changed",
        actor=actor,
        obj=user,
        detail={"from": str(old), "to": str(new)},
    )


def reset_password(session: Session, user: User, temporary: str, actor: User) -> int:
    """An administrator gives the account a temporary password: every session of the account
    ends, and its owner must choose a new password at their next sign-in."""
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can reset a password."))
    if user.id == actor.id:
        raise ServiceError(_l("To change your own password, use the page Your account."))
    check_password_rules(temporary)
    user.password_hash = generate_password_hash(temporary)
    user.must_change_password = True
    ended = end_all_sessions(session, user, "password-reset")
    audit.record(
        session, "user.password_reset", actor=actor, obj=user, detail={"sessions_ended": ended}
    )
    return ended


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
    user.must_change_password = False
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
