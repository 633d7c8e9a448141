"""Staff: joint problem-solving meetings (issue 17), arranged from a review or a differing view.

The rules are in ``services/governance/joint_meetings.py``; the agenda's words in
``outputs/joint_meetings.py``. Need to know is checked before any view runs (``meeting_id``,
``review_id`` and ``view_id`` name the person: ``views/lookup.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.joint_meetings import (
    ArrangeMeetingForm,
    CancelJointMeetingForm,
    LinkActionForm,
    NoteForm,
    OptionForm,
    TabletForm,
    WayForwardForm,
)
from ...models import DifferingView, JointMeeting, OutcomeAction, OutcomeCode, Review
from ...outputs import joint_meetings as words
from ...outputs.pictures import pictures_dir
from ...services import people
from ...services.governance import differing, joint_meetings
from ...services.reviews import you_said
from .. import edge
from ..lookup import review_or_404
from .photos import photo_files, picture_context
from .you_said import file_names

bp = Blueprint("joint_meetings", __name__, url_prefix="/staff")


@bp.app_context_processor
def _joint_meetings_words() -> dict[str, Any]:
    # App-wide, so that the review record and a differing view's page show the meetings that
    # resolved a view and produced an action (actions trace back through them).
    def joint_meetings_of(view: Any = None, action: Any = None) -> list[JointMeeting]:
        return joint_meetings.meetings_for(db.session, view=view, action=action)

    return {"joint_meetings_of": joint_meetings_of}


def _go(meeting: JointMeeting) -> ResponseReturnValue:
    return redirect(url_for(".record", meeting_id=meeting.id), code=303)


# --- arranging ----------------------------------------------------------------------------------


def _arrange_page(
    review: Review, view: DifferingView | None, form: ArrangeMeetingForm, error: str | None = None
) -> str:
    return render_template(
        "joint_meetings/arrange.html",
        review=review,
        person=review.person,
        view=view,
        form=form,
        may_invite=joint_meetings.may_invite(db.session, review, view),
        advocates={f"supporter:{s.id}" for s in joint_meetings.advocates_of(
            db.session, review.person_id)},
        existing=joint_meetings.meetings_for(db.session, review=review),
        error=error,
    )  # fmt: skip


def _arrange(review: Review, view: DifferingView | None) -> ResponseReturnValue:
    form = ArrangeMeetingForm(data={"invitees": ["person"]} if request.method == "GET" else None)
    edge.on_refusal(lambda refusal: _arrange_page(review, view, form, str(refusal)))
    if sent(form):
        meeting = joint_meetings.arrange(
            db.session,
            review,
            current_account(),
            joint_meetings.Arrangement(
                question=form.question.data,
                on=form.on.data,
                starts_at=form.starts_at.data,
                at_home=bool(form.at_home.data),
                place=form.place.data,
                invitees=list(form.invitees.data or []),
            ),
            view=view,
        )
        flash(_("The joint meeting is arranged. Give the person the easy-read agenda."), "success")
        return _go(meeting)
    return _arrange_page(review, view, form)


@bp.route("/reviews/<int:review_id>/joint-meetings", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def from_review(review_id: int) -> ResponseReturnValue:
    """The review's joint meetings, and arranging a new one."""
    return _arrange(review_or_404(review_id), None)


@bp.route("/differing-views/<int:view_id>/joint-meeting", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def from_view(view_id: int) -> ResponseReturnValue:
    """Arrange a joint meeting to resolve a differing view."""
    view = differing.get(db.session, view_id)
    return _arrange(review_or_404(view.review_id), view)


# --- the record ---------------------------------------------------------------------------------


def _record_page(meeting: JointMeeting, error: str | None = None, **forms: Any) -> str:
    record = joint_meetings.record_of(db.session, meeting)
    linked = {a.id for a in record.actions}
    actions = [
        a
        for a in db.session.scalars(
            select(OutcomeAction)
            .join(Review, Review.id == OutcomeAction.review_id)
            .where(Review.person_id == meeting.person_id)
            .order_by(OutcomeAction.id.desc())
            .limit(100)
        )
        if a.id not in linked
    ]
    return render_template(
        "joint_meetings/record.html",
        record=record,
        meeting=meeting,
        person=record.person,
        review=record.review,
        flag=people.communication_flag(record.person),
        prompts=joint_meetings.PROMPTS_BY_KEY,
        outcome_codes=[c.value for c in OutcomeCode],
        actions=actions,
        error=error,
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        option_form=forms.get("option_form") or OptionForm(formdata=None),
        outcome_form=forms.get("outcome_form") or WayForwardForm(formdata=None),
        cancel_form=forms.get("cancel_form") or CancelJointMeetingForm(formdata=None),
    )


@bp.route("/joint-meetings/<int:meeting_id>")
@roles_required(*STAFF_ROLES)
def record(meeting_id: int) -> str:
    """The meeting's record: the person's view first, then what each party said, the options,
    the way forward and who decided, the differing view and the actions it produced."""
    meeting = joint_meetings.get(db.session, meeting_id)
    joint_meetings.opened(db.session, meeting, current_account(), "record")
    edge.keep_trace()  # who opened the record
    return _record_page(meeting)


def _write(meeting_id: int, name: str, form: Any) -> JointMeeting:
    meeting = joint_meetings.get(db.session, meeting_id)
    edge.on_refusal(lambda refusal: _record_page(meeting, str(refusal), **{name: form}))
    sent(form)
    return meeting


@bp.route("/joint-meetings/<int:meeting_id>/notes", methods=["POST"])
@roles_required(*STAFF_ROLES)
def add_note(meeting_id: int) -> ResponseReturnValue:
    """What one party said, in their name."""
    form = NoteForm()
    meeting = _write(meeting_id, "note_form", form)
    joint_meetings.add_note(
        db.session, meeting, current_account(), form.party.data, form.said.data, form.method.data
    )
    flash(_("What they said is recorded, in their name."), "success")
    return _go(meeting)


@bp.route("/joint-meetings/<int:meeting_id>/options", methods=["POST"])
@roles_required(*STAFF_ROLES)
def add_option(meeting_id: int) -> ResponseReturnValue:
    """An option discussed."""
    form = OptionForm()
    meeting = _write(meeting_id, "option_form", form)
    joint_meetings.add_option(
        db.session, meeting, current_account(), form.text.data, form.raised_by.data
    )
    flash(_("The option is recorded."), "success")
    return _go(meeting)


@bp.route("/joint-meetings/<int:meeting_id>/way-forward", methods=["POST"])
@roles_required(*STAFF_ROLES)
def way_forward(meeting_id: int) -> ResponseReturnValue:
    """The way forward agreed and who decided (and, if chosen, the differing view's outcome)."""
    form = WayForwardForm()
    meeting = _write(meeting_id, "outcome_form", form)
    joint_meetings.record_outcome(
        db.session,
        meeting,
        current_account(),
        form.version.data,
        joint_meetings.WayForward(
            way_forward=form.way_forward.data,
            reasoning=form.reasoning.data,
            decided_by=form.decided_by.data,
            resolves_view=bool(form.resolves_view.data),
            outcome_code=form.outcome_code.data or None,
            followed_supporter_id=form.followed_supporter_id.data,
        ),
    )
    flash(_("The way forward is recorded."), "success")
    return _go(meeting)


@bp.route("/joint-meetings/<int:meeting_id>/actions", methods=["POST"])
@roles_required(*STAFF_ROLES)
def link_action(meeting_id: int) -> ResponseReturnValue:
    """Link an action the meeting produced."""
    form = LinkActionForm()
    meeting = _write(meeting_id, "link_form", form)
    joint_meetings.link_action(db.session, meeting, current_account(), form.action_id.data)
    flash(_("The action is linked to the meeting."), "success")
    return _go(meeting)


@bp.route("/joint-meetings/<int:meeting_id>/cancel", methods=["POST"])
@roles_required(*STAFF_ROLES)
def cancel(meeting_id: int) -> ResponseReturnValue:
    """Cancel the meeting, with a reason."""
    form = CancelJointMeetingForm()
    meeting = _write(meeting_id, "cancel_form", form)
    joint_meetings.cancel(db.session, meeting, current_account(), form.version.data,
                          form.reason.data)  # fmt: skip
    flash(_("The meeting is cancelled."), "success")
    return _go(meeting)


@bp.route("/joint-meetings/<int:meeting_id>/tablet", methods=["POST"])
@roles_required(*STAFF_ROLES)
def tablet(meeting_id: int) -> ResponseReturnValue:
    """Hand the tablet to the person: the agenda, spoken, then their view for the meeting."""
    form = TabletForm()
    meeting = joint_meetings.get(db.session, meeting_id)
    edge.refusal_returns_to(url_for(".record", meeting_id=meeting.id))
    sent(form)
    joint_meetings.start_tablet(db.session, meeting, current_account(), current_user.record)
    return redirect(url_for("person_meetings.agenda", meeting_id=meeting.id), code=303)


# --- the easy-read agenda: page, PDF, calendar files ---------------------------------------


def agenda_context(meeting: JointMeeting) -> dict[str, Any]:
    """The agenda in the person's language, with their pictures (call for any audience)."""
    record = joint_meetings.record_of(db.session, meeting)
    lang = you_said.person_language(record.review)
    advocates = joint_meetings.advocates_of(db.session, meeting.person_id)
    with force_locale(lang):
        rows = words.agenda(record, advocates)
        heading = words.title()
    return {
        "record": record,
        "meeting": meeting,
        "person": record.person,
        "lang": lang,
        "rows": rows,
        "agenda_title": heading,
        **picture_context(record.person),
    }


@bp.route("/joint-meetings/<int:meeting_id>/agenda")
@roles_required(*STAFF_ROLES)
def agenda(meeting_id: int) -> str:
    """The easy-read agenda to give the person beforehand (printable), in their language."""
    meeting = joint_meetings.get(db.session, meeting_id)
    context = agenda_context(meeting)
    joint_meetings.opened(db.session, meeting, current_account(), "agenda")
    edge.keep_trace()
    g.page_language = context["lang"]
    with force_locale(context["lang"]):
        return render_template(
            "joint_meetings/agenda.html",
            back_url=url_for(".record", meeting_id=meeting.id),
            pdf_url=url_for(".agenda_pdf", meeting_id=meeting.id),
            **context,
        )


@bp.route("/joint-meetings/<int:meeting_id>/agenda.pdf")
@roles_required(*STAFF_ROLES)
def agenda_pdf(meeting_id: int) -> Response:
    """The easy-read agenda as a PDF: large type, a picture beside each idea."""
    meeting = joint_meetings.get(db.session, meeting_id)
    context = agenda_context(meeting)
    joint_meetings.opened(db.session, meeting, current_account(), "agenda.pdf")
    edge.keep_trace()
    person = context["person"]
    with force_locale(context["lang"]):
        data = words.agenda_pdf(
            context["record"], context["rows"], author=current_account().name,
            pictures_dir=pictures_dir(bool(person.setting("high_contrast"))),
            photos=photo_files(person),
        )  # fmt: skip
        name = f"{words.title()} - {person.preferred_name}.pdf"
    response = Response(data, mimetype="application/pdf", headers={"Cache-Control": "no-store"})
    shown = "inline" if request.args.get("view") == "1" else "attachment"
    response.headers.set(
        "Content-Disposition", shown, **file_names(name, fallback=f"meeting-{meeting.id}.pdf")
    )
    return response


@bp.route("/joint-meetings/<int:meeting_id>/calendar/<who>.ics")
@roles_required(*STAFF_ROLES)
def calendar(meeting_id: int, who: str) -> Response:
    """The meeting as a calendar file for one invitee."""
    meeting = joint_meetings.get(db.session, meeting_id)
    person = db.session.get(Review, meeting.review_id).person  # type: ignore[union-attr]
    data = joint_meetings.calendar_file(
        db.session, meeting, who.replace("-", ":", 1),
        _("Joint meeting with %(name)s", name=person.preferred_name),
    )  # fmt: skip
    return Response(
        data, mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}-{who}.ics"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip
