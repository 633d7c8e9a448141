"""When and where a review's meeting is held, who is invited, and a calendar file for each
invitee (issue 17).

Invited: the person always; supporters as their involvement agreement says (involved in
reviews) and advocates; staff. Arranging it first needs no reason; moving it (a new date, time
or place) or cancelling it needs one. Every change is audited. A closed review's meeting
cannot change (``frozen.py``).

Each change is emailed to the invitees with an address, with the calendar file
(``notices.meeting_changed``, issue 18): METHOD:REQUEST when arranged or moved, METHOD:CANCEL
when cancelled, one UID per meeting and invitee, SEQUENCE the meeting's version. Saving it
again with nothing moved tells only those newly invited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    Review,
    ReviewMeeting,
    ReviewStatus,
    Role,
    Supporter,
    User,
    utcnow,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from ..governance import agreements, clean
from ..messages import notices

ARRANGERS = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
TEXT_LIMIT = 500


@dataclass(frozen=True)
class Invitee:
    key: str  # "person", "supporter:<id>" or "user:<id>"
    name: str


@dataclass(frozen=True)
class Arrangement:
    """What staff choose: the day, the time, where, who is invited, and why if it moved."""

    on: date | None
    starts_at: time | None
    at_home: bool
    place: str | None
    invitees: list[str]
    reason: str | None = None


def may_invite(session: Session, review: Review) -> list[Invitee]:
    """Everyone who may be invited: the person, supporters involved in reviews by their
    agreement and advocates, and active staff."""
    found = [Invitee("person", review.person.preferred_name)]
    supporters = list(
        session.scalars(
            select(Supporter)
            .where(Supporter.person_id == review.person_id, Supporter.active.is_(True))
            .order_by(Supporter.name)
        )
    )
    agreed = agreements.for_supporters(session, [s.id for s in supporters])
    for supporter in supporters:
        agreement = agreed.get(supporter.id)
        involved = agreement is not None and "reviews" in (agreement.involved_in or [])
        if involved or supporter.role in ADVOCATE_ROLES:
            found.append(Invitee(f"supporter:{supporter.id}", supporter.name))
    staff = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([Role.STAFF, Role.MANAGER]))
        .order_by(User.name)
    )
    found += [Invitee(f"user:{u.id}", u.name) for u in staff]
    return found


def meeting_for(session: Session, review: Review) -> ReviewMeeting | None:
    return session.scalar(select(ReviewMeeting).where(ReviewMeeting.review_id == review.id))


def arrange(session: Session, review: Review, actor: User, data: Arrangement) -> ReviewMeeting:
    """Arrange the meeting, or move it (a reason needed); audited either way."""
    if actor.role not in ARRANGERS:
        raise NotAllowed(_l("Only staff can arrange a review meeting."))
    place = clean(data.place, limit=TEXT_LIMIT, what=_l("place"))
    reason = clean(data.reason, limit=TEXT_LIMIT, what=_l("reason"))
    if data.on is None or data.starts_at is None:
        raise ServiceError(_l("Enter the day and the time of the meeting."))
    if not data.at_home and not place:
        raise ServiceError(_l('Write where the meeting is, or choose "at home".'))
    allowed = {i.key for i in may_invite(session, review)}
    chosen = list(dict.fromkeys(["person", *data.invitees]))  # the person is always invited
    if set(chosen) - allowed:
        raise ServiceError(_l("Choose who is invited from the list."))
    meeting = meeting_for(session, review)
    moved = meeting is not None and meeting.cancelled_at is None and (
        review.scheduled_for != data.on or meeting.starts_at != data.starts_at
        or meeting.at_home != data.at_home or (meeting.place or None) != (place or None)
    )  # fmt: skip
    if moved and not reason:
        raise ServiceError(_l("Write why the meeting is being moved."))
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is closed, so its meeting cannot change."))
    first = meeting is None
    before = [] if meeting is None or meeting.cancelled_at is not None else list(meeting.invitees)
    if meeting is None:
        meeting = ReviewMeeting(review_id=review.id, starts_at=data.starts_at, invitees=[])
        session.add(meeting)
    else:
        meeting.version = (meeting.version or 1) + 1
    was = review.scheduled_for
    review.scheduled_for = data.on
    meeting.starts_at = data.starts_at
    meeting.at_home = data.at_home
    meeting.place = None if data.at_home else place
    meeting.invitees = chosen
    meeting.change_reason = reason if moved else meeting.change_reason
    meeting.cancelled_at = None
    meeting.cancel_reason = None
    meeting.updated_by_id = actor.id
    session.flush()
    action = "review.meeting_arranged" if first or not moved else "review.rescheduled"
    detail: dict[str, Any] = {"invited": len(chosen), "at_home": data.at_home}
    if moved:
        detail.update(reason=reason, was=was.isoformat(), now=data.on.isoformat())
    audit.record(session, action, actor=actor, obj=review, person_id=review.person_id,
                 detail=detail)  # fmt: skip
    change = "moved" if moved else "arranged"
    told = chosen if moved else [key for key in chosen if key not in before]
    notices.meeting_changed(
        session, review, meeting, actor, change, told, _ics(session, review, meeting)
    )
    return meeting


def cancel(session: Session, review: Review, actor: User, reason: str | None) -> ReviewMeeting:
    """Cancel the meeting, with a reason (audited); it can be arranged again later."""
    if actor.role not in ARRANGERS:
        raise NotAllowed(_l("Only staff can cancel a review meeting."))
    why = clean(reason, required=ServiceError(_l("Write why the meeting is cancelled.")),
                limit=TEXT_LIMIT, what=_l("reason"))  # fmt: skip
    meeting = meeting_for(session, review)
    if meeting is None or meeting.cancelled_at is not None:
        raise ServiceError(_l("There is no meeting arranged to cancel."))
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = why
    meeting.version = (meeting.version or 1) + 1
    meeting.updated_by_id = actor.id
    session.flush()
    audit.record(session, "review.meeting_cancelled", actor=actor, obj=review,
                 person_id=review.person_id, detail={"reason": why})  # fmt: skip
    notices.meeting_changed(session, review, meeting, actor, "cancelled", list(meeting.invitees),
                            _ics(session, review, meeting, "CANCEL"))  # fmt: skip
    return meeting


def calendar_file(session: Session, review: Review, key: str, title: str) -> bytes:
    """An .ics file of the meeting for one invitee (``title`` in their words)."""
    meeting = meeting_for(session, review)
    if meeting is None or meeting.cancelled_at is not None or key not in meeting.invitees:
        raise NotFound(_l("We could not find that meeting."))
    return calendar(session, review, meeting, key, title)


def _ics(
    session: Session, review: Review, meeting: ReviewMeeting, method: str = "REQUEST"
) -> Callable[[str, str], bytes]:
    """What the notices call for each invitee's calendar file (key, title in their words)."""
    return lambda key, title: calendar(session, review, meeting, key, title, method=method)


def calendar(
    session: Session, review: Review, meeting: ReviewMeeting, key: str, title: str,
    *, method: str | None = None,
) -> bytes:  # fmt: skip
    """The calendar file for one invitee. ``method`` "REQUEST" (arranged or moved) or "CANCEL"
    for an email; the UID is the same for every version, SEQUENCE is the meeting's version."""
    names = {i.key: i.name for i in may_invite(session, review)}
    return ics(
        uid=f"review-{review.id}-{key.replace(':', '-')}@facilitator",
        start=datetime.combine(review.scheduled_for, meeting.starts_at),
        minutes=meeting.minutes or 90,
        title=title,
        version=meeting.version or 1,
        place=meeting.place,
        attendee=(key, names[key]) if key in names else None,
        product="Review meetings",
        method=method,
    )


def ics(
    *,
    uid: str,
    start: datetime,
    minutes: int,
    title: str,
    version: int,
    place: str | None,
    attendee: tuple[str, str] | None,
    product: str,
    method: str | None = None,
) -> bytes:
    """One meeting as an .ics file: ``method`` "REQUEST" or "CANCEL" for an email (a
    cancelled event says so); ``attendee`` is the invitee's (key, name)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", title)
    event.add("sequence", version)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    if place:
        event.add("location", place)
    if attendee is not None:
        event.add("attendee", f"urn:facilitator:{attendee[0]}", parameters={"CN": attendee[1]})
    cal = Calendar()
    cal.add("prodid", f"-//Facilitator//{product}//EN")
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    cal.add_component(event)
    return bytes(cal.to_ical())
