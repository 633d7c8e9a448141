"""Joint problem-solving meetings through the web (issue 17): staff arrange one from a
differing view (refusals keep what was typed), give the person the easy-read agenda (page, PDF,
calendar files), hand them the tablet to hear it and give their view first; then record what
each party said, the options, the way forward resolving the differing view, and the action it
produced. The invited advocate reads it; an advocate not invited, staff of another service and
the tablet of another review find nothing. Every look and change is audited."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, time, timedelta

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    CaseStatus,
    DifferingView,
    JointMeeting,
    JointMeetingView,
    Response,
    Review,
    ReviewStatus,
    Supporter,
    User,
    utcnow,
)
from facilitator.services.governance import differing, joint_meetings
from facilitator.services.reviews import actions

from ..conftest import csrf_from, sign_in

STAFF = "staff@demo.facilitator.test"
ADVOCATE = "advocate@demo.facilitator.test"  # Jo Patel, Ellis's advocate in the demo
OTHER_STAFF = "tycelyn@demo.facilitator.test"
QUESTION = "Where will you go on Saturdays?"


def _ellis_view(app: Flask, demo: dict) -> tuple[int, int, int]:
    """Ellis's views done and a differing view about them: (review, view, Ellis's statement)."""
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Ellis"])
        staff = db.session.get(User, demo["users"][STAFF])
        assert review and staff
        said = Response(
            review_id=review.id,
            review_prompt_id=review.prompts[0].id,
            client_id=uuid.uuid4().hex,
            answer=[],
            own_words="I like the allotment",
            capture_method=CaptureMethod.TYPED,
        )
        db.session.add(said)
        review.person_confirmed_at = utcnow()
        review.status = ReviewStatus.PERSON_DONE
        db.session.flush()
        view = differing.open_view(
            db.session,
            review,
            actor=staff,
            summary="Saturdays: allotment or day centre",
            response_ids=[said.id],
        )
        db.session.commit()
        return review.id, view.id, said.id


def _staff(app: Flask, email: str = STAFF) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _post(client: FlaskClient, page_url: str, url: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _arrange(app: Flask, demo: dict) -> tuple[FlaskClient, int, int, int]:
    review_id, view_id, said_id = _ellis_view(app, demo)
    client = _staff(app)
    url = f"/staff/differing-views/{view_id}/joint-meeting"
    answer = _post(
        client,
        url,
        url,
        {
            "question": QUESTION,
            "on": date.today().isoformat(),
            "starts_at": "14:00",
            "place": "Oak House lounge",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    meeting_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    return client, meeting_id, view_id, said_id


def test_arranging_refuses_kindly_and_keeps_what_was_typed(app: Flask, demo: dict) -> None:
    _review_id, view_id, _said = _ellis_view(app, demo)
    client = _staff(app)
    url = f"/staff/differing-views/{view_id}/joint-meeting"
    page = client.get(url)
    assert page.status_code == 200 and "Arrange a joint meeting" in page.get_data(as_text=True)
    answer = _post(
        client,
        url,
        url,
        {
            "question": "",
            "on": date.today().isoformat(),
            "starts_at": "14:00",
            "place": "THE-PLACE-TYPED",
        },
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "question the meeting will answer" in html
    assert "THE-PLACE-TYPED" in html  # nothing typed is lost
    answer = _post(
        client,
        url,
        url,
        {"question": QUESTION, "on": "not-a-date", "starts_at": "14:00", "place": "x"},
    )
    assert answer.status_code == 400 and QUESTION.replace("?", "") in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(JointMeeting.id)) is None


def test_from_differing_view_to_the_way_forward(app: Flask, demo: dict) -> None:
    client, meeting_id, view_id, said_id = _arrange(app, demo)
    with app.app_context():
        meeting = db.session.get(JointMeeting, meeting_id)
        jo = db.session.scalars(
            select(Supporter).where(Supporter.user_id == demo["users"][ADVOCATE])
        ).one()
        assert meeting is not None and meeting.invitees == ["person", f"supporter:{jo.id}"]
        assert db.session.get(DifferingView, view_id).route == "joint-meeting"  # type: ignore[union-attr]
    record = f"/staff/joint-meetings/{meeting_id}"
    html = client.get(record).get_data(as_text=True)
    assert QUESTION in html and "Jo Patel" in html
    # The easy-read agenda: a page, a PDF, and a calendar file for each person invited.
    agenda = client.get(f"{record}/agenda").get_data(as_text=True)
    assert "Your meeting" in agenda and QUESTION in agenda and "Your advocate Jo Patel" in agenda
    pdf = client.get(f"{record}/agenda.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert QUESTION.split()[0] in text and "Ellis" in text
    ics = client.get(f"{record}/calendar/supporter-{jo.id}.ics")
    assert (
        ics.status_code == 200 and b"BEGIN:VEVENT" in ics.data and b"Oak House lounge" in ics.data
    )
    assert client.get(f"{record}/calendar/supporter-999999.ics").status_code == 404
    # The way forward is refused before the person's view is in.
    answer = _post(
        client,
        record,
        f"{record}/way-forward",
        {"version": "1", "way_forward": "WAY-FORWARD", "reasoning": "R", "decided_by": "D"},
    )
    assert answer.status_code == 400 and "person&#39;s view first" in answer.get_data(as_text=True)
    assert "WAY-FORWARD" in answer.get_data(as_text=True)

    # The tablet: the agenda spoken, then the person's view, first.
    tablet = _staff(app)
    started = _post(tablet, record, f"{record}/tablet", {})
    assert started.status_code == 303
    assert started.headers["Location"].endswith(f"/person/meetings/{meeting_id}/")
    screen = tablet.get(f"/person/meetings/{meeting_id}/").get_data(as_text=True)
    assert QUESTION in screen and "data-say=" in screen and "Tell us what you think" in screen
    assert tablet.get(record).status_code == 302  # a locked tablet reaches no staff page
    assert tablet.get("/person/meetings/999999/").status_code == 404
    q1 = f"/person/meetings/{meeting_id}/q/1"
    refused = _post(tablet, q1, q1, {"words": "", "method": "typed"})
    assert refused.status_code == 400 and "Tap an answer" in refused.get_data(as_text=True)
    assert _post(tablet, q1, q1, {"answer": "not-good"}).headers["Location"].endswith("/q/2")
    q2 = f"/person/meetings/{meeting_id}/q/2"
    moved = _post(tablet, q2, q2, {"words": "ELLIS-OWN-WORDS allotment", "method": "scribed"})
    assert moved.headers["Location"].endswith("/q/3")
    q3 = f"/person/meetings/{meeting_id}/q/3"
    done = _post(tablet, q3, q3, {"answer": ["advocate", "staff"]})
    assert done.headers["Location"].endswith("/thanks")
    assert tablet.get(f"/person/meetings/{meeting_id}/thanks").status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(JointMeetingView).order_by(JointMeetingView.id)).all()
        assert [(r.prompt_key, r.capture_method) for r in rows] == [
            ("feel", "tapped"),
            ("want", "scribed"),
            ("help", "tapped"),
        ]

    # The record: what each said, an option, the way forward resolving the differing view.
    party = {"party": "person", "said": "I want the allotment", "method": "typed"}
    assert _post(client, record, f"{record}/notes", party).status_code == 303
    assert (
        _post(
            client,
            record,
            f"{record}/notes",
            {"party": f"supporter:{jo.id}", "said": "JO-SAID: Ellis chooses"},
        ).status_code
        == 303
    )
    assert (
        _post(
            client,
            record,
            f"{record}/options",
            {"text": "Allotment on Saturdays", "raised_by": "Ellis"},
        ).status_code
        == 303
    )
    answer = _post(
        client,
        record,
        f"{record}/way-forward",
        {
            "version": "1",
            "way_forward": "Ellis goes to the allotment",
            "reasoning": "Ellis's wish",
            "decided_by": "Ellis, with Jo and Sian",
            "resolves_view": "y",
            "outcome_code": "person-followed",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    html = client.get(record).get_data(as_text=True)
    assert html.index('id="person-view-title"') < html.index('id="parties-title"')
    assert html.index("ELLIS-OWN-WORDS") < html.index("JO-SAID")
    assert "said by Ellis, written down word for word" in html
    with app.app_context():
        view = db.session.get(DifferingView, view_id)
        assert view is not None and view.status == CaseStatus.RESOLVED
        assert view.outcome == "Ellis goes to the allotment"
        review = db.session.get(Review, view.review_id)
        staff = db.session.get(User, demo["users"][STAFF])
        action = actions.create_action(
            db.session,
            review,
            actions.ActionInput(  # type: ignore[arg-type]
                statement_ids=[said_id],
                plain_text="ACTION: book the allotment",
                easy_read_text="We will book the allotment.",
                owner_name="Sian",
                due_on=date.today() + timedelta(days=14),
            ),
            actor=staff,  # type: ignore[arg-type]
        )
        db.session.commit()
        action_id = action.id
    assert (
        _post(client, record, f"{record}/actions", {"action_id": str(action_id)}).status_code == 303
    )
    assert "ACTION: book the allotment" in client.get(record).get_data(as_text=True)
    # The action traces back: the review's record names the meeting it came from, and the
    # differing view's page the meeting that resolved it.
    with app.app_context():
        review_id = db.session.get(DifferingView, view_id).review_id  # type: ignore[union-attr]
    whole = client.get(f"/staff/reviews/{review_id}/record/").get_data(as_text=True)
    assert "From the joint meeting of" in whole and "Joint meeting of" in whole
    manager = _staff(app, "manager@demo.facilitator.test")
    case = manager.get(f"/governance/differing-views/{view_id}").get_data(as_text=True)
    assert "Joint meeting of" in case and "Ellis goes to the allotment" in case

    # The invited advocate reads it; every look is audited.
    jo_client = _staff(app, ADVOCATE)
    listed = jo_client.get("/advocate/joint-meetings/").get_data(as_text=True)
    assert QUESTION in listed
    page = jo_client.get(f"/advocate/joint-meetings/{meeting_id}").get_data(as_text=True)
    assert "Ellis goes to the allotment" in page and "ELLIS-OWN-WORDS" in page
    assert jo_client.get(f"/advocate/joint-meetings/{meeting_id}/agenda").status_code == 200
    assert jo_client.get(record).status_code in (302, 403)
    with app.app_context():
        done_actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {
            "joint_meeting.arranged",
            "joint_meeting.viewed",
            "joint_meeting.person_view",
            "joint_meeting.tablet_started",
            "joint_meeting.way_forward",
            "joint_meeting.action_linked",
            "differing_view.resolved",
        } <= done_actions


def test_no_one_else_finds_it(app: Flask, demo: dict) -> None:
    _client, meeting_id, _view, _said = _arrange(app, demo)
    elsewhere = _staff(app, OTHER_STAFF)
    for url in ("", "/agenda", "/agenda.pdf", "/calendar/person.ics"):
        assert elsewhere.get(f"/staff/joint-meetings/{meeting_id}{url}").status_code == 404
    # A meeting of Sam's (Jo is not Sam's advocate) is not found by Jo.
    with app.app_context():
        sam_review = db.session.get(Review, demo["reviews"]["Sam"])
        staff = db.session.get(User, demo["users"][STAFF])
        sam_review.status = ReviewStatus.PERSON_DONE  # type: ignore[union-attr]
        sams = joint_meetings.arrange(
            db.session,
            sam_review,
            staff,
            joint_meetings.Arrangement(  # type: ignore[arg-type]
                "Which room?", date.today(), time(9), True, None, []
            ),
        )
        db.session.commit()
        sams_id = sams.id
    jo_client = _staff(app, ADVOCATE)
    assert jo_client.get(f"/advocate/joint-meetings/{sams_id}").status_code == 404
    assert "Which room?" not in jo_client.get("/advocate/joint-meetings/").get_data(as_text=True)
    assert re.search(
        r"Where will you go", jo_client.get("/advocate/joint-meetings/").get_data(as_text=True)
    )
