"""Family members and friends, by the link staff sent them (phone first): the blueprint, the
family session and the kind pages that refuse.

Opening the link (GET) shows a page and changes nothing. Continuing (POST) starts a session
that holds only the link's id, and redirects to an address without the token. Nothing about
the person is shown until the family member has entered the code sent separately (or their
email address on record). Everything here is reached through that one link, so a family
session can never name another review, another supporter or a staff page.

The pages are in two modules on this blueprint: ``opening.py`` (the link, then the code) and
``adding.py`` (what the person shared, and the family member's views). Each loads the session
with :func:`load_access`; a link that no longer works, an ended session or none at all raise,
and the handlers here answer with a kind page that names nobody (and gives back anything just
typed). Writes are committed by the edge (``views/edge.py``); what must be kept even when the
answer is a refusal (a wrong code, a refused link, a session's end) the services commit.

Tokens in logs: the app never logs a path; ``facilitator/redaction.py`` (one rule, also used
by ``gunicorn.conf.py``) keeps the token out of the request environ once the app has answered
and out of the development server's request log.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from ... import redaction
from ...extensions import db
from ...forms.family import typed_views
from ...i18n import LANGUAGES
from ...models import InvitationLink
from ...services import accounts
from ...services.family import sessions as family_sessions
from ...services.family.links import FamilyAccess, LinkProblem

bp = Blueprint("family", __name__, url_prefix="/family")

SESSION_KEY = "family"  # in the cookie: {"id": the server-side session's public id}


@bp.record_once
def _keep_tokens_out_of_logs(state: Any) -> None:
    """The rule is redaction.py's, shared with gunicorn.conf.py: the environ after the answer
    (what gunicorn's access log reads) and the development server's request log."""
    app = state.app
    app.wsgi_app = redaction.RedactEnviron(app.wsgi_app)
    redaction.add_filter(logging.getLogger("werkzeug"))


def link_limit() -> str:
    """How often one address may open links and try codes (RATELIMIT_LINKS)."""
    return str(current_app.config["RATELIMIT_LINKS"])


# --- the family session --------------------------------------------------------------------------


class NoFamilySession(Exception):
    """This browser has not opened a link (or its session ended)."""


class NotConfirmed(Exception):
    """The link was opened but the code has not been entered yet."""


def start_session(link: InvitationLink) -> None:
    """A fresh server-side session for the link: nothing carried over, no staff sign-in."""
    language = session.get("lang")
    end_held_session("replaced")
    if current_user.is_authenticated:
        accounts.end_session(db.session, current_user.record, "family-link-opened")
        logout_user()
    record = family_sessions.start(db.session, link)
    session.clear()
    if language in LANGUAGES:
        session["lang"] = language
    session[SESSION_KEY] = {"id": record.public_id}


def _held_id() -> object:
    held = session.get(SESSION_KEY)
    return held.get("id") if isinstance(held, dict) else None


def end_held_session(reason: str) -> None:
    """End this browser's family session on the server (any copy of the cookie with it)."""
    record = family_sessions.find(db.session, _held_id())
    if record is not None and record.revoked_at is None:
        family_sessions.end(db.session, record, reason)
    _forget_session()


def _forget_session() -> None:
    session.pop(SESSION_KEY, None)


def load_access(confirmed: bool = True) -> FamilyAccess:
    """The link this browser opened, still active, and (by default) confirmed with the code.

    The session is loaded from the server on every request (``family_sessions.load``, which
    commits its end or its last use): finishing, revoking the link, the review closing or a
    time limit ends it for every copy of the cookie.
    """
    public_id = _held_id()
    if public_id is None:
        raise NoFamilySession
    record, access = family_sessions.load(db.session, public_id)
    g.family_session = record
    if confirmed and record.confirmed_at is None:
        raise NotConfirmed
    if "lang" not in session and access.supporter.language in LANGUAGES:
        g.page_language = access.supporter.language  # the supporter's language where translated
    return access


_access = load_access  # the name views/family/help.py uses


# --- the kind pages that refuse ------------------------------------------------------------------

PROBLEM_STATUS = {
    "malformed": 404,
    "unknown": 404,
    "expired": 410,
    "revoked": 410,
    "closed": 410,
    "locked": 403,
}


def _problem_text(kind: str) -> tuple[str, str]:
    """A heading and what to do next: never anything about the person or the review."""
    ask = _("Ask the person who sent it to you for a new link.")
    if kind in ("malformed", "unknown"):
        return _("We could not find this link"), _(
            "Check that you used the whole link from the message you were sent. If it still "
            "does not work, ask the person who sent it to you for a new link."
        )
    if kind == "expired":
        return _("This link has expired"), " ".join(
            [_("Links work for a limited time, to keep them safe."), ask]
        )
    if kind == "revoked":
        return _("This link no longer works"), " ".join(
            [
                _(
                    "It has been cancelled or replaced. If you were sent a newer link, please use "
                    "that one."
                ),
                ask,
            ]
        )
    if kind == "closed":
        return _("This link no longer works"), _(
            "The review it was for has finished, so views can no longer be added with it. If "
            "you want to tell us something, please contact the person who sent it to you."
        )
    if kind == "locked":
        return _("This link has been locked"), _(
            "The code was entered wrongly too many times, so for safety the link no longer "
            "works. Ask the person who sent it to you for a new link and a new code."
        )
    return _("Please open your link again"), _(
        "For your security, this page works only after you open the link you were sent. "
        "Please open it again from your message."
    )


def _typed_back() -> str:
    """The views just typed into a refused form (only on a POST), to show back as text."""
    return typed_views(request.form) if request.method == "POST" else ""


def _problem_page(kind: str, status: int | None = None) -> tuple[str, int]:
    """A kind refusal, with anything the family member had just typed given back to copy."""
    title, message = _problem_text(kind)
    page = render_template(
        "family/problem.html",
        title=title,
        message=message,
        typed=_typed_back(),
        typed_closed=kind == "closed",
    )
    return page, status or PROBLEM_STATUS.get(kind, 403)


@bp.errorhandler(LinkProblem)
def _link_problem(problem: LinkProblem) -> tuple[str, int]:
    """A link that cannot be used. If this browser's session has ended (the link revoked or
    locked, the review closed), the cookie lets go of it too."""
    record = family_sessions.find(db.session, _held_id())
    if (
        record is not None
        and record.revoked_at is not None
        and record.revoked_reason not in family_sessions.TIME_LIMITS
    ):
        _forget_session()
    return _problem_page(problem.kind)


@bp.errorhandler(NoFamilySession)
def _no_session(_error: NoFamilySession) -> tuple[str, int]:
    return _problem_page("no-session", 403)


@bp.errorhandler(family_sessions.SessionEnded)
def _session_ended(ended: family_sessions.SessionEnded) -> tuple[str, int]:
    """A time limit ended the session: say so kindly, and give back anything just typed.

    After a time limit the cookie keeps the (ended) session's id, so a Save that follows a
    ping is still told kindly why, and given back what was typed; any other end lets it go.
    """
    if ended.reason not in family_sessions.TIME_LIMITS:
        _forget_session()
        return _problem_page("no-session", 403)
    page = render_template("family/ended.html", after=ended.reason, typed=_typed_back())
    return page, 403


@bp.errorhandler(NotConfirmed)
def _not_confirmed(_error: NotConfirmed) -> Response:
    return redirect(url_for("family.confirm"))


@bp.after_request
def _no_referrer_token(response: Response) -> Response:
    # Pages under /family send only the origin as Referer: never the token in a link's path.
    response.headers["Referrer-Policy"] = "strict-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
