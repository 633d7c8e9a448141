"""Joint problem-solving meetings (issue 17): arranged by staff from a differing view or a
review, the person always invited (with their advocate, if they have one), an easy-read agenda
they are given beforehand, their own view for the meeting given first on the tablet, then the
record: the options discussed, what each party said, the way forward and who decided.

The rules, once:

- **The person first, in their own words.** The person's answers for the meeting
  (:func:`record_view`) and what they said at it (:func:`add_note` in their name) are rows
  added one by one, each with how it was captured; nothing anyone says overwrites them, and the
  way forward cannot be recorded until the person's view is there.
- **Traced.** A meeting arranged from a differing view sets its route (a joint
  problem-solving meeting) and, when its way forward is agreed, may record it as the differing
  view's outcome; the actions it produced are linked to it (:func:`link_action`).
- **Need to know.** Staff of the person's service find it (``scope``: the meeting names its
  person); an advocate only a meeting of a person they are assigned to and invited to
  (:func:`for_advocate`). Every change, and every look at a record, is audited.
- **Frozen with its review.** A meeting belongs to the review it came from: once that review is
  closed, nothing about the meeting changes (``reviews/frozen.py`` for the meeting's own row;
  :func:`_changeable` for the rows added to it).

The person's prompts and their view on the tablet are in ``meeting_tablet.py`` and the
calendar file in ``meeting_calendar.py``; the names used from outside are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    CaptureMethod,
    CaseStatus,
    DifferingRoute,
    DifferingView,
    JointMeeting,
    JointMeetingNote,
    JointMeetingOption,
    JointMeetingView,
    MeetingStatus,
    OutcomeAction,
    Person,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
    joint_meeting_actions,
    utcnow,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from ..messages import notices
from ..reviews import frozen, meetings
from . import clean, differing, meeting_calendar, need, today
from .differing_parties import parties, review_of
from .meeting_tablet import AGENDA_STEPS as AGENDA_STEPS
from .meeting_tablet import PROMPTS as PROMPTS
from .meeting_tablet import PROMPTS_BY_KEY as PROMPTS_BY_KEY
from .meeting_tablet import MeetingPrompt as MeetingPrompt
from .meeting_tablet import person_views as person_views
from .meeting_tablet import prompt_at as prompt_at
from .meeting_tablet import record_view as record_view
from .meeting_tablet import start_tablet as start_tablet
from .versions import change

ARRANGERS = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
QUESTION_WORDS = 20  # easy read: one short sentence
TEXT_LIMIT = 500
NOT_FOUND = _l("We could not find that meeting.")
FINAL = _l("The way forward is recorded, so the record of the meeting is final.")


# --- finding and who may take part ------------------------------------------------------------


def get(session: Session, meeting_id: int) -> JointMeeting:
    """The meeting, or NotFound (also when it belongs to a person out of the viewer's scope)."""
    meeting = session.get(JointMeeting, meeting_id)
    if meeting is None:
        raise NotFound(NOT_FOUND)
    return meeting


def advocates_of(session: Session, person_id: int) -> list[Supporter]:
    """The person's active advocates (always invited to their joint meetings)."""
    return list(
        session.scalars(
            select(Supporter)
            .where(
                Supporter.person_id == person_id,
                Supporter.active.is_(True),
                Supporter.role.in_(list(ADVOCATE_ROLES)),
            )
            .order_by(Supporter.id)
        )
    )


def may_invite(
    session: Session, review: Review, view: DifferingView | None = None
) -> list[meetings.Invitee]:
    """Who may be invited: as for a review meeting (the person, supporters involved in reviews
    by their agreement, advocates, staff), and every supporter who is a party to the view."""
    found = meetings.may_invite(session, review)
    keys = {i.key for i in found}
    if view is not None:
        for party in parties(session, view):
            supporter = party.supporter
            key = f"supporter:{supporter.id}" if supporter is not None else None
            if key and key not in keys and supporter is not None and supporter.active:
                found.append(meetings.Invitee(key, supporter.name))
                keys.add(key)
    return found


def names(session: Session, meeting: JointMeeting) -> dict[str, str]:
    """Each invitee's name by key (the person by their preferred name)."""
    found: dict[str, str] = {}
    for key in meeting.invitees:
        what, _, ident = key.partition(":")
        if what == "person":
            person = session.get(Person, meeting.person_id)
            found[key] = person.preferred_name if person else ""
        elif what == "supporter" and ident.isdigit():
            supporter = session.get(Supporter, int(ident))
            found[key] = supporter.name if supporter else key
        elif what == "user" and ident.isdigit():
            user = session.get(User, int(ident))
            found[key] = user.name if user else key
    return found


# --- arranging --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrangement:
    """What staff choose: the easy-read question, the day, time, where, and who is invited."""

    question: str | None
    on: date | None
    starts_at: time | None
    at_home: bool
    place: str | None
    invitees: list[str]


def _arranger(actor: User) -> None:
    if actor.role not in ARRANGERS:
        raise NotAllowed(_l("Only staff can arrange a joint meeting."))


def _question(text: str | None) -> str:
    question = need(
        text,
        ServiceError(_l("Write the question the meeting will answer, in easy read.")),
        limit=TEXT_LIMIT,
        what=_l("question"),
    )
    if len(question.split()) > QUESTION_WORDS:
        raise ServiceError(
            _l(
                "Keep the question to %(words)s words or fewer: it is read out to the person.",
                words=QUESTION_WORDS,
            )
        )
    return question


def arrange(
    session: Session,
    review: Review,
    actor: User,
    data: Arrangement,
    *,
    view: DifferingView | None = None,
) -> JointMeeting:
    """Arrange a joint meeting from a review or from one of its differing views; audited.

    The person is always invited, and so are their advocates. A differing view with no route
    yet takes "joint problem-solving meeting" as its route.
    """
    _arranger(actor)
    if review.status == ReviewStatus.CLOSED:
        raise frozen.refusal()
    question = _question(data.question)
    place = clean(data.place, limit=TEXT_LIMIT, what=_l("place"))
    if data.on is None or data.starts_at is None:
        raise ServiceError(_l("Enter the day and the time of the meeting."))
    if data.on < today():
        raise ServiceError(_l("The meeting cannot be arranged for a day that has passed."))
    if not data.at_home and not place:
        raise ServiceError(_l('Write where the meeting is, or choose "at home".'))
    if view is not None:
        if view.review_id != review.id:
            raise NotFound(_l("We could not find that differing view."))
        if view.status != CaseStatus.OPEN:
            raise ServiceError(_l("This differing view is resolved already."))
    allowed = {i.key for i in may_invite(session, review, view)}
    advocates = [f"supporter:{s.id}" for s in advocates_of(session, review.person_id)]
    chosen = list(dict.fromkeys(["person", *advocates, *data.invitees]))
    if set(chosen) - allowed:
        raise ServiceError(_l("Choose who is invited from the list."))
    meeting = JointMeeting(
        person_id=review.person_id,
        review_id=review.id,
        differing_view_id=view.id if view is not None else None,
        question=question,
        held_on=data.on,
        starts_at=data.starts_at,
        at_home=data.at_home,
        place=None if data.at_home else place,
        invitees=chosen,
        status=MeetingStatus.PLANNED,
        created_by_id=actor.id,
    )
    session.add(meeting)
    session.flush()
    if view is not None and view.route is None:
        with change(
            session,
            view,
            view.version,  # arranging the meeting sets the route: nobody edited the view
            actor=actor,
            action="differing_view.route_set",
            person_id=review.person_id,
        ) as step:
            view.route = DifferingRoute.JOINT_MEETING
            step.detail = {
                "route": str(DifferingRoute.JOINT_MEETING),
                "previous": None,
                "meeting_id": meeting.id,
            }
    audit.record(
        session,
        "joint_meeting.arranged",
        actor=actor,
        obj=meeting,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "differing_view_id": meeting.differing_view_id,
            "invited": len(chosen),
            "at_home": data.at_home,
        },
    )
    _tell(session, review, meeting, "arranged")
    return meeting


def _changeable(session: Session, meeting: JointMeeting, *, cancelled_ok: bool = False) -> None:
    """Refuse a change to a meeting whose review is closed, or that was cancelled."""
    review = session.get(Review, meeting.review_id)
    if review is not None and review.status == ReviewStatus.CLOSED:
        raise frozen.refusal()
    if meeting.status == MeetingStatus.CANCELLED and not cancelled_ok:
        raise ServiceError(_l("This meeting was cancelled, so nothing can be added to it."))


def cancel(
    session: Session, meeting: JointMeeting, actor: User, version: int | str | None,
    reason: str | None,
) -> None:  # fmt: skip
    """Cancel a planned meeting, with a reason; audited."""
    _arranger(actor)
    _changeable(session, meeting)
    with change(session, meeting, version, actor=actor, action="joint_meeting.cancelled",
                person_id=meeting.person_id) as step:  # fmt: skip
        if meeting.status != MeetingStatus.PLANNED:
            raise ServiceError(_l("Only a meeting that has not happened yet can be cancelled."))
        meeting.cancel_reason = need(
            reason, ServiceError(_l("Write why the meeting is cancelled.")), limit=TEXT_LIMIT,
            what=_l("reason"),
        )  # fmt: skip
        meeting.status = MeetingStatus.CANCELLED
        step.detail["reason"] = meeting.cancel_reason
    review = session.get(Review, meeting.review_id)
    assert review is not None
    _tell(session, review, meeting, "cancelled")


# --- the record of the meeting ------------------------------------------------------------------


def add_option(
    session: Session, meeting: JointMeeting, actor: User, text: str | None,
    raised_by: str | None,
) -> JointMeetingOption:  # fmt: skip
    """An option discussed (who raised it, if known); audited."""
    _arranger(actor)
    _changeable(session, meeting)
    if meeting.way_forward:
        raise ServiceError(
            _l("The way forward is recorded, so the record of the meeting is final.")
        )
    option = JointMeetingOption(
        meeting_id=meeting.id,
        text=need(text, ServiceError(_l("Write the option discussed.")), limit=2000),
        raised_by=clean(raised_by, limit=160, what=_l("name")),
        recorded_by_id=actor.id,
    )
    session.add(option)
    session.flush()
    audit.record(session, "joint_meeting.option_added", actor=actor, obj=meeting,
                 person_id=meeting.person_id, detail={"option_id": option.id})  # fmt: skip
    return option


def add_note(
    session: Session,
    meeting: JointMeeting,
    actor: User,
    party_key: str | None,
    said: str | None,
    method: CaptureMethod | str | None = None,
) -> JointMeetingNote:
    """What one party said, in their name; a new row each time (nothing is overwritten).

    The person's words say how they were captured (typed, written down word for word, or a
    facilitator's reading); anyone else's are written down by staff.
    """
    _arranger(actor)
    _changeable(session, meeting)
    if meeting.way_forward:
        raise ServiceError(
            _l("The way forward is recorded, so the record of the meeting is final.")
        )
    known = names(session, meeting)
    if party_key not in known:
        raise ServiceError(_l("Choose who said it from the people invited."))
    text = need(said, ServiceError(_l("Write what they said.")), limit=5000)
    if party_key == "person":
        try:
            how = CaptureMethod(method or "")
        except ValueError:
            raise ServiceError(_l("Say how the person's words were captured.")) from None
        if how == CaptureMethod.TAPPED:
            raise ServiceError(_l("Say how the person's words were captured."))
    else:
        how = CaptureMethod.SCRIBED
    note = JointMeetingNote(
        meeting_id=meeting.id,
        party_key=party_key,
        party_name=known[party_key][:160],
        said=text,
        capture_method=how,
        recorded_by_id=actor.id,
    )
    session.add(note)
    session.flush()
    audit.record(session, "joint_meeting.note_added", actor=actor, obj=meeting,
                 person_id=meeting.person_id,
                 detail={"note_id": note.id, "party": party_key.partition(":")[0]})  # fmt: skip
    return note


def _person_heard(session: Session, meeting: JointMeeting) -> bool:
    said_before = session.scalar(
        select(JointMeetingView.id).where(JointMeetingView.meeting_id == meeting.id).limit(1)
    )
    said_at = session.scalar(
        select(JointMeetingNote.id)
        .where(JointMeetingNote.meeting_id == meeting.id, JointMeetingNote.party_key == "person")
        .limit(1)
    )
    return said_before is not None or said_at is not None


@dataclass(frozen=True)
class WayForward:
    """What was agreed, why, who decided, and whether it is the differing view's outcome."""

    way_forward: str | None
    reasoning: str | None
    decided_by: str | None
    resolves_view: bool = False
    # For the differing view's outcome (its register codes how it ended: ``OutcomeCode``).
    outcome_code: str | None = None
    followed_supporter_id: int | None = None


def record_outcome(
    session: Session,
    meeting: JointMeeting,
    actor: User,
    version: int | str | None,
    data: WayForward,
) -> None:
    """The way forward agreed and who decided; the meeting is then held and its record final.

    Refused until the person's view is recorded (on the tablet before, or in their name at the
    meeting) and before the meeting's day. With ``resolves_view``, the differing view it was
    arranged from records the same outcome, reasoning and decision maker (its own rules apply).
    """
    _arranger(actor)
    _changeable(session, meeting)
    with change(session, meeting, version, actor=actor, action="joint_meeting.way_forward",
                person_id=meeting.person_id) as step:  # fmt: skip
        if meeting.way_forward:
            raise ServiceError(_l("The way forward is recorded already."))
        if meeting.held_on > today():
            raise ServiceError(_l("The meeting's day has not come yet."))
        if not _person_heard(session, meeting):
            raise ServiceError(
                _l("Record the person's view first: on the tablet before the meeting, or what "
                   "they said at it, in their name.")
            )  # fmt: skip
        agreed = need(
            data.way_forward, ServiceError(_l("Write the way forward agreed.")), limit=5000
        )
        reasoning = need(
            data.reasoning,
            ServiceError(_l("Write the reasoning behind the outcome.")),
            limit=5000,
        )
        decided_by = need(
            data.decided_by,
            ServiceError(_l("Say who made the decision.")),
            limit=200,
            what=_l("name"),
        )
        # Only once everything reads: a refusal leaves the meeting as it was.
        meeting.way_forward, meeting.reasoning, meeting.decided_by = agreed, reasoning, decided_by
        meeting.status = MeetingStatus.HELD
        meeting.recorded_by_id = actor.id
        meeting.recorded_at = utcnow()
        step.detail["resolves_view"] = bool(data.resolves_view and meeting.differing_view_id)
    if data.resolves_view and meeting.differing_view_id:
        # The register's own rules record its outcome (a refusal there rolls back the whole
        # change at the edge, the meeting's way forward with it).
        view = differing.get(session, meeting.differing_view_id)
        differing.resolve(
            session, view, actor=actor, version=view.version, outcome=meeting.way_forward,
            reasoning=meeting.reasoning, decision_maker=meeting.decided_by,
            decided_on=meeting.held_on,
            outcome_code=data.outcome_code,
            followed_supporter_id=data.followed_supporter_id,
        )  # fmt: skip


def link_action(session: Session, meeting: JointMeeting, actor: User, action_id: Any) -> None:
    """Link an action the meeting produced (an action of the same person's reviews)."""
    _arranger(actor)
    _changeable(session, meeting, cancelled_ok=False)
    try:
        wanted = int(action_id)
    except (TypeError, ValueError):
        raise ServiceError(_l("Choose an action from the list.")) from None
    action = session.get(OutcomeAction, wanted)
    review = session.get(Review, action.review_id) if action is not None else None
    if action is None or review is None or review.person_id != meeting.person_id:
        raise ServiceError(_l("Choose an action from the list."))
    if wanted in linked_action_ids(session, meeting):
        raise ServiceError(_l("That action is linked to this meeting already."))
    session.execute(joint_meeting_actions.insert().values(meeting_id=meeting.id, action_id=wanted))
    audit.record(session, "joint_meeting.action_linked", actor=actor, obj=meeting,
                 person_id=meeting.person_id, detail={"action_id": wanted})  # fmt: skip


def linked_action_ids(session: Session, meeting: JointMeeting) -> set[int]:
    return set(
        session.scalars(
            select(joint_meeting_actions.c.action_id).where(
                joint_meeting_actions.c.meeting_id == meeting.id
            )
        )
    )


def meetings_for(
    session: Session, *, review: Review | None = None, view: DifferingView | None = None,
    action: OutcomeAction | None = None,
) -> list[JointMeeting]:  # fmt: skip
    """The meetings of a review, of a differing view, or that produced an action."""
    query = select(JointMeeting).order_by(JointMeeting.held_on, JointMeeting.id)
    if review is not None:
        query = query.where(JointMeeting.review_id == review.id)
    if view is not None:
        query = query.where(JointMeeting.differing_view_id == view.id)
    if action is not None:
        query = query.join(
            joint_meeting_actions, joint_meeting_actions.c.meeting_id == JointMeeting.id
        ).where(joint_meeting_actions.c.action_id == action.id)
    return list(session.scalars(query))


@dataclass
class MeetingRecord:
    """Everything the meeting's record shows, the person's view first."""

    meeting: JointMeeting
    review: Review
    person: Person
    view: DifferingView | None
    names: dict[str, str]
    person_views: dict[str, list[JointMeetingView]]
    notes: list[JointMeetingNote] = field(default_factory=list)
    options: list[JointMeetingOption] = field(default_factory=list)
    actions: list[OutcomeAction] = field(default_factory=list)

    @property
    def person_notes(self) -> list[JointMeetingNote]:
        return [n for n in self.notes if n.party_key == "person"]

    @property
    def other_notes(self) -> list[JointMeetingNote]:
        return [n for n in self.notes if n.party_key != "person"]


def record_of(session: Session, meeting: JointMeeting) -> MeetingRecord:
    """The meeting's record (read only: opening it is audited by :func:`opened`)."""
    review = session.get(Review, meeting.review_id)
    person = session.get(Person, meeting.person_id)
    assert review is not None and person is not None
    view = (
        session.get(DifferingView, meeting.differing_view_id) if meeting.differing_view_id else None
    )
    ids = linked_action_ids(session, meeting)
    return MeetingRecord(
        meeting=meeting,
        review=review,
        person=person,
        view=view,
        names=names(session, meeting),
        person_views=person_views(session, meeting),
        notes=list(session.scalars(select(JointMeetingNote).where(
            JointMeetingNote.meeting_id == meeting.id).order_by(JointMeetingNote.id))),
        options=list(session.scalars(select(JointMeetingOption).where(
            JointMeetingOption.meeting_id == meeting.id).order_by(JointMeetingOption.id))),
        actions=list(session.scalars(select(OutcomeAction).where(
            OutcomeAction.id.in_(ids or {-1})).order_by(OutcomeAction.id))),
    )  # fmt: skip


def opened(session: Session, meeting: JointMeeting, actor: User, page: str) -> None:
    """Audit a look at the meeting's record (its page, agenda or PDF)."""
    audit.record(session, "joint_meeting.viewed", actor=actor, obj=meeting,
                 person_id=meeting.person_id, detail={"page": page})  # fmt: skip


def for_advocate(session: Session, meeting_id: int, user: User) -> JointMeeting:
    """The meeting, for an advocate assigned to its person and invited to it; else NotFound
    (so that its existence is not confirmed either)."""
    meeting = session.get(JointMeeting, meeting_id)
    if meeting is None or user.role != Role.ADVOCATE or not user.active:
        raise NotFound(NOT_FOUND)
    supporters = session.scalars(
        select(Supporter.id).where(
            Supporter.person_id == meeting.person_id,
            Supporter.user_id == user.id,
            Supporter.role.in_(list(ADVOCATE_ROLES)),
            Supporter.active.is_(True),
        )
    )
    if not {f"supporter:{i}" for i in supporters} & set(meeting.invitees):
        raise NotFound(NOT_FOUND)
    return meeting


def for_advocate_list(session: Session, user: User) -> list[JointMeeting]:
    """The meetings an advocate is invited to, for the people assigned to them, soonest first."""
    if user.role != Role.ADVOCATE:
        return []
    rows = session.scalars(
        select(Supporter.id).where(
            Supporter.user_id == user.id,
            Supporter.active.is_(True),
            Supporter.role.in_(list(ADVOCATE_ROLES)),
        )
    )
    keys = {f"supporter:{i}" for i in rows}
    if not keys:
        return []
    found = session.scalars(select(JointMeeting).order_by(JointMeeting.held_on, JointMeeting.id))
    return [m for m in found if keys & set(m.invitees)]


# --- the calendar file ----------------------------------------------------------------------------


def calendar_file(session: Session, meeting: JointMeeting, key: str, title: str) -> bytes:
    """An .ics file of the meeting for one invitee (``title`` in their words)."""
    if meeting.status == MeetingStatus.CANCELLED or key not in meeting.invitees:
        raise NotFound(NOT_FOUND)
    return meeting_calendar.calendar(meeting, key, title, names(session, meeting).get(key))


def _tell(session: Session, review: Review, meeting: JointMeeting, change: str) -> None:
    """Email the invitees with an address (``notices``), each with the calendar file."""
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    who = names(session, meeting)
    notices.joint_meeting_changed(
        session, review, meeting, change, list(meeting.invitees),
        lambda key, title: meeting_calendar.calendar(
            meeting, key, title, who.get(key), method=method
        ),
    )  # fmt: skip


def review_of_view(session: Session, view: DifferingView) -> Review:
    """The review a differing view belongs to."""
    return review_of(session, view)
