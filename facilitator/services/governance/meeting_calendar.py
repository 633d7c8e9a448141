"""A joint meeting as a calendar file (.ics) for one invitee (issue 17): to download from the
meeting's page, or attached to the email that tells them (``notices.joint_meeting_changed``).
"""

from __future__ import annotations

from datetime import datetime

from ...models import JointMeeting
from ..reviews.meetings import ics


def calendar(
    meeting: JointMeeting, key: str, title: str, who: str | None, *, method: str | None = None
) -> bytes:
    """The calendar file for one invitee. ``method`` "REQUEST" (arranged) or "CANCEL" for an
    email; the UID is the same for every version, SEQUENCE is the meeting's version; ``who``
    is the invitee's name."""
    return ics(
        uid=f"joint-meeting-{meeting.id}-{key.replace(':', '-')}@facilitator",
        start=datetime.combine(meeting.held_on, meeting.starts_at),
        minutes=meeting.minutes or 60,
        title=title,
        version=meeting.version or 1,
        place=meeting.place,
        attendee=(key, who) if who else None,
        product="Joint meetings",
        method=method,
    )
