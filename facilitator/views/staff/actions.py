"""Staff: turn what the person said into outcome actions, each tracing back to their words.

The builder works as a plain form; htmx adds the easy-read advice while the easy-read text
is typed (the same ``_advice.html`` partial is shown in the page after a submit).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.staff import ActionForm, ActionStatusForm, AdviceForm
from ...models import ActionStatus, OutcomeAction, Review, Role, User
from ...prompts.library import load_library
from ...services import people, reviews
from ...services.reviews import actions, person_first
from ...services.reviews.actions import ConflictError
from .. import edge
from ..lookup import review_or_404

bp = Blueprint("actions", __name__, url_prefix="/staff/reviews/<int:review_id>/actions")
overview = Blueprint("actions_overview", __name__, url_prefix="/staff/actions")

STATUS_LABELS = {
    ActionStatus.PLANNED: _l("planned"),
    ActionStatus.IN_PROGRESS: _l("in progress"),
    ActionStatus.DONE: _l("done"),
    ActionStatus.NOT_DONE: _l("not done"),
}


@bp.app_template_global("action_status_label")
def action_status_label(value: str) -> str:
    """An action's status in words, in the page's language."""
    try:
        return str(STATUS_LABELS[ActionStatus(value)])
    except ValueError:
        return value


@bp.app_template_filter("days")
def days(value: timedelta | None) -> str:
    """A time span in whole days ('under a day' when shorter), or 'none yet'."""
    if value is None:
        return _("none yet")
    if value < timedelta(days=1):
        return _("under a day")
    return ngettext("%(num)d day", "%(num)d days", value.days)


def _action_or_404(review: Review, action_id: int) -> OutcomeAction:
    """The review's action (a missing one, or another review's, is NotFound: a 404)."""
    return actions.get_action(db.session, review, action_id)


def _at(review: Review, action: OutcomeAction) -> str:
    return url_for("actions.builder", review_id=review.id) + f"#action-{action.id}"


def _staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.STAFF, Role.MANAGER]))
            .order_by(User.name)
        )
    )


def _lang(review: Review) -> str:
    lang = review.person.language
    return lang if lang in load_library().languages else "en"


def _page(review: Review, **extra: Any) -> dict[str, Any]:
    """What the builder page shows around the form."""
    session = db.session
    library = load_library()
    form = extra.pop("form", None) or {}
    return {
        "review": review,
        "person": review.person,
        "flag": people.communication_flag(review.person),
        "library": library,
        "person_done": person_first.person_views_done(session, review),
        "statements": actions.statements(session, review),
        "action_list": actions.actions_for_review(session, review),
        "unanswered": actions.unanswered_statements(session, review),
        "figures": actions.figures_for_review(session, review),
        "pictures": sorted(library.pictures),
        "owners": _staff_users(),
        "users": {u.id: u for u in session.scalars(select(User))},
        "statuses": list(ActionStatus),
        "form": form,
        "advice": actions.easy_read_advice(
            form.get("easy_read_text", ""), _lang(review), form.get("picture") or None
        )
        if form
        else None,
        "advice_lang": _lang(review),
        "typed": bool(form and form.get("easy_read_text", "").strip()),
        "easy_read_advice": actions.easy_read_advice,
        "today": date.today(),
        **extra,
    }


@bp.route("/", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def builder(review_id: int) -> ResponseReturnValue:
    """Pick the person's statements and write an action; the actions so far; figures."""
    review = review_or_404(review_id)
    form = ActionForm()

    def page(error: str | None) -> str:
        typed = form.typed() if form.is_submitted() else None
        return render_template("actions/builder.html", **_page(review, form=typed, error=error))

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        action = actions.create_action(
            db.session, review, form.action_input(), actor=current_account()
        )
        if actions.easy_read_advice(action.easy_read_text, _lang(review), action.picture):
            flash(
                _("The action is saved. The easy-read check has advice on it: see below."),
                "warning",
            )
        else:
            flash(_("The action is saved."), "success")
        return redirect(_at(review, action), code=303)
    return page(None)


@bp.route("/advice", methods=["POST"])
@roles_required(*STAFF_ROLES)
def advice(review_id: int) -> str:
    """The easy-read advice for the text being typed (the htmx partial)."""
    review = review_or_404(review_id)
    form = AdviceForm()
    typed = form.easy_read_text.data or ""
    return render_template(
        "actions/_advice.html",
        advice=actions.easy_read_advice(typed, _lang(review), form.picture.data or None),
        typed=bool(typed.strip()),
    )


@bp.route("/<int:action_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit(review_id: int, action_id: int) -> ResponseReturnValue:
    """Change an action; a save from an old version shows both versions to choose from."""
    review = review_or_404(review_id)
    action = _action_or_404(review, action_id)
    form = ActionForm()

    def page(error: str | None, conflict: ConflictError | None = None) -> str:
        typed = form.typed() if form.is_submitted() else _form_from(action)
        context = _page(review, form=typed, error=error, conflict=conflict, action=action)
        return render_template("actions/edit.html", **context)

    edge.on_refusal(
        lambda refusal: page(str(refusal), refusal if isinstance(refusal, ConflictError) else None)
    )
    if sent(form):
        actions.update_action(
            db.session, action, form.action_input(), actor=current_account(),
            version=form.version.data,
        )  # fmt: skip
        flash(_("The action is saved."), "success")
        return redirect(_at(review, action), code=303)
    return page(None)


def _form_from(action: OutcomeAction) -> MultiDict[str, str]:
    """The action as it stands, in the shape of the form the page shows."""
    values = actions.snapshot(action)
    form: MultiDict[str, str] = MultiDict()
    for key in ("plain_text", "easy_read_text", "owner_name", "no_link_reason", "picture"):
        form[key] = values[key] or ""
    form["owner_user_id"] = str(values["owner_user_id"] or "")
    form["due_on"] = values["due_on"].isoformat() if values["due_on"] else ""
    form["version"] = str(values["version"])
    for statement_id in values["statement_ids"]:
        form.add("statement", str(statement_id))
    return form


@bp.route("/<int:action_id>/status", methods=["POST"])
@roles_required(*STAFF_ROLES)
def status(review_id: int, action_id: int) -> ResponseReturnValue:
    """Move an action on: planned, in progress, done, or not done with the reason."""
    review = review_or_404(review_id)
    action = _action_or_404(review, action_id)
    edge.refusal_returns_to(_at(review, action))
    form = ActionStatusForm()
    if sent(form):
        actions.set_status(
            db.session,
            action,
            form.status.data,
            actor=current_account(),
            version=form.version.data,
            reason=form.not_done_reason.data,
        )
        flash(_("The status is saved."), "success")
    return redirect(_at(review, action), code=303)


@overview.route("/overdue")
@roles_required(*STAFF_ROLES)
def overdue() -> str:
    """Actions past their date that are not done, across every review."""
    today = date.today()
    rows = actions.overdue_actions(db.session, today)
    review_ids = {a.review_id for a in rows}
    by_id = {r.id: r for r in (reviews.get_review(db.session, rid) for rid in sorted(review_ids))}
    figures = actions.figures_across(db.session)
    edge.keep_trace()  # the figures of reviews counted just now are kept
    return render_template(
        "actions/overdue.html",
        rows=rows,
        reviews_by_id=by_id,
        today=today,
        figures=figures,
    )
