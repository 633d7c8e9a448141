"""A forgotten password (issue 18): ask for a link, follow it, choose a new password.

On the sign-in blueprint. Asking always gets the same answer (whether the address has an
account is never shown). The link's address carries its token once: the first visit keeps the
token in the signed session cookie and moves to an address without it (so it is not in the
browser's history or a Referer), and ``redaction.py`` keeps it out of server logs.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...extensions import db, limiter
from ...forms.password_reset import ForgottenPasswordForm, NewPasswordForm
from ...services.accounts import password_reset
from .. import edge
from .auth import bp, client_address

TOKEN = "password_reset_token"  # noqa: S105 - the session key, not a secret


def _limit() -> str:
    return str(current_app.config["RATELIMIT_SIGN_IN"])


@bp.route("/sign-in/forgotten", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def forgotten() -> ResponseReturnValue:
    """Ask for a link to set a new password."""
    form = ForgottenPasswordForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/forgotten.html", form=form), status
    password_reset.request_reset(db.session, form.email.data or "", client_address())
    return render_template("auth/forgotten_sent.html", minutes=password_reset.minutes())


@bp.route("/sign-in/new-password/<token>")
@limiter.limit(_limit)
def new_password_link(token: str) -> ResponseReturnValue:
    """The link from the email: keep its token in the session, move to a plain address."""
    session.pop(TOKEN, None)
    edge.on_refusal(_link_problem)
    password_reset.check_token(db.session, token)
    session[TOKEN] = token
    return redirect(url_for("auth.new_password"), code=303)


def _link_problem(problem: object) -> tuple[str, int]:
    return render_template("auth/reset_link_problem.html", problem=str(problem)), 410


def _new_password_page(form: NewPasswordForm, error: str | None = None) -> tuple[str, int]:
    if error:
        form.form_errors.append(error)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/new_password.html", form=form), status


@bp.route("/sign-in/new-password", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def new_password() -> ResponseReturnValue:
    """Choose the new password; every session of the account then ends."""
    token = session.get(TOKEN)
    if not isinstance(token, str):
        return _link_problem(password_reset.LINK_PROBLEM)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        edge.on_refusal(_link_problem)
        password_reset.check_token(db.session, token)
        return _new_password_page(form)
    edge.on_refusal(
        lambda problem: (
            _link_problem(problem)
            if str(problem) == str(password_reset.LINK_PROBLEM)
            else _new_password_page(form, str(problem))
        )
    )
    password_reset.set_new_password(
        db.session, token, form.password.data or "", form.confirm.data or ""
    )
    session.clear()
    flash(_("Your new password is set. Please sign in with it."), "success")
    return redirect(url_for("auth.sign_in"), code=303)
