"""Staff: people, planning reviews, choosing prompts and the review record."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...accessible import speech
from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...models import (
    CaptureMethod,
    NonParticipation,
    NonParticipationReason,
    Review,
    ReviewKind,
    ReviewStatus,
    Role,
    Supporter,
    User,
)
from ...prompts.library import load_library
from ...services import NotFound, ServiceError, audit, people, reviews
from ...services.governance import agreements, safeguarding
from ...services.reviews import person_first, responses
from ..lookup import review_or_404  # noqa: E402  (kept beside the blueprint it serves)

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _person_or_404(person_id: int):  # type: ignore[no-untyped-def]
    try:
        return people.get_person(db.session, person_id)
    except NotFound:
        abort(404)


_review_or_404 = review_or_404


@bp.route("/")
@roles_required(*STAFF_ROLES)
def home() -> str:
    """Upcoming reviews and the people supported (paged, searchable by name)."""
    search = request.args.get("q", "")[:80]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, total = people.people_for_staff(db.session, search=search, page=page)
    return render_template(
        "staff/home.html",
        reviews=reviews.upcoming_reviews(db.session),
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
    record = _person_or_404(person_id)
    supporters = db.session.scalars(
        select(Supporter).where(Supporter.person_id == record.id).order_by(Supporter.name)
    ).all()
    person_reviews = db.session.scalars(
        select(Review).where(Review.person_id == record.id).order_by(Review.scheduled_for.desc())
    ).all()
    audit.record(
        db.session, "person.viewed", actor=current_account(), obj=record, person_id=record.id
    )
    db.session.commit()
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
def plan_review(person_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    """Plan a review: kind, date and facilitator; the default prompts can be changed next."""
    record = _person_or_404(person_id)
    error = None
    if request.method == "POST":
        try:
            when = date.fromisoformat(request.form.get("scheduled_for", ""))
            kind = ReviewKind(request.form.get("kind", ""))
        except ValueError:
            error = _("Enter the date of the review and choose what kind of review it is.")
        else:
            facilitator = db.session.get(User, request.form.get("facilitator_id", type=int) or 0)
            review = reviews.plan_review(
                db.session,
                record,
                actor=current_account(),
                kind=kind,
                scheduled_for=when,
                facilitator=facilitator,
            )
            db.session.commit()
            flash(
                _(
                    "The review is planned. Check the prompts for %(name)s.",
                    name=record.preferred_name,
                ),
                "success",
            )
            return redirect(url_for("staff.review_prompts", review_id=review.id), code=303)
    return render_template(
        "staff/plan_review.html",
        person=record,
        error=error,
        kinds=list(ReviewKind),
        facilitators=_facilitators(),
        flag=people.communication_flag(record),
    ), (400 if error else 200)


@bp.route("/reviews/<int:review_id>")
@roles_required(*STAFF_ROLES)
def review(review_id: int) -> str:
    """The review record: the person's views first, then each layer."""
    record = _review_or_404(review_id)
    audit.record(
        db.session, "review.viewed", actor=current_account(), obj=record, person_id=record.person_id
    )
    db.session.commit()
    non_participation = db.session.scalars(
        select(NonParticipation)
        .where(NonParticipation.review_id == record.id)
        .order_by(NonParticipation.id)
    ).all()
    from .layers import layers_context

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
        reasons=list(NonParticipationReason),
        speech_status=speech.speech_status(),
        users={u.id: u for u in db.session.scalars(select(User))},
    )


@bp.route("/reviews/<int:review_id>/prompts", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def review_prompts(review_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    """Choose the review's prompts from the library and put them in order."""
    record = _review_or_404(review_id)
    library = load_library()
    error = None
    chosen_order = {rp.library_prompt_id: rp.position for rp in record.prompts}
    if request.method == "POST":
        picked = request.form.getlist("prompt")
        orders = {}
        for prompt_id in picked:
            try:
                orders[prompt_id] = int(request.form.get(f"order-{prompt_id}") or 999)
            except ValueError:
                orders[prompt_id] = 999
        library_order = {p.id: i for i, p in enumerate(library.all_prompts())}
        ordered = sorted(picked, key=lambda pid: (orders[pid], library_order.get(pid, 0)))
        try:
            reviews.set_prompts(db.session, record, ordered, actor=current_account())
        except (ServiceError, KeyError) as problem:
            db.session.rollback()
            error = (
                str(problem)
                if isinstance(problem, ServiceError)
                else _("That prompt is not in the library.")
            )
        else:
            db.session.commit()
            flash(_("The prompts are saved."), "success")
            return redirect(url_for("staff.review", review_id=record.id), code=303)
        chosen_order = {pid: orders.get(pid, 999) for pid in picked}
    return render_template(
        "staff/review_prompts.html",
        review=record,
        person=record.person,
        library=library,
        chosen_order=chosen_order,
        error=error,
        flag=people.communication_flag(record.person),
        editable=record.status == ReviewStatus.PLANNED,
    ), (400 if error else 200)


@bp.route("/reviews/<int:review_id>/non-participation", methods=["POST"])
@roles_required(*STAFF_ROLES)
def non_participation(review_id: int) -> WerkzeugResponse:
    """Record why the person could not take part, what was tried, and when to try again."""
    record = _review_or_404(review_id)
    try:
        reason = NonParticipationReason(request.form.get("reason", ""))
        again = request.form.get("try_again_on") or None
        person_first.record_non_participation(
            db.session,
            record,
            actor=current_account(),
            reason=reason,
            what_was_tried=request.form.get("what_was_tried", ""),
            try_again_on=date.fromisoformat(again) if again else None,
            detail=request.form.get("detail"),
        )
    except (ServiceError, ValueError) as problem:
        db.session.rollback()
        message = (
            str(problem)
            if isinstance(problem, ServiceError)
            else _("Choose a reason and enter a real date.")
        )
        flash(message, "error")
    else:
        db.session.commit()
        flash(_("Recorded. Other people's views can now be added."), "success")
    return redirect(url_for("staff.review", review_id=record.id), code=303)


@bp.route("/people/<int:person_id>/communication", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def communication(person_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    """Communication needs, preferred formats and the tablet settings for this person."""
    from ...i18n import LANGUAGES
    from ..person import screens as person_screens

    record = _person_or_404(person_id)
    error = None
    conflict = False
    if request.method == "POST":
        try:
            review_on = request.form.get("review_on") or None
            language = request.form.get("language", "en")
            if language not in LANGUAGES:
                raise ServiceError(_("Choose a language from the list."))
            people.update_communication(
                db.session,
                record,
                actor=current_account(),
                version=request.form.get("version", type=int) or 0,
                communication_needs=request.form.get("communication_needs"),
                preferred_formats=request.form.get("preferred_formats", "").split(","),
                review_on=date.fromisoformat(review_on) if review_on else None,
                language=language,
            )
            person_screens.save_settings(db.session, record, request.form, current_account())
        except people.VersionConflict as problem:
            db.session.rollback()
            error, conflict = str(problem), True
        except (ServiceError, ValueError) as problem:
            db.session.rollback()
            error = str(problem) if isinstance(problem, ServiceError) else _("Enter a real date.")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.person", person_id=record.id), code=303)
    # After a refused save the form shows what this editor typed, beside what is stored.
    mine = request.form if error else None
    return render_template(
        "staff/communication.html",
        person=record,
        mine=mine,
        conflict=conflict,
        error=error,
        languages=LANGUAGES,
        choices=person_screens.SETTING_CHOICES,
        access_choices=person_screens.ACCESS_CHOICES,
        access_bounds=person_screens.access_bounds(),
        pacing=person_screens.pacing(record),
        flag=people.communication_flag(record),
    ), (409 if conflict else 400 if error else 200)


@bp.route("/reviews/<int:review_id>/responses/<int:response_id>/correction", methods=["POST"])
@roles_required(*STAFF_ROLES)
def correction(review_id: int, response_id: int) -> WerkzeugResponse:
    """Add a correction to what the person said: a new, attributed entry; the original stays."""
    import uuid

    from ...models import Response

    record = _review_or_404(review_id)
    original = db.session.get(Response, response_id)
    if original is None or original.review_id != record.id:
        abort(404)
    try:
        responses.correct(
            db.session,
            original,
            actor=current_account(),
            reason=request.form.get("reason", ""),
            client_id=uuid.uuid4().hex,
            words=request.form.get("words", ""),
            method=CaptureMethod.SCRIBED,
        )
    except ServiceError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(_("The correction is added. The original stays on the record."), "success")
    return redirect(url_for("staff.review", review_id=record.id), code=303)
