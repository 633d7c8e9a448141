"""Small numbers in anything that leaves the provider (issue 20).

A count of 1 to 4 people or records can point at someone a reader knows, so every count in an
evidence pack (its PDF, CSV and JSON alike) is shown as "fewer than 5" when it is under 5 and
above 0. Nought is shown as 0: it names nobody. A percentage is left out when the part or the
whole it is worked from is hidden, because "2% of 150" gives the hidden number back.

One rule, in one place: every output of the pack asks here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

THRESHOLD = 5
FEWER_THAN = _l("fewer than 5")


def is_small(value: int | None) -> bool:
    """Whether ``value`` is hidden: more than 0 and under :data:`THRESHOLD`."""
    return value is not None and 0 < value < THRESHOLD


def shown(value: int | None) -> str:
    """The count as a reader sees it: the number, "fewer than 5", or nothing for no figure."""
    if value is None:
        return ""
    return str(FEWER_THAN) if is_small(value) else str(value)


def data_value(value: int | None) -> Any:
    """The count for a machine-readable file (JSON): the number, or the words when hidden."""
    if value is None:
        return None
    return str(FEWER_THAN) if is_small(value) else value


def percent(part: int | None, whole: int | None) -> int | None:
    """The rounded percentage, or None when there is no whole or either number is hidden."""
    if part is None or not whole or is_small(part) or is_small(whole):
        return None
    return round(100 * part / whole)
