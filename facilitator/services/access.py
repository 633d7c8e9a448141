"""How a person presses (touch or keyboard, one switch with automatic scanning, or two
switches), and how fast the tablet goes on without them.

The settings live in ``Person.settings`` beside the other tablet settings. This module holds
their rules: which methods and keys exist, the bounds of the scan rate, how a form's values are
checked (a value outside the rules is refused with a kind message, nothing is half-saved), and
what the person-mode pages hand to switch-access.js and person.js.

Moving on by itself after an answer (WCAG 2.2.1, timing adjustable) is off unless staff switch
it on for the person; then it waits the person's delay, from 3 to 15 seconds, which the screen
counts down and any touch or key stops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from ..models import Person
from . import ServiceError

TOUCH, SCAN, STEP = "touch", "scan", "step"
ACCESS_METHODS = (TOUCH, SCAN, STEP)

SCAN_RATE_MIN_MS = 750
SCAN_RATE_MAX_MS = 5000
# The rates offered on the person's own settings screen (staff may set any rate in the bounds).
SCAN_RATES_MS = (750, 1000, 1500, 2000, 3000, 5000)
SCAN_ROUNDS = (1, 2, 3, 5)

# Commercial switch interfaces send key presses: most send Space and Enter, some send 1 and 2
# or function keys. The first key of a pair steps (two switches), the second selects; with one
# switch, either key of the pair selects. Names are KeyboardEvent.key values ("Space" for " ").
SWITCH_KEYS: dict[str, tuple[str, str]] = {
    "space-enter": ("Space", "Enter"),
    "enter-space": ("Enter", "Space"),
    "1-2": ("1", "2"),
    "f1-f2": ("F1", "F2"),
}

# Moving on by itself after an answer: the delay's bounds, and the delays the forms offer.
ADVANCE_DELAY_MIN_MS = 3000
ADVANCE_DELAY_MAX_MS = 15000
ADVANCE_DELAYS_MS = (3000, 5000, 8000, 10000, 15000)
ADVANCE_DELAY_DEFAULT_MS = 5000

# The fields of a settings form that belong to this module.
FIELDS = ("access", "scan_rate", "scan_rounds", "switch_keys", "advance_delay")
TOGGLES = ("scan_cue", "switch_tap")


class AccessSettingsError(ServiceError):
    """A switch-access setting outside the rules: nothing was saved."""


def seconds(ms: int) -> str:
    """A rate in milliseconds as the seconds a form shows: 750 -> "0.75", 2000 -> "2"."""
    return f"{ms / 1000:g}"


def _milliseconds_within(value: str, low_ms: int, high_ms: int, problem: Exception) -> int:
    """Seconds typed or chosen ("1.5", "1,5", "2") as milliseconds; ``problem`` is raised for
    anything that is not a number from ``low_ms`` to ``high_ms``."""
    text = (value or "").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise problem from None
    if not math.isfinite(number):
        raise problem
    ms = round(number * 1000)
    if not low_ms <= ms <= high_ms:
        raise problem
    return ms


def parse_scan_rate(value: str) -> int:
    """Seconds typed or chosen ("1.5", "1,5", "2") as milliseconds, within the bounds."""
    problem = AccessSettingsError(
        _l(
            "Choose how long the highlight stays on each thing: from %(low)s to %(high)s seconds.",
            low=seconds(SCAN_RATE_MIN_MS),
            high=seconds(SCAN_RATE_MAX_MS),
        )
    )
    return _milliseconds_within(value, SCAN_RATE_MIN_MS, SCAN_RATE_MAX_MS, problem)


def parse_advance_delay(value: str) -> int:
    """Seconds chosen ("5", "7,5") as milliseconds, from 3 to 15 seconds."""
    problem = AccessSettingsError(
        _l(
            "Choose how long to wait before the next question: from %(low)s to %(high)s seconds.",
            low=seconds(ADVANCE_DELAY_MIN_MS),
            high=seconds(ADVANCE_DELAY_MAX_MS),
        )
    )
    return _milliseconds_within(value, ADVANCE_DELAY_MIN_MS, ADVANCE_DELAY_MAX_MS, problem)


def advance_ms(person: Person) -> int:
    """How long the tablet waits after an answer before the next question: 0 (it waits for
    the person) unless staff switched moving on by itself on; then 3 to 15 seconds."""
    if not person.setting("auto_advance"):
        return 0
    try:
        delay = int(person.setting("advance_delay_ms"))
    except (TypeError, ValueError):
        delay = ADVANCE_DELAY_DEFAULT_MS
    return min(max(delay, ADVANCE_DELAY_MIN_MS), ADVANCE_DELAY_MAX_MS)


def read_form(form: Mapping[str, Any], *, toggles: bool = True) -> dict[str, Any]:
    """The switch-access settings in a submitted form, checked.

    Only fields the form carries are returned, so an older form changes nothing it does not
    show. ``toggles``: the form shows the two checkboxes (an unticked box sends nothing).
    Raises AccessSettingsError with a message for the person or staff member.
    """
    values: dict[str, Any] = {}
    method = form.get("access")
    if method is not None:
        if method not in ACCESS_METHODS:
            raise AccessSettingsError(
                _l(
                    "Choose a way to press from the list: touch or keyboard, one switch, "
                    "or two switches."
                )
            )
        values["access"] = method
    rate = form.get("scan_rate")
    if rate is not None:
        values["scan_rate_ms"] = parse_scan_rate(str(rate))
    rounds = form.get("scan_rounds")
    if rounds is not None:
        if rounds not in {str(n) for n in SCAN_ROUNDS}:
            raise AccessSettingsError(
                _l("Choose how many times the highlight goes round before it waits.")
            )
        values["scan_rounds"] = int(rounds)
    keys = form.get("switch_keys")
    if keys is not None:
        if keys not in SWITCH_KEYS:
            raise AccessSettingsError(_l("Choose which keys the switches send from the list."))
        values["switch_keys"] = keys
    delay = form.get("advance_delay")
    if delay is not None:
        values["advance_delay_ms"] = parse_advance_delay(str(delay))
    if toggles:
        for key in TOGGLES:
            values[key] = form.get(key) == "on"
    return values


def page_settings(person: Person) -> dict[str, Any]:
    """What switch-access.js needs for this person, safe to put in data- attributes."""
    method = person.setting("access")
    if method not in ACCESS_METHODS:
        method = TOUCH
    try:
        rate = int(person.setting("scan_rate_ms"))
    except (TypeError, ValueError):
        rate = 2000
    rate = min(max(rate, SCAN_RATE_MIN_MS), SCAN_RATE_MAX_MS)
    rounds = person.setting("scan_rounds")
    if rounds not in SCAN_ROUNDS:
        rounds = 2
    keys = SWITCH_KEYS.get(person.setting("switch_keys")) or SWITCH_KEYS["space-enter"]
    return {
        "method": method,
        "rate": rate,
        "rounds": rounds,
        "step_key": keys[0],
        "select_key": keys[1],
        # Spoken cues follow the person's speech setting: no speech, no cues.
        "cue": bool(person.setting("scan_cue")) and person.setting("speech") != "off",
        "tap": bool(person.setting("switch_tap")) and method == SCAN,
    }
