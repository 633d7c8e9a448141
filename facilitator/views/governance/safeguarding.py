"""Safety flags for the safeguarding lead: open flags at once, cleared only by a recorded decision.

Safeguarding leads (any account marked as one), managers and administrators reach these pages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import current_account
from ...extensions import db, htmx, login_manager
from ...forms.governance import SafetyDecisionForm
from ...services import ServiceError, audit
from ...services.governance import safeguarding, today
from .. import edge
from .common import done, step

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


def _page(flag_id: int, error: ServiceError | None = None) -> Any:
    session = db.session
    flag = safeguarding.get_flag(session, flag_id)
    return render_template(
        "governance/safety_flag.html",
        f=safeguarding.view(session, flag),
        decisions=safeguarding.decisions(session, flag),
        actions=[a.value for a in safeguarding.SafetyAction],
        today=today(),
        error=error,
    )


@bp.route("/flags/<int:flag_id>")
def flag(flag_id: int) -> Any:
    """One flag: the person's answer, what has been done, and the decision form."""
    session = db.session
    found = safeguarding.get_flag(session, flag_id)
    audit.record(
        session, "safety_flag.viewed", actor=current_account(), obj=found, person_id=found.person_id
    )
    edge.keep_trace()  # who opened the flag
    return _page(flag_id)


@bp.route("/flags/<int:flag_id>/decision", methods=["POST"])
def decision(flag_id: int) -> Any:
    """Record what was done; clearing the flag needs this."""
    found = safeguarding.get_flag(db.session, flag_id)
    form = step(SafetyDecisionForm(), lambda error: _page(flag_id, error))
    safeguarding.record_decision(db.session, found, actor=current_account(), **form.arguments())
    message = (
        _("The decision is recorded and the flag is cleared.")
        if form.clears.data
        else _("The decision is recorded. The flag stays open.")
    )
    return done(message, "safeguarding.flag", flag_id=flag_id)
