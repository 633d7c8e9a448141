"""Signing in (password, then a code from an app), signing out, time limits and "Your account"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ...auth import SecureWhenHttpsSessions, SignedIn, current_account
from ...extensions import db, limiter
from ...forms.account import ChangePasswordForm, CodeForm, ConfirmForm, PasswordCheckForm
from ...forms.auth import SignInForm
from ...models import User
from ...security import STATIC_ENDPOINTS
from ...services import ServiceError, accounts

bp = Blueprint("auth", __name__)

PENDING = "signin_pending"  # the Flask-session key between the password and the second step


@bp.record_once
def _secure_cookies(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    app.session_interface = SecureWhenHttpsSessions()


@bp.after_request
def _never_cache(response: Response) -> Response:
    # The set-up page shows a secret and the code pages are mid-sign-in: never kept anywhere.
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str | None:
    """Only follow a 'next' that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def throttle_policy() -> accounts.ThrottlePolicy:
    """The sign-in pauses, from the settings (README, "Signing in")."""
    config = current_app.config
    return accounts.ThrottlePolicy(
        per_account_and_address=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]),
        per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW_SECONDS"])),
        first_pause=timedelta(seconds=int(config["LOGIN_FIRST_PAUSE_SECONDS"])),
        longest_pause=timedelta(seconds=int(config["LOGIN_LONGEST_PAUSE_SECONDS"])),
    )


def _address() -> str:
    return request.remote_addr or "unknown"


def throttled_message(refused: accounts.SignInThrottled) -> str:
    """When to try again, in the reader's language; the same whether or not the account
    exists."""
    return ngettext(
        "Too many tries. For your safety, signing in here is paused. Please try again in "
        "%(num)d minute. Tries while it is paused are not counted. If it is urgent, ask your "
        "administrator to end the pause.",
        "Too many tries. For your safety, signing in here is paused. Please try again in "
        "%(num)d minutes. Tries while it is paused are not counted. If it is urgent, ask your "
        "administrator to end the pause.",
        refused.retry_minutes,
    )


# --- time limits ----------------------------------------------------------------------------


@bp.before_app_request
def _end_sessions_out_of_time() -> Any:
    """A session past its idle or absolute limit gets a kind page (htmx: a redirect header);
    one whose account now needs a second step it has not set up is asked to sign in again."""
    if request.endpoint in STATIC_ENDPOINTS:
        return None
    signed_in = current_user.is_authenticated  # loads the session, noting an expired one
    reason = g.pop("session_expired", None)
    if reason is not None:
        logout_user()
        follow = request.full_path.rstrip("?") if request.method == "GET" else None
        target = url_for("auth.signed_out", after=reason, next=_safe_next(follow))
        if request.headers.get("HX-Request") == "true":
            return (
                render_template("auth/_signed_out_message.html", after=reason, target=target),
                401,
                {"HX-Redirect": target},
            )
        return redirect(target)
    if (
        signed_in
        and not current_user.person_mode_review_id
        and accounts.second_factor_required(current_user.user)
        and not accounts.second_factor_enabled(current_user.user)
    ):
        accounts.end_session(db.session, current_user.record, "second-factor-needed")
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Please sign in again to set up the second step for your account."), "info")
        return redirect(url_for("auth.sign_in"))
    return None


@bp.route("/signed-out")
def signed_out() -> str | Response:
    """The kind page after a session ran out of time."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    after = request.args.get("after", "")
    if after not in ("idle", "absolute"):
        return redirect(url_for("auth.sign_in"))
    return render_template(
        "auth/signed_out.html",
        after=after,
        minutes=int(current_app.config["SESSION_IDLE_MINUTES"]),
        hours=int(current_app.config["SESSION_ABSOLUTE_HOURS"]),
        next=_safe_next(request.args.get("next")),
    )


# --- signing in -----------------------------------------------------------------------------


def _finish_sign_in(user: User) -> str | None:
    """Open a fresh server-side session; nothing from before signing in is carried over."""
    follow = _safe_next((session.get(PENDING) or {}).get("next")) or _safe_next(
        request.args.get("next")
    )
    record = accounts.start_session(db.session, user)
    db.session.commit()
    session.clear()
    login_user(SignedIn(record))
    return follow


def _pending_user() -> User | None:
    """The account whose password was right a moment ago, if that is recent enough."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        started = datetime.fromisoformat(str(pending.get("at")))
    except ValueError:
        return None
    allowed = timedelta(minutes=int(current_app.config["SIGN_IN_STEP_MINUTES"]))
    if datetime.now(UTC) - started > allowed:
        session.pop(PENDING, None)
        flash(_("That took a while, so for your safety please sign in again."), "info")
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.active:
        session.pop(PENDING, None)
        return None
    return user


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"], methods=["POST"])
def sign_in() -> str | Response | tuple[str, int]:
    """Staff, managers, admins and advocates sign in here."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db.session,
                form.email.data or "",
                form.password.data or "",
                _address(),
                throttle_policy(),
            )
        except accounts.SignInThrottled as refused:
            form.form_errors.append(throttled_message(refused))
            status = 429
        except accounts.SignInRefused:
            form.form_errors.append(
                _("The email address or password is not right. Please try again.")
            )
            status = 401
        else:
            enabled = accounts.second_factor_enabled(user)
            if enabled or accounts.second_factor_required(user):
                db.session.commit()  # the attempt is recorded
                session[PENDING] = {
                    "user": user.id,
                    "at": datetime.now(UTC).isoformat(),
                    "next": _safe_next(request.args.get("next")),
                }
                return redirect(url_for("auth.second_step" if enabled else "auth.set_up"))
            follow = _finish_sign_in(user)
            flash(_("You are signed in."), "success")
            return redirect(follow or url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form), status


def _check_code(form: CodeForm, check: Callable[[str], Any], wrong: str) -> tuple[bool, Any, int]:
    """A posted code through ``check``: (True, what it returned, 200), or (False, None, status).

    The form gets the reason: too many tries (429) or the wrong code (401, ``wrong``).
    """
    if not form.validate_on_submit():
        return False, None, 400 if request.method == "POST" else 200
    try:
        return True, check(form.code.data or ""), 200
    except accounts.SignInThrottled as refused:
        form.form_errors.append(throttled_message(refused))
        return False, None, 429
    except accounts.WrongCode:
        form.code.errors = [wrong]
        return False, None, 401


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"], methods=["POST"])
def second_step() -> str | Response | tuple[str, int]:
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if not accounts.second_factor_enabled(user):
        return redirect(url_for("auth.set_up"))
    form = CodeForm()
    signed_in, left, status = _check_code(
        form,
        lambda code: accounts.check_second_factor(
            db.session, user, code, _address(), throttle_policy()
        ),
        _(
            "That code is not right. Check you typed the newest code from your app, "
            "or use one of your recovery codes."
        ),
    )
    if signed_in:
        follow = _finish_sign_in(user)
        flash(_("You are signed in."), "success")
        if left is not None:
            flash(
                ngettext(
                    "You used a recovery code. You have %(num)d left. You can make new "
                    "ones on the Your account page.",
                    "You used a recovery code. You have %(num)d left. You can make new "
                    "ones on the Your account page.",
                    left,
                ),
                "warning",
            )
        return redirect(follow or url_for("main.home"))
    return render_template("auth/second_step.html", form=form), status


def _qr_data_uri(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"], methods=["POST"])
def set_up() -> str | Response | tuple[str, int]:
    """Set up the second step: scan the QR code (or type the key), then type a code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if accounts.second_factor_enabled(user):
        return redirect(url_for("auth.second_step"))
    secret = accounts.begin_second_factor(db.session, user)
    db.session.commit()
    form = CodeForm()
    signed_in, codes, status = _check_code(
        form,
        lambda code: accounts.confirm_second_factor(
            db.session, user, code, _address(), throttle_policy()
        ),
        _(
            "That code is not right. Type the 6-digit code your app shows now. If it "
            "keeps failing, check the time on your phone is set automatically."
        ),
    )
    if signed_in:
        follow = _finish_sign_in(user)
        page = render_template(
            "auth/recovery_codes.html",
            codes=codes,
            first_time=True,
            follow=follow or url_for("main.home"),
        )
        flash(_("You are signed in."), "success")  # shown on the next page
        return page
    uri = accounts.provisioning_uri(user, str(current_app.config["SERVICE_NAME"]))
    return (
        render_template(
            "auth/set_up.html",
            form=form,
            qr=_qr_data_uri(uri),
            key=_grouped(secret),
            email=user.email,
            issuer=current_app.config["SERVICE_NAME"],
        ),
        status,
    )


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out() -> Response:
    """End the session on the server as well as in the browser."""
    accounts.end_session(db.session, current_user.record)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.sign_in"))


# --- your account ---------------------------------------------------------------------------


def _account_page(
    password_form: ChangePasswordForm,
    status: int = 200,
    codes_form: PasswordCheckForm | None = None,
) -> tuple[str, int]:
    user = current_account()
    return (
        render_template(
            "auth/account.html",
            user=user,
            password_form=password_form,
            codes_form=codes_form or PasswordCheckForm(formdata=None),
            enabled=accounts.second_factor_enabled(user),
            required=accounts.second_factor_required(user),
            codes_left=accounts.recovery_codes_left(db.session, user),
            tries=accounts.failed_tries(db.session, user, throttle_policy()),
            window_hours=int(throttle_policy().window.total_seconds() // 3600),
        ),
        status,
    )


@bp.route("/account")
@login_required
def account() -> tuple[str, int]:
    """Your account: the second step, recovery codes and your password."""
    return _account_page(ChangePasswordForm(formdata=None))


@bp.route("/account/still-here")
@login_required
def still_here() -> tuple[str, int, dict[str, str]]:
    """Someone is typing on a page: loading their session moves its idle time on.

    app.js asks this now and then while a signed-in person types, so that writing a long note
    for more than the idle limit does not end the session under them (and lose the note).
    """
    return "", 204, {"Cache-Control": "no-store"}


@bp.route("/account/password", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"])
def change_password() -> Response | tuple[str, int]:
    """Change your password; you are signed out everywhere else."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    try:
        ended = accounts.change_password(
            db.session,
            current_account(),
            form.current.data or "",
            form.new.data or "",
            keep=current_user.record,
        )
    except accounts.SignInRefused:
        db.session.rollback()
        form.current.errors = [_("Your current password is not right. Please try again.")]
        return _account_page(form, 400)
    except ServiceError as error:
        db.session.rollback()
        form.new.errors = [str(error)]
        return _account_page(form, 400)
    db.session.commit()
    flash(
        _("Your password is changed.")
        + (" " + _("You were signed out on your other devices.") if ended else ""),
        "success",
    )
    return redirect(url_for("auth.account"))


@bp.route("/account/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"])
def new_recovery_codes() -> str | Response | tuple[str, int]:
    """Make new recovery codes (the old ones stop working) and show them once: only with
    the password, since the codes sign in without the app."""
    form = PasswordCheckForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), 400, form)
    try:
        codes = accounts.regenerate_recovery_codes(
            db.session, current_account(), form.password.data or "", _address(), throttle_policy()
        )
    except accounts.SignInThrottled as refused:
        form.password.errors = [throttled_message(refused)]
        return _account_page(ChangePasswordForm(formdata=None), 429, form)
    except accounts.SignInRefused:
        form.password.errors = [_("Your password is not right. Please try again.")]
        return _account_page(ChangePasswordForm(formdata=None), 400, form)
    except ServiceError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("auth.account"))
    db.session.commit()
    return render_template(
        "auth/recovery_codes.html", codes=codes, first_time=False, follow=url_for("auth.account")
    )


@bp.route("/account/failed-tries/clear", methods=["POST"])
@login_required
def clear_failed_tries() -> Response:
    """End any pause on your own account (you are signed in, so it is really you)."""
    if ConfirmForm().validate_on_submit():
        accounts.clear_failed_tries(db.session, current_account(), current_account())
        db.session.commit()
        flash(_("The pause is ended. Failed tries no longer count."), "success")
    return redirect(url_for("auth.account"))
