"""The register of differing views, and each one's parties, route and outcome."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...forms.governance import (
    DifferingViewForm,
    OutcomeForm,
    PartyForm,
    RegisterFilterForm,
    RouteForm,
    VersionForm,
    WrittenResponseForm,
)
from ...models import (
    CapacityAssessment,
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingRoute,
    OutcomeCode,
    PartyKind,
    Response,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
)
from ...prompts.library import load_library
from ...services import ServiceError, audit, reviews
from ...services.governance import differing, differing_parties
from ...services.reporting.dashboard import services
from ...services.reviews.current import not_superseded
from .. import edge
from . import bp
from .common import done, step


@bp.route("/differing-views")
def differing_register() -> Any:
    """Open items first, oldest at the top, each with its age (a filter not on a list is 400)."""
    chosen = RegisterFilterForm(formdata=request.args)
    cases = differing.register(db.session, **chosen.arguments())
    return render_template(
        "governance/differing_register.html",
        cases=cases,
        routes=[r.value for r in DifferingRoute],
        statuses=[s.value for s in CaseStatus],
        services=services(db.session),
        chosen=chosen,
    )


def _person_responses(review: Review) -> list[Response]:
    return list(
        db.session.scalars(
            select(Response)
            .where(
                Response.review_id == review.id,
                Response.skipped.is_(False),
                not_superseded(Response, review_ids=review.id),
            )
            .order_by(Response.review_prompt_id, Response.id)
        )
    )


@bp.route("/differing-views/new", methods=["GET", "POST"])
def differing_new() -> Any:
    """Open a differing view from the register (one raised in a meeting, for example)."""
    # The review comes in the address (from the list of reviews) or the form.
    form = DifferingViewForm(formdata=request.values)
    if form.review_id.data is None:
        ready = db.session.scalars(
            select(Review)
            .where(Review.status.in_([ReviewStatus.PERSON_DONE, ReviewStatus.CLOSED]))
            .order_by(Review.scheduled_for.desc())
            .limit(200)
        ).all()
        return render_template("governance/differing_new.html", review=None, ready=ready)
    review = reviews.get_review(db.session, form.review_id.data)

    def page(error: ServiceError | None = None) -> Any:
        library = load_library()
        topics = [library.topic(t) for t in dict.fromkeys(rp.topic_id for rp in review.prompts)]
        return render_template(
            "governance/differing_new.html",
            review=review,
            topics=topics,
            responses=_person_responses(review),
            error=error,
        )

    if request.method == "GET":
        return page()
    step(form, page)
    view = differing.open_view(
        db.session, review, actor=current_account(), **form.arguments("review_id")
    )
    return done(
        _("The differing view is on the register. Add the other parties next."),
        "governance.differing_case",
        view_id=view.id,
    )


def _case_page(view_id: int, error: ServiceError | None = None) -> Any:
    session = db.session
    case = differing.case(session, differing.get(session, view_id))
    review = case.review
    contributions = list(
        session.scalars(
            select(Contribution)
            .join(Review, Review.id == Contribution.review_id)
            .where(
                Review.person_id == case.person.id,
                Contribution.status == ContributionStatus.SUBMITTED,
            )
            .order_by(Contribution.review_id.desc(), Contribution.id)
        )
    )
    supporters = list(
        session.scalars(
            select(Supporter).where(Supporter.person_id == case.person.id).order_by(Supporter.name)
        )
    )
    staff = list(
        session.scalars(
            select(User)
            .where(User.active.is_(True), User.role != Role.ADVOCATE)
            .order_by(User.name)
        )
    )
    in_parties = {(p.row.kind, p.row.supporter_id, p.row.user_id) for p in case.parties}
    # For the coded outcome: the supporters among the parties, the person's assessments.
    assessments = list(
        session.scalars(
            select(CapacityAssessment)
            .where(CapacityAssessment.person_id == case.person.id)
            .order_by(CapacityAssessment.assessed_on.desc(), CapacityAssessment.id.desc())
        )
    )
    return render_template(
        "governance/differing_case.html",
        case=case,
        review=review,
        responses=_person_responses(review),
        contributions=contributions,
        supporters=supporters,
        staff=staff,
        in_parties=in_parties,
        routes=[r.value for r in DifferingRoute],
        people={u.id: u for u in staff},
        error=error,
        PartyKind=PartyKind,
        outcome_codes=[c.value for c in OutcomeCode],
        party_supporters=[p.supporter for p in case.parties if p.supporter is not None],
        assessments=assessments,
        assessment_by_id={a.id: a for a in assessments},
    )


@bp.route("/differing-views/<int:view_id>")
def differing_case(view_id: int) -> Any:
    """One differing view: who differs, what each said, route, outcome."""
    view = differing.get(db.session, view_id)
    audit.record(
        db.session,
        "differing_view.viewed",
        actor=current_account(),
        obj=view,
        person_id=differing_parties.review_of(db.session, view).person_id,
    )
    edge.keep_trace()  # who opened the differing view
    return _case_page(view_id)


def _refused(view_id: int) -> Any:
    return lambda error: _case_page(view_id, error)


def _done(message: str, view_id: int) -> Any:
    return done(message, "governance.differing_case", view_id=view_id)


@bp.route("/differing-views/<int:view_id>/parties", methods=["POST"])
def differing_add_party(view_id: int) -> Any:
    """Add a party with what they said."""
    view = differing.get(db.session, view_id)
    form = step(PartyForm(), _refused(view_id))
    differing_parties.add_party(db.session, view, actor=current_account(), **form.arguments())
    return _done(_("The party was added."), view_id)


@bp.route("/differing-views/<int:view_id>/parties/<int:party_id>/remove", methods=["POST"])
def differing_remove_party(view_id: int, party_id: int) -> Any:
    """Remove a party added by mistake."""
    view = differing.get(db.session, view_id)
    form = step(VersionForm(), _refused(view_id))
    differing_parties.remove_party(
        db.session, view, party_id, actor=current_account(), **form.arguments()
    )
    return _done(_("The party was removed."), view_id)


@bp.route("/differing-views/<int:view_id>/route", methods=["POST"])
def differing_route(view_id: int) -> Any:
    """Choose or change the route."""
    view = differing.get(db.session, view_id)
    form = step(RouteForm(), _refused(view_id))
    differing.set_route(db.session, view, actor=current_account(), **form.arguments())
    return _done(_("The route was saved."), view_id)


@bp.route("/differing-views/<int:view_id>/written-response", methods=["POST"])
def differing_written_response(view_id: int) -> Any:
    """The written response to the advocate's formal report was sent."""
    view = differing.get(db.session, view_id)
    form = step(WrittenResponseForm(), _refused(view_id))
    differing.record_written_response(db.session, view, actor=current_account(), **form.arguments())
    return _done(_("The written response was recorded."), view_id)


@bp.route("/differing-views/<int:view_id>/resolve", methods=["POST"])
def differing_resolve(view_id: int) -> Any:
    """Record the outcome, the reasoning, who decided and when."""
    view = differing.get(db.session, view_id)
    form = step(OutcomeForm(), _refused(view_id))
    differing.resolve(db.session, view, actor=current_account(), **form.arguments())
    return _done(_("The outcome was recorded."), view_id)
