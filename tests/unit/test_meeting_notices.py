"""A review meeting arranged, moved or cancelled is emailed to each invitee with an address, in
their language, with a calendar file (issue 18, item 6), on both databases; never to the
person; a supporter's message never carries the reason; and the file reaches an SMTP server.
"""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import OutboxMessage, Role, SupporterRole
from facilitator.services import people
from facilitator.services.governance import agreements
from facilitator.services.messages import delivery, transports
from facilitator.services.reviews.meetings import Arrangement, arrange, cancel
from tests.mail_server import MailServer
from tests.unit.test_delivery import FakeNotify, _notify  # Notify's API on loopback

from .factories import user

pytestmark = pytest.mark.db

REASON = "Pelican-Umbrella-3317 is in hospital"
AT_TEN = Arrangement(date(2027, 3, 12), time(10, 0), False, "The day centre, room 2", [])


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    app.config["PUBLIC_URL"] = "https://care.example.org"
    with app.app_context():
        yield


def _setup(session: Session, world, *, sister_email: str | None = "rhian@example.org"):  # type: ignore[no-untyped-def]
    staff = world.staff
    sister = people.add_supporter(
        session, world.sam, actor=staff, name="Rhian", relationship="sister",
        role=SupporterRole.FAMILY, email=sister_email, language="cy",
    )  # fmt: skip
    agreements.save(
        session, sister, actor=staff, version=None, areas=["reviews"], may_see="All of it",
        contact_preference="phone", escalation_route="A meeting with the manager",
        review_on=date(2027, 9, 1),
    )  # fmt: skip
    colleague = user(session, Role.STAFF, name="Owain Price")
    invitees = [f"supporter:{sister.id}", f"user:{colleague.id}"]
    return sister, colleague, Arrangement(**{**AT_TEN.__dict__, "invitees": invitees})


def _messages(session: Session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def _ics(message: OutboxMessage):  # type: ignore[no-untyped-def]
    assert message.attachment is not None and message.attachment_name == "review-meeting.ics"
    cal = Calendar.from_ical(message.attachment)
    return cal, next(iter(cal.walk("VEVENT")))


def test_arranged_moved_and_cancelled_each_invitee_once_in_their_language(
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    rev, staff = world.review, world.staff
    sister, colleague, arrangement = _setup(session, world)
    meeting = arrange(session, rev, staff, arrangement)
    arranged = _messages(session, "meeting-arranged")
    assert sorted(m.to for m in arranged) == sorted([sister.email, colleague.email])
    assert world.sam.preferred_name and all(m.to != "person" for m in arranged)
    by_to = {m.to: m for m in arranged}
    welsh, english = by_to[sister.email], by_to[colleague.email]
    assert welsh.language == "cy" and english.language == "en"
    # In Welsh: the day is in Welsh now (the sentences once the lead translates them).
    assert "Gwener" in welsh.text and "Friday" in english.text
    assert 'lang="cy"' in (welsh.html or "")
    assert "Sam" in english.text and "Carter" not in english.text  # first name only
    assert "The day centre, room 2" in english.text and "10:00" in english.text
    assert "Sian Jones" in english.text  # who arranged it
    assert english.user_id == colleague.id and welsh.user_id is None
    cal, event = _ics(english)
    assert str(cal["method"]) == "REQUEST" and int(event["sequence"]) == 1
    uid = str(event["uid"])
    assert english.attachment_type == "text/calendar; method=REQUEST"

    # Saved again unchanged: nobody is told twice.
    arrange(session, rev, staff, arrangement)
    assert len(_messages(session)) == 2

    moved = Arrangement(**{**arrangement.__dict__, "on": date(2027, 3, 19), "at_home": True,
                           "place": None, "reason": REASON})  # fmt: skip
    arrange(session, rev, staff, moved)
    moves = {m.to: m for m in _messages(session, "meeting-moved")}
    assert set(moves) == {sister.email, colleague.email}
    staff_move, family_move = moves[colleague.email], moves[sister.email]
    assert "has moved" in staff_move.text and "at home" in staff_move.text
    assert "reason is on the review page" in staff_move.text
    assert "https://care.example.org/" in staff_move.text
    assert "reason" not in family_move.text.lower() and "care.example.org" not in family_move.text
    cal, event = _ics(staff_move)
    assert str(cal["method"]) == "REQUEST" and str(event["uid"]) == uid
    assert int(event["sequence"]) == meeting.version > 1

    cancel(session, rev, staff, REASON)
    cancels = {m.to: m for m in _messages(session, "meeting-cancelled")}
    assert set(cancels) == {sister.email, colleague.email}
    cal, event = _ics(cancels[colleague.email])
    assert str(cal["method"]) == "CANCEL" and str(event["uid"]) == uid
    assert int(event["sequence"]) == meeting.version
    assert cancels[colleague.email].attachment_type == "text/calendar; method=CANCEL"

    # No supporter message carries the reason, nor a link to the staff pages.
    for message in [welsh, family_move, cancels[sister.email]]:
        for body in (message.text, message.html or "", message.attachment or ""):
            assert "Pelican-Umbrella" not in body and "/staff/" not in body
    # Nor does any message or calendar file carry the reason's text.
    for message in _messages(session):
        assert "Pelican-Umbrella" not in (message.text + (message.html or ""))
        assert "Pelican-Umbrella" not in (message.attachment or "")


def test_no_email_no_message_and_the_person_is_never_emailed(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    sister, colleague, arrangement = _setup(session, world, sister_email=None)
    colleague.active = False
    only_sister = Arrangement(**{**arrangement.__dict__, "invitees": [f"supporter:{sister.id}"]})
    arrange(session, rev, staff, only_sister)
    assert _messages(session) == []


def test_a_newly_invited_guest_alone_is_told_when_nothing_moved(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    sister, colleague, arrangement = _setup(session, world)
    only_sister = Arrangement(**{**arrangement.__dict__, "invitees": [f"supporter:{sister.id}"]})
    arrange(session, rev, staff, only_sister)
    assert [m.to for m in _messages(session)] == [sister.email]
    arrange(session, rev, staff, arrangement)
    assert [m.to for m in _messages(session)] == [sister.email, colleague.email]


def test_the_calendar_file_arrives_by_smtp(session: Session, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    sister, colleague, arrangement = _setup(session, world)
    arrange(session, rev, staff, arrangement)
    session.commit()
    server = MailServer(tmp_path).start()
    try:
        smtp = transports.SmtpTransport(server.url, "Facilitator <care@example.org>", timeout=5)
        done = delivery.deliver(session, smtp)
        assert done.sent == 2 and server.count() == 2
        got = {r.rcpt_tos[0]: r for r in server.received}[colleague.email]
        assert "The day centre, room 2" in got.text
        files = [p for p in got.message.iter_attachments() if p.get_filename()]
        assert [p.get_filename() for p in files] == ["review-meeting.ics"]
        assert files[0].get_content_type() == "text/calendar"
        assert files[0].get_param("method") == "REQUEST"
        data = files[0].get_content()
        cal = Calendar.from_ical(data)
        assert str(cal["method"]) == "REQUEST"
    finally:
        server.stop()


def test_an_eml_file_carries_the_calendar_file(session: Session, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    _sister, _colleague, arrangement = _setup(session, world)
    arrange(session, rev, staff, arrangement)
    cancel(session, rev, staff, REASON)
    session.commit()
    files = transports.FileTransport(tmp_path, "Facilitator <care@example.org>")
    assert delivery.deliver(session, files).sent == 4
    found = []
    for path in sorted(tmp_path.glob("*meeting-cancelled.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.iter_attachments():
            found.append((part.get_filename(), part.get_param("method")))
            assert "METHOD:CANCEL" in part.get_content()
    assert found == [("review-meeting.ics", "CANCEL")] * 2


def test_notify_sends_the_email_without_the_file(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    _sister, colleague, arrangement = _setup(session, world)
    arrange(session, rev, staff, arrangement)
    session.commit()
    fake = FakeNotify()
    try:
        done = delivery.deliver(session, _notify(fake))
        assert done.sent == 2, done.errors
        assert fake.problems == []
        bodies = {r["body"]["email_address"]: r["body"] for r in fake.requests}
        sent = bodies[colleague.email]
        assert "The day centre, room 2" in sent["personalisation"]["body"]
        assert "BEGIN:VCALENDAR" not in json.dumps(sent)  # Notify cannot attach it
    finally:
        fake.close()
