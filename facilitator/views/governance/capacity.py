"""Mental Capacity Act records: decision-specific assessments and best-interests decisions."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...forms.governance import (
    AssessmentForm,
    BestInterestsDecisionForm,
    ButtonForm,
    ConsulteeForm,
    LinkStatementForm,
    WishesForm,
)
from ...models import (
    ConsulteeRole,
    DecisionArea,
    DifferingView,
    Response,
    Review,
    Supporter,
)
from ...services import ServiceError, audit, people
from ...services.governance import best_interests, capacity
from ...services.reviews.current import not_superseded
from .. import edge
from . import bp
from .common import done, step


@bp.route("/capacity")
def capacity_list() -> Any:
    """Every assessment, newest first, with its best-interests record."""
    session = db.session
    return render_template(
        "governance/capacity_list.html",
        rows=capacity.assessments(session),
        people=people.all_current_people(session),
    )


@bp.route("/capacity/new", methods=["GET", "POST"])
def capacity_new() -> Any:
    """Record an assessment where capacity is in doubt for one decision."""
    session = db.session
    # Which person, review and differing view come in the address or the form.
    form = AssessmentForm(formdata=request.values)
    person = people.get_person(session, form.person_id.data or 0)
    view_id, review_id = form.differing_view_id.data, form.review_id.data
    view = session.get(DifferingView, view_id) if view_id else None
    review = session.get(Review, review_id) if review_id else None
    if view is not None and review is None:
        review = session.get(Review, view.review_id)

    def page(error: ServiceError | None = None) -> Any:
        return render_template(
            "governance/capacity_new.html",
            person=person,
            view=view,
            review=review,
            areas=[a.value for a in DecisionArea],
            tests=capacity.FUNCTIONAL_TESTS,
            form=form,
            error=error,
        )

    if request.method == "GET":
        return page()
    step(form, page)
    record = capacity.assess(
        session,
        person,
        actor=current_account(),
        review=review,
        differing_view=view,
        **form.arguments(),
    )
    return done(
        _("The assessment is recorded."), "governance.capacity_case", assessment_id=record.id
    )


def _page(assessment_id: int, error: ServiceError | None = None) -> Any:
    session = db.session
    assessment = capacity.get_assessment(session, assessment_id)
    person = people.get_person(session, assessment.person_id)
    record = best_interests.best_interests_for(session, assessment)
    consultees = best_interests.consultees(session, record) if record else []
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
        wishes=best_interests.wishes(session, record) if record else [],
        consultees=[(c, best_interests.standing(session, c, assessment.area)) for c in consultees],
        statements=statements,
        supporters=list(session.scalars(select(Supporter).where(Supporter.person_id == person.id))),
        roles=[r.value for r in ConsulteeRole],
        tests=capacity.FUNCTIONAL_TESTS,
        error=error,
    )


@bp.route("/capacity/<int:assessment_id>")
def capacity_case(assessment_id: int) -> Any:
    """One assessment and, where the person lacks capacity, the best-interests record."""
    session = db.session
    assessment = capacity.get_assessment(session, assessment_id)
    audit.record(
        session,
        "capacity.viewed",
        actor=current_account(),
        obj=assessment,
        person_id=assessment.person_id,
    )
    edge.keep_trace()  # who opened the assessment
    return _page(assessment_id)


def _refused(assessment_id: int) -> Any:
    return lambda error: _page(assessment_id, error)


def _done(message: str, assessment_id: int) -> Any:
    return done(message, "governance.capacity_case", assessment_id=assessment_id)


@bp.route("/capacity/<int:assessment_id>/best-interests", methods=["POST"])
def best_interests_start(assessment_id: int) -> Any:
    """Start the best-interests record (only where the person lacks capacity)."""
    assessment = capacity.get_assessment(db.session, assessment_id)
    step(ButtonForm(), _refused(assessment_id))
    best_interests.start_best_interests(db.session, assessment, actor=current_account())
    return _done(_("The best-interests record is started."), assessment_id)


@bp.route("/capacity/<int:assessment_id>/best-interests/wishes-and-options", methods=["POST"])
def best_interests_update(assessment_id: int) -> Any:
    """The person's wishes, beliefs and values, and the less restrictive options."""
    assessment = capacity.get_assessment(db.session, assessment_id)
    form = step(WishesForm(), _refused(assessment_id))
    best_interests.update_best_interests(
        db.session,
        best_interests.started_for(db.session, assessment),
        actor=current_account(),
        **form.arguments(),
    )
    return _done(_("Saved."), assessment_id)


@bp.route("/capacity/<int:assessment_id>/best-interests/statements", methods=["POST"])
def best_interests_link(assessment_id: int) -> Any:
    """Link one of the person's own statements."""
    assessment = capacity.get_assessment(db.session, assessment_id)
    form = step(LinkStatementForm(), _refused(assessment_id))
    best_interests.link_wish(
        db.session,
        best_interests.started_for(db.session, assessment),
        actor=current_account(),
        **form.arguments(),
    )
    return _done(_("The statement is linked."), assessment_id)


@bp.route("/capacity/<int:assessment_id>/best-interests/consulted", methods=["POST"])
def best_interests_consult(assessment_id: int) -> Any:
    """Record someone consulted and what they said."""
    assessment = capacity.get_assessment(db.session, assessment_id)
    form = step(ConsulteeForm(), _refused(assessment_id))
    best_interests.add_consultee(
        db.session,
        best_interests.started_for(db.session, assessment),
        actor=current_account(),
        **form.arguments(),
    )
    return _done(_("Recorded."), assessment_id)


@bp.route("/capacity/<int:assessment_id>/best-interests/decision", methods=["POST"])
def best_interests_decide(assessment_id: int) -> Any:
    """Record the best-interests decision."""
    assessment = capacity.get_assessment(db.session, assessment_id)
    form = step(BestInterestsDecisionForm(), _refused(assessment_id))
    best_interests.decide(
        db.session,
        best_interests.started_for(db.session, assessment),
        actor=current_account(),
        **form.arguments(),
    )
    return _done(_("The decision is recorded."), assessment_id)
