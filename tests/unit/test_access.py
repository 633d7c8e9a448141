"""Switch-access settings: the rules (services/access.py), and saving them (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from facilitator.models import DEFAULT_SETTINGS, AuditEvent
from facilitator.services import access
from facilitator.services.access import AccessSettingsError

from . import factories


@pytest.mark.parametrize(
    ("typed", "ms"),
    [
        ("0.75", 750),
        ("1", 1000),
        ("1.5", 1500),
        ("1,5", 1500),
        (" 2 ", 2000),
        ("5", 5000),
        ("4.999", 4999),
    ],
)
def test_scan_rate_within_bounds(typed: str, ms: int) -> None:
    assert access.parse_scan_rate(typed) == ms


@pytest.mark.parametrize(
    "typed", ["0.7", "0.749", "5.01", "10", "0", "-1", "", "fast", "nan", "inf", "1e9", "2 s"]
)
def test_scan_rate_outside_bounds_is_refused_kindly(typed: str) -> None:
    with pytest.raises(AccessSettingsError, match=r"from 0\.75 to 5 seconds"):
        access.parse_scan_rate(typed)


def test_unknown_method_is_refused_kindly() -> None:
    with pytest.raises(AccessSettingsError, match="Choose a way to press from the list"):
        access.read_form({"access": "telepathy"})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("switch_keys", "q-w", "which keys"),
        ("scan_rounds", "0", "how many times"),
        ("scan_rounds", "two", "how many"),
    ],
)
def test_unknown_keys_and_rounds_are_refused(field: str, value: str, message: str) -> None:
    with pytest.raises(AccessSettingsError, match=f"(?i){message}"):
        access.read_form({field: value})


def test_only_the_fields_a_form_carries_are_read() -> None:
    assert access.read_form({}, toggles=False) == {}
    assert access.read_form({"access": "step", "switch_keys": "1-2"}) == {
        "access": "step",
        "switch_keys": "1-2",
        "scan_cue": False,
        "switch_tap": False,
    }
    read = access.read_form(
        {
            "access": "scan",
            "scan_rate": "0.75",
            "scan_rounds": "3",
            "scan_cue": "on",
            "switch_tap": "on",
        }
    )
    assert read == {
        "access": "scan",
        "scan_rate_ms": 750,
        "scan_rounds": 3,
        "scan_cue": True,
        "switch_tap": True,
    }


def test_defaults_are_touch_with_space_and_enter() -> None:
    assert DEFAULT_SETTINGS["access"] == "touch"
    assert DEFAULT_SETTINGS["switch_keys"] == "space-enter"
    assert access.SCAN_RATE_MIN_MS <= DEFAULT_SETTINGS["scan_rate_ms"] <= access.SCAN_RATE_MAX_MS
    assert access.SWITCH_KEYS["space-enter"] == ("Space", "Enter")  # Space steps, Enter selects


@pytest.mark.db
def test_page_settings_are_safe_whatever_is_stored(session: Session) -> None:
    staff = factories.user(session)
    person = factories.person(session, staff)
    assert access.page_settings(person)["method"] == "touch"
    # A record edited by hand (or from an older version) never breaks the page.
    person.settings = {
        **person.settings,
        "access": "mind-control",
        "scan_rate_ms": 10,
        "scan_rounds": 99,
        "switch_keys": "nope",
    }
    page = access.page_settings(person)
    assert page == {
        "method": "touch",
        "rate": 750,
        "rounds": 2,
        "step_key": "Space",
        "select_key": "Enter",
        "cue": False,
        "tap": False,
    }
    person.settings = {
        **person.settings,
        "access": "scan",
        "scan_cue": True,
        "switch_tap": True,
        "speech": "off",
    }
    page = access.page_settings(person)
    assert page["tap"] is True
    assert page["cue"] is False  # no speech, no spoken cues
    person.settings = {**person.settings, "access": "step", "speech": "on"}
    page = access.page_settings(person)
    assert page["cue"] is True and page["tap"] is False  # touch-anywhere is for one switch only


@pytest.mark.db
def test_saving_is_audited_and_a_refusal_changes_nothing(session: Session) -> None:
    from facilitator.views.person import screens as person_screens

    staff = factories.user(session)
    person = factories.person(session, staff)
    session.commit()
    version = person.version
    form = MultiDict(
        {
            "text_size": "x-large",
            "access": "scan",
            "scan_rate": "1.5",
            "switch_keys": "1-2",
            "scan_cue": "on",
        }
    )
    person_screens.save_settings(session, person, form, staff)
    session.commit()
    session.refresh(person)
    assert person.setting("access") == "scan" and person.setting("scan_rate_ms") == 1500
    assert person.setting("switch_keys") == "1-2" and person.setting("scan_cue") is True
    assert person.setting("text_size") == "x-large"
    assert person.version == version + 1
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "person.settings_changed")
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None and event.person_id == person.id
    assert {"access", "scan_rate_ms", "switch_keys", "scan_cue", "text_size"} <= set(
        event.detail["changed"]
    )

    bad = MultiDict({"text_size": "normal", "access": "scan", "scan_rate": "9"})
    with pytest.raises(AccessSettingsError):
        person_screens.save_settings(session, person, bad, staff)
    session.rollback()
    session.refresh(person)
    assert person.setting("text_size") == "x-large" and person.setting("scan_rate_ms") == 1500
    assert person.version == version + 1


@pytest.mark.parametrize(("typed", "ms"), [("3", 3000), ("5", 5000), ("7,5", 7500), ("15", 15000)])
def test_advance_delay_within_3_to_15_seconds(typed: str, ms: int) -> None:
    assert access.parse_advance_delay(typed) == ms
    assert access.read_form({"advance_delay": typed}, toggles=False) == {"advance_delay_ms": ms}


@pytest.mark.parametrize("typed", ["", "1.5", "2.99", "15.01", "60", "inf", "nan", "soon"])
def test_advance_delay_outside_is_refused_kindly(typed: str) -> None:
    with pytest.raises(AccessSettingsError, match="from 3 to 15 seconds"):
        access.parse_advance_delay(typed)


@pytest.mark.db
def test_moving_on_by_itself_is_off_unless_switched_on(session: Session) -> None:
    """WCAG 2.2.1: 0 (the tablet waits) by default; when on, the person's delay, kept in bounds
    whatever is stored."""
    assert DEFAULT_SETTINGS["auto_advance"] is False
    staff = factories.user(session)
    person = factories.person(session, staff)
    assert access.advance_ms(person) == 0
    person.settings = {**person.settings, "auto_advance": True}
    assert access.advance_ms(person) == access.ADVANCE_DELAY_DEFAULT_MS == 5000
    for stored, used in ((8000, 8000), (1500, 3000), (60_000, 15_000), ("x", 5000)):
        person.settings = {**person.settings, "advance_delay_ms": stored}
        assert access.advance_ms(person) == used
    person.settings = {**person.settings, "auto_advance": False}
    assert access.advance_ms(person) == 0
