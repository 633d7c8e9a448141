"""The rules of the product. No Flask request objects in here: every function takes a Session.

A rule that refuses raises one of the errors below; the web edge (``views/edge.py``) turns it
into an answer, so services never know whether a page, an htmx fragment or the tablet's JSON
asked.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule refused an operation; the message is safe and kind enough to show to the user."""


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
