"""Kind error pages (and htmx-friendly fragments); never a stack trace to the user.

A request the app cannot make sense of is the sender's doing, so it gets a 400 or 404 and at
most one line in the log, never a 500 and a traceback: a record a service could not find
(``services.NotFound``) is a 404, and a body that cannot be read (a malformed chunk, a
connection cut short: whatever the server raises while the app reads it) is a 400. Numbers in
addresses past the database's range never reach a view (see ``facilitator/routing.py``); one
in a query string or a form that reaches the database (SQLite cannot bind it: OverflowError;
PostgreSQL refuses it: DataError) is a 400 too, logged as one line without the value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, g, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from .extensions import db, htmx
from .services import NotFound

log = logging.getLogger(__name__)


class UnreadableBody(BadRequest):
    """The request's body could not be read to its end."""


class _GuardedInput:
    """``wsgi.input`` whose read errors are the sender's: a 400, not a 500 with a traceback."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _guarded(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._stream, method)(*args)
        except HTTPException:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the server raises, it is the body's
            log.info("request body could not be read: %s", type(error).__name__)
            raise UnreadableBody() from None

    def read(self, *args: Any) -> bytes:
        return self._guarded("read", *args)  # type: ignore[no-any-return]

    def readline(self, *args: Any) -> bytes:
        return self._guarded("readline", *args)  # type: ignore[no-any-return]

    def readlines(self, *args: Any) -> list[bytes]:
        return self._guarded("readlines", *args)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


class _GuardBodies:
    """WSGI middleware: every request's body is read through ``_GuardedInput``."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        stream = environ.get("wsgi.input")
        if stream is not None and not isinstance(stream, _GuardedInput):
            environ["wsgi.input"] = _GuardedInput(stream)
        return self.app(environ, start_response)


def _messages() -> dict[int, tuple[str, str]]:
    # Built per request so that each message is in the page's language.
    return {
        400: (
            _("Something was not quite right"),
            _("We could not understand that request. Please go back and try again."),
        ),
        403: (
            _("You cannot see this page"),
            _(
                "Your account does not give you access to this page. If you think it should, ask "
                "your manager."
            ),
        ),
        404: (
            _("Page not found"),
            _("We could not find that page. Check the address, or go back to the home page."),
        ),
        405: (
            _("That did not work"),
            _(
                "This page cannot be used in that way. Please go back and use the buttons on the "
                "page."
            ),
        ),
        413: (
            _("That file or form is too big"),
            _(
                "What you sent is larger than we accept. Please make it smaller and try again. "
                "Nothing has been saved."
            ),
        ),
        429: (
            _("Please wait a moment"),
            _("There have been too many tries. Please wait a few minutes and try again."),
        ),
        500: (
            _("Sorry, something went wrong"),
            _(
                "Something went wrong on our side. What you saved before this is safe. Please try "
                "again."
            ),
        ),
        503: (
            _("The service is not available"),
            _(
                "We cannot reach the database just now. Nothing has been lost. Please try again "
                "in a few minutes."
            ),
        ),
    }


def render_error(
    status: int, title: str | None = None, message: str | None = None
) -> ResponseReturnValue:
    """A full page, or a fragment for htmx to put in the message area."""
    default_title, default_message = _messages().get(status, _messages()[500])
    context = {
        "title": title or default_title,
        "message": message or default_message,
        "status": status,
    }
    if htmx:
        # htmx puts the message in the page's live region instead of the swap target.
        return htmx_response(
            render_template("errors/_message.html", **context),
            status,
            retarget="#messages",
            reswap="innerHTML",
        )
    if status == 503:
        # Rendered without the signed-in navigation, which would need the database.
        return render_template("errors/unavailable.html", **context), status
    return render_template("errors/error.html", **context), status


def register_error_handlers(app: Flask) -> None:
    """One handler per kind of failure."""
    app.wsgi_app = _GuardBodies(app.wsgi_app)  # type: ignore[method-assign]

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            _("This page had expired"),
            _(
                "For your security, the form had expired. Nothing was saved. Please go back, "
                "reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        return render_error(error.code or 500)

    @app.errorhandler(NotFound)
    def _not_found(_error: NotFound) -> ResponseReturnValue:
        return render_error(404)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(error: Exception) -> ResponseReturnValue:
        db.session.rollback()  # PostgreSQL refuses anything more in a failed transaction
        # The type only: the database's message may quote the value sent.
        log.warning(
            "a value the database cannot hold, on %s: %s", request.endpoint, type(error).__name__
        )
        return render_error(400)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database(error: Exception) -> ResponseReturnValue:
        g.page_language = session.get("lang", "en")  # choosing a language must not query
        log.error("database unavailable: %s", type(error).__name__)
        return render_error(503)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s", request.endpoint)
        return render_error(500)
