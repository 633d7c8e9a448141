"""Staff record a person, their supporters with legal authority, and advocacy needs."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import LegalAuthority, Person, Supporter

from ..conftest import csrf_from, sign_in


def _token(client: FlaskClient, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def test_record_a_person_then_supporter_with_authority_then_advocacy(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    token = _token(client, "/staff/people/new")
    missing = client.post(
        "/staff/people/new", data={"csrf_token": token, "preferred_name": " ", "full_name": ""}
    )
    assert missing.status_code == 400 and "preferred name" in missing.get_data(as_text=True)
    made = client.post(
        "/staff/people/new",
        data={
            "csrf_token": token,
            "preferred_name": "Dee",
            "full_name": "Deirdre Owen",
            "service": "Oak House supported living",  # staff@ works in two services (issue 25)
            "language": "cy",
            "communication_needs": "Short sentences",
            "preferred_formats": "easy read, spoken",
            "date_of_birth": "1950-02-03",
        },
    )
    assert made.status_code == 303
    person_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/staff/people/{person_id}").get_data(as_text=True)
    assert "Short sentences; easy read, spoken" in page

    url = f"/staff/people/{person_id}/supporters/new"
    token = _token(client, url)
    bad = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Owen",
            "role": "attorney",
            "authority_kind": "lpa-health-welfare",
            "authority_reference": " ",
        },
    )
    assert bad.status_code == 400 and "reference" in bad.get_data(as_text=True)
    ok = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Owen Owen",
            "relationship": "son",
            "role": "attorney",
            "authority_kind": "lpa-health-welfare",
            "authority_reference": "LPA-1",
            "authority_scope": "Health and care decisions",
            "authority_checked": "on",
        },
    )
    assert ok.status_code == 303
    with app.app_context():
        supporter = db.session.scalar(select(Supporter).where(Supporter.person_id == person_id))
        assert supporter is not None and supporter.role == "attorney"
        authority = db.session.scalar(
            select(LegalAuthority).where(LegalAuthority.supporter_id == supporter.id)
        )
        assert authority is not None and authority.checked_at is not None

    url = f"/staff/people/{person_id}/advocacy"
    token = _token(client, url)
    refused = client.post(
        url,
        data={
            "csrf_token": token,
            "needed": "yes",
            "reason": "substantial-difficulty-no-appropriate-person",
        },
    )
    assert refused.status_code == 400 and "four areas" in refused.get_data(as_text=True)
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "needed": "yes",
            "reason": "substantial-difficulty-no-appropriate-person",
            "difficulty": ["communicating"],
        },
    )
    assert saved.status_code == 303
    assert "Dee" in client.get("/staff/").get_data(as_text=True)  # listed as needing an advocate
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert (
            person is not None
            and person.advocate_needed
            and person.substantial_difficulty == ["communicating"]
        )


def test_advocates_cannot_record_people(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "advocate@demo.facilitator.test")
    assert client.get("/staff/people/new").status_code == 403


def test_staff_home_pages_and_searches_people(app: Flask, client: FlaskClient, demo: dict) -> None:
    from facilitator.services import people as people_service

    with app.app_context():
        for n in range(60):
            people_service.create_person(
                db.session,
                actor=None,
                preferred_name=f"Zed {n:02d}",
                full_name=f"Zed Person {n:02d}",
                service="Oak House supported living",  # a demo service staff@ works in
            )
        db.session.commit()
    sign_in(client, "staff@demo.facilitator.test")
    first = client.get("/staff/").get_data(as_text=True)
    assert "64 people" in first and "Page 1 of 2" in first and "Zed 59" not in first
    second = client.get("/staff/?page=2").get_data(as_text=True)
    assert "Zed 59" in second
    found = client.get("/staff/?q=deirdre").get_data(as_text=True)
    assert "Nobody matches that name." in found
    found = client.get("/staff/?q=zed+person+07").get_data(as_text=True)
    assert "1 person" in found and "Zed 07" in found
