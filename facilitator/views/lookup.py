"""Finding records for views: a missing record is a 404 page, never a stack trace.

The service's ``NotFound`` is answered by the edge (``views/edge.py``) as the 404 page, so
nothing here catches it.

Need to know (issue 25), for every route at once (:func:`init_app`): before any view runs,
a signed-in staff member's, manager's or administrator's request is refused with the 404 page
(the same as "no such person": it says nothing) when a URL parameter names a record of a person
outside their services (``services/scope.require_route``); then, for the rest of the request,
every database query finds only their people and those people's records (``scope.limit_by``),
so lists, search, figures, CSV and PDF exports say nothing of anyone else. The limit lives in
the request's app context (``g``), so a streamed export, which runs after the request's
teardown in a session of its own, is limited too. Removing an account from a service takes
effect at its next request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context, request
from flask.wrappers import Response
from flask_login import current_user

from ..extensions import db
from ..models import Person, Review
from ..services import reviews, scope


def review_or_404(review_id: int) -> Review:
    """The review with its person and prompts, or ``NotFound`` (a 404 page at the edge)."""
    return reviews.get_review(db.session, review_id)


def person_or_404(person_id: int) -> Person:
    """The person, if the signed-in account may see them, or ``NotFound`` (a 404 page)."""
    return scope.require_person(db.session, current_user.user, person_id)


def _limit() -> Any:
    return g.get("scope_people") if has_app_context() else None


def _need_to_know() -> None:
    """Refuse a route naming someone out of scope; limit every query to the viewer's people."""
    g.pop("scope_people", None)
    if request.endpoint in (None, "static"):  # files of the app itself name nobody
        return
    if not current_user.is_authenticated:
        return
    user = current_user.user
    scope.require_route(db.session, user, dict(request.view_args or {}))
    if current_user.person_mode_review_id is not None:
        # A tablet locked to one person's review (opened by this account, in scope then)
        # shows only that review: its pages read it by the lock, never by a list, so a limit
        # on every query would cost the person's every tap and hide nothing.
        return
    g.scope_people = scope.people_select(db.session, user)


def _streamed(response: Response) -> Response:
    g.scope_streamed = response.is_streamed
    return response


def _end(_error: BaseException | None = None) -> None:
    if not g.pop("scope_streamed", False):  # a stream keeps the limit until it is done
        g.pop("scope_people", None)


def init_app(app: Flask) -> None:
    """Check need to know before every view, and limit every query while it runs."""
    scope.limit_by(_limit)
    app.before_request(_need_to_know)
    app.after_request(_streamed)
    app.teardown_request(_end)
