"""Your notices (issue 18): which optional messages you get. Safety alerts and password resets
are not optional, and the page says so. On the sign-in blueprint, beside Your account."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ...auth import current_account
from ...extensions import db
from ...forms.password_reset import NoticeChoicesForm
from ...services.messages import compose, notices
from .. import edge
from .auth import bp


def _page(form: NoticeChoicesForm, error: str | None = None) -> tuple[str, int]:
    if error:
        form.form_errors.append(error)
    return (
        render_template(
            "auth/notices.html",
            form=form,
            choices=notices.choices(db.session, current_account()),
            labels=compose.OPTIONAL_LABELS,
        ),
        400 if error else 200,
    )


@bp.route("/account/notices", methods=["GET", "POST"])
@login_required
def notice_choices() -> ResponseReturnValue:
    """Tick the notices you want; the rest stop (safety alerts never do)."""
    form = NoticeChoicesForm()
    if not form.validate_on_submit():
        return _page(form)
    edge.on_refusal(lambda refusal: _page(form, str(refusal)))
    notices.set_choices(db.session, current_account(), form.wanted.data or [])
    flash(_("Your choices are saved."), "success")
    return redirect(url_for("auth.notice_choices"), code=303)
