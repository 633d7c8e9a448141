"""Messages shown once, on the next page ("flashed"): kept as what was meant, put into words
by the page that shows them, and only ever shown to the audience they were written for.

A view calls Flask's ``flash(_("..."))`` as usual. Every ``_()`` and ``ngettext()`` returns a
:class:`Text`: the words in the request's language, which still know their message id and
values. When a message is flashed, it is stored as that id and those values with its audience
(the person on a locked tablet, a family member by link, or staff), not as words: the page
that shows it translates it into its own language, so a Welsh tablet's confirmation reads in
English on the facilitator's English staff page. A message for one audience is dropped by a
page for another: nothing meant for staff appears on the person's tablet, or the other way.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from flask import Flask, message_flashed, request, session
from flask.helpers import get_flashed_messages
from flask_babel import Babel, Domain, gettext, ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user

from .services import in_words

PERSON, FAMILY, STAFF = "person", "family", "staff"
_PLAIN = (str, int, float, bool, type(None))


class Text(str):
    """Translated words that remember what was asked for: their msgid, plural and values."""

    msgid: str
    plural: str | None
    num: int | None
    values: dict[str, Any]

    def __new__(
        cls,
        words: str,
        msgid: str,
        plural: str | None = None,
        num: int | None = None,
        values: dict[str, Any] | None = None,
    ) -> Text:
        made = super().__new__(cls, words)
        made.msgid, made.plural, made.num, made.values = msgid, plural, num, dict(values or {})
        return made


class MessageDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's domain, whose translations are :class:`Text`."""

    def gettext(self, string: str, **variables: Any) -> Text:
        return Text(super().gettext(string, **variables), string, values=variables)

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> Text:
        words = super().ngettext(singular, plural, num, **variables)
        return Text(words, singular, plural, num, variables)


class MessageBabel(Babel):  # type: ignore[misc]
    """Flask-Babel with :class:`MessageDomain` as the app's domain."""

    @cached_property
    def domain_instance(self) -> MessageDomain:
        return MessageDomain(domain=self.domain)


def audience() -> str:
    """Who the current page is for: the person (a locked tablet), family (by link) or staff."""
    if (request.blueprint or "").startswith("family"):  # family, family_help
        return FAMILY
    if current_user and current_user.is_authenticated:
        if getattr(current_user, "person_mode_review_id", None):
            return PERSON
    return STAFF


def _stored(message: Any) -> dict[str, Any]:
    """A flashed message as it is kept in the session until a page shows it."""
    message = in_words(message) if isinstance(message, LazyString) else message  # _l(...)
    kept: dict[str, Any] = {"for": audience(), "words": str(message)}
    if isinstance(message, Text):
        values = {k: v for k, v in message.values.items() if k != "num"}
        if all(isinstance(v, _PLAIN) for v in values.values()):
            kept.update(msgid=message.msgid, values=values)
            if message.plural is not None:
                kept.update(plural=message.plural, num=message.num)
    return kept


def _on_flash(sender: Flask, message: Any, category: str, **_extra: Any) -> None:
    """Flask has just added the message as words: keep it as what was meant instead."""
    flashes = session.get("_flashes") or []
    if flashes and flashes[-1][1] is message:
        flashes[-1] = (category, _stored(message))
        session["_flashes"] = flashes


def _words(kept: dict[str, Any]) -> str:
    msgid = kept.get("msgid")
    if not msgid:
        return str(kept.get("words", ""))
    values = kept.get("values") or {}
    if kept.get("plural") is not None:
        return str(ngettext(msgid, kept["plural"], int(kept.get("num") or 0), **values))
    return str(gettext(msgid, **values))


def messages_for_this_page() -> list[tuple[str, str]]:
    """The waiting messages meant for this page's audience, in this page's language.

    Every waiting message is taken: one meant for another audience is dropped, never carried
    to a later page. (A message kept in an older form, as words only, is shown as it is.)
    """
    here = audience()
    shown = []
    waiting: list[tuple[str, Any]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    for category, message in waiting:
        if not isinstance(message, dict):
            shown.append((category, str(message)))
        elif message.get("for") == here:
            shown.append((category, _words(message)))
    return shown


def register_messages(app: Flask) -> None:
    """Keep flashed messages as what was meant, and give templates this page's messages."""
    message_flashed.connect(_on_flash, app)
    app.add_template_global(messages_for_this_page)
