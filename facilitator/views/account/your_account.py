"""Your account: the second step, recovery codes, your password and any sign-in pause.

On the sign-in blueprint (``auth.account`` and so on). A wrong password here counts as a
failed sign-in and is committed by the accounts service, whatever the answer.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ...auth import current_account
from ...extensions import db, limiter
from ...forms.account import ChangePasswordForm, ConfirmForm, OwnPinForm, PasswordCheckForm
from ...security import STATIC_ENDPOINTS
from ...services import ServiceError, accounts
from .. import edge
from .auth import bp, client_address, throttle_policy


@bp.before_app_request
def _choose_own_password() -> Response | None:
    """After an administrator reset the password, the account may only choose a new one (or
    sign out) until it has."""
    if request.endpoint in STATIC_ENDPOINTS or request.endpoint in _WHILE_TEMPORARY:
        return None
    if not current_user.is_authenticated or current_user.person_mode_review_id:
        return None
    if not current_account().must_change_password:
        return None
    flash(_("Choose your own password before you go on."), "info")
    return redirect(url_for("auth.account"))


_WHILE_TEMPORARY = frozenset(
    {
        "auth.account",
        "auth.change_password",
        "auth.sign_out",
        "auth.still_here",
        "main.choose_language",
    }
)


def _account_page(
    password_form: ChangePasswordForm,
    status: int = 200,
    codes_form: PasswordCheckForm | None = None,
    pin_form: OwnPinForm | None = None,
) -> tuple[str, int]:
    user = current_account()
    return (
        render_template(
            "auth/account.html",
            user=user,
            password_form=password_form,
            pin_form=pin_form or OwnPinForm(formdata=None),
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
def change_password() -> ResponseReturnValue:
    """Change your password; you are signed out everywhere else."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)

    def refused(error: ServiceError) -> ResponseReturnValue:
        # A wrong current password, or a new one the rules refuse.
        field = form.current if isinstance(error, accounts.SignInRefused) else form.new
        field.errors = [str(error)]
        return _account_page(form, 400)

    edge.on_refusal(refused)
    ended = accounts.change_password(
        db.session,
        current_account(),
        form.current.data or "",
        form.new.data or "",
        keep=current_user.record,
    )
    flash(
        _("Your password is changed.")
        + (" " + _("You were signed out on your other devices.") if ended else ""),
        "success",
    )
    return redirect(url_for("auth.account"))


@bp.route("/account/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"])
def new_recovery_codes() -> ResponseReturnValue:
    """Make new recovery codes (the old ones stop working) and show them once: only with
    the password, since the codes sign in without the app."""
    form = PasswordCheckForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), 400, form)

    def refused(error: ServiceError) -> ResponseReturnValue:
        if isinstance(error, accounts.SignInThrottled):  # when to try again
            form.password.errors = [str(error)]
            return _account_page(ChangePasswordForm(formdata=None), 429, form)
        if isinstance(error, accounts.SignInRefused):  # the password is not right
            form.password.errors = [str(error)]
            return _account_page(ChangePasswordForm(formdata=None), 400, form)
        flash(str(error), "error")
        return redirect(url_for("auth.account"))

    edge.on_refusal(refused)
    codes = accounts.regenerate_recovery_codes(
        db.session, current_account(), form.password.data or "", client_address(), throttle_policy()
    )
    return render_template(
        "auth/recovery_codes.html", codes=codes, first_time=False, follow=url_for("auth.account")
    )


@bp.route("/account/failed-tries/clear", methods=["POST"])
@login_required
def clear_failed_tries() -> Response:
    """End any pause on your own account (you are signed in, so it is really you)."""
    if ConfirmForm().validate_on_submit():
        accounts.clear_failed_tries(db.session, current_account(), current_account())
        flash(_("The pause is ended. Failed tries no longer count."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/pin", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"])
def change_pin() -> ResponseReturnValue:
    """Change your own tablet PIN, with your password (a wrong one counts as a failed try)."""
    form = OwnPinForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), 400, pin_form=form)

    def refused(error: ServiceError) -> ResponseReturnValue:
        field = (
            form.pin_password
            if isinstance(error, accounts.SignInRefused | accounts.SignInThrottled)
            else form.new_pin
        )
        field.errors = [str(error)]
        status = 429 if isinstance(error, accounts.SignInThrottled) else 400
        return _account_page(ChangePasswordForm(formdata=None), status, pin_form=form)

    edge.on_refusal(refused)
    accounts.change_own_pin(
        db.session,
        current_account(),
        form.pin_password.data or "",
        form.new_pin.data or "",
        client_address(),
        throttle_policy(),
    )
    flash(_("Your tablet PIN is changed."), "success")
    return redirect(url_for("auth.account"), code=303)
