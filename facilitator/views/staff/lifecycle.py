"""Staff: closing a review, reopening it (a manager), and the reviews due (issue 17).

The rules are in ``services/reviews/lifecycle.py``; a closed review refuses every write through
``services/reviews/frozen.py``, so no view here or elsewhere checks it.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...auth import GOVERNANCE_ROLES, STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.lifecycle import CloseReviewForm, ReopenReviewForm
from ...models import Review, User
from ...services import people
from ...services.reviews import lifecycle
from .. import edge
from ..lookup import review_or_404

bp = Blueprint("lifecycle", __name__, url_prefix="/staff")


def _close_page(review: Review, form: CloseReviewForm, error: str | None = None) -> str:
    closures = lifecycle.history(db.session, review)
    actors = {c.actor_id for c in closures if c.actor_id}
    return render_template(
        "lifecycle/close.html",
        review=review,
        person=review.person,
        flag=people.communication_flag(review.person),
        stages=lifecycle.stages(db.session, review),
        ready=lifecycle.readiness(db.session, review),
        closures=closures,
        names={u.id: u.name for u in (db.session.get(User, i) for i in actors) if u},
        form=form,
        error=error,
    )


@bp.route("/reviews/<int:review_id>/close", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def close(review_id: int) -> ResponseReturnValue:
    """Close the review: what was agreed and who agreed it, once everything is done."""
    review = review_or_404(review_id)
    form = CloseReviewForm()
    edge.on_refusal(lambda refusal: _close_page(review, form, str(refusal)))
    if sent(form):
        row = lifecycle.close_review(
            db.session,
            review,
            current_account(),
            lifecycle.Closing(
                summary=form.summary.data,
                agreed_by=form.agreed_by.data,
                unanswered_reason=form.unanswered_reason.data,
                not_shared_reason=form.not_shared_reason.data,
            ),
            provider_months=int(current_app.config.get("REVIEW_INTERVAL_MONTHS", 12)),
        )
        flash(_("The review is closed. Its record is final."), "success")
        if row.next_review_id:
            flash(_("The next review is planned."), "success")
        return redirect(url_for(".close", review_id=review.id), code=303)
    return _close_page(review, form)


@bp.route("/reviews/<int:review_id>/reopen", methods=["GET", "POST"])
@roles_required(*GOVERNANCE_ROLES)
def reopen(review_id: int) -> ResponseReturnValue:
    """Reopen a closed review: a manager, with a reason, shown on the record."""
    review = review_or_404(review_id)
    form = ReopenReviewForm()

    def page(error: str | None = None) -> str:
        return render_template(
            "lifecycle/reopen.html", review=review, person=review.person, form=form, error=error
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        lifecycle.reopen_review(db.session, review, current_account(), form.reason.data)
        flash(_("The review is open again. The reason is on its record."), "success")
        return redirect(url_for(".close", review_id=review.id), code=303)
    return page()


@bp.route("/reviews/due")
@roles_required(*STAFF_ROLES)
def due() -> str:
    """Reviews overdue or due in the next 8 weeks, soonest due first, a page at a time."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    today = date.today()
    found, total = lifecycle.due_reviews(db.session, today, page=page)
    return render_template(
        "lifecycle/due.html",
        reviews=found,
        total=total,
        today=today,
        page=page,
        pages=max(1, -(-total // lifecycle.PAGE_SIZE)),
    )
