"""The edge of every request: one unit of work, and refusals turned into answers, once.

A view reads its input (a form class, or one typed input object), calls one service, and
renders or redirects. It does not commit, roll back or catch a service's refusal; this module
does that for every view of every blueprint:

- **One unit of work.** A request that may write (POST, PUT, PATCH, DELETE) commits when its
  view returns an answer below 400 and rolls back when the view answers 400 or more or raises.
  A GET commits only when its view says it leaves a trace (:func:`keep_trace`: a record
  opened or an export made is audited). A refusal that must be remembered (a wrong PIN is
  audited even though the answer is a refusal) is committed by its service; rolling back after
  such a commit undoes nothing.
- **Refusals.** ``NotFound`` is a 404 page and ``NotAllowed`` a 403 page. Any other
  ``ServiceError`` is the page the view named with :func:`on_refusal`, shown again with the
  message (400; a ``StaleVersion`` is 409 and carries both versions), or, where the view named
  none, the message alone: a fragment in the page's live region for htmx, ``{"error": ...}``
  for JSON, a kind error page otherwise. The message is the service's, in the reader's
  language (service messages are marked for translation).

How to write a page: ``docs/architecture.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, flash, g, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from ..errors import render_error
from ..extensions import db
from ..services import NotAllowed, NotFound, ServiceError, StaleVersion

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Refusal = Callable[[ServiceError], ResponseReturnValue]


def on_refusal(page: Refusal) -> None:
    """Name the answer to give if a service refuses during this request.

    ``page`` is called with the refusal (``str(error)`` is the message in the reader's
    language) and returns the page with the form again, as it was sent: nothing typed is lost.
    The status is set here (400, or 409 for a stale version) unless ``page`` sets its own.
    """
    g.refusal_page = page


def keep_trace() -> None:
    """This GET leaves a trace (a record opened or an export made is audited): the edge commits
    it like a write when the page is answered below 400, and rolls it back otherwise."""
    g.keeps_trace = True


def refusal_returns_to(url: str, code: int = 303) -> None:
    """On a refusal, show the message on ``url`` (for buttons with nothing typed to lose).

    ``code`` is the redirect's status (303; a page that always answered 302 keeps it).
    """

    def back(error: ServiceError) -> ResponseReturnValue:
        flash(str(error), "error")
        return redirect(url, code=code)

    g.refusal_page = back


def refusal_status(error: ServiceError) -> int:
    """The HTTP status that says what kind of refusal this was."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, StaleVersion):
        return 409
    return 400


def unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` as one transaction: committed on success, rolled back otherwise."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        writes = request.method in WRITES or g.pop("keeps_trace", False)
        if writes and response.status_code < 400:
            db.session.commit()
        elif writes:
            db.session.rollback()
        return response

    run.unit_of_work = True  # type: ignore[attr-defined]
    return run


def answer_refusal(error: ServiceError) -> ResponseReturnValue:
    """The answer to a refusal that reached the edge (the unit of work has rolled back)."""
    db.session.rollback()
    status = refusal_status(error)
    if status in (403, 404):
        return render_error(status)
    page: Refusal | None = g.pop("refusal_page", None)
    if page is not None:
        response = current_app.make_response(page(error))
        if response.status_code < 400 and response.status_code not in (301, 302, 303, 307):
            response.status_code = status
        return response
    if request.is_json or request.accept_mimetypes.best == "application/json":
        body: dict[str, Any] = {"error": str(error)}
        if isinstance(error, StaleVersion):
            body.update(stored=error.stored, sent=error.sent)
        return jsonify(body), status
    return render_error(status, message=str(error))


def init_app(app: Flask) -> None:
    """Wrap every view in a unit of work and answer refusals: call after the blueprints."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "unit_of_work", False):
            app.view_functions[endpoint] = unit_of_work(view)
    app.register_error_handler(ServiceError, answer_refusal)
