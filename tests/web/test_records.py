"""Staff keep a person's record up to date in the browser (issue 17): the person's details (both
versions shown on a conflict), a supporter's details and relationship from the list, the end of
a supporter's involvement, legal authority recorded, corrected and ended; and the tablet says
who a supporter is in the person's language."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, LegalAuthority, Person, Review, Supporter, User

from ..conftest import csrf_from, sign_in
from .test_person_mode import start_session

STAFF = "staff@demo.facilitator.test"


def _sam(app: Flask, demo: dict) -> int:
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        assert review is not None
        return review.person_id


def _supporter(app: Flask, person_id: int, name: str) -> Supporter:
    with app.app_context():
        found = db.session.scalars(
            select(Supporter).where(Supporter.person_id == person_id, Supporter.name == name)
        ).one()
        db.session.expunge(found)
        return found


def _audited(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_person_details_change_and_both_versions_on_a_conflict(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, STAFF)
    sam = _sam(app, demo)
    url = f"/staff/people/{sam}/details"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Sam"' in page
    token = csrf_from(page)
    with app.app_context():
        version = db.session.get(Person, sam).version  # type: ignore[union-attr]
    saved = client.post(
        url,
        data={"csrf_token": token, "version": version, "preferred_name": "Sammy",
              "full_name": "Samuel J Carter", "date_of_birth": "1980-05-06"},
    )  # fmt: skip
    assert saved.status_code == 303
    assert "Samuel J Carter" in client.get(f"/staff/people/{sam}").get_data(as_text=True)
    [event] = _audited(app, "person.details_updated")
    assert set(event.detail["changed"]) == {"preferred_name", "full_name", "date_of_birth"}

    # A second editor who read the old version: refused, both versions shown, nothing lost.
    stale = client.post(
        url,
        data={"csrf_token": token, "version": version, "preferred_name": "Sam C",
              "full_name": "Sam Carter", "date_of_birth": ""},
    )  # fmt: skip
    assert stale.status_code == 409
    shown = stale.get_data(as_text=True)
    assert "The saved version" in shown and "Samuel J Carter" in shown
    assert 'value="Sam C"' in shown and "Keep my version" in shown
    with app.app_context():
        assert db.session.get(Person, sam).preferred_name == "Sammy"  # type: ignore[union-attr]

    empty = client.post(
        url,
        data={"csrf_token": token, "version": version + 1, "preferred_name": " ",
              "full_name": "Sam Carter"},
    )  # fmt: skip
    assert empty.status_code == 400 and "preferred name" in empty.get_data(as_text=True)


def test_a_supporters_details_relationship_language_and_needs(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, STAFF)
    sam = _sam(app, demo)
    alex = _supporter(app, sam, "Alex Carter")
    url = f"/staff/people/{sam}/supporters/{alex.id}"
    page = client.get(url).get_data(as_text=True)
    assert '<option value="brother" selected>' in page
    data = {
        "csrf_token": csrf_from(page),
        "version": alex.version,
        "name": "Alex Carter",
        "relationship": "other",
        "relationship_note": "",
        "email": "alex@example.org",
        "phone": "01234 567890",
        "language": "cy",
        "communication_needs": "Large print, phone calls rather than letters",
    }
    no_note = client.post(url, data=data)
    assert no_note.status_code == 400
    assert "Say in a few words who they are" in no_note.get_data(as_text=True)
    assert "Large print, phone calls" in no_note.get_data(as_text=True)  # nothing lost
    off_list = client.post(url, data={**data, "relationship": "brother-in-law"})
    assert off_list.status_code == 400
    saved = client.post(url, data={**data, "relationship_note": "step-brother"})
    assert saved.status_code == 303
    person_page = client.get(f"/staff/people/{sam}").get_data(as_text=True)
    assert "step-brother" in person_page and "Large print, phone calls" in person_page
    stored = _supporter(app, sam, "Alex Carter")
    assert (stored.relationship_to_person, stored.relationship_note) == ("other", "step-brother")
    assert stored.language == "cy" and stored.email == "alex@example.org"
    [event] = _audited(app, "supporter.updated")
    assert "communication_needs" in event.detail["changed"]


def test_a_new_supporter_chooses_a_relationship_and_their_needs(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, STAFF)
    sam = _sam(app, demo)
    url = f"/staff/people/{sam}/supporters/new"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "name": "Rhian Pritchard", "role": "family",
            "communication_needs": "British Sign Language"}  # fmt: skip
    assert client.post(url, data=data).status_code == 400  # no relationship chosen
    assert client.post(url, data={**data, "relationship": "daughter"}).status_code == 303
    rhian = _supporter(app, sam, "Rhian Pritchard")
    assert rhian.relationship_to_person == "daughter"
    assert rhian.communication_needs == "British Sign Language"


def test_ending_a_supporters_involvement(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, STAFF)
    sam = _sam(app, demo)
    alex = _supporter(app, sam, "Alex Carter")
    page_url = f"/staff/people/{sam}/supporters/{alex.id}"
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    url = f"{page_url}/end"
    no_reason = client.post(
        url, data={"csrf_token": token, "version": alex.version, "ended_on": "2026-01-05"}
    )
    assert no_reason.status_code == 400 and "Write why" in no_reason.get_data(as_text=True)
    ended = client.post(
        url,
        data={"csrf_token": token, "version": alex.version, "ended_on": "2026-01-05",
              "reason": "Moved abroad"},
    )  # fmt: skip
    assert ended.status_code == 303
    stored = _supporter(app, sam, "Alex Carter")
    assert not stored.active and stored.ended_reason == "Moved abroad"
    shown = client.get(page_url).get_data(as_text=True)
    assert "No longer involved since" in shown and "Moved abroad" in shown
    assert "No longer involved since" in client.get(f"/staff/people/{sam}").get_data(as_text=True)
    [event] = _audited(app, "supporter.ended")
    assert event.detail["ended_on"] == "2026-01-05"


def test_legal_authority_recorded_corrected_and_ended(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, STAFF)
    sam = _sam(app, demo)
    mary = _supporter(app, sam, "Mary Carter")
    base = f"/staff/people/{sam}/supporters/{mary.id}/authorities"
    page = client.get(f"{base}/new").get_data(as_text=True)
    made = client.post(
        f"{base}/new",
        data={"csrf_token": csrf_from(page), "kind": "lpa-property-finance",
              "reference": "LPA-77", "scope": "Money", "registered_on": "2020-02-02"},
    )  # fmt: skip
    assert made.status_code == 303
    with app.app_context():
        held = db.session.scalars(
            select(LegalAuthority).where(LegalAuthority.reference == "LPA-77")
        ).one()
        held_id, version = held.id, held.version
        assert held.checked_at is None
        staff_id = db.session.scalar(select(User.id).where(User.email == STAFF))
    page = client.get(f"{base}/{held_id}").get_data(as_text=True)
    assert 'value="LPA-77"' in page
    corrected = client.post(
        f"{base}/{held_id}",
        data={"csrf_token": csrf_from(page), "version": version, "kind": "lpa-property-finance",
              "reference": "LPA-78", "scope": "Money and property", "checked": "y"},
    )  # fmt: skip
    assert corrected.status_code == 303
    with app.app_context():
        held = db.session.get(LegalAuthority, held_id)
        assert held is not None and held.reference == "LPA-78"
        assert held.checked_by_id == staff_id and held.checked_at is not None
    assert "Checked by" in client.get(f"{base}/{held_id}").get_data(as_text=True)
    stale = client.post(
        f"{base}/{held_id}",
        data={"csrf_token": csrf_from(page), "version": version, "kind": "lpa-property-finance",
              "reference": "LPA-79", "scope": "Money"},
    )  # fmt: skip
    assert stale.status_code == 409 and "The saved version" in stale.get_data(as_text=True)
    ended = client.post(
        f"{base}/{held_id}/end",
        data={"csrf_token": csrf_from(page), "version": version + 1, "ended_on": "2026-01-01",
              "reason": "Revoked by the Office of the Public Guardian"},
    )  # fmt: skip
    assert ended.status_code == 303
    assert "Ended on" in client.get(f"/staff/people/{sam}").get_data(as_text=True)
    for action in ("authority.added", "authority.corrected", "authority.ended"):
        assert _audited(app, action), action


def test_advocates_cannot_change_records(client: FlaskClient, app: Flask, demo: dict) -> None:
    sam = _sam(app, demo)
    sign_in(client, "advocate@demo.facilitator.test")
    assert client.get(f"/staff/people/{sam}/details").status_code == 403
    alex = _supporter(app, sam, "Alex Carter")
    assert client.get(f"/staff/people/{sam}/supporters/{alex.id}").status_code == 403


def _welsh_share_page(app: Flask, client: FlaskClient, demo: dict) -> str:
    sam = _sam(app, demo)
    with app.app_context():
        person = db.session.get(Person, sam)
        assert person is not None
        person.language = "cy"
        db.session.commit()
    start_session(client, demo["reviews"]["Sam"])
    check = client.get("/person/check").get_data(as_text=True)
    client.post("/person/check", data={"csrf_token": csrf_from(check)})
    return client.get("/person/share/1").get_data(as_text=True)


def test_the_tablet_never_reads_english_relationship_words_in_welsh(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    page = _welsh_share_page(app, client, demo)
    assert 'lang="cy"' in page
    assert "yw eich brother" not in page  # the bug: an English word in a Welsh sentence


def test_the_tablet_says_who_a_supporter_is_in_welsh(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    page = _welsh_share_page(app, client, demo)
    assert "Alex Carter yw eich brawd." in page


def test_a_contribution_from_someone_no_longer_involved_says_so(app: Flask) -> None:
    from facilitator.outputs.labels import author_description
    from facilitator.services.reviews.layers import Author

    with app.test_request_context():
        words = author_description(
            Author(name="Alex Carter", relationship="brother", role="family", is_supporter=True,
                   no_longer_involved=True)
        )  # fmt: skip
        assert words.startswith("Alex Carter, brother (family member), no longer involved")
        other = author_description(
            Author(name="Huw", relationship="other", relationship_note="step-son", role="family",
                   is_supporter=True)
        )  # fmt: skip
        assert other.startswith("Huw, step-son (family member)")
