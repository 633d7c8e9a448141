"""Staff: the layers below the person's panel on the review page.

``layers_context`` gives the partial ``layers/_layers.html`` what it needs; the staff review
page includes it after the person's own panel. The two POST routes add a staff note and open
a differing-view record from a supporter's contribution (CSRFProtect checks every POST).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.staff import DifferingFromContributionForm, StaffNoteForm
from ...models import CaseStatus, Contribution, DifferingView, Review, ReviewStatus
from ...services.reviews import contributions
from ...services.reviews.person_first import person_views_done
from .. import edge
from ..lookup import review_or_404

bp = Blueprint("layers", __name__, url_prefix="/staff/reviews/<int:review_id>/layers")


def layers_context(session: Session, review: Review) -> dict[str, Any]:
    """Template context for ``layers/_layers.html``: each topic's layers, and which
    contributions already have an open differing-view record."""
    open_views = session.scalars(
        select(DifferingView.contribution_id).where(
            DifferingView.review_id == review.id, DifferingView.status == CaseStatus.OPEN
        )
    )
    return {
        "layers": contributions.layers_for_review(session, review),
        "differing_open": {cid for cid in open_views if cid is not None},
        "layer_topics": contributions.review_topics(review),
        "layers_open": review.status != ReviewStatus.CLOSED and person_views_done(session, review),
    }


def _back(review: Review) -> str:
    """Where a note or a differing view goes back to: the layers on the review page."""
    return url_for("staff.review", review_id=review.id) + "#layers-title"


@bp.route("/note", methods=["POST"])
@roles_required(*STAFF_ROLES)
def note(review_id: int) -> ResponseReturnValue:
    """Add a staff note on a topic or on the whole review."""
    review = review_or_404(review_id)
    back = _back(review)
    edge.refusal_returns_to(back, code=302)  # these buttons always answered 302
    form = StaffNoteForm()
    if sent(form):
        topic = form.topic.data or None
        contributions.add_staff_note(
            db.session,
            review,
            current_account(),
            None if topic == "whole-review" else topic,
            {"note": form.note.data},
        )
        flash(_("Your note is added to the staff layer."), "success")
    return redirect(back)


@bp.route("/differing/<int:contribution_id>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def differing(review_id: int, contribution_id: int) -> ResponseReturnValue:
    """Open a differing-view record from a supporter's contribution."""
    review = review_or_404(review_id)
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.review_id != review.id:
        abort(404)
    back = _back(review)
    edge.refusal_returns_to(back, code=302)  # these buttons always answered 302
    form = DifferingFromContributionForm()
    if sent(form):
        contributions.open_differing_view(
            db.session,
            review,
            contribution.topic_id,
            contribution,
            current_account(),
            form.summary.data,
        )
        flash(_("The differing view is recorded as open."), "success")
    return redirect(back)
