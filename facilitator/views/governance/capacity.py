"""Mental Capacity Act records: decision-specific assessments and best-interests decisions."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...models import (
    ConsulteeRole,
    DecisionArea,
    DifferingView,
    Person,
    Response,
    Review,
    Supporter,
)
from ...services import NotFound, ServiceError, audit, people
from ...services.governance import capacity
from ...services.reviews.current import not_superseded
from . import bp
from .common import form_date, form_int, refused, saved

YES_NO = {"yes": True, "no": False}


@bp.route("/capacity")
def capacity_list() -> Any:
    """Every assessment, newest first, with its best-interests record."""
    session = db.session
    return render_template(
        "governance/capacity_list.html",
        rows=capacity.assessments(session),
        people=people.all_current_people(session),
    )


def _person_or_404(person_id: int | None) -> Person:
    try:
        return people.get_person(db.session, person_id or 0)
    except NotFound:
        abort(404)


@bp.route("/capacity/new", methods=["GET", "POST"])
def capacity_new() -> Any:
    """Record an assessment where capacity is in doubt for one decision."""
    session = db.session
    person = _person_or_404(form_int("person_id", request.values))
    view_id = form_int("differing_view_id", request.values)
    review_id = form_int("review_id", request.values)
    view = session.get(DifferingView, view_id) if view_id else None
    review = session.get(Review, review_id) if review_id else None
    if view is not None and review is None:
        review = session.get(Review, view.review_id)
    error, status = None, 200
    form = request.form
    if request.method == "POST":
        try:
            record = capacity.assess(
                session,
                person,
                actor=current_account(),
                decision=form.get("decision"),
                area=form.get("area", ""),
                doubt_reason=form.get("doubt_reason"),
                steps_taken=form.get("steps_taken"),
                findings={n: YES_NO.get(form.get(n, "")) for n in capacity.FUNCTIONAL_TESTS},
                notes={n: form.get(f"{n}_note") for n in capacity.FUNCTIONAL_TESTS},
                impairment=form.get("impairment"),
                assessed_on=form_date("assessed_on"),
                review=review,
                differing_view=view,
            )
            return saved(
                _("The assessment is recorded."),
                "governance.capacity_case",
                assessment_id=record.id,
            )
        except ServiceError as problem:
            error, status = refused(problem)
    return render_template(
        "governance/capacity_new.html",
        person=person,
        view=view,
        review=review,
        areas=[a.value for a in DecisionArea],
        tests=capacity.FUNCTIONAL_TESTS,
        form=form,
        error=error,
    ), status


def _page(assessment_id: int, error: str | None = None, status: int = 200) -> Any:
    session = db.session
    try:
        assessment = capacity.get_assessment(session, assessment_id)
    except NotFound:
        abort(404)
    person = _person_or_404(assessment.person_id)
    record = capacity.best_interests_for(session, assessment)
    consultees = capacity.consultees(session, record) if record else []
    statements = list(
        session.execute(
            select(Response, Review)
            .join(Review, Review.id == Response.review_id)
            .where(
                Review.person_id == person.id,
                Response.skipped.is_(False),
                not_superseded(Response),
            )
            .order_by(Review.scheduled_for.desc(), Response.id)
        )
    )
    return render_template(
        "governance/capacity_case.html",
        a=assessment,
        person=person,
        record=record,
        wishes=capacity.wishes(session, record) if record else [],
        consultees=[(c, capacity.standing(session, c, assessment.area)) for c in consultees],
        statements=statements,
        supporters=list(session.scalars(select(Supporter).where(Supporter.person_id == person.id))),
        roles=[r.value for r in ConsulteeRole],
        tests=capacity.FUNCTIONAL_TESTS,
        error=error,
    ), status


@bp.route("/capacity/<int:assessment_id>")
def capacity_case(assessment_id: int) -> Any:
    """One assessment and, where the person lacks capacity, the best-interests record."""
    session = db.session
    try:
        assessment = capacity.get_assessment(session, assessment_id)
    except NotFound:
        abort(404)
    audit.record(
        session,
        "capacity.viewed",
        actor=current_account(),
        obj=assessment,
        person_id=assessment.person_id,
    )
    session.commit()
    return _page(assessment_id)


def _best_interests_change(assessment_id: int, change: Any, message: str) -> Any:
    session = db.session
    try:
        assessment = capacity.get_assessment(session, assessment_id)
    except NotFound:
        abort(404)
    try:
        record = capacity.best_interests_for(session, assessment)
        if record is None:
            raise ServiceError(_("Start the best-interests record first."))
        change(record)
    except ServiceError as problem:
        error, status = refused(problem)
        return _page(assessment_id, error, status)
    return saved(message, "governance.capacity_case", assessment_id=assessment_id)


@bp.route("/capacity/<int:assessment_id>/best-interests", methods=["POST"])
def best_interests_start(assessment_id: int) -> Any:
    """Start the best-interests record (only where the person lacks capacity)."""
    session = db.session
    try:
        assessment = capacity.get_assessment(session, assessment_id)
        capacity.start_best_interests(session, assessment, actor=current_account())
    except NotFound:
        abort(404)
    except ServiceError as problem:
        error, status = refused(problem)
        return _page(assessment_id, error, status)
    return saved(
        _("The best-interests record is started."),
        "governance.capacity_case",
        assessment_id=assessment_id,
    )


@bp.route("/capacity/<int:assessment_id>/best-interests/wishes-and-options", methods=["POST"])
def best_interests_update(assessment_id: int) -> Any:
    """The person's wishes, beliefs and values, and the less restrictive options."""
    form = request.form
    return _best_interests_change(
        assessment_id,
        lambda record: capacity.update_best_interests(
            db.session,
            record,
            actor=current_account(),
            version=form.get("version"),
            past_wishes=form.get("past_wishes"),
            present_wishes=form.get("present_wishes"),
            beliefs_values=form.get("beliefs_values"),
            less_restrictive=form.get("less_restrictive"),
        ),
        _("Saved."),
    )


@bp.route("/capacity/<int:assessment_id>/best-interests/statements", methods=["POST"])
def best_interests_link(assessment_id: int) -> Any:
    """Link one of the person's own statements."""
    return _best_interests_change(
        assessment_id,
        lambda record: capacity.link_wish(
            db.session,
            record,
            actor=current_account(),
            version=request.form.get("version"),
            response_id=form_int("response_id") or 0,
        ),
        _("The statement is linked."),
    )


@bp.route("/capacity/<int:assessment_id>/best-interests/consulted", methods=["POST"])
def best_interests_consult(assessment_id: int) -> Any:
    """Record someone consulted and what they said."""
    form = request.form
    return _best_interests_change(
        assessment_id,
        lambda record: capacity.add_consultee(
            db.session,
            record,
            actor=current_account(),
            version=form.get("version"),
            supporter_id=form_int("supporter_id"),
            name=form.get("name"),
            role=form.get("role"),
            view=form.get("view"),
            consulted_on=form_date("consulted_on"),
        ),
        _("Recorded."),
    )


@bp.route("/capacity/<int:assessment_id>/best-interests/decision", methods=["POST"])
def best_interests_decide(assessment_id: int) -> Any:
    """Record the best-interests decision."""
    form = request.form
    return _best_interests_change(
        assessment_id,
        lambda record: capacity.decide(
            db.session,
            record,
            actor=current_account(),
            version=form.get("version"),
            decision=form.get("decision"),
            reasoning=form.get("reasoning"),
            decided_on=form_date("decided_on"),
        ),
        _("The decision is recorded."),
    )
