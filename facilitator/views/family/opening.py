"""Opening a family link: the link's page, continuing from it, then the code sent separately.

Opening (GET) changes nothing and shows nobody. Continuing (POST) audits the use, starts a
session that holds only the link's id, and moves to an address without the token. The code
(or the email address on record) is asked for before anything personal is shown; a wrong one
is kept (``links.verify_code`` commits it) and the fifth in a row locks the link.
"""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import ngettext

from ...extensions import db, limiter
from ...forms.family import ConfirmCodeForm, ConfirmEmailForm, ContinueForm
from ...services import ServiceError
from ...services.family import links
from ...services.family import sessions as family_sessions
from .. import edge
from .family import bp, link_limit, load_access, start_session


@bp.route("/link/<token>", methods=["GET"])
@limiter.limit(link_limit)
def open_link(token: str) -> str:
    """What this link is for, and a button to continue. Changes nothing; shows nobody."""
    link = links.resolve_token(db.session, token)
    return render_template(
        "family/link.html", form=ContinueForm(), token=token, kind=links.verifier_kind(link)
    )


@bp.route("/link/<token>", methods=["POST"])
@limiter.limit(link_limit)
def continue_link(token: str) -> ResponseReturnValue:
    """Use the link: start a session for it and move to an address without the token."""
    form = ContinueForm()
    if not form.validate_on_submit():
        return render_template("family/link.html", form=form, token=token, kind="code"), 400
    start_session(links.open_link(db.session, token))
    return redirect(url_for("family.confirm"))


SecretForm = ConfirmCodeForm | ConfirmEmailForm


def _confirm_page(form: SecretForm, kind: str, refused: ServiceError | None = None) -> str:
    """The code page; after a wrong code, what was wrong and how many tries are left."""
    if isinstance(refused, links.CodeRefused):
        form.secret.errors = [
            *form.secret.errors,
            str(refused),
            ngettext(
                "You can try %(num)d more time before the link stops working.",
                "You can try %(num)d more times before the link stops working.",
                refused.attempts_left,
            ),
        ]
    return render_template("family/confirm.html", form=form, kind=kind)


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(link_limit)
def confirm() -> ResponseReturnValue:
    """Ask for the code (or email address) sent separately, before anything personal."""
    access = load_access(confirmed=False)
    kind = links.verifier_kind(access.link)
    form: SecretForm = ConfirmEmailForm() if kind == "email" else ConfirmCodeForm()
    if not form.validate_on_submit():
        return _confirm_page(form, kind), 400 if form.is_submitted() else 200
    edge.on_refusal(lambda refused: _confirm_page(form, kind, refused))
    family_sessions.confirm(db.session, g.family_session, access.link, form.secret.data or "")
    return redirect(url_for("family.review"))
