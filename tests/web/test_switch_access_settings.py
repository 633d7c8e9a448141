"""Switch-access settings through the web: the person's settings screen and the staff page.

Values outside the rules are refused with a kind message, nothing is saved and nothing typed is
lost; saved values reach the person-mode pages as data- attributes for switch-access.js.
"""

from __future__ import annotations

import re
from pathlib import Path

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


# --- Moving on by itself after an answer (issue 22, item 3; WCAG 2.2.1 timing adjustable) ---


def _answered_screen(client: FlaskClient, position: int = 1, answer: str = "good") -> str:
    """Answer a prompt through the plain form, and the screen that follows."""
    page = client.get(f"/person/q/{position}").get_data(as_text=True)
    client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    posted = client.post(
        f"/person/q/{position}",
        data={"csrf_token": csrf_from(page), "client_id": client_id, "answer": answer},
    )
    assert posted.status_code == 303, posted.get_data(as_text=True)[:300]
    return client.get(posted.headers["Location"]).get_data(as_text=True)


def _screen_attrs(html: str) -> dict[str, str]:
    box = re.search(r'<div class="screen screen-prompt"([^>]*)>', html)
    assert box, "a prompt screen"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', box.group(1)))


def test_moving_on_by_itself_is_off_by_default(client: FlaskClient, demo: dict) -> None:
    """A new person's tablet waits for them after each answer: no timer, no countdown."""
    assert Person(preferred_name="New", full_name="New Person").setting("auto_advance") is False
    start_session(client, demo["reviews"]["Sam"])
    html = _answered_screen(client)
    attrs = _screen_attrs(html)
    assert attrs["just-answered"] == "yes" and attrs["advance-ms"] == "0"
    assert "data-auto-advance" not in html and "data-advance-box" not in html


def _staff_form(client: FlaskClient, **fields: str) -> tuple[str, dict[str, str]]:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/staff/people/1/communication").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {
        "csrf_token": csrf_from(page),
        "version": version,
        "communication_needs": "Needs time to answer",
        "preferred_formats": "easy read",
        "language": "en",
        "text_size": "large",
        **fields,
    }
    return page, data


def test_staff_switch_it_on_with_the_persons_own_delay(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    page, data = _staff_form(client, auto_advance="on", advance_delay="8")
    assert 'id="setting-advance-delay"' in page
    for seconds in ("3", "5", "8", "10", "15"):
        assert f'name="advance_delay" value="{seconds}"' in page
    assert 'name="advance_delay" value="5" checked' in page  # the default, until changed
    assert client.post("/staff/people/1/communication", data=data).status_code == 303
    with app.app_context():
        person = db.session.get(Person, 1)
        assert person is not None
        assert person.setting("auto_advance") is True
        assert person.setting("advance_delay_ms") == 8000
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "person.settings_changed", AuditEvent.person_id == 1)
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None
        assert {"auto_advance", "advance_delay_ms"} <= set(event.detail["changed"])
    page = client.get("/staff/people/1/communication").get_data(as_text=True)
    assert 'name="advance_delay" value="8" checked' in page
    client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    start_session(client, demo["reviews"]["Sam"])
    html = _answered_screen(client)
    assert _screen_attrs(html)["advance-ms"] == "8000"
    assert 'data-seconds="8"' in html and "Next question in 8 seconds." in html
    assert "Touch the screen or press a key to stop it." in html
    assert "Wait, I need more time" in html and 'role="status" data-advance-said' in html
    # Shown by the script only: without JavaScript nothing moves on by itself.
    assert re.search(r"<div class=\"advance-countdown\"[^>]*\bhidden\b", html)


@pytest.mark.parametrize("value", ["2", "1.5", "16", "soon", "nan"])
def test_a_delay_outside_3_to_15_seconds_is_refused_kindly(
    app: Flask, client: FlaskClient, demo: dict, value: str
) -> None:
    _page, data = _staff_form(client, auto_advance="on", advance_delay=value)
    response = client.post("/staff/people/1/communication", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose how long to wait before the next question: from 3 to 15 seconds." in body
    assert ">Needs time to answer</textarea>" in body  # nothing typed is lost
    assert f'name="advance_delay" value="{value}" checked' in body
    assert 'name="auto_advance" checked' in body  # the box ticked stays ticked
    with app.app_context():
        person = db.session.get(Person, 1)
        assert person is not None
        assert person.setting("auto_advance") is False and person.communication_needs != (
            "Needs time to answer"
        )


def test_person_settings_screen_sets_the_delay(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    data = {**_settings_form(client), "auto_advance": "on", "advance_delay": "15"}
    assert client.post("/person/settings", data=data).status_code == 303
    person = _person(app, review_id)
    assert person.setting("auto_advance") is True and person.setting("advance_delay_ms") == 15000
    html = client.get("/person/settings").get_data(as_text=True)
    assert 'name="advance_delay" value="15" checked' in html
    refused = client.post("/person/settings", data={**data, "advance_delay": "20"})
    assert refused.status_code == 400
    assert 'name="advance_delay" value="20" checked' in refused.get_data(as_text=True)
    assert _person(app, review_id).setting("advance_delay_ms") == 15000


def test_upgrade_turns_the_old_default_off_and_keeps_a_choice_staff_recorded(
    tmp_path: Path,
) -> None:
    """Migration 0014 on SQLite (see _check_pacing_upgrade)."""
    from facilitator.db import upgrade

    url = f"sqlite:///{tmp_path / 'pacing.sqlite3'}"
    upgrade(url, "0013_family_sessions")
    _check_pacing_upgrade(url)


def test_upgrade_of_the_pacing_settings_on_postgresql() -> None:
    """Migration 0014 on PostgreSQL (JSON there is not text), from 0013."""
    from alembic import command

    from facilitator.db import alembic_config

    from ..conftest import own_postgres_database

    with own_postgres_database("pacing") as url:
        command.downgrade(alembic_config(url), "0013_family_sessions")
        _check_pacing_upgrade(url)


def _check_pacing_upgrade(url: str) -> None:
    """On only by default becomes off; on by a recorded staff choice stays on (with the
    shortest new delay); each change is audited; downgrade restores the old default."""
    import json

    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from facilitator.db import alembic_config, make_engine, upgrade
    from facilitator.services import audit

    from .. import old_revision

    engine = make_engine(url)
    old = {"text_size": "large", "speech": "on"}
    with Session(engine) as session:
        # People as that revision had them (today's model has columns 0013 did not).
        people_table = old_revision.tables(session, "people")["people"]
        on, off = {**old, "auto_advance": True}, {**old, "auto_advance": False}
        ids = {}
        for key, value in (("default", on), ("chosen", on), ("off", off), ("unset", old)):
            ids[key] = old_revision.insert(
                session, people_table, preferred_name=key, full_name=key, settings=value
            )
        for key in ("chosen", "off"):  # staff changed it: B back on after a while off, C off
            audit.record(
                session,
                "person.settings_changed",
                actor_label="Tom Okafor (staff)",
                person_id=ids[key],
                detail={"changed": ["auto_advance", "text_size"]},
            )
        session.commit()

    def settings() -> dict[str, dict]:
        with Session(engine) as session:
            found = {}
            for key, pid in ids.items():
                raw = session.execute(
                    text("SELECT settings FROM people WHERE id = :id"), {"id": pid}
                ).scalar_one()
                found[key] = dict(json.loads(raw) if isinstance(raw, str) else raw)
            return found

    def entries() -> list[AuditEvent]:
        with Session(engine) as session:
            assert audit.verify(session).ok
            found = session.scalars(
                select(AuditEvent).where(AuditEvent.actor_label.like("system: upgrade 0014%"))
            ).all()
            session.expunge_all()
            return list(found)

    upgrade(url, "0014_person_pacing")
    after = settings()
    assert after["default"]["auto_advance"] is False and after["unset"]["auto_advance"] is False
    assert after["chosen"]["auto_advance"] is True and after["chosen"]["advance_delay_ms"] == 3000
    assert after["off"] == {**old, "auto_advance": False}  # untouched
    assert after["default"]["text_size"] == "large"  # nothing else changed
    written = entries()
    assert sorted(e.person_id for e in written) == sorted(
        [ids["default"], ids["chosen"], ids["unset"]]
    )
    assert all(e.action == "person.settings_changed" for e in written)

    command.downgrade(alembic_config(url), "0013_family_sessions")
    before = settings()
    assert before["default"]["auto_advance"] is True and before["unset"]["auto_advance"] is True
    assert before["chosen"]["auto_advance"] is True and before["off"]["auto_advance"] is False
    assert len(entries()) == 5  # two more, one for each person turned back on
    engine.dispose()
