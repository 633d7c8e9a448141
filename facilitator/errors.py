"""Kind error pages (and htmx-friendly fragments); never a stack trace to the user."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


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
) -> tuple[Any, ...]:
    """A full page, or a fragment for htmx to put in the message area."""
    default_title, default_message = _messages().get(status, _messages()[500])
    context = {
        "title": title or default_title,
        "message": message or default_message,
        "status": status,
    }
    if request.headers.get("HX-Request") == "true":
        # htmx puts the message in the page's live region instead of the swap target.
        return (
            render_template("errors/_message.html", **context),
            status,
            {
                "HX-Retarget": "#messages",
                "HX-Reswap": "innerHTML",
            },
        )
    if status == 503:
        # Rendered without the signed-in navigation, which would need the database.
        return render_template("errors/unavailable.html", **context), status
    return render_template("errors/error.html", **context), status


def register_error_handlers(app: Flask) -> None:
    """One handler per kind of failure."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[Any, ...]:
        return render_error(
            400,
            _("This page had expired"),
            _(
                "For your security, the form had expired. Nothing was saved. Please go back, "
                "reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Any, ...]:
        return render_error(error.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database(error: Exception) -> tuple[Any, ...]:
        from flask import g, session

        g.page_language = session.get("lang", "en")  # choosing a language must not query
        log.error("database unavailable: %s", type(error).__name__)
        return render_error(503)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Any, ...]:
        log.exception("unhandled error on %s", request.endpoint)
        return render_error(500)
