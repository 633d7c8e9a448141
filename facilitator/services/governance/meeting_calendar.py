"""A joint meeting as a calendar file (.ics) for one invitee (issue 17): to download from the
meeting's page, or attached to the email that tells them (``notices.joint_meeting_changed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from ...models import JointMeeting, utcnow


def calendar(
    meeting: JointMeeting, key: str, title: str, who: str | None, *, method: str | None = None
) -> bytes:
    """The calendar file for one invitee. ``method`` "REQUEST" (arranged) or "CANCEL" for an
    email; the UID is the same for every version, SEQUENCE is the meeting's version; ``who``
    is the invitee's name."""
    start = datetime.combine(meeting.held_on, meeting.starts_at)
    event = Event()
    event.add("uid", f"joint-meeting-{meeting.id}-{key.replace(':', '-')}@facilitator")
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.minutes or 60))
    event.add("summary", title)
    event.add("sequence", meeting.version or 1)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    if meeting.place:
        event.add("location", meeting.place)
    if who:
        event.add("attendee", f"urn:facilitator:{key}", parameters={"CN": who})
    cal = Calendar()
    cal.add("prodid", "-//Facilitator//Joint meetings//EN")
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    cal.add_component(event)
    return bytes(cal.to_ical())
