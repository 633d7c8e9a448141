"""Accounts, sign-in with throttling, the second factor, and server-side sessions.

One module per concern; the package names them all, so callers write ``accounts.authenticate``
whichever module it lives in. The layers run one way: sessions, then throttle (the pauses and
the owner's password check), then second_factor, then users (accounts and the password step
of signing in, which asks whether a second step follows). tablet_unlock sits above them all.
"""

from __future__ import annotations

from .second_factor import (
    RECOVERY_CODE_COUNT,
    TOTP_STEP_SECONDS,
    WrongCode,
    begin_second_factor,
    check_second_factor,
    confirm_second_factor,
    provisioning_uri,
    recovery_codes_left,
    regenerate_recovery_codes,
    reset_second_factor,
    second_factor_enabled,
    second_factor_required,
    switch_off_second_factor,
    switch_on_second_factor,
)
from .sessions import (
    LIVE_SESSION,
    SessionExpired,
    SessionLimits,
    end_all_sessions,
    end_session,
    expiry_reason,
    load_session,
    start_session,
)
from .throttle import (
    FailedTries,
    SignInRefused,
    SignInThrottled,
    ThrottlePolicy,
    check_own_password,
    clear_failed_tries,
    failed_tries,
    paused_until,
)
from .users import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    change_own_pin,
    change_password,
    change_role,
    check_email,
    check_password_rules,
    check_pin_rules,
    create_user,
    normalise_email,
    reset_password,
    set_active,
    set_pin,
)

__all__ = [
    "LIVE_SESSION",
    "MIN_PASSWORD_LENGTH",
    "RECOVERY_CODE_COUNT",
    "TOTP_STEP_SECONDS",
    "FailedTries",
    "SessionExpired",
    "SessionLimits",
    "SignInRefused",
    "SignInThrottled",
    "ThrottlePolicy",
    "WrongCode",
    "authenticate",
    "begin_second_factor",
    "change_own_pin",
    "change_password",
    "change_role",
    "check_email",
    "check_own_password",
    "check_password_rules",
    "check_pin_rules",
    "check_second_factor",
    "clear_failed_tries",
    "confirm_second_factor",
    "create_user",
    "end_all_sessions",
    "end_session",
    "expiry_reason",
    "failed_tries",
    "load_session",
    "normalise_email",
    "paused_until",
    "provisioning_uri",
    "recovery_codes_left",
    "regenerate_recovery_codes",
    "reset_password",
    "reset_second_factor",
    "second_factor_enabled",
    "second_factor_required",
    "set_active",
    "set_pin",
    "start_session",
    "switch_off_second_factor",
    "switch_on_second_factor",
]
