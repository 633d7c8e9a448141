"""Advocates see what came of it (issue 17): for the people assigned to them only, the review,
its actions and their status, "You said, we did" and the differing views they are a party to,
with the written response to their formal report. Nothing the person did not agree to share."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    ConsentDecision,
    Response,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
    utcnow,
)
from facilitator.services.accounts import users
from facilitator.services.governance import differing, differing_parties
from facilitator.services.reviews import actions, consent

from ..conftest import sign_in

ADVOCATE = "advocate@demo.facilitator.test"  # Jo Patel, Ellis's advocate in the demo data
STAFF = "staff@demo.facilitator.test"
MANAGER = "manager@demo.facilitator.test"


def _ellis_outcomes(app: Flask, demo: dict) -> dict[str, int]:
    """Ellis's review with views done, an action, and a differing view the advocate is party to
    (an advocate's formal report, answered in writing and resolved), and one they are not."""
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Ellis"])
        staff = db.session.get(User, demo["users"][STAFF])
        manager = db.session.get(User, demo["users"][MANAGER])
        assert review and staff and manager
        response = Response(
            review_id=review.id,
            review_prompt_id=review.prompts[0].id,
            client_id=uuid.uuid4().hex,
            answer=[],
            own_words="ELLIS-OWN-WORDS",
            capture_method=CaptureMethod.TYPED,
        )
        db.session.add(response)
        review.person_confirmed_at = utcnow()
        review.status = ReviewStatus.PERSON_DONE
        db.session.flush()
        action = actions.create_action(
            db.session,
            review,
            actions.ActionInput(
                statement_ids=[response.id],
                plain_text="ACTION-PLAIN: arrange a visit to the allotment",
                easy_read_text="We will go to the allotment.",
                owner_name="Dee",
                due_on=utcnow().date() + timedelta(days=30),
            ),
            actor=staff,
        )
        db.session.flush()
        actions.set_status(db.session, action, "in-progress", actor=staff, version=action.version)
        jo = db.session.scalars(
            select(Supporter).where(Supporter.user_id == demo["users"][ADVOCATE])
        ).one()
        mine = differing.open_view(
            db.session,
            review,
            actor=staff,
            summary="DIFFER-SUMMARY about the allotment",
            response_ids=[response.id],
        )
        db.session.flush()
        differing_parties.add_party(
            db.session,
            mine,
            actor=staff,
            version=mine.version,
            kind="supporter",
            supporter_id=jo.id,
            position="JO-POSITION",
        )
        db.session.flush()
        today = utcnow().date()
        differing.set_route(
            db.session,
            mine,
            actor=manager,
            version=mine.version,
            route="advocate-report",
            response_due_on=today + timedelta(days=20),
            report_received_on=today,
        )
        db.session.flush()
        differing.record_written_response(
            db.session, mine, actor=manager, version=mine.version, sent_on=today
        )
        db.session.flush()
        differing.resolve(
            db.session,
            mine,
            actor=manager,
            version=mine.version,
            outcome="OUTCOME-AGREED allotment weekly",
            reasoning="REASONING-TEXT",
            decision_maker="Team manager",
            outcome_code="agreed-way",
            decided_on=today,
        )
        other = differing.open_view(
            db.session, review, actor=staff, summary="NOT-MINE-SUMMARY", response_ids=[response.id]
        )
        db.session.commit()
        return {"review": review.id, "jo": jo.id, "other": other.id}


def test_the_assigned_advocate_sees_what_came_of_it(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    ids = _ellis_outcomes(app, demo)
    sign_in(client, ADVOCATE)
    home = client.get("/advocate/").get_data(as_text=True)
    assert "/advocate/reviews" in home
    listing = client.get("/advocate/reviews").get_data(as_text=True)
    assert f"/advocate/reviews/{ids['review']}/outcomes" in listing
    page = client.get(f"/advocate/reviews/{ids['review']}/outcomes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ACTION-PLAIN" in html and "We will go to the allotment." in html
    assert "in progress" in html  # the action's status
    assert "ELLIS-OWN-WORDS" in html  # You said, we did: shared with the advocate by role
    assert "DIFFER-SUMMARY" in html and "OUTCOME-AGREED" in html and "REASONING-TEXT" in html
    assert "Written response" in html and "sent on" in html
    assert "NOT-MINE-SUMMARY" not in html  # a differing view they are not party to
    with app.app_context():
        seen = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "review.viewed",
                AuditEvent.actor_user_id == demo["users"][ADVOCATE],
            )
        ).all()
        assert any((e.detail or {}).get("page") == "outcomes" for e in seen)


def test_nothing_the_person_did_not_share_appears(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    ids = _ellis_outcomes(app, demo)
    with app.app_context():
        review = db.session.get(Review, ids["review"])
        staff = db.session.get(User, demo["users"][STAFF])
        jo = db.session.get(Supporter, ids["jo"])
        assert review and staff and jo
        consent.record_person_choice(db.session, review, jo, ConsentDecision.NO, "tapped", staff)
        db.session.commit()
    sign_in(client, ADVOCATE)
    html = client.get(f"/advocate/reviews/{ids['review']}/outcomes").get_data(as_text=True)
    assert "ELLIS-OWN-WORDS" not in html and "DIFFER-SUMMARY" not in html
    assert "did not agree to share" in html
    # What will be done and the outcome of their own differing view still show.
    assert "ACTION-PLAIN" in html and "OUTCOME-AGREED" in html


def test_another_advocate_and_staff_elsewhere_get_not_found(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    ids = _ellis_outcomes(app, demo)
    with app.app_context():
        users.create_user(
            db.session,
            email="other.advocate@example.org",
            name="Other Advocate",
            role=Role.ADVOCATE,
            password="demo-password-2026",
        )
        db.session.commit()
    url = f"/advocate/reviews/{ids['review']}/outcomes"
    sign_in(client, "other.advocate@example.org")
    refused = client.get(url)
    assert refused.status_code == 404
    assert "ACTION-PLAIN" not in refused.get_data(as_text=True)
    elsewhere = app.test_client()
    sign_in(elsewhere, "tycelyn@demo.facilitator.test")
    assert elsewhere.get(url).status_code in (403, 404)
    jo = app.test_client()
    sign_in(jo, ADVOCATE)
    assert jo.get(url).status_code == 200
    assert jo.get(f"/advocate/reviews/{demo['reviews']['Sam']}/outcomes").status_code == 404
