"""Helpers shared by the governance, safeguarding and casework views: one step shape, words.

Every change to a register's record has one shape (see ``step`` and ``done``)::

    complaint = complaints.get(db.session, complaint_id)           # 404 when missing
    form = step(AcknowledgementForm(), lambda error: _page(complaint_id, error))
    complaints.acknowledge(db.session, complaint, actor=current_account(), **form.arguments())
    return done(_("The acknowledgement is recorded."), "governance.complaint_case", ...)

The edge (``views/edge.py``) commits it, or rolls it back and shows the named page again with
the refusal (400, or 409 with both versions when someone else saved first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db
from ...forms.governance import GovernanceForm
from ...models import Contribution, Response, ReviewPrompt
from ...prompts.library import load_library
from ...services import ServiceError
from .. import edge

F = TypeVar("F", bound=GovernanceForm)


def step(form: F, page: Callable[[ServiceError], ResponseReturnValue]) -> F:
    """Start a change: a refusal shows ``page`` again with its message; the form, as sent."""
    edge.on_refusal(page)
    return form.read()


def done(message: str, endpoint: str, **values: Any) -> WerkzeugResponse:
    """A change was made: say so and show the record (POST, redirect, GET)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def safe_next(url: str | None, fallback: str) -> str:
    """Only a path on this site, never another site (an open redirect)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return fallback


@dataclass
class Said:
    """One of the person's responses in words a manager can read."""

    response: Response
    prompt: str
    topic: str
    answers: list[str] = field(default_factory=list)


def said(response: Response) -> Said:
    """What the person was asked and what they answered (never an interpretation as words)."""
    language = str(get_locale() or "en")
    library = load_library()
    review_prompt = db.session.get(ReviewPrompt, response.review_prompt_id)
    prompt_id = review_prompt.library_prompt_id if review_prompt else None
    try:
        prompt = library.prompt(prompt_id or "")
    except KeyError:
        topic = review_prompt.topic_id if review_prompt else ""
        return Said(response, _("A question written for this person"), topic)
    result = Said(
        response,
        prompt.text(language, fallback=True),
        library.topic(prompt.topic_id).title(language, fallback=True),
    )
    for option_id in response.answer or []:
        try:
            result.answers.append(prompt.option(option_id).label(language, fallback=True))
        except KeyError:
            result.answers.append(option_id)
    return result


def topic_title(topic_id: str | None) -> str:
    """A topic's title in the page's language (the id itself if the library has no such topic)."""
    if not topic_id:
        return ""
    try:
        return load_library().topic(topic_id).title(str(get_locale() or "en"), fallback=True)
    except KeyError:
        return topic_id


CONTRIBUTION_FIELDS = {
    "working": _l("What is working"),
    "not_working": _l("What is not working"),
    "see_differently": _l("What they see differently"),
    "would_like": _l("What they would like"),
    "how_obtained": _l("How the person's views were obtained"),
    "observations": _l("Observations"),
    "represents": _l("Where the advocate represents the person's wishes"),
    "challenges": _l("Where the advocate challenges"),
    "concerns": _l("Concerns"),
    "note": _l("Note"),
}


def contribution_lines(contribution: Contribution) -> list[tuple[str, str]]:
    """The filled-in parts of a contribution, each with its heading."""
    body = contribution.body or {}
    lines = []
    for key, heading in CONTRIBUTION_FIELDS.items():
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            lines.append((str(heading), value))
    return lines
