"""An advocate sees only the people they are assigned to: every route that names a person, a
review, a supporter, a link or a response refuses them for anyone else."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    CaptureMethod,
    ConsentDecision,
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
from facilitator.services.family import links
from facilitator.services.reviews import consent, contributions

from ..conftest import csrf_from, sign_in

ADVOCATE = "advocate@demo.facilitator.test"  # Jo Patel, Ellis's advocate in the demo data
STAFF = "staff@demo.facilitator.test"
ID_ARGUMENTS = {
    "review_id",
    "person_id",
    "supporter_id",
    "link_id",
    "response_id",
    "contribution_id",
}


def _done(review: Review, words: str) -> Response:
    rp = review.prompts[0]
    response = Response(
        review_id=review.id,
        review_prompt_id=rp.id,
        client_id=uuid.uuid4().hex,
        answer=[],
        own_words=words,
        capture_method=CaptureMethod.TYPED,
    )
    db.session.add(response)
    review.person_confirmed_at = utcnow()
    review.status = ReviewStatus.PERSON_DONE
    db.session.flush()
    return response


def _sams_ids(app: Flask, demo: dict) -> dict[str, int]:
    """Ids that belong to Sam, whom the advocate does not support."""
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        staff = db.session.get(User, demo["users"][STAFF])
        assert review and staff
        response = _done(review, "SAM-OWN-WORDS")
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        link = links.issue_link(db.session, review, alex, staff).link
        contributions.save_family_draft(
            db.session, review, alex, "where-i-live", {"working": "ALEX"}
        )
        (sent,) = contributions.submit_family(db.session, review, alex)
        db.session.commit()
        return {
            "review_id": review.id,
            "person_id": review.person_id,
            "supporter_id": alex.id,
            "link_id": link.id,
            "response_id": response.id,
            "contribution_id": sent.id,
        }


def _id_rules(app: Flask) -> list[tuple[str, str, set[str]]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.arguments & ID_ARGUMENTS:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, set(rule.arguments)))
    return found


def test_every_route_for_another_person_is_refused(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    ids = _sams_ids(app, demo)
    rules = _id_rules(app)
    # The routes of this issue are among those checked.
    endpoints = {endpoint for endpoint, _method, _args in rules}
    assert {
        "advocate_layer.review",
        "links.index",
        "links.issue",
        "links.revoke",
        "links.other_basis",
        "layers.note",
        "layers.differing",
        "staff.review",
        "staff.person",
    } <= endpoints
    assert sign_in(client, ADVOCATE).status_code == 302
    token = csrf_from(client.get("/advocate/reviews").get_data(as_text=True))
    for endpoint, method, arguments in rules:
        with app.test_request_context():
            from flask import url_for

            # An id this test does not make (an action's, say) is 1: refused all the same.
            url = url_for(endpoint, **{name: ids.get(name, 1) for name in arguments})
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(
                url,
                method=method,
                data={
                    "csrf_token": token,
                    "observations": "ADVOCATE-WRITES",
                    "topic": "whole-review",
                    "supporter_id": str(ids["supporter_id"]),
                    "verifier": "code",
                },
            )
        assert response.status_code in (403, 404), f"{method} {url} -> {response.status_code}"
        body = response.get_data(as_text=True)
        assert "SAM-OWN-WORDS" not in body and "Samuel Carter" not in body, f"{method} {url}"
    with app.app_context():
        rows = db.session.scalars(select(Contribution)).all()
        assert [r.id for r in rows] == [ids["contribution_id"]]
        assert db.session.scalars(select(DifferingView)).all() == []
        sam = db.session.get(Review, ids["review_id"])
        alex = db.session.get(Supporter, ids["supporter_id"])
        assert (
            sam
            and alex
            and links.link_state(links.links_for_review(db.session, sam)[0].link) == "active"
        )
        assert consent.current_consent(db.session, sam, alex) is None


def test_the_advocate_lists_only_their_people(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, ADVOCATE)
    body = client.get("/advocate/reviews").get_data(as_text=True)
    assert "Ellis&#39;s review" in body or "Ellis's review" in body
    assert "Sam" not in body and "Gwen" not in body and "Priya" not in body


def test_the_assigned_advocate_adds_their_layer_after_the_person(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    ellis_review = demo["reviews"]["Ellis"]
    sign_in(client, ADVOCATE)
    page = client.get(f"/advocate/reviews/{ellis_review}")
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200 and "own views come first" in html and "Add your layer" not in html
    )
    refused = client.post(
        f"/advocate/reviews/{ellis_review}",
        data={"csrf_token": csrf_from(html), "topic": "whole-review", "observations": "Too early"},
    )
    assert refused.status_code == 400
    with app.app_context():
        review = db.session.get(Review, ellis_review)
        assert review is not None
        _done(review, "ELLIS-OWN-WORDS")
        jo = db.session.scalars(
            select(Supporter).where(Supporter.user_id == demo["users"][ADVOCATE])
        ).one()
        db.session.commit()
    html = client.get(f"/advocate/reviews/{ellis_review}").get_data(as_text=True)
    # The advocate sees Ellis's views by their role, unless Ellis said they may not.
    assert "ELLIS-OWN-WORDS" in html
    with app.app_context():
        review = db.session.get(Review, ellis_review)
        staff = db.session.get(User, demo["users"][STAFF])
        supporter = db.session.get(Supporter, jo.id)
        assert review and staff and supporter
        consent.record_person_choice(
            db.session, review, supporter, ConsentDecision.NO, "tapped", staff
        )
        db.session.commit()
    hidden = client.get(f"/advocate/reviews/{ellis_review}").get_data(as_text=True)
    assert "ELLIS-OWN-WORDS" not in hidden and "is not shown here" in hidden
    added = client.post(
        f"/advocate/reviews/{ellis_review}",
        data={
            "csrf_token": csrf_from(html),
            "topic": "where-i-live",
            "how_obtained": "Pictures, in a quiet room",
            "represents": "Ellis wants to stay",
        },
    )
    assert added.status_code == 302
    html = client.get(f"/advocate/reviews/{ellis_review}").get_data(as_text=True)
    assert "Ellis wants to stay" in html and "Your layer so far" in html
    assert "ELLIS-OWN-WORDS" not in html
    with app.app_context():
        (row,) = db.session.scalars(select(Contribution)).all()
        assert row.layer == Layer.ADVOCATE and row.author_user_id == demo["users"][ADVOCATE]


@pytest.mark.parametrize("email", [STAFF, "manager@demo.facilitator.test"])
def test_advocate_layer_pages_are_for_advocates(
    client: FlaskClient, demo: dict, email: str
) -> None:
    sign_in(client, email)
    assert client.get("/advocate/reviews").status_code == 403
    assert client.get(f"/advocate/reviews/{demo['reviews']['Ellis']}").status_code == 403
