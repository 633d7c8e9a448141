"""A review's meeting (issue 17): arranged with a time and a place or at home, the person always
invited, supporters as their agreement says; moved or cancelled only with a reason, audited;
an .ics file for each invitee; frozen once the review is closed (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, ReviewStatus, Role, SupporterRole
from facilitator.services import NotAllowed, NotFound, ServiceError, people
from facilitator.services.governance import agreements
from facilitator.services.reviews.frozen import ReviewClosed
from facilitator.services.reviews.meetings import (
    Arrangement,
    arrange,
    calendar_file,
    cancel,
    may_invite,
)

from .factories import user

pytestmark = pytest.mark.db

AT_TEN = Arrangement(date(2027, 3, 12), time(10, 0), False, "The day centre, room 2", [])


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_arrange_move_and_cancel_with_reasons(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    with pytest.raises(ServiceError, match="where the meeting is"):
        arrange(session, rev, staff, Arrangement(date(2027, 3, 12), time(10, 0), False, " ", []))
    meeting = arrange(session, rev, staff, AT_TEN)
    assert meeting.invitees == ["person"] and meeting.place == "The day centre, room 2"
    moved = Arrangement(date(2027, 3, 19), time(14, 30), True, None, [])
    with pytest.raises(ServiceError, match="why the meeting is being moved"):
        arrange(session, rev, staff, moved)
    arrange(session, rev, staff, Arrangement(**{**moved.__dict__, "reason": "Sam is unwell"}))
    assert rev.scheduled_for == date(2027, 3, 19) and meeting.at_home and meeting.place is None
    assert meeting.change_reason == "Sam is unwell"
    with pytest.raises(ServiceError, match="why the meeting is cancelled"):
        cancel(session, rev, staff, "")
    cancel(session, rev, staff, "Sam's sister cannot come")
    assert meeting.cancel_reason == "Sam's sister cannot come"
    with pytest.raises(ServiceError, match="no meeting arranged"):
        cancel(session, rev, staff, "Again")
    assert [a for a in _actions(session) if a.startswith("review.")][-3:] == [
        "review.meeting_arranged", "review.rescheduled", "review.meeting_cancelled",
    ]  # fmt: skip
    advocate = user(session, Role.ADVOCATE, name="Jo")
    with pytest.raises(NotAllowed):
        arrange(session, rev, advocate, AT_TEN)


def test_supporters_are_invited_as_their_agreement_says(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    sister = people.add_supporter(
        session, world.sam, actor=staff, name="Rhian", relationship="sister",
        role=SupporterRole.FAMILY,
    )  # fmt: skip
    keys = {i.key for i in may_invite(session, rev)}
    assert "person" in keys and f"supporter:{sister.id}" not in keys and f"user:{staff.id}" in keys
    with pytest.raises(ServiceError, match="from the list"):
        arrange(
            session,
            rev,
            staff,
            Arrangement(**{**AT_TEN.__dict__, "invitees": [f"supporter:{sister.id}"]}),
        )
    agreements.save(
        session, sister, actor=staff, version=None, areas=["reviews"], may_see="All of it",
        contact_preference="phone", escalation_route="A meeting with the manager",
        review_on=date(2027, 9, 1),
    )  # fmt: skip
    assert f"supporter:{sister.id}" in {i.key for i in may_invite(session, rev)}
    meeting = arrange(
        session,
        rev,
        staff,
        Arrangement(**{**AT_TEN.__dict__, "invitees": [f"supporter:{sister.id}"]}),
    )
    assert meeting.invitees == ["person", f"supporter:{sister.id}"]  # the person always


def test_an_ics_file_for_each_invitee(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    arrange(
        session, rev, staff, Arrangement(**{**AT_TEN.__dict__, "invitees": [f"user:{staff.id}"]})
    )
    data = calendar_file(session, rev, "person", "Sam's review meeting")
    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    assert event.decoded("dtstart") == datetime(2027, 3, 12, 10, 0)
    assert str(event.get("location")) == "The day centre, room 2"
    assert str(event.get("summary")) == "Sam's review meeting"
    assert calendar_file(session, rev, f"user:{staff.id}", "Review meeting")
    with pytest.raises(NotFound):
        calendar_file(session, rev, "user:999999", "Review meeting")


def test_a_closed_reviews_meeting_cannot_change(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    meeting = arrange(session, rev, staff, AT_TEN)
    rev.status = ReviewStatus.CLOSED
    session.flush()
    with pytest.raises(ServiceError, match="closed"):
        arrange(session, rev, staff, AT_TEN)
    meeting.place = "Elsewhere"
    with pytest.raises(ReviewClosed):
        session.flush()
