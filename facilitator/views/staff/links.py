"""Staff: family links for a review (issue, reissue, revoke) and consent on another basis."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.family import IssueLinkForm, OtherBasisForm, RevokeLinkForm
from ...models import (
    ADVOCATE_ROLES,
    ConsentBasis,
    ConsentDecision,
    InvitationLink,
    Review,
    Supporter,
)
from ...services import people
from ...services.family import links
from ...services.reviews import consent
from ...services.reviews.person_first import person_views_done
from .. import edge
from ..lookup import review_or_404

bp = Blueprint("links", __name__, url_prefix="/staff/reviews/<int:review_id>/links")


def _supporter(review: Review, supporter_id: int) -> Supporter:
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None or supporter.person_id != review.person_id:
        abort(404)
    return supporter


def _supporters(review: Review) -> list[Supporter]:
    return list(
        db.session.scalars(
            select(Supporter)
            .where(Supporter.person_id == review.person_id, Supporter.active.is_(True))
            .order_by(Supporter.name)
        )
    )


def _linkable(supporters: list[Supporter]) -> list[Supporter]:
    return [s for s in supporters if s.role not in ADVOCATE_ROLES]


def _index_context(review: Review) -> dict[str, Any]:
    supporters = _supporters(review)
    summaries = links.links_for_review(db.session, review)
    latest: dict[int, links.LinkSummary] = {}
    for summary in summaries:
        latest.setdefault(summary.supporter.id, summary)
    return {
        "review": review,
        "person": review.person,
        "flag": people.communication_flag(review.person),
        "supporters": supporters,
        "linkable": {s.id for s in _linkable(supporters)},
        "latest": latest,
        "history": summaries,
        "consents": consent.consents_for_review(db.session, review),
        "person_done": person_views_done(db.session, review),
        "closed": review.status == "closed",
        "revoke_form": RevokeLinkForm(),
    }


@bp.route("")
@roles_required(*STAFF_ROLES)
def index(review_id: int) -> str:
    """Each supporter's link with its state, and what the person agreed to share."""
    review = review_or_404(review_id)
    return render_template("links/index.html", form=IssueLinkForm(), **_index_context(review))


@bp.route("/issue", methods=["POST"])
@roles_required(*STAFF_ROLES)
def issue(review_id: int) -> ResponseReturnValue:
    """Issue (or reissue) a link; the link and code are shown on this page once, only."""
    review = review_or_404(review_id)
    form = IssueLinkForm()
    form.supporter_id.choices = [
        SelectChoice(str(s.id), s.name) for s in _linkable(_supporters(review))
    ]
    if not form.validate_on_submit():
        flash(_("Choose who the link is for, and how they confirm it is them."), "error")
        return redirect(url_for("links.index", review_id=review.id))
    supporter = _supporter(review, int(form.supporter_id.data or 0))
    edge.refusal_returns_to(url_for("links.index", review_id=review.id), code=302)
    issued = links.issue_link(
        db.session,
        review,
        supporter,
        current_account(),
        verifier="email" if form.verifier.data == "email" else "code",
    )
    return render_template(
        "links/issued.html",
        review=review,
        person=review.person,
        supporter=supporter,
        issued=issued,
        url=url_for("family.open_link", token=issued.token, _external=True),
    )


@bp.route("/<int:link_id>/revoke", methods=["POST"])
@roles_required(*STAFF_ROLES)
def revoke(review_id: int, link_id: int) -> Response:
    """Stop a link working now."""
    review = review_or_404(review_id)
    link = db.session.get(InvitationLink, link_id)
    if link is None or link.review_id != review.id:
        abort(404)
    if RevokeLinkForm().validate_on_submit():
        links.revoke_link(db.session, link, current_account())
        flash(_("The link has been stopped. It no longer works."), "success")
    return redirect(url_for("links.index", review_id=review.id))


@bp.route("/consent/<int:supporter_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def other_basis(review_id: int, supporter_id: int) -> ResponseReturnValue:
    """Record a basis other than the person's own choice, with the reason written down."""
    review = review_or_404(review_id)
    supporter = _supporter(review, supporter_id)
    holders = {
        basis: consent.authority_holders(db.session, review, basis)
        for basis in (ConsentBasis.ATTORNEY, ConsentBasis.DEPUTY)
    }
    form = OtherBasisForm()
    unique = {h.id: h for found in holders.values() for h in found}
    form.authority_holder.choices = [
        SelectChoice("0", _("Not needed for a best-interests decision")),
        *(SelectChoice(str(s.id), s.name) for s in unique.values()),
    ]

    def page(error: str | None = None) -> str:
        if error:
            form.form_errors.append(error)
        return render_template(
            "links/consent.html",
            form=form,
            review=review,
            person=review.person,
            supporter=supporter,
            history=consent.consent_history(db.session, review, supporter),
            holders=holders,
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if form.validate_on_submit():
        holder = None
        if form.authority_holder.data:
            holder = _supporter(review, int(form.authority_holder.data))
        consent.record_other_basis(
            db.session,
            review,
            supporter,
            ConsentBasis(form.basis.data),
            form.reason.data or "",
            current_account(),
            decision=ConsentDecision(form.decision.data or "yes"),
            authority_holder=holder,
        )
        flash(_("The decision and its reason are recorded."), "success")
        return redirect(url_for("links.index", review_id=review.id))
    return page(), 400 if form.is_submitted() else 200
