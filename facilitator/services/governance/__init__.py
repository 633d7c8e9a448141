"""Shared rules for the governance records: clean text, choices, today's date.

The governance area is split by subject: agreements, differing (and differing_parties),
capacity and best_interests, safeguarding, communications and complaints; optimistic versions
(check, bump, audit) live in ``versions``. What they share lives here.

A refusal is made where its rule is written, so that its message is marked for translation
there: ``clean(text, required=ServiceError(_l("Write the outcome.")))``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from ...models import utcnow
from ...text import clean_text
from .. import ServiceError
from .versions import StaleRecord as StaleRecord

TEXT_LIMIT = 5000


def clean(
    value: Any,
    *,
    required: ServiceError | None = None,
    limit: int = TEXT_LIMIT,
    what: Any = None,
) -> str | None:
    """Text typed by staff: cleaned and trimmed (``text.py``'s remove policy), within a limit.

    ``required`` is the refusal to raise when the text is empty; without it, empty is None.
    ``what`` names the text in the message about its length (a marked word: ``_l("name")``).
    """
    text = clean_text(str(value or ""), trim=True)
    if not text:
        if required is not None:
            raise required
        return None
    if len(text) > limit:
        raise ServiceError(
            _l(
                "Keep the %(what)s to %(limit)s characters or fewer.",
                what=what if what is not None else _l("text"),
                limit=f"{limit:,}",
            )
        )
    return text


def need(value: Any, refusal: ServiceError, *, limit: int = TEXT_LIMIT, what: Any = None) -> str:
    """Like ``clean``, for text that must be given (``refusal`` when it is not)."""
    text = clean(value, required=refusal, limit=limit, what=what)
    assert text is not None
    return text


def today() -> date:
    """Today's date in UTC (the date every governance rule counts from)."""
    return utcnow().date()


def choice(enum_type: Any, value: Any, refusal: ServiceError) -> Any:
    """A value of ``enum_type``, or ``refusal``."""
    try:
        return enum_type(value)
    except ValueError:
        raise refusal from None
