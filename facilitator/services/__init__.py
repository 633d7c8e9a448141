"""The rules of the product. No Flask request objects in here: every function takes a Session.

A rule that refuses raises one of the errors below; the web edge (``views/edge.py``) turns it
into an answer, so services never know whether a page, an htmx fragment or the tablet's JSON
asked.

A refusal's message is marked for translation but not translated when it is raised:
``raise ServiceError(_l("Write the %(what)s.", what=...))`` (``lazy_gettext``, or
``lazy_ngettext`` for a count). ``str(error)`` puts it into words in the language of the request
that shows it, and in English outside a request (the command line, a test).
"""

from __future__ import annotations

from typing import Any

from flask_babel.speaklater import LazyString

Message = str | LazyString  # a refusal's message: marked with _l or lazy_ngettext


def in_words(message: Any) -> str:
    """A message in the current language; a marked one keeps its msgid and values.

    A lazy string made by ``_l``/``lazy_ngettext`` is translated now. In a request the words
    are a ``messages.Text``, so a flashed refusal is kept as what was meant and shown in the
    language of the page that shows it; outside a request they are the English text.
    """
    if isinstance(message, LazyString):
        words: str = message._func(*message._args, **message._kwargs)  # noqa: SLF001
        return words
    return str(message)


class ServiceError(Exception):
    """A rule refused an operation; the message is safe and kind enough to show to the user.

    The message is a lazy translation (see above); ``str(error)`` is it in the reader's words.
    """

    def __str__(self) -> str:
        if len(self.args) == 1:
            return in_words(self.args[0])
        return super().__str__()


class NotAllowed(ServiceError):
    """The actor may not do this."""


class NotFound(ServiceError):
    """The record does not exist, or the actor may not know that it does."""


class StaleVersion(ServiceError):
    """A save was based on an older version than the one stored (answered 409).

    ``stored`` and ``sent`` are the two versions, so that the page can say which is which.
    """

    def __init__(self, message: Any, *, stored: int | None = None, sent: int | None = None):
        super().__init__(message)
        self.stored = stored
        self.sent = sent
