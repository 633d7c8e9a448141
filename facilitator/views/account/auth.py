"""Signing in (password, then a code from an app), signing out and the session's time limits.

"Your account" (the password, recovery codes and pauses) is ``your_account.py``, on the same
blueprint. A refused try is recorded and committed by the accounts service (whatever the
answer), so these views only name the page that shows the refusal (``edge.on_refusal``).
"""

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
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_htmx import make_response as htmx_response
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ...auth import SecureWhenHttpsSessions, SignedIn
from ...extensions import db, htmx, limiter
from ...forms.account import CodeForm
from ...forms.auth import SignInForm
from ...models import User
from ...security import STATIC_ENDPOINTS
from ...services import ServiceError, accounts
from .. import edge

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


def client_address() -> str:
    """The address a sign-in try came from, as the pauses count it."""
    return request.remote_addr or "unknown"


def refused_status(refused: ServiceError) -> int:
    """A sign-in pause is 429 (its message says when to try again, the same whether or not
    the account exists); a wrong password or code is 401."""
    if isinstance(refused, accounts.SignInThrottled):
        return 429
    if isinstance(refused, accounts.SignInRefused):
        return 401
    return 400


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
        if htmx:
            page = render_template("auth/_signed_out_message.html", after=reason, target=target)
            return htmx_response(page, 401, redirect=target)
        return redirect(target)
    if (
        signed_in
        and not current_user.person_mode_review_id
        and accounts.second_factor_required(current_user.user)
        and not accounts.second_factor_enabled(current_user.user)
    ):
        accounts.end_session(db.session, current_user.record, "second-factor-needed")
        db.session.commit()  # a hook before any view (a GET too): the ending must persist
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
    record = accounts.start_session(db.session, user)  # committed by the edge with the answer
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


def _sign_in_page(form: SignInForm, refused: ServiceError | None = None) -> ResponseReturnValue:
    if refused is not None:
        form.form_errors.append(str(refused))
        return render_template("auth/sign_in.html", form=form), refused_status(refused)
    return render_template("auth/sign_in.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"], methods=["POST"])
def sign_in() -> ResponseReturnValue:
    """Staff, managers, admins and advocates sign in here."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if not form.validate_on_submit():
        return _sign_in_page(form)
    edge.on_refusal(lambda refused: _sign_in_page(form, refused))
    user = accounts.authenticate(
        db.session,
        form.email.data or "",
        form.password.data or "",
        client_address(),
        throttle_policy(),
    )
    enabled = accounts.second_factor_enabled(user)
    if enabled or accounts.second_factor_required(user):
        session[PENDING] = {
            "user": user.id,
            "at": datetime.now(UTC).isoformat(),
            "next": _safe_next(request.args.get("next")),
        }
        return redirect(url_for("auth.second_step" if enabled else "auth.set_up"))
    follow = _finish_sign_in(user)
    flash(_("You are signed in."), "success")
    return redirect(follow or url_for("main.home"))


def _code_page(
    template: str, form: CodeForm, wrong: str, **context: Any
) -> Callable[[ServiceError | None], ResponseReturnValue]:
    """The page of a code step; after a refusal, why: the wrong code (401, in ``wrong``, this
    step's own words) or a pause (429, with when to try again)."""

    def page(refused: ServiceError | None = None) -> ResponseReturnValue:
        if isinstance(refused, accounts.WrongCode):
            form.code.errors = [wrong]
        elif refused is not None:
            form.form_errors.append(str(refused))
        if refused is not None:
            status = refused_status(refused)
        else:
            status = 400 if form.is_submitted() else 200
        return render_template(template, form=form, **context), status

    return page


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"], methods=["POST"])
def second_step() -> ResponseReturnValue:
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if not accounts.second_factor_enabled(user):
        return redirect(url_for("auth.set_up"))
    form = CodeForm()
    page = _code_page(
        "auth/second_step.html",
        form,
        _(
            "That code is not right. Check you typed the newest code from your app, "
            "or use one of your recovery codes."
        ),
    )
    if not form.validate_on_submit():
        return page(None)
    edge.on_refusal(page)
    left = accounts.check_second_factor(
        db.session, user, form.code.data or "", client_address(), throttle_policy()
    )
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


def _qr_data_uri(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"], methods=["POST"])
def set_up() -> ResponseReturnValue:
    """Set up the second step: scan the QR code (or type the key), then type a code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if accounts.second_factor_enabled(user):
        return redirect(url_for("auth.second_step"))
    secret = accounts.begin_second_factor(db.session, user)
    if request.method == "GET":
        edge.keep_trace()  # the secret the QR code shows
    issuer = str(current_app.config["SERVICE_NAME"])
    form = CodeForm()
    page = _code_page(
        "auth/set_up.html",
        form,
        _(
            "That code is not right. Type the 6-digit code your app shows now. If it "
            "keeps failing, check the time on your phone is set automatically."
        ),
        qr=_qr_data_uri(accounts.provisioning_uri(user, issuer)),
        key=_grouped(secret),
        email=user.email,
        issuer=issuer,
    )
    if not form.validate_on_submit():
        return page(None)
    edge.on_refusal(page)
    codes = accounts.confirm_second_factor(
        db.session, user, form.code.data or "", client_address(), throttle_policy()
    )
    follow = _finish_sign_in(user)
    shown = render_template(
        "auth/recovery_codes.html",
        codes=codes,
        first_time=True,
        follow=follow or url_for("main.home"),
    )
    flash(_("You are signed in."), "success")  # shown on the next page
    return shown


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out() -> Response:
    """End the session on the server as well as in the browser."""
    accounts.end_session(db.session, current_user.record)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.sign_in"))
