"""Switch-access settings through the web: the person's settings screen and the staff page.

Values outside the rules are refused with a kind message, nothing is saved and nothing typed is
lost; saved values reach the person-mode pages as data- attributes for switch-access.js.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, Person, Review

from ..conftest import csrf_from, sign_in
from .test_person_mode import start_session


def _person(app: Flask, review_id: int) -> Person:
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        person = db.session.get(Person, review.person_id)
        assert person is not None
        db.session.expunge(person)
        return person


def _attrs(html: str) -> dict[str, str]:
    box = re.search(r"<(?:div|aside) class=\"switch-status\" data-switch-access(.*?)>", html, re.S)
    assert box, "the switch-access settings are on every person-mode page"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', box.group(1)))


def _settings_form(client: FlaskClient) -> dict[str, str]:
    page = client.get("/person/settings").get_data(as_text=True)
    return {
        "csrf_token": csrf_from(page),
        "text_size": "large",
        "speech": "on",
        "speech_rate": "135",
        "choices_per_screen": "3",
        "pictures": "pictures",
        "language": "en",
    }


def test_person_mode_pages_carry_the_defaults(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    for url in ("/person/", "/person/q/1", "/person/settings", "/person/check", "/person/break"):
        attrs = _attrs(client.get(url).get_data(as_text=True))
        assert attrs["method"] == "touch", url
        assert attrs["step-key"] == "Space" and attrs["select-key"] == "Enter"
        assert attrs["rate"] == "2000" and attrs["cue"] == "off" and attrs["tap"] == "off"
    html = client.get("/person/q/1").get_data(as_text=True)
    assert "js/switch-access.js" in html and "css/switch-access.css" in html
    assert "<script>" not in html  # no inline script (CSP)


def test_settings_screen_offers_the_ways_of_pressing(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/settings").get_data(as_text=True)
    assert "How do you press?" in page
    for value in ("touch", "scan", "step"):
        assert f'name="access" value="{value}"' in page
    assert 'name="access" value="touch" checked' in page
    assert 'name="scan_rate" value="2" checked' in page
    for rate in ("0.75", "1", "1.5", "3", "5"):
        assert f'name="scan_rate" value="{rate}"' in page
    assert 'name="switch_keys" value="space-enter" checked' in page
    assert 'name="scan_cue"' in page and 'name="switch_tap"' in page


def test_person_chooses_one_switch_scanning(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    data = {
        **_settings_form(client),
        "access": "scan",
        "scan_rate": "1",
        "scan_rounds": "3",
        "switch_keys": "1-2",
        "scan_cue": "on",
        "switch_tap": "on",
        "back": "2",
    }
    response = client.post("/person/settings", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/person/q/2")
    person = _person(app, review_id)
    assert person.setting("access") == "scan" and person.setting("scan_rate_ms") == 1000
    assert person.setting("scan_rounds") == 3 and person.setting("switch_keys") == "1-2"
    assert person.setting("scan_cue") is True and person.setting("switch_tap") is True
    html = client.get("/person/q/2").get_data(as_text=True)
    attrs = _attrs(html)
    assert attrs["method"] == "scan" and attrs["rate"] == "1000" and attrs["rounds"] == "3"
    assert attrs["step-key"] == "1" and attrs["select-key"] == "2"
    assert attrs["cue"] == "on" and attrs["tap"] == "on"
    assert "data-cues='{" in html  # pre-rendered cue audio (when there is some) by word
    assert "Press your switch to start again." in html
    # The screen shows the saved choices.
    page = client.get("/person/settings").get_data(as_text=True)
    assert (
        'name="access" value="scan" checked' in page
        and 'name="scan_rate" value="1" checked' in page
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("access", "blink", "Choose a way to press from the list"),
        ("access", "", "Choose a way to press from the list"),
        ("scan_rate", "0.5", "from 0.75 to 5 seconds"),
        ("scan_rate", "6", "from 0.75 to 5 seconds"),
        ("scan_rate", "quick", "from 0.75 to 5 seconds"),
        ("switch_keys", "x-y", "Choose which keys the switches send from the list"),
        ("scan_rounds", "100", "how many times the highlight goes round"),
    ],
)
def test_person_screen_refuses_kindly_and_loses_nothing(
    app: Flask, client: FlaskClient, demo: dict, field: str, value: str, message: str
) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    before = _person(app, review_id).settings
    data = {**_settings_form(client), "text_size": "x-large", "access": "step", field: value}
    response = client.post("/person/settings", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and 'role="alert"' in body
    assert _person(app, review_id).settings == before  # nothing saved, not even the text size
    assert 'name="text_size" value="x-large" checked' in body  # what was chosen is still chosen
    if field != "access":
        assert 'name="access" value="step" checked' in body


def test_staff_set_switch_access_on_the_persons_page(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/staff/people/1/communication").get_data(as_text=True)
    assert "How Sam presses" in page and 'id="scan_rate"' in page and 'value="2"' in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {
        "csrf_token": csrf_from(page),
        "version": version,
        "communication_needs": "Uses a head switch",
        "preferred_formats": "easy read",
        "language": "en",
        "text_size": "large",
        "access": "step",
        "scan_rate": "2.5",
        "scan_rounds": "2",
        "switch_keys": "enter-space",
        "scan_cue": "on",
    }
    assert client.post("/staff/people/1/communication", data=data).status_code == 303
    with app.app_context():
        person = db.session.get(Person, 1)
        assert person is not None
        assert person.setting("access") == "step" and person.setting("scan_rate_ms") == 2500
        assert person.setting("switch_keys") == "enter-space" and person.setting("scan_cue") is True
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "person.settings_changed", AuditEvent.person_id == 1)
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None and "access" in event.detail["changed"]
    page = client.get("/staff/people/1/communication").get_data(as_text=True)
    assert 'name="access" value="step" checked' in page and 'value="2.5"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("scan_rate", "10", "from 0.75 to 5 seconds"),
        ("scan_rate", "0,5", "from 0.75 to 5 seconds"),
        ("access", "eye-gaze", "Choose a way to press from the list"),
    ],
)
def test_staff_page_refuses_kindly_and_keeps_what_was_typed(
    app: Flask, client: FlaskClient, demo: dict, field: str, value: str, message: str
) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/staff/people/1/communication").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {
        "csrf_token": csrf_from(page),
        "version": version,
        "communication_needs": "Uses a head switch",
        "preferred_formats": "",
        "language": "en",
        "access": "scan",
        "scan_rate": "1.25",
        field: value,
    }
    response = client.post("/staff/people/1/communication", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert ">Uses a head switch</textarea>" in body  # nothing typed is lost
    if field == "scan_rate":
        assert f'value="{value}"' in body
    with app.app_context():
        person = db.session.get(Person, 1)
        assert person is not None
        assert person.communication_needs != "Uses a head switch"  # nothing was saved
        assert person.setting("access") == "touch" and str(person.version) == version
