"""What each message says: plain text and simple accessible HTML, in the recipient's language.

Every message is rendered from two templates under ``templates/messages/`` (``<kind>.txt`` and
``<kind>.html``; a text message has only the first) inside ``flask_babel.force_locale``, so it
reads in the recipient's language whatever language the request (or the worker) is in. The
HTML part has ``lang`` and ``dir`` (Urdu is right to left), a real heading and link text that
makes sense alone.

As little personal data as will do: a message never carries the person's answers or words,
nor a diagnosis. A safety alert says only that a concern was raised and where to look. Staff
messages point to the page that holds the detail, behind sign-in.

Links: ``public_url`` makes an address from ``PUBLIC_URL`` (the address people reach the app
at), or the current request's host, or ``http://localhost:5000``. A link's token never goes
into the body: it is the outbox's ``secret``, put in at ``{secret}`` when the message is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import lazy_gettext as _l

from ...i18n import LANGUAGES, text_direction
from .outbox import SECRET

# Kinds of message, and the subject of each (marked here, put into words in the recipient's
# language when composed).
SUBJECTS = {
    "family-link": _l("Share your views: a link from %(sender)s"),
    "family-code": _l("Your code for the link we sent you"),
    "link-reminder": _l("Your link to share your views stops working soon"),
    "views-received": _l("New views have arrived for a review"),
    "safety-alert": _l("A safety concern was raised"),
    "safety-escalation": _l("A safety concern has not been opened yet"),
    "complaint-ack-due": _l("A complaint must be acknowledged by tomorrow"),
    "actions-digest": _l("Your actions due this week and overdue"),
    "agreement-review-due": _l("An involvement agreement is due for review"),
    "password-reset": _l("Set a new password for Facilitator"),
    "meeting-arranged": _l("A review meeting for %(name)s is arranged"),
    "meeting-moved": _l("Review meeting for %(name)s has moved"),
    "meeting-cancelled": _l("Review meeting for %(name)s is cancelled"),
    "joint-meeting-arranged": _l("You are invited to a joint meeting with %(name)s"),
    "joint-meeting-cancelled": _l("The joint meeting with %(name)s is cancelled"),
    "advocate-report-filed": _l("An advocate has filed a formal report"),
    "advocate-report-answered": _l("The written response to your report is ready"),
}
# Kinds a member of staff may choose not to get (their account page). Safety alerts and
# password resets are never optional; messages to supporters follow what staff recorded.
OPTIONAL = ("views-received", "actions-digest", "complaint-ack-due", "agreement-review-due")
OPTIONAL_LABELS = {
    "views-received": _l("When a supporter or an advocate sends views for a review I plan"),
    "actions-digest": _l("Each week: my actions due that week and overdue"),
    "complaint-ack-due": _l("When a complaint I recorded must be acknowledged tomorrow"),
    "agreement-review-due": _l("When an involvement agreement is due for review"),
}


@dataclass(frozen=True)
class Composed:
    """One message put into words: its subject, plain text and HTML, and their language."""

    kind: str
    language: str
    subject: str
    text: str
    html: str | None


def language_of(code: str | None) -> str:
    """A recipient's language, or English when theirs is not one of the product's."""
    return code if code in LANGUAGES else "en"


def public_url(endpoint: str, **values: Any) -> str:
    """The full address of a page, for a message read outside the app.

    Built from the URL map (no request is needed, so the worker can use it too); the host is
    ``PUBLIC_URL`` when set, else the current request's, else ``http://localhost:5000``.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = current_app.config.get("PUBLIC_URL") or (
        request.host_url if has_request_context() else "http://localhost:5000"
    )
    return str(base).rstrip("/") + path


def secret_url(endpoint: str, field: str, **values: Any) -> str:
    """The address of a page whose ``field`` is a secret: ``{secret}`` stands in its place."""
    marker = "SECRETPLACEHOLDER"
    return public_url(endpoint, **{field: marker}, **values).replace(marker, SECRET)


def compose(kind: str, language: str | None, *, html: bool = True, **context: Any) -> Composed:
    """Put one message into words in ``language`` (English when it is not supported).

    ``context`` is what its templates show; dates and times given as ``date``/``datetime`` are
    formatted in the language by the templates (``when`` and ``day`` filters). ``html=False``
    for a text message (SMS), which has no HTML part.
    """
    if kind not in SUBJECTS:
        raise ValueError(f"unknown kind of message: {kind!r}")
    lang = language_of(language)
    with force_locale(lang):
        subject = str(SUBJECTS[kind] % _subject_values(context))
        values = {
            **context,
            "subject": subject,
            "lang": lang,
            "dir": text_direction(lang),
            "day": _day,
            "when": _when,
        }
        text = _render(f"messages/{kind}.txt", values).strip() + "\n"
        body = _render(f"messages/{kind}.html", values) if html else None
    return Composed(kind, lang, subject, text, body)


def _render(name: str, values: dict[str, Any]) -> str:
    # The app's Jinja environment (its gettext follows force_locale) without the pages'
    # context processors: a message is not a page, and the worker has no request.
    return current_app.jinja_env.get_template(name).render(**values)


def _subject_values(context: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context.items() if isinstance(value, str | int)}


def _day(value: date | datetime) -> str:
    return format_date(value, "full") if value is not None else ""


def _when(value: datetime) -> str:
    return format_datetime(value, "long") if value is not None else ""
