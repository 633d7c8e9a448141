"""On the tablet: the person's joint meeting (issue 17). First the easy-read agenda, each
sentence with a picture and Listen; then a few easy-read prompts, so that the person gives
their view for the meeting first, like a review; then thank you.

A person-mode blueprint (``LOCKED_PREFIXES`` in ``lock.py``): the tablet is locked to the
meeting's review by ``joint_meetings.start_tablet``, and only a meeting of that review is found.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db
from ...forms.fields import sent
from ...forms.joint_meetings import MeetingAnswerForm
from ...models import JointMeeting
from ...outputs import joint_meetings as words
from ...services import NotFound
from ...services.governance import joint_meetings
from .. import edge
from . import screens
from .lock import load_locked_review

bp = Blueprint("person_meetings", __name__, url_prefix="/person/meetings")


@bp.before_request
def _load_locked_review() -> WerkzeugResponse | None:
    return load_locked_review("")


def _meeting(meeting_id: int) -> JointMeeting:
    meeting = db.session.get(JointMeeting, meeting_id)
    if meeting is None or meeting.review_id != g.review.id:
        raise NotFound(_l("We could not find that meeting."))
    return meeting


def _context(**extra: Any) -> dict[str, Any]:
    return screens.base_context(g.person, g.review, **extra)


@bp.route("/<int:meeting_id>/")
def agenda(meeting_id: int) -> str:
    """The agenda in easy read: a picture, a sentence and Listen for each line."""
    meeting = _meeting(meeting_id)
    context = _context()
    say = context["say"]
    record = joint_meetings.record_of(db.session, meeting)
    with force_locale(context["lang"]):
        rows = words.agenda(record, joint_meetings.advocates_of(db.session, meeting.person_id))
        heading = words.title()
    lines = [{"picture": row["picture"], "speech": say(str(row["text"]))} for row in rows]
    return render_template(
        "joint_meetings/person_agenda.html",
        meeting=meeting,
        heading=say(heading),
        lines=lines,
        all_words=say(words.spoken(rows)),
        open_for_views=meeting.status == joint_meetings.MeetingStatus.PLANNED,
        **context,
    )


def _prompt_page(
    meeting: JointMeeting, position: int, form: MeetingAnswerForm, error: str | None = None
) -> str:
    prompt = joint_meetings.prompt_at(position)
    context = _context()
    say = context["say"]
    with force_locale(context["lang"]):
        question = say(words.prompt_text(prompt))
        choices = [
            {"key": c.key, "picture": c.picture, "speech": say(str(c.label))}
            for c in prompt.choices
        ]
    earlier = joint_meetings.person_views(db.session, meeting).get(prompt.key, [])
    return render_template(
        "joint_meetings/person_prompt.html",
        meeting=meeting,
        prompt=prompt,
        position=position,
        count=len(joint_meetings.PROMPTS),
        question=question,
        choices=choices,
        latest=earlier[0] if earlier else None,
        form=form,
        method=form.method.data or "typed",
        error=error,
        **context,
    )


@bp.route("/<int:meeting_id>/q/<int:position>", methods=["GET", "POST"])
def prompt(meeting_id: int, position: int) -> ResponseReturnValue:
    """One of the meeting's prompts; POST keeps the answer (a new row) and moves on."""
    meeting = _meeting(meeting_id)
    chosen = joint_meetings.prompt_at(position)
    form = MeetingAnswerForm()
    edge.on_refusal(lambda error: _prompt_page(meeting, position, form, str(error)))
    if sent(form):
        joint_meetings.record_view(
            db.session, meeting, chosen, answers=list(form.answer.data or []),
            words=form.words.data, method=form.method.data or None,
            facilitator=current_user.user,
        )  # fmt: skip
        if position < len(joint_meetings.PROMPTS):
            target = url_for(".prompt", meeting_id=meeting.id, position=position + 1)
        else:
            target = url_for(".thanks", meeting_id=meeting.id)
        return redirect(target, code=303)
    return _prompt_page(meeting, position, form)


@bp.route("/<int:meeting_id>/thanks")
def thanks(meeting_id: int) -> str:
    """Thank you: staff will bring what you said to the meeting."""
    meeting = _meeting(meeting_id)
    context = _context()
    say = context["say"]
    with force_locale(context["lang"]):
        thank = say(words.thanks())
        next_step = say(words.thanks_next())
    return render_template(
        "joint_meetings/person_thanks.html",
        meeting=meeting,
        thanks=thank,
        next_step=next_step,
        **context,
    )
