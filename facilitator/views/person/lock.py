"""The tablet locked to one review: what it may reach, and the locked review on ``g``.

Every person-mode blueprint (the screens, the offline sync, "You said, we did", help) loads
the locked review with :func:`load_locked_review`. The guards below are registered for every
request by ``person.py``: a locked tablet reaches nothing but its own review's screens, and the
first page after a sign-in tells the account of refused tries to unlock its tablets.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db, htmx
from ...models import Review
from ...services import reviews
from ...services.accounts import tablet_unlock
from . import screen_cache

# Reachable while a tablet is locked to a review; every other endpoint refuses.
OPEN_WHILE_LOCKED = frozenset({"static", "main.favicon", "main.health", "main.choose_language"})
LOCKED_PREFIXES = (
    "person.", "person_outputs.", "person_sync.", "person_help.", "person_meetings.",
)  # fmt: skip

# The sign-in session whose account has been told of refused tries on its tablets.
TOLD_OF_TRIES = "told_of_unlock_tries"


def keep_person_mode_locked() -> WerkzeugResponse | None:
    """A locked tablet reaches nothing but its own review's person screens."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WHILE_LOCKED:  # first: a picture or a script needs no session look-up
        return None
    if not (current_user.is_authenticated and current_user.person_mode_review_id):
        return None
    if endpoint.startswith(LOCKED_PREFIXES):
        return None
    if request.method == "GET":
        return redirect(url_for("person.welcome"))
    abort(403)


def tell_of_refused_unlock_tries() -> None:
    """The first page after a sign-in tells the account of refused tries to unlock its
    tablets (a wrong PIN may be someone guessing it), once; they are then marked seen.

    Only a sign-in proves it is the facilitator reading: whoever typed a right PIN is not told.
    """
    if request.method != "GET" or request.endpoint in OPEN_WHILE_LOCKED:
        return
    if not current_user.is_authenticated or current_user.person_mode_review_id:
        return
    if htmx or session.get(TOLD_OF_TRIES) == current_user.get_id():
        return
    session[TOLD_OF_TRIES] = current_user.get_id()
    tries = tablet_unlock.unseen_tries(db.session, current_user.user)
    for found in tries:
        at = format_datetime(found.last_at, "d MMMM y, HH:mm")
        name = found.person_name or _("a person")
        flash(
            ngettext(
                "%(num)d wrong PIN or password try on the tablet in the review for %(name)s, "
                "the last at %(at)s UTC. If this was not you, tell your manager.",
                "%(num)d wrong PIN or password tries on the tablet in the review for %(name)s, "
                "the last at %(at)s UTC. If this was not you, tell your manager.",
                found.count,
                name=name,
                at=at,
            ),
            "warning",
        )
    if tries:
        # A GET that must persist: the tries are marked seen, so the account is told once.
        db.session.commit()


def load_locked_review(start_endpoint: str) -> WerkzeugResponse | None:
    """For a person-mode blueprint: the locked review on ``g``, or where to go instead.

    Every screen but the one that starts a session needs the tablet locked, and shows only
    that review, in the person's language.
    """
    if request.endpoint == start_endpoint:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    review_id = current_user.person_mode_review_id
    if not review_id:
        return redirect(url_for("main.home"))
    if (
        request.endpoint == "person.prompt"
        and request.method == "GET"
        and screen_cache.cache() is not None
    ):
        # The screen a tablet asks for most: first a stamp of everything it is drawn from,
        # which may find it already rendered; the review is loaded only if it is not.
        found = screen_cache.stamp(db.session, review_id)
        if found is None:
            abort(404)
        g.screen_stamp = found
        g.review_id = review_id
        g.page_language = found.language  # the person's language, whatever the account's
        return None
    _load_review(review_id)
    return None


def _load_review(review_id: int) -> None:
    g.review = reviews.get_review(db.session, review_id)
    g.person = g.review.person
    g.page_language = g.person.language  # the person's language, whatever the account's


def locked_review() -> Review:
    """The review the tablet is locked to (the prompt screen loads it only when it renders)."""
    if "review" not in g:
        _load_review(g.review_id)
    return g.review  # type: ignore[no-any-return]
