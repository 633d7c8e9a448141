"""Shared rules for the governance records: versions that refuse stale saves, clean text.

The governance area is split by subject: agreements, differing, capacity, safeguarding,
communications, complaints, dashboard and audit_browse. What they share lives here.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from ...models import utcnow
from ...text import clean_text
from .. import ServiceError, StaleVersion

TEXT_LIMIT = 5000

STALE_MESSAGE = (
    "Someone else changed this record while you were editing. Your changes were not saved: "
    "reload the page to see theirs, then make your changes again."
)


class StaleRecord(StaleVersion):
    """A save was based on an older version of the record than the one stored."""


class Versioned(Protocol):
    version: int


def check_version(record: Versioned, version: int | str | None) -> None:
    """Refuse a save made from an old version, so that two editors never overwrite each other."""
    try:
        given = int(version) if version is not None else None
    except (TypeError, ValueError):
        given = None
    if given != record.version:
        raise StaleRecord(STALE_MESSAGE, stored=record.version, sent=given)


def bump(record: Versioned) -> None:
    """Mark a saved change."""
    record.version = (record.version or 0) + 1


def clean(
    value: Any, *, required: str | None = None, limit: int = TEXT_LIMIT, what: str = "text"
) -> str | None:
    """Text typed by staff: cleaned and trimmed (``text.py``'s remove policy), within a limit.

    ``required`` is the message to raise when the text is empty; without it, empty is None.
    """
    text = clean_text(str(value or ""), trim=True)
    if not text:
        if required:
            raise ServiceError(required)
        return None
    if len(text) > limit:
        raise ServiceError(f"Keep the {what} to {limit:,} characters or fewer.")
    return text


def need(value: Any, message: str, *, limit: int = TEXT_LIMIT, what: str = "text") -> str:
    """Like ``clean``, for text that must be given."""
    text = clean(value, required=message, limit=limit, what=what)
    assert text is not None
    return text


def today() -> date:
    """Today's date in UTC (the date every governance rule counts from)."""
    return utcnow().date()


def choice(enum_type: Any, value: Any, message: str) -> Any:
    """A value of ``enum_type``, or a ServiceError with ``message``."""
    try:
        return enum_type(value)
    except ValueError:
        raise ServiceError(message) from None
