"""Staff: closing a review, reopening it (a manager), and the reviews due (issue 17).

The rules are in ``services/reviews/lifecycle.py``; a closed review refuses every write through
``services/reviews/frozen.py``, so no view here or elsewhere checks it.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...auth import GOVERNANCE_ROLES, STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.lifecycle import (
    CancelMeetingForm,
    CloseReviewForm,
    IntervalForm,
    MeetingForm,
    ReopenReviewForm,
)
from ...models import Review, User
from ...services import people
from ...services.reviews import lifecycle, meetings
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
        provider_months=int(current_app.config.get("REVIEW_INTERVAL_MONTHS", 12)),
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


def _meeting_page(
    review: Review,
    form: MeetingForm,
    error: str | None = None,
    cancel_form: CancelMeetingForm | None = None,
) -> str:
    invitable = meetings.may_invite(db.session, review)
    return render_template(
        "lifecycle/meeting.html",
        review=review,
        person=review.person,
        meeting=meetings.meeting_for(db.session, review),
        may_invite=invitable,
        names={i.key: i.name for i in invitable},
        form=form,
        cancel_form=cancel_form or CancelMeetingForm(formdata=None),
        error=error,
    )


@bp.route("/reviews/<int:review_id>/meeting", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def meeting(review_id: int) -> ResponseReturnValue:
    """Arrange the review's meeting (day, time, place or at home, who is invited) or move it."""
    review = review_or_404(review_id)
    current = meetings.meeting_for(db.session, review)
    form = MeetingForm(
        data={"on": review.scheduled_for, "starts_at": current.starts_at if current else None,
              "at_home": current.at_home if current else False,
              "place": current.place if current else "",
              "invitees": current.invitees if current else ["person"]}
    )  # fmt: skip
    edge.on_refusal(lambda refusal: _meeting_page(review, form, str(refusal)))
    if sent(form):
        meetings.arrange(
            db.session,
            review,
            current_account(),
            meetings.Arrangement(
                on=form.on.data,
                starts_at=form.starts_at.data,
                at_home=bool(form.at_home.data),
                place=form.place.data,
                invitees=list(form.invitees.data or []),
                reason=form.reason.data,
            ),
        )
        flash(_("The meeting is saved."), "success")
        return redirect(url_for(".meeting", review_id=review.id), code=303)
    return _meeting_page(review, form)


@bp.route("/reviews/<int:review_id>/meeting/cancel", methods=["POST"])
@roles_required(*STAFF_ROLES)
def cancel_meeting(review_id: int) -> ResponseReturnValue:
    """Cancel the review's meeting, with a reason."""
    review = review_or_404(review_id)
    form = CancelMeetingForm()
    edge.on_refusal(
        lambda refusal: _meeting_page(review, MeetingForm(formdata=None), str(refusal), form)
    )
    if sent(form):
        meetings.cancel(db.session, review, current_account(), form.reason.data)
        flash(_("The meeting is cancelled."), "success")
    return redirect(url_for(".meeting", review_id=review.id), code=303)


@bp.route("/reviews/<int:review_id>/meeting/calendar/<who>.ics")
@roles_required(*STAFF_ROLES)
def calendar(review_id: int, who: str) -> Response:
    """The meeting as a calendar file for one invitee, to send them or add to a calendar."""
    review = review_or_404(review_id)
    data = meetings.calendar_file(
        db.session, review, who.replace("-", ":", 1),
        _("%(name)s's review meeting", name=review.person.preferred_name),
    )  # fmt: skip
    return Response(
        data, mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="review-{review.id}-{who}.ics"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@bp.route("/reviews/<int:review_id>/interval", methods=["POST"])
@roles_required(*STAFF_ROLES)
def interval(review_id: int) -> ResponseReturnValue:
    """Set the months from one review to the next for this review's person."""
    review = review_or_404(review_id)
    form = IntervalForm()
    back = url_for(".close", review_id=review.id)
    edge.refusal_returns_to(back)
    if sent(form):
        lifecycle.set_interval(db.session, review.person, current_account(), form.months.data)
        flash(_("Saved."), "success")
    return redirect(back, code=303)
