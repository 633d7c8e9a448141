"""Closing a review through the web (issue 17): the form and its refusals, every POST route that
names a closed review refusing and changing nothing (the URL map walked), the family link's kind
"finished" page, reopening by a manager with a reason, the final PDF with its content hash, and
the reviews due, soonest first, paged."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from facilitator.db import Base
from facilitator.extensions import db
from facilitator.models import (
    Contribution,
    InvitationLink,
    Layer,
    OutcomeAction,
    Response,
    Review,
    ReviewKind,
    ReviewStatus,
    Supporter,
    User,
)
from facilitator.services import reviews
from facilitator.services.data.exports.rows import row_to_dict
from facilitator.services.governance import communications
from facilitator.services.reviews import actions, lifecycle
from facilitator.services.reviews.actions import ActionInput

from ..conftest import csrf_from, sign_in
from .test_family import PERSONAL, STAFF, _in, _issue, _person_done

MANAGER = "manager@demo.facilitator.test"


def _make_ready(
    app: Flask, review_id: int, *, told: bool = True, all_answered: bool = True
) -> None:
    """The person heard, an action for their statements, a staff note, the outcome told."""
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        staff = db.session.scalars(select(User).where(User.email == STAFF)).one()
        if review.person_confirmed_at is None:
            _person_done(review)
            db.session.flush()
        said = [s.id for s in actions.statements(db.session, review)]
        actions.create_action(
            db.session, review,
            ActionInput(statement_ids=said if all_answered else said[:1],
                        plain_text="Arrange a weekly visit to the garden centre.",
                        easy_read_text="We will go to the garden centre each week.",
                        owner_name="Tom Okafor", due_on=date.today() + timedelta(days=30)),
            actor=staff,
        )  # fmt: skip
        db.session.add(Contribution(review_id=review.id, layer=Layer.STAFF, author_user_id=staff.id,
                                    body={"note": "A staff note"}))  # fmt: skip
        if told:
            communications.record(
                db.session, review.person, actor=staff, subject="review-outcome",
                recipient_kind="person", told_on=date.today(), method="in-person",
                formats=["easy-read"], review=review,
            )  # fmt: skip
        db.session.commit()


def _close(app: Flask, review_id: int) -> str:
    with app.app_context():
        review = db.session.get(Review, review_id)
        staff = db.session.scalars(select(User).where(User.email == STAFF)).one()
        row = lifecycle.close_review(
            db.session, review, staff, lifecycle.Closing("Garden centre weekly.", "Sam and Tom")
        )  # type: ignore[arg-type]
        db.session.commit()
        return row.content_hash or ""


def _form(client: FlaskClient, url: str, **fields: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return {"csrf_token": csrf_from(page.get_data(as_text=True)), **fields}


def test_closing_through_the_form(app: Flask, client: FlaskClient, demo: dict) -> None:
    sam = demo["reviews"]["Sam"]
    _make_ready(app, sam, all_answered=False)
    sign_in(client, STAFF)
    url = f"/staff/reviews/{sam}/close"
    data = _form(client, url, summary="Sam will visit the garden centre.", agreed_by="Sam, Tom")
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "have no action" in body and "Sam will visit the garden centre." in body  # kept
    data["unanswered_reason"] = "Talked about; nothing needed."
    done = client.post(url, data=data)
    assert done.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "is closed" in page and "Sam will visit the garden centre." in page
    assert re.search(r"[0-9a-f]{64}", page)
    review_page = client.get(f"/staff/reviews/{sam}").get_data(as_text=True)
    assert 'aria-current="step"' in review_page
    with app.app_context():
        review = db.session.get(Review, sam)
        assert review is not None and review.status == ReviewStatus.CLOSED


def _fingerprint(review_id: int) -> dict[str, Any]:
    """Every row that names the review (the figures cache and safety flags aside), as stored."""
    found: dict[str, Any] = {}
    for table in Base.metadata.sorted_tables:
        if "review_id" not in table.c or table.name in ("review_figures", "safety_flags"):
            continue
        rows = db.session.execute(
            select(table).where(table.c.review_id == review_id).order_by(*table.primary_key)
        ).all()
        found[table.name] = [tuple(r) for r in rows]
    review = db.session.get(Review, review_id)
    found["review"] = row_to_dict(review)
    return found


# Routes that name a closed review and may still answer below 400, with the reason.
STILL_ALLOWED = {
    "person_outputs.start": "shows 'You said, we did' to the person: reading, audited",
    "actions.advice": "easy-read advice on text being typed: writes nothing",
    "casework.flag_response": "a safeguarding concern is never blocked by a review closing",
    "links.revoke": "closing revoked the link already: revoking it again changes nothing",
    "lifecycle.interval": "the person's months between reviews, for later reviews: not this record",
}
NAMES_A_REVIEW = {"review_id", "response_id", "action_id", "contribution_id", "link_id"}
FIELDS = {
    "note": "More", "plain_text": "A new action", "easy_read_text": "We will do it.",
    "owner_name": "Tom", "reason": "Because", "words": "New words", "summary": "S",
    "what_was_tried": "Tried", "detail": "d", "prompt_ids": "like-where-you-live",
    "status": "done", "decision": "yes", "method": "in-person", "subject": "review-outcome",
    "recipient_kind": "person", "told_on": date.today().isoformat(), "formats": "easy-read",
    "working": "w", "not_working": "n", "action": "submit", "version": "1",
}  # fmt: skip


def test_a_closed_review_refuses_every_post_route_that_names_it(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = demo["reviews"]["Sam"]
    issued = _issue(app, demo)
    _make_ready(app, sam)
    with app.app_context():
        ids = {
            "review_id": sam,
            "response_id": db.session.scalar(select(Response.id).where(Response.review_id == sam)),
            "action_id": db.session.scalar(
                select(OutcomeAction.id).where(OutcomeAction.review_id == sam)
            ),
            "contribution_id": db.session.scalar(
                select(Contribution.id).where(Contribution.review_id == sam)
            ),
            "link_id": issued.link.id if hasattr(issued, "link") else db.session.scalar(
                select(InvitationLink.id).where(InvitationLink.review_id == sam)
            ),
            "supporter_id": db.session.scalar(
                select(Supporter.id).where(Supporter.name == "Alex Carter")
            ),
        }  # fmt: skip
    _close(app, sam)
    sign_in(client, MANAGER)
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    with app.app_context():
        before = _fingerprint(sam)
    rules = [
        r for r in app.url_map.iter_rules()
        if "POST" in (r.methods or ()) and NAMES_A_REVIEW & set(r.arguments)
        and r.endpoint != "lifecycle.reopen"  # the one write it takes: its own test below
    ]  # fmt: skip
    rules.sort(key=lambda r: r.endpoint in ("person_outputs.start", "person.start"))  # last
    assert len(rules) >= 15, [r.endpoint for r in rules]
    answers = {}
    for rule in rules:
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(ids.get(name, 999999)), url)
        response = client.post(url, data={"csrf_token": token, **FIELDS})
        answers[rule.endpoint] = response.status_code
        if rule.endpoint not in STILL_ALLOWED and response.status_code < 400:
            # A button with nothing typed refuses by going back with the message.
            assert response.status_code in (302, 303), (rule.endpoint, response.status_code)
            back = client.get(response.headers["Location"]).get_data(as_text=True)
            assert "message-error" in back, rule.endpoint
        with app.app_context():
            assert _fingerprint(sam) == before, rule.endpoint
    assert {"layers.note", "actions.builder", "links.issue", "casework.told"} <= set(answers)
    print(sorted(answers.items()))


def test_a_closed_review_says_why_on_a_real_write(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = demo["reviews"]["Sam"]
    _make_ready(app, sam)
    _close(app, sam)
    sign_in(client, STAFF)
    data = _form(client, f"/staff/reviews/{sam}", note="A note after closing")
    answer = client.post(f"/staff/reviews/{sam}/layers/note", data=data, follow_redirects=True)
    assert "This review is closed" in answer.get_data(as_text=True)


def test_family_link_of_a_closed_review_shows_the_kind_page(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = demo["reviews"]["Sam"]
    issued = _issue(app, demo)
    _in(client, issued)
    assert client.get("/family/review").status_code == 200
    _make_ready(app, sam)
    _close(app, sam)
    for answer in (client.get("/family/review"), client.get(f"/family/link/{issued.token}")):
        body = answer.get_data(as_text=True)
        assert answer.status_code in (403, 410), answer.status_code
        for word in PERSONAL:
            assert word not in body
    fresh = client.application.test_client()
    answer = fresh.get(f"/family/link/{issued.token}")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 410 and "has finished" in body
    for word in PERSONAL:
        assert word not in body


def test_reopen_needs_a_manager_and_a_reason(app: Flask, client: FlaskClient, demo: dict) -> None:
    sam = demo["reviews"]["Sam"]
    _make_ready(app, sam)
    _close(app, sam)
    staff = app.test_client()
    sign_in(staff, STAFF)
    assert staff.get(f"/staff/reviews/{sam}/reopen").status_code == 403
    sign_in(client, MANAGER)
    url = f"/staff/reviews/{sam}/reopen"
    refused = client.post(url, data=_form(client, url, reason="  "))
    assert refused.status_code == 400 and "Write why" in refused.get_data(as_text=True)
    assert (
        client.post(url, data=_form(client, url, reason="An action was wrong")).status_code == 303
    )
    record = client.get(f"/staff/reviews/{sam}/record/").get_data(as_text=True)
    assert "Reopened on" in record and "An action was wrong" in record
    with app.app_context():
        review = db.session.get(Review, sam)
        assert review is not None and review.status == ReviewStatus.PERSON_DONE


def test_the_pdf_of_a_closed_review_is_final_with_its_hash(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = demo["reviews"]["Sam"]
    _make_ready(app, sam)
    digest = _close(app, sam)
    sign_in(client, STAFF)
    answer = client.get(f"/staff/reviews/{sam}/record/record.pdf")
    assert answer.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert "This record is final" in text
    assert digest in re.sub(r"\s+", "", text)
    with app.app_context():
        review = db.session.get(Review, sam)
        assert lifecycle.content_hash(db.session, review) == digest  # type: ignore[arg-type]


def test_reviews_due_soonest_first_and_paged(app: Flask, client: FlaskClient, demo: dict) -> None:
    today = date.today()
    with app.app_context():
        staff = db.session.scalars(select(User).where(User.email == STAFF)).one()
        sam = db.session.get(Review, demo["reviews"]["Sam"]).person  # type: ignore[union-attr]
        for days in range(-5, 50, 2):
            reviews.plan_review(
                db.session, sam, actor=staff, kind=ReviewKind.UNPLANNED,
                scheduled_for=today + timedelta(days=days), facilitator=staff,
            )  # fmt: skip
        far = reviews.plan_review(
            db.session, sam, actor=staff, kind=ReviewKind.PLANNED,
            scheduled_for=today + timedelta(days=200), facilitator=staff,
        )  # fmt: skip
        db.session.commit()
        total = int(
            db.session.scalar(
                select(func.count(Review.id)).where(
                    Review.status != ReviewStatus.CLOSED,
                    Review.scheduled_for <= today + timedelta(weeks=8),
                )
            )
            or 0
        )
        far_id = far.id
    sign_in(client, STAFF)
    home = client.get("/staff/").get_data(as_text=True)
    assert "overdue" in home and f'/staff/reviews/{far_id}"' not in home
    first = client.get("/staff/reviews/due").get_data(as_text=True)
    assert f"{total} reviews are overdue or due in the next 8 weeks" in first
    second = client.get("/staff/reviews/due?page=2")
    assert second.status_code == 200 and "Previous page" in second.get_data(as_text=True)


def test_a_meeting_arranged_moved_and_its_calendar_file(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = demo["reviews"]["Sam"]
    sign_in(client, STAFF)
    url = f"/staff/reviews/{sam}/meeting"
    data = _form(client, url, on="2027-05-03", starts_at="10:30", place="The day centre")
    assert client.post(url, data=data).status_code == 303
    ics = client.get(f"{url}/calendar/person.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert b"DTSTART:20270503T103000" in ics.data and b"The day centre" in ics.data
    data = _form(client, url, on="2027-05-10", starts_at="10:30", at_home="y")
    refused = client.post(url, data=data)
    assert refused.status_code == 400 and "being moved" in refused.get_data(as_text=True)
    data["reason"] = "The day centre is closed that week"
    assert client.post(url, data=data).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "At home" in page and "The day centre is closed that week" in page
    assert client.get(f"{url}/calendar/user-999999.ics").status_code == 404


def test_the_persons_own_interval_plans_the_next_review(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = demo["reviews"]["Sam"]
    _make_ready(app, sam)
    sign_in(client, STAFF)
    url = f"/staff/reviews/{sam}/close"
    refused = client.post(f"/staff/reviews/{sam}/interval", data=_form(client, url, months="99"))
    assert refused.status_code == 303
    assert "1 to 36 months" in client.get(url).get_data(as_text=True)
    saved = client.post(f"/staff/reviews/{sam}/interval", data=_form(client, url, months="6"))
    assert saved.status_code == 303
    _close(app, sam)
    with app.app_context():
        review = db.session.get(Review, sam)
        assert review is not None
        row = lifecycle.final(db.session, review)
        nxt = db.session.get(Review, row.next_review_id)  # type: ignore[union-attr]
        assert nxt is not None
        assert nxt.scheduled_for == lifecycle.add_months(review.scheduled_for, 6)
