"""Safety flags for the safeguarding lead: open flags at once, cleared only by a recorded decision.

Safeguarding leads (any account marked as one), managers and administrators reach these pages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import current_account
from ...extensions import db, htmx, login_manager
from ...services import NotFound, ServiceError, audit
from ...services.governance import safeguarding, today
from .common import form_date, refused, saved

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")


@bp.before_request
def _leads_only() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not safeguarding.may_decide(current_user.user):
        abort(403)
    return None


@bp.route("/")
def flags() -> Any:
    """Every open flag (the oldest first), and the latest cleared ones."""
    session = db.session
    context = {"open_flags": safeguarding.open_flags(session)}
    if htmx:
        # The list refreshes itself while the page is open, so a new flag shows at once.
        return render_template("governance/_flag_list.html", **context)
    return render_template(
        "governance/safeguarding.html",
        cleared=safeguarding.recently_cleared(session),
        **context,
    )


def _page(flag_id: int, error: str | None = None, status: int = 200) -> Any:
    session = db.session
    try:
        flag = safeguarding.get_flag(session, flag_id)
    except NotFound:
        abort(404)
    return render_template(
        "governance/safety_flag.html",
        f=safeguarding.view(session, flag),
        decisions=safeguarding.decisions(session, flag),
        actions=[a.value for a in safeguarding.SafetyAction],
        today=today(),
        error=error,
    ), status


@bp.route("/flags/<int:flag_id>")
def flag(flag_id: int) -> Any:
    """One flag: the person's answer, what has been done, and the decision form."""
    session = db.session
    try:
        found = safeguarding.get_flag(session, flag_id)
    except NotFound:
        abort(404)
    audit.record(
        session, "safety_flag.viewed", actor=current_account(), obj=found, person_id=found.person_id
    )
    session.commit()
    return _page(flag_id)


@bp.route("/flags/<int:flag_id>/decision", methods=["POST"])
def decision(flag_id: int) -> Any:
    """Record what was done; clearing the flag needs this."""
    session = db.session
    form = request.form
    try:
        found = safeguarding.get_flag(session, flag_id)
    except NotFound:
        abort(404)
    try:
        safeguarding.record_decision(
            session,
            found,
            actor=current_account(),
            version=form.get("version"),
            action=form.get("action", ""),
            detail=form.get("detail"),
            acted_on=form_date("acted_on"),
            referral_to=form.get("referral_to"),
            referral_reference=form.get("referral_reference"),
            clears=form.get("clears") == "yes",
        )
    except ServiceError as problem:
        error, status = refused(problem)
        return _page(flag_id, error, status)
    message = (
        _("The decision is recorded and the flag is cleared.")
        if form.get("clears") == "yes"
        else _("The decision is recorded. The flag stays open.")
    )
    return saved(message, "safeguarding.flag", flag_id=flag_id)
