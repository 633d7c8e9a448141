"""Joint meetings on the tablet (issue 17): the person's few easy-read prompts for a meeting,
the agenda's fixed steps, and the person's view given first, before the meeting.

Each answer is a new row, never an edit, with how it was captured (tapped, typed, said and
written down word for word, or a facilitator's reading, never shown as the person's words).
The meeting's own rules are in ``joint_meetings.py``, which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CaptureMethod,
    JointMeeting,
    JointMeetingView,
    MeetingStatus,
    Review,
    ReviewStatus,
    User,
    UserSession,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from ..reviews import frozen
from ..reviews.person_session import may_facilitate
from . import clean


def _open_for_views(session: Session, meeting: JointMeeting) -> Review:
    """The meeting's review, if the person's view for the meeting can still be given."""
    review = session.get(Review, meeting.review_id)
    assert review is not None
    if review.status == ReviewStatus.CLOSED:
        raise frozen.refusal()
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError(_l("This meeting was cancelled, so nothing can be added to it."))
    if meeting.status != MeetingStatus.PLANNED:
        raise ServiceError(_l("This meeting has happened, so the person's view for it is closed."))
    return review


# --- the person's prompts for the meeting, and the agenda ------------------------------------


@dataclass(frozen=True)
class Choice:
    key: str
    picture: str
    label: Any  # marked for translation


@dataclass(frozen=True)
class MeetingPrompt:
    """One easy-read prompt the person answers on the tablet before the meeting."""

    key: str
    picture: str
    text: Any  # marked for translation
    choices: tuple[Choice, ...] = ()
    many: bool = False  # more than one choice may be tapped


PROMPTS: tuple[MeetingPrompt, ...] = (
    MeetingPrompt(
        "feel",
        "thought-balloon",
        _l("How do you feel about this?"),
        (
            Choice("good", "face-good", _l("Good")),
            Choice("not-sure", "face-not-sure", _l("Not sure")),
            Choice("not-good", "face-not-good", _l("Not good")),
        ),
    ),
    MeetingPrompt("want", "speech-bubble", _l("What would you like to happen?")),
    MeetingPrompt(
        "help",
        "people",
        _l("Who do you want to help you at the meeting?"),
        (
            Choice("advocate", "raising-hands", _l("My advocate")),
            Choice("family", "family", _l("My family or friends")),
            Choice("staff", "staff", _l("Staff I know")),
            Choice("no-one", "person", _l("I can do it on my own")),
        ),
        many=True,
    ),
)
PROMPTS_BY_KEY = {p.key: p for p in PROMPTS}

# The agenda's fixed steps, in easy read, each with its picture (what happens at the meeting).
AGENDA_STEPS: tuple[tuple[str, Any], ...] = (
    ("speech-bubble", _l("First, you say what you think.")),
    ("people", _l("Then the others say what they think.")),
    ("choose-many", _l("We talk about the choices.")),
    ("handshake", _l("We agree what to do next.")),
    ("break", _l("You can ask for a break at any time.")),
)


def prompt_at(position: int) -> MeetingPrompt:
    """The meeting's prompt at ``position`` (from 1), or NotFound."""
    if not 1 <= position <= len(PROMPTS):
        raise NotFound(_l("That question is not part of this meeting."))
    return PROMPTS[position - 1]


# --- the person's view, first, on the tablet ----------------------------------------------------


def start_tablet(
    session: Session, meeting: JointMeeting, facilitator: User, user_session: UserSession
) -> None:
    """Hand the tablet to the person for this meeting: locked to its review (whatever stage
    that review is at), showing the meeting's agenda and prompts. Audited."""
    review = session.get(Review, meeting.review_id)
    assert review is not None
    if not may_facilitate(session, facilitator, review):
        raise NotAllowed(_l("You cannot start a session for this person."))
    _open_for_views(session, meeting)
    user_session.person_mode_review_id = review.id
    audit.record(session, "joint_meeting.tablet_started", actor=facilitator, obj=meeting,
                 person_id=meeting.person_id)  # fmt: skip


def record_view(
    session: Session,
    meeting: JointMeeting,
    prompt: MeetingPrompt,
    *,
    answers: list[str],
    words: str | None,
    method: CaptureMethod | str | None,
    facilitator: User | None,
) -> JointMeetingView:
    """Keep the person's answer to one prompt, as a new row (an earlier answer stays).

    Tapped choices are the person's (``tapped``); words say how they were captured: typed by
    the person, said and written down word for word, or a facilitator's reading (never shown
    as the person's words).
    """
    _open_for_views(session, meeting)
    keys = {c.key for c in prompt.choices}
    chosen = list(dict.fromkeys(a for a in answers if a))
    if set(chosen) - keys or (chosen and not prompt.many and len(chosen) > 1):
        raise ServiceError(_l("That answer is not one of the choices."))
    text = clean(words, limit=2000, what=_l("words"))
    if not chosen and not text:
        raise ServiceError(_l("Tap an answer or write some words."))
    if text:
        try:
            how = CaptureMethod(method or CaptureMethod.TYPED)
        except ValueError:
            raise ServiceError(_l("Say how the words were captured.")) from None
        if how == CaptureMethod.TAPPED:
            raise ServiceError(_l("Say how the words were captured."))
    else:
        how = CaptureMethod.TAPPED
    row = JointMeetingView(
        meeting_id=meeting.id,
        prompt_key=prompt.key,
        answer=",".join(chosen) or None,
        words=text,
        capture_method=how,
        recorded_by_id=facilitator.id if facilitator is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(session, "joint_meeting.person_view", actor=facilitator, obj=meeting,
                 person_id=meeting.person_id,
                 detail={"prompt": prompt.key, "method": str(how)})  # fmt: skip
    return row


def person_views(session: Session, meeting: JointMeeting) -> dict[str, list[JointMeetingView]]:
    """The person's answers by prompt, the latest first (earlier ones are kept and shown)."""
    found: dict[str, list[JointMeetingView]] = {p.key: [] for p in PROMPTS}
    rows = session.scalars(
        select(JointMeetingView)
        .where(JointMeetingView.meeting_id == meeting.id)
        .order_by(JointMeetingView.id.desc())
    )
    for row in rows:
        found.setdefault(row.prompt_key, []).append(row)
    return found
