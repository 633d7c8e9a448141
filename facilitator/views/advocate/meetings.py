"""Advocates: the joint meetings they are invited to, for the people assigned to them (issue 17).

Read only: the meeting's record (the person's view first, then what each party said, the
options, the way forward and who decided) and its easy-read agenda. Any other meeting is "not
found", so that its existence is not confirmed either; every look is audited.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from flask_babel import force_locale

from ...auth import current_account, roles_required
from ...extensions import db
from ...models import Role
from ...services import people
from ...services.governance import joint_meetings
from ...services.reviews import consent, contributions
from .. import edge
from ..staff.joint_meetings import agenda_context

bp = Blueprint("advocate_meetings", __name__, url_prefix="/advocate/joint-meetings")


@bp.route("/")
@roles_required(Role.ADVOCATE)
def index() -> str:
    """The joint meetings the advocate is invited to, soonest first."""
    found = joint_meetings.for_advocate_list(db.session, current_account())
    return render_template("joint_meetings/advocate_list.html", meetings=found)


@bp.route("/<int:meeting_id>")
@roles_required(Role.ADVOCATE)
def record(meeting_id: int) -> str:
    """The meeting's record, read only."""
    meeting = joint_meetings.for_advocate(db.session, meeting_id, current_account())
    found = joint_meetings.record_of(db.session, meeting)
    supporter = contributions.advocate_assignment(db.session, found.review, current_account())
    # The person's own words only when they agreed the advocate may see them (as on outcomes).
    shared = supporter is not None and consent.advocate_may_see(db.session, found.review, supporter)
    joint_meetings.opened(db.session, meeting, current_account(), "record")
    edge.keep_trace()  # opening a meeting's record is audited
    return render_template(
        "joint_meetings/advocate_record.html",
        record=found,
        meeting=meeting,
        person=found.person,
        review=found.review,
        flag=people.communication_flag(found.person),
        prompts=joint_meetings.PROMPTS_BY_KEY,
        shared=shared,
    )


@bp.route("/<int:meeting_id>/agenda")
@roles_required(Role.ADVOCATE)
def agenda(meeting_id: int) -> str:
    """The easy-read agenda the person is given, in their language."""
    meeting = joint_meetings.for_advocate(db.session, meeting_id, current_account())
    context = agenda_context(meeting)
    joint_meetings.opened(db.session, meeting, current_account(), "agenda")
    edge.keep_trace()
    g.page_language = context["lang"]
    with force_locale(context["lang"]):
        return render_template(
            "joint_meetings/agenda.html",
            back_url=url_for(".record", meeting_id=meeting.id),
            pdf_url=None,
            **context,
        )
