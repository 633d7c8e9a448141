"""Staff's side of what goes out (issue 18): a supporter's choice of how the code reaches them
is recorded with them, and issuing a family link says what was sent, showing the code only
when staff must give it by phone."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import OutboxMessage, Review, Supporter

from ..conftest import csrf_from, sign_in
from .test_family import _person_done

STAFF = "staff@demo.facilitator.test"


def _set(app: Flask, name: str, **values: object) -> int:
    with app.app_context():
        supporter = db.session.scalars(select(Supporter).where(Supporter.name == name)).one()
        for key, value in values.items():
            setattr(supporter, key, value)
        db.session.commit()
        return supporter.id


def _issue(app: Flask, client: FlaskClient, demo: dict, supporter_id: int) -> str:
    review_id = demo["reviews"]["Sam"]
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        if review.person_confirmed_at is None:
            _person_done(review)
            db.session.commit()
    page = client.get(f"/staff/reviews/{review_id}/links")
    answer = client.post(
        f"/staff/reviews/{review_id}/links/issue",
        data={
            "supporter_id": str(supporter_id),
            "verifier": "code",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _outbox(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (m.kind, m.channel, m.to)
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_the_code_by_text_message_is_not_shown_to_staff(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    alex = _set(app, "Alex Carter", phone="07700 900456", code_by="sms")
    sign_in(client, STAFF)
    page = _issue(app, client, demo, alex)
    assert "The link is on its way" in page and "alex.carter@example.org" in page
    assert "in a text message" in page and 'id="issued-code"' not in page
    assert _outbox(app) == [
        ("family-link", "email", "alex.carter@example.org"),
        ("family-code", "sms", "07700 900456"),
    ]


def test_staff_give_the_code_by_phone_when_nothing_else_was_chosen(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    alex = _set(app, "Alex Carter", code_by="phone")
    sign_in(client, STAFF)
    page = _issue(app, client, demo, alex)
    assert "Give them the code below by phone." in page and 'id="issued-code"' in page
    assert _outbox(app) == [("family-link", "email", "alex.carter@example.org")]


def test_a_new_supporter_is_recorded_with_how_the_code_reaches_them(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, STAFF)
    with app.app_context():
        person_id = db.session.get(Review, demo["reviews"]["Sam"]).person_id  # type: ignore[union-attr]
    url = f"/staff/people/{person_id}/supporters/new"
    form = client.get(url).get_data(as_text=True)
    assert 'name="code_by" value="sms"' in form and 'value="phone" checked' in form
    base = {
        "csrf_token": csrf_from(form),
        "name": "Rhys Carter",
        "relationship": "son",
        "role": "family",
        "email": "rhys@example.org",
        "phone": "07700 900789",
    }
    refused = client.post(url, data={**base, "code_by": "pigeon"})
    assert refused.status_code == 400
    assert "Choose how they get the code from the list." in refused.get_data(as_text=True)
    made = client.post(url, data={**base, "code_by": "sms"})
    assert made.status_code == 303
    with app.app_context():
        rhys = db.session.scalars(select(Supporter).where(Supporter.name == "Rhys Carter")).one()
        assert rhys.code_by == "sms"
