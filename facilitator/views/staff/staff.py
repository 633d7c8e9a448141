"""Staff: people, planning reviews, choosing prompts and the review record."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ...accessible import speech
from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.staff import (
    CommunicationForm,
    CorrectionForm,
    NonParticipationForm,
    PlanReviewForm,
    review_prompts_form,
)
from ...i18n import LANGUAGES
from ...models import (
    CaptureMethod,
    NonParticipation,
    NonParticipationReason,
    Response,
    Review,
    ReviewKind,
    ReviewStatus,
    Role,
    Supporter,
    User,
)
from ...prompts.library import load_library
from ...services import StaleVersion, audit, people, reviews
from ...services.governance import agreements, safeguarding
from ...services.reviews import lifecycle, person_first, responses
from .. import edge
from ..lookup import review_or_404
from ..person import screens as person_screens
from .layers import layers_context

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@roles_required(*STAFF_ROLES)
def home() -> str:
    """Upcoming reviews and the people supported (paged, searchable by name)."""
    search = request.args.get("q", "")[:80]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, total = people.people_for_staff(db.session, search=search, page=page)
    # Overdue or due in the next 8 weeks, soonest due first (the first page; the rest on
    # lifecycle.due): closed reviews never fill it.
    due, due_total = lifecycle.due_reviews(db.session, date.today())
    return render_template(
        "staff/home.html",
        reviews=due,
        reviews_due=due_total,
        today=date.today(),
        people=found,
        people_total=total,
        search=search,
        page=page,
        pages=max(1, -(-total // people.PAGE_SIZE)),
        needing_advocate=people.people_needing_advocate_without_one(db.session),
    )


@bp.route("/people/<int:person_id>")
@roles_required(*STAFF_ROLES)
def person(person_id: int) -> str:
    """One person: communication needs, supporters and authority, reviews."""
    record = people.get_person(db.session, person_id)
    supporters = db.session.scalars(
        select(Supporter).where(Supporter.person_id == record.id).order_by(Supporter.name)
    ).all()
    person_reviews = db.session.scalars(
        select(Review).where(Review.person_id == record.id).order_by(Review.scheduled_for.desc())
    ).all()
    audit.record(
        db.session, "person.viewed", actor=current_account(), obj=record, person_id=record.id
    )
    edge.keep_trace()  # opening a person's record is audited
    return render_template(
        "staff/person.html",
        agreements_by_supporter=agreements.for_supporters(db.session, [s.id for s in supporters]),
        person=record,
        supporters=supporters,
        reviews=person_reviews,
        flag=people.communication_flag(record),
    )


def _facilitators() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.role != Role.ADMIN).order_by(User.name)
        )
    )


@bp.route("/people/<int:person_id>/reviews/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def plan_review(person_id: int) -> ResponseReturnValue:
    """Plan a review: kind, date and facilitator; the default prompts can be changed next."""
    record = people.get_person(db.session, person_id)
    form = PlanReviewForm()

    def page(error: str | None) -> str:
        return render_template(
            "staff/plan_review.html",
            person=record,
            error=error,
            kinds=list(ReviewKind),
            facilitators=_facilitators(),
            flag=people.communication_flag(record),
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        review = reviews.plan_review(
            db.session,
            record,
            actor=current_account(),
            kind=ReviewKind(form.kind.data),
            scheduled_for=form.scheduled_on(),
            facilitator=db.session.get(User, form.facilitator_id.data or 0),
        )
        flash(
            _("The review is planned. Check the prompts for %(name)s.", name=record.preferred_name),
            "success",
        )
        return redirect(url_for("staff.review_prompts", review_id=review.id), code=303)
    return page(None)


@bp.route("/reviews/<int:review_id>")
@roles_required(*STAFF_ROLES)
def review(review_id: int) -> str:
    """The review record: the person's views first, then each layer."""
    record = review_or_404(review_id)
    audit.record(
        db.session, "review.viewed", actor=current_account(), obj=record, person_id=record.person_id
    )
    edge.keep_trace()  # opening a review is audited
    non_participation = db.session.scalars(
        select(NonParticipation)
        .where(NonParticipation.review_id == record.id)
        .order_by(NonParticipation.id)
    ).all()
    supporter_ids = [s.id for s in record.person.supporters]
    return render_template(
        "staff/review.html",
        **layers_context(db.session, record),
        flags=safeguarding.open_flags_for_review(db.session, record.id),
        agreements_by_supporter=agreements.for_supporters(db.session, supporter_ids),
        review=record,
        person=record.person,
        flag=people.communication_flag(record.person),
        library=load_library(),
        answers=responses.answers_for_review(db.session, record),
        non_participation=non_participation,
        person_done=person_first.person_views_done(db.session, record),
        stages=lifecycle.stages(db.session, record),
        reasons=list(NonParticipationReason),
        speech_status=speech.speech_status(),
        users={u.id: u for u in db.session.scalars(select(User))},
    )


@bp.route("/reviews/<int:review_id>/prompts", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def review_prompts(review_id: int) -> ResponseReturnValue:
    """Choose the review's prompts from the library and put them in order."""
    record = review_or_404(review_id)
    library = load_library()
    form = review_prompts_form(library)

    def page(error: str | None) -> str:
        if form.is_submitted():  # the page again as it was sent
            chosen_order = form.orders()
        else:
            chosen_order = {
                rp.library_prompt_id: rp.position for rp in record.prompts if rp.library_prompt_id
            }
        return render_template(
            "staff/review_prompts.html",
            review=record,
            person=record.person,
            library=library,
            chosen_order=chosen_order,
            error=error,
            flag=people.communication_flag(record.person),
            editable=record.status == ReviewStatus.PLANNED,
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        reviews.set_prompts(db.session, record, form.ordered(), actor=current_account())
        flash(_("The prompts are saved."), "success")
        return redirect(url_for("staff.review", review_id=record.id), code=303)
    return page(None)


@bp.route("/reviews/<int:review_id>/non-participation", methods=["POST"])
@roles_required(*STAFF_ROLES)
def non_participation(review_id: int) -> ResponseReturnValue:
    """Record why the person could not take part, what was tried, and when to try again."""
    record = review_or_404(review_id)
    back = url_for("staff.review", review_id=record.id)
    edge.refusal_returns_to(back)
    form = NonParticipationForm()
    if sent(form):
        person_first.record_non_participation(
            db.session,
            record,
            actor=current_account(),
            reason=NonParticipationReason(form.reason.data),
            what_was_tried=form.what_was_tried.data,
            try_again_on=form.try_again_on.data,
            detail=form.detail.data,
        )
        flash(_("Recorded. Other people's views can now be added."), "success")
    return redirect(back, code=303)


@bp.route("/people/<int:person_id>/communication", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def communication(person_id: int) -> ResponseReturnValue:
    """Communication needs, preferred formats and the tablet settings for this person."""
    record = people.get_person(db.session, person_id)
    form = CommunicationForm()

    def page(error: str | None, conflict: bool = False) -> str:
        return render_template(
            "staff/communication.html",
            person=record,
            mine=form.everything if error else None,  # beside what is stored, after a refusal
            conflict=conflict,
            error=error,
            languages=LANGUAGES,
            choices=person_screens.SETTING_CHOICES,
            access_choices=person_screens.ACCESS_CHOICES,
            access_bounds=person_screens.access_bounds(),
            pacing=person_screens.pacing(record),
            flag=people.communication_flag(record),
        )

    edge.on_refusal(lambda refusal: page(str(refusal), isinstance(refusal, StaleVersion)))
    if sent(form):
        people.update_communication(
            db.session,
            record,
            actor=current_account(),
            version=form.version.data or 0,
            communication_needs=form.communication_needs.data,
            preferred_formats=form.preferred_formats.data.split(","),
            review_on=form.review_on.data,
            language=form.language.data,
        )
        person_screens.save_settings(db.session, record, form.everything, current_account())
        flash(_("Saved."), "success")
        return redirect(url_for("staff.person", person_id=record.id), code=303)
    return page(None)


@bp.route("/reviews/<int:review_id>/responses/<int:response_id>/correction", methods=["POST"])
@roles_required(*STAFF_ROLES)
def correction(review_id: int, response_id: int) -> ResponseReturnValue:
    """Add a correction to what the person said: a new, attributed entry; the original stays."""
    record = review_or_404(review_id)
    original = db.session.get(Response, response_id)
    if original is None or original.review_id != record.id:
        abort(404)
    back = url_for("staff.review", review_id=record.id)
    edge.refusal_returns_to(back)
    form = CorrectionForm()
    if sent(form):
        responses.correct(
            db.session,
            original,
            actor=current_account(),
            reason=form.reason.data,
            client_id=uuid.uuid4().hex,
            words=form.words.data,
            method=CaptureMethod.SCRIBED,
        )
        flash(_("The correction is added. The original stays on the record."), "success")
    return redirect(back, code=303)
