"""The register of differing views, and each one's parties, route and outcome."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...models import (
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingRoute,
    PartyKind,
    Response,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
)
from ...prompts.library import load_library
from ...services import NotFound, ServiceError, audit
from ...services.governance import differing
from ...services.reporting.dashboard import services
from ...services.reviews.current import not_superseded
from ..lookup import review_or_404
from . import bp
from .common import form_date, form_int, form_ints, refused, saved


@bp.route("/differing-views")
def differing_register() -> Any:
    """Open items first, oldest at the top, each with its age."""
    args = request.args
    try:
        cases = differing.register(
            db.session,
            status=args.get("status") or None,
            route=args.get("route") or None,
            service=args.get("service") or None,
        )
    except ServiceError:
        abort(400)
    return render_template(
        "governance/differing_register.html",
        cases=cases,
        routes=[r.value for r in DifferingRoute],
        statuses=[s.value for s in CaseStatus],
        services=services(db.session),
        args=args,
    )


def _review_or_404(review_id: int | None) -> Review:
    return review_or_404(review_id or 0)


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
    review_id = form_int("review_id", request.values)
    if review_id is None:
        ready = db.session.scalars(
            select(Review)
            .where(Review.status.in_([ReviewStatus.PERSON_DONE, ReviewStatus.CLOSED]))
            .order_by(Review.scheduled_for.desc())
            .limit(200)
        ).all()
        return render_template("governance/differing_new.html", review=None, ready=ready)
    review = _review_or_404(review_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            view = differing.open_view(
                db.session,
                review,
                actor=current_account(),
                summary=request.form.get("summary"),
                topic_id=request.form.get("topic_id") or None,
                about_wishes=request.form.get("about_wishes") == "yes",
                response_ids=form_ints("response_ids"),
            )
            return saved(
                _("The differing view is on the register. Add the other parties next."),
                "governance.differing_case",
                view_id=view.id,
            )
        except ServiceError as problem:
            error, status = refused(problem)
    library = load_library()
    topics = [library.topic(t) for t in dict.fromkeys(rp.topic_id for rp in review.prompts)]
    return render_template(
        "governance/differing_new.html",
        review=review,
        topics=topics,
        responses=_person_responses(review),
        error=error,
    ), status


def _case_or_404(view_id: int) -> differing.Case:
    try:
        return differing.case(db.session, differing.get(db.session, view_id))
    except NotFound:
        abort(404)


def _case_page(case: differing.Case, error: str | None = None, status: int = 200) -> Any:
    session = db.session
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
    ), status


@bp.route("/differing-views/<int:view_id>")
def differing_case(view_id: int) -> Any:
    """One differing view: who differs, what each said, route, outcome."""
    case = _case_or_404(view_id)
    audit.record(
        db.session,
        "differing_view.viewed",
        actor=current_account(),
        obj=case.view,
        person_id=case.person.id,
    )
    db.session.commit()
    return _case_page(case)


def _change(view_id: int, change: Any, message: str) -> Any:
    case = _case_or_404(view_id)
    try:
        change(case.view)
    except ServiceError as problem:
        error, status = refused(problem)
        return _case_page(_case_or_404(view_id), error, status)
    return saved(message, "governance.differing_case", view_id=view_id)


@bp.route("/differing-views/<int:view_id>/parties", methods=["POST"])
def differing_add_party(view_id: int) -> Any:
    """Add a party with what they said."""
    form = request.form
    return _change(
        view_id,
        lambda view: differing.add_party(
            db.session,
            view,
            actor=current_account(),
            version=form.get("version"),
            kind=form.get("kind", ""),
            supporter_id=form_int("supporter_id"),
            user_id=form_int("user_id"),
            position=form.get("position"),
            response_ids=form_ints("response_ids"),
            contribution_ids=form_ints("contribution_ids"),
        ),
        _("The party was added."),
    )


@bp.route("/differing-views/<int:view_id>/parties/<int:party_id>/remove", methods=["POST"])
def differing_remove_party(view_id: int, party_id: int) -> Any:
    """Remove a party added by mistake."""
    return _change(
        view_id,
        lambda view: differing.remove_party(
            db.session, view, party_id, actor=current_account(), version=request.form.get("version")
        ),
        _("The party was removed."),
    )


@bp.route("/differing-views/<int:view_id>/route", methods=["POST"])
def differing_route(view_id: int) -> Any:
    """Choose or change the route."""
    form = request.form
    return _change(
        view_id,
        lambda view: differing.set_route(
            db.session,
            view,
            actor=current_account(),
            version=form.get("version"),
            route=form.get("route", ""),
            response_due_on=form_date("response_due_on"),
            report_received_on=form_date("report_received_on"),
        ),
        _("The route was saved."),
    )


@bp.route("/differing-views/<int:view_id>/written-response", methods=["POST"])
def differing_written_response(view_id: int) -> Any:
    """The written response to the advocate's formal report was sent."""
    return _change(
        view_id,
        lambda view: differing.record_written_response(
            db.session,
            view,
            actor=current_account(),
            version=request.form.get("version"),
            sent_on=form_date("sent_on"),
        ),
        _("The written response was recorded."),
    )


@bp.route("/differing-views/<int:view_id>/resolve", methods=["POST"])
def differing_resolve(view_id: int) -> Any:
    """Record the outcome, the reasoning, who decided and when."""
    form = request.form
    return _change(
        view_id,
        lambda view: differing.resolve(
            db.session,
            view,
            actor=current_account(),
            version=form.get("version"),
            outcome=form.get("outcome"),
            reasoning=form.get("reasoning"),
            decision_maker=form.get("decision_maker"),
            decided_on=form_date("decided_on"),
        ),
        _("The outcome was recorded."),
    )
