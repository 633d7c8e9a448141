"""The layers below the person's panel: authors and roles in words, differing views flagged and
opened as records, staff notes; none of it for anyone but staff."""

from __future__ import annotations

import uuid

from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    CaptureMethod,
    Contribution,
    DifferingView,
    Layer,
    Response,
    Review,
    ReviewStatus,
    Supporter,
    User,
    utcnow,
)
from facilitator.prompts.library import load_library
from facilitator.services.reviews import contributions
from facilitator.views.staff.layers import layers_context

from ..conftest import csrf_from, sign_in
from ..structure import assert_fragment_ok

STAFF = "staff@demo.facilitator.test"


def _sam_with_layers(app: Flask, demo: dict) -> tuple[int, int]:
    """Sam said "very good" about where they live; Alex (no authority) says "not good"."""
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        staff = db.session.get(User, demo["users"][STAFF])
        assert review and staff
        for rp in review.prompts:
            if rp.library_prompt_id == "like-where-you-live":
                db.session.add(
                    Response(
                        review_id=review.id,
                        review_prompt_id=rp.id,
                        client_id=uuid.uuid4().hex,
                        answer=["very-good"],
                        capture_method=CaptureMethod.TAPPED,
                    )
                )
        review.person_confirmed_at = utcnow()
        review.status = ReviewStatus.PERSON_DONE
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        mary = db.session.scalars(select(Supporter).where(Supporter.name == "Mary Carter")).one()
        contributions.save_family_draft(
            db.session,
            review,
            alex,
            "where-i-live",
            {"not_working": "Worried about the <stairs>"},
            rating="not-good",
        )
        contributions.save_family_draft(
            db.session, review, mary, "where-i-live", {"working": "Settled"}, rating="good"
        )
        contributions.save_family_draft(db.session, review, alex, "food", {"working": "DRAFT-ONLY"})
        contributions.submit_family(db.session, review, mary)
        (sent, *_rest) = contributions.submit_family(db.session, review, alex)
        contributions.save_family_draft(
            db.session, review, alex, "money", {"working": "STILL-A-DRAFT"}
        )
        db.session.commit()
        return review.id, sent.id


def test_the_layers_partial(app: Flask, demo: dict) -> None:
    review_id, alex_contribution = _sam_with_layers(app, demo)
    with app.test_request_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        html = render_template(
            "layers/_layers.html",
            review=review,
            person=review.person,
            library=load_library(),
            **layers_context(db.session, review),
        )
    assert_fragment_ok(html, "layers partial")
    assert "Alex Carter, brother (family member): no legal authority" in html
    assert (
        "Mary Carter, mother (attorney): Lasting Power of Attorney for health and welfare (checked)"
        in html
    )
    assert "Worried about the &lt;stairs&gt;" in html  # text, never markup
    assert "(!) Differs from Sam&#39;s answer" in html or "(!) Differs from Sam's answer" in html
    assert html.count("flag-differs") == 1  # Mary agrees with Sam
    assert "STILL-A-DRAFT" not in html  # drafts are nobody else's business
    assert f"/layers/differing/{alex_contribution}" in html


def test_staff_open_a_differing_view_and_add_a_note(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id, alex_contribution = _sam_with_layers(app, demo)
    sign_in(client, STAFF)
    token = csrf_from(client.get(f"/staff/reviews/{review_id}/links").get_data(as_text=True))
    empty = client.post(
        f"/staff/reviews/{review_id}/layers/differing/{alex_contribution}",
        data={"csrf_token": token, "summary": " "},
    )
    assert empty.status_code == 302
    opened = client.post(
        f"/staff/reviews/{review_id}/layers/differing/{alex_contribution}",
        data={"csrf_token": token, "summary": "Alex worries about the stairs; Sam likes it."},
    )
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/staff/reviews/{review_id}#layers-title"
    )
    note = client.post(
        f"/staff/reviews/{review_id}/layers/note",
        data={"csrf_token": token, "topic": "where-i-live", "note": "Ask OT about a stairlift"},
    )
    assert note.status_code == 302
    with app.app_context():
        (record,) = db.session.scalars(select(DifferingView)).all()
        assert record.contribution_id == alex_contribution and record.status == "open"
        assert record.response_id is not None
        staff_rows = db.session.scalars(
            select(Contribution).where(Contribution.layer == Layer.STAFF)
        ).all()
        assert [r.body["note"] for r in staff_rows] == ["Ask OT about a stairlift"]
    # Another review's contribution cannot be reached through this review's address.
    other = demo["reviews"]["Gwen"]
    assert (
        client.post(
            f"/staff/reviews/{other}/layers/differing/{alex_contribution}",
            data={"csrf_token": token, "summary": "x"},
        ).status_code
        == 404
    )


def test_layers_routes_are_for_staff(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id, alex_contribution = _sam_with_layers(app, demo)
    sign_in(client, "advocate@demo.facilitator.test")
    token = csrf_from(client.get("/advocate/reviews").get_data(as_text=True))
    assert (
        client.post(
            f"/staff/reviews/{review_id}/layers/note", data={"csrf_token": token, "note": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/staff/reviews/{review_id}/layers/differing/{alex_contribution}",
            data={"csrf_token": token, "summary": "x"},
        ).status_code
        == 403
    )
