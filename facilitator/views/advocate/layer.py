"""Advocates: their people's reviews, and the advocate's own layer once the person has spoken.

An advocate reaches only the reviews of people they are assigned to (an active supporter row
with their account and an advocate role); any other review is "not found", so that its
existence is not confirmed either.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ...auth import current_account, roles_required
from ...extensions import db
from ...forms.family import AdvocateLayerForm
from ...models import CaseStatus, DifferingRoute, Review, Role, Supporter
from ...prompts.library import load_library
from ...services import audit, people, reviews
from ...services.governance import advocate_outcomes, advocate_reports
from ...services.reviews import consent, contributions
from ...services.reviews.person_first import person_views_done
from .. import edge

bp = Blueprint("advocate_layer", __name__, url_prefix="/advocate/reviews")

WHOLE_REVIEW = "whole-review"
ROUTES = {
    DifferingRoute.DISCUSSION: _l("discussion"),
    DifferingRoute.JOINT_MEETING: _l("joint problem-solving meeting"),
    DifferingRoute.BEST_INTERESTS: _l("best-interests process"),
    DifferingRoute.MANAGER_ESCALATION: _l("escalated to a manager"),
    DifferingRoute.ADVOCATE_REPORT: _l("advocate's report"),
    DifferingRoute.SAFEGUARDING: _l("safeguarding"),
}
CASE_STATUS = {
    CaseStatus.OPEN: _l("open"),
    CaseStatus.RESOLVED: _l("resolved"),
    CaseStatus.CLOSED: _l("closed"),
}


def _assigned_review(review_id: int) -> tuple[Review, Supporter]:
    """The review and the advocate's supporter row, or 404 for anyone not assigned."""
    review = reviews.get_review(db.session, review_id)  # NotFound: a 404 at the edge
    supporter = contributions.advocate_assignment(db.session, review, current_account())
    if supporter is None:
        abort(404)
    return review, supporter


@bp.route("")
@roles_required(Role.ADVOCATE)
def index() -> str:
    """Reviews of the people this advocate is assigned to, newest first."""
    mine = people.people_for_advocate(db.session, current_account())
    found = db.session.scalars(
        select(Review)
        .where(Review.person_id.in_([p.id for p in mine]))
        .options(selectinload(Review.person))
        .order_by(Review.scheduled_for.desc(), Review.id.desc())
    ).all()
    return render_template("advocate_layer/index.html", reviews=found)


@bp.route("/<int:review_id>", methods=["GET", "POST"])
@roles_required(Role.ADVOCATE)
def review(review_id: int) -> ResponseReturnValue:
    """What the person agreed to share with the advocate, and the advocate's layer."""
    record, supporter = _assigned_review(review_id)
    library = load_library()
    language = str(get_locale() or "en")
    topics = contributions.review_topics(record)
    form = AdvocateLayerForm()
    form.topic.choices = [
        SelectChoice(WHOLE_REVIEW, _("The whole review")),
        *(SelectChoice(t, library.topic(t).title(language, fallback=True)) for t in topics),
    ]

    def page(error: str | None = None) -> str:
        if error:
            form.form_errors.append(error)
        shared = consent.advocate_may_see(db.session, record, supporter)
        return render_template(
            "advocate_layer/review.html",
            form=form,
            review=record,
            person=record.person,
            flag=people.communication_flag(record.person),
            person_done=person_views_done(db.session, record),
            shared=shared,
            shared_note=_(
                "You can see this as %(name)s's advocate.", name=record.person.preferred_name
            ),
            answers=[
                a for a in contributions.person_answers(db.session, record) if a.choice or a.words
            ]
            if shared
            else [],
            library=library,
            mine=contributions.advocate_contributions(db.session, record, current_account()),
            closed=record.status == "closed",
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if form.validate_on_submit():
        topic = None if form.topic.data == WHOLE_REVIEW else form.topic.data
        body = {name: form[name].data or "" for name in contributions.ADVOCATE_FIELDS}
        contributions.add_advocate_layer(db.session, record, current_account(), topic, body)
        flash(
            _("Your layer is added. It is kept as yours and never changes what the person said."),
            "success",
        )
        return redirect(url_for("advocate_layer.review", review_id=record.id))
    if form.is_submitted():
        return page(), 400
    audit.record(
        db.session,
        "review.viewed",
        actor=current_account(),
        obj=record,
        person_id=record.person_id,
        detail={"as": "advocate"},
    )
    edge.keep_trace()  # opening a review is audited
    return page()


@bp.route("/<int:review_id>/outcomes")
@roles_required(Role.ADVOCATE)
def outcomes(review_id: int) -> str:
    """What came of the review: actions, "You said, we did" and the advocate's differing views."""
    record = reviews.get_review(db.session, review_id)  # NotFound: a 404 at the edge
    found = advocate_outcomes.outcomes_for_advocate(
        db.session, record, current_account(), lang=str(get_locale() or "en")
    )
    edge.keep_trace()  # opening a review's outcomes is audited
    return render_template(
        "advocate_layer/outcomes.html",
        found=found,
        review=record,
        person=found.person,
        flag=people.communication_flag(found.person),
        routes=ROUTES,
        case_status=CASE_STATUS,
        reports=advocate_reports.for_advocate(db.session, record, current_account()),
    )
