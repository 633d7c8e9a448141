"""Administrators: accounts (creating them, their second step, pauses, disabling).

Each write reads a form, names where a refusal is shown (``edge.on_refusal`` or
``edge.refusal_returns_to``), calls one accounts service and redirects; the edge commits.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ...auth import current_account, roles_required
from ...extensions import db, limiter
from ...forms.account import (
    ConfirmForm,
    PasswordCheckForm,
    PinForm,
    ReasonForm,
    RoleForm,
    TemporaryPasswordForm,
)
from ...forms.auth import CreateUserForm
from ...models import Role, User, UserSession
from ...services import ServiceError, accounts
from .. import edge
from .auth import client_address, throttle_policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """List accounts and create a new one."""
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _users_page(form), 400 if form.is_submitted() else 200

    def refused(error: ServiceError) -> str:
        form.email.errors = [*form.email.errors, str(error)]
        return _users_page(form)

    edge.on_refusal(refused)
    accounts.create_user(
        db.session,
        email=form.email.data or "",
        name=form.name.data or "",
        role=form.role.data or "staff",
        password=form.password.data or "",
        actor=current_account(),
        must_change_password=True,
    )
    flash(_("The account has been created."), "success")
    return redirect(url_for("admin.users"))


def _users_page(form: CreateUserForm) -> str:
    all_users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    return render_template("admin/users.html", form=form, users=all_users)


def _account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _account_page(
    user: User,
    reason_form: ReasonForm,
    status: int = 200,
    password_form: PasswordCheckForm | None = None,
    role_form: RoleForm | None = None,
    pin_form: PinForm | None = None,
    temporary_form: TemporaryPasswordForm | None = None,
) -> tuple[str, int]:
    policy = throttle_policy()
    return (
        render_template(
            "admin/user.html",
            account=user,
            reason_form=reason_form,
            password_form=password_form or PasswordCheckForm(formdata=None),
            role_form=role_form or RoleForm(formdata=None, role=user.role.value),
            pin_form=pin_form or PinForm(formdata=None),
            temporary_form=temporary_form or TemporaryPasswordForm(formdata=None),
            own=user.id == current_account().id,
            tries=accounts.failed_tries(db.session, user, policy),
            window_hours=int(policy.window.total_seconds() // 3600),
            enabled=accounts.second_factor_enabled(user),
            required=accounts.second_factor_required(user),
            may_switch_off=user.role not in (Role.MANAGER, Role.ADMIN),
            codes_left=accounts.recovery_codes_left(db.session, user),
            live_sessions=db.session.scalar(
                select(func.count(UserSession.id)).where(
                    UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
                )
            ),
        ),
        status,
    )


@bp.route("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user(user_id: int) -> tuple[str, int]:
    """One account: its second step, and disabling it."""
    return _account_page(_account_or_404(user_id), ReasonForm(formdata=None))


def _act(user_id: int, action: Callable[[User], str]) -> Response:
    """A button on an account's page: ``action`` says what was done; a refusal is shown there."""
    account = _account_or_404(user_id)
    back = url_for("admin.user", user_id=user_id)
    if ConfirmForm().validate_on_submit():
        edge.refusal_returns_to(back)
        flash(action(account), "success")
    return redirect(back)


@bp.route("/users/<int:user_id>/second-step/reset", methods=["POST"])
@roles_required(Role.ADMIN)
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGN_IN"])
def reset_second_step(user_id: int) -> ResponseReturnValue:
    """Lost phone: clear the second step; they set it up again when they next sign in.
    Resetting one's own needs one's password."""
    account = _account_or_404(user_id)
    form = PasswordCheckForm()
    own = account.id == current_account().id
    if own and not form.validate_on_submit():
        return _account_page(account, ReasonForm(formdata=None), 400, form)
    if not own and not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user", user_id=user_id))

    def refused(error: ServiceError) -> ResponseReturnValue:
        if isinstance(error, accounts.SignInRefused | accounts.SignInThrottled):
            # One's own password was not right (400), or tries are paused (429).
            form.password.errors = [str(error)]
            status = 429 if isinstance(error, accounts.SignInThrottled) else 400
            return _account_page(account, ReasonForm(formdata=None), status, form)
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=user_id))

    edge.on_refusal(refused)
    accounts.reset_second_factor(
        db.session,
        account,
        current_account(),
        form.password.data if own else None,
        client_address(),
        throttle_policy(),
    )
    flash(
        _(
            "The second step is reset. %(name)s is signed out everywhere and will set it up "
            "again when they next sign in.",
            name=account.name,
        ),
        "success",
    )
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/failed-tries/clear", methods=["POST"])
@roles_required(Role.ADMIN)
def clear_failed_tries(user_id: int) -> Response:
    """End any sign-in pause on an account (after checking it is really them asking)."""

    def clear(account: User) -> str:
        accounts.clear_failed_tries(db.session, account, current_account())
        return _("The pause is ended for %(name)s. Their failed tries no longer count.",
                 name=account.name)  # fmt: skip

    return _act(user_id, clear)


@bp.route("/users/<int:user_id>/second-step/off", methods=["POST"])
@roles_required(Role.ADMIN)
def second_step_off(user_id: int) -> ResponseReturnValue:
    """Switch the second step off for one staff or advocate account, with a reason."""
    account = _account_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _account_page(account, form, 400)

    def refused(error: ServiceError) -> tuple[str, int]:
        form.reason.errors = [str(error)]
        return _account_page(account, form, 400)

    edge.on_refusal(refused)
    accounts.switch_off_second_factor(
        db.session, account, current_account(), form.reason.data or ""
    )
    flash(_("The second step is off for %(name)s. The reason is recorded.", name=account.name),
          "success")  # fmt: skip
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/second-step/on", methods=["POST"])
@roles_required(Role.ADMIN)
def second_step_on(user_id: int) -> Response:
    """Back to the default: they set up the second step when they next sign in."""

    def switch_on(account: User) -> str:
        accounts.switch_on_second_factor(db.session, account, current_account())
        return _("The second step is on again for %(name)s.", name=account.name)

    return _act(user_id, switch_on)


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@roles_required(Role.ADMIN)
def disable(user_id: int) -> Response:
    """Disable an account: it cannot sign in, and its sessions end now."""

    def off(account: User) -> str:
        accounts.set_active(db.session, account, False, current_account())
        return _("%(name)s's account is disabled and signed out everywhere.", name=account.name)

    return _act(user_id, off)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.ADMIN)
def enable(user_id: int) -> Response:
    """Let a disabled account sign in again."""

    def on(account: User) -> str:
        accounts.set_active(db.session, account, True, current_account())
        return _("%(name)s's account is enabled again.", name=account.name)

    return _act(user_id, on)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required(Role.ADMIN)
def change_role(user_id: int) -> ResponseReturnValue:
    """Change an account's role: it takes effect on the account's next request."""
    account = _account_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _account_page(account, ReasonForm(formdata=None), 400, role_form=form)

    def refused(error: ServiceError) -> tuple[str, int]:
        form.role.errors = [str(error)]
        return _account_page(account, ReasonForm(formdata=None), 400, role_form=form)

    edge.on_refusal(refused)
    accounts.change_role(db.session, account, form.role.data or "", current_account())
    flash(_("%(name)s's role is changed. It counts from their next click.", name=account.name),
          "success")  # fmt: skip
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/pin", methods=["POST"])
@roles_required(Role.ADMIN)
def set_pin(user_id: int) -> ResponseReturnValue:
    """Set or reset an account's tablet PIN: the old PIN stops working at once."""
    account = _account_or_404(user_id)
    form = PinForm()
    if not form.validate_on_submit():
        return _account_page(account, ReasonForm(formdata=None), 400, pin_form=form)

    def refused(error: ServiceError) -> tuple[str, int]:
        form.pin.errors = [str(error)]
        return _account_page(account, ReasonForm(formdata=None), 400, pin_form=form)

    edge.on_refusal(refused)
    accounts.set_pin(db.session, account, form.pin.data or "", actor=current_account())
    flash(_("The tablet PIN for %(name)s is set. Tell them the new PIN in person.",
            name=account.name), "success")  # fmt: skip
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> ResponseReturnValue:
    """Give a temporary password: they are signed out everywhere and choose a new password
    when they next sign in."""
    account = _account_or_404(user_id)
    form = TemporaryPasswordForm()
    if not form.validate_on_submit():
        return _account_page(account, ReasonForm(formdata=None), 400, temporary_form=form)

    def refused(error: ServiceError) -> tuple[str, int]:
        form.temporary_password.errors = [str(error)]
        return _account_page(account, ReasonForm(formdata=None), 400, temporary_form=form)

    edge.on_refusal(refused)
    accounts.reset_password(
        db.session, account, form.temporary_password.data or "", current_account()
    )
    flash(
        _(
            "The password for %(name)s is reset and they are signed out everywhere. They "
            "choose a new password when they next sign in.",
            name=account.name,
        ),
        "success",
    )
    return redirect(url_for("admin.user", user_id=user_id), code=303)
