"""Help for a family member on a link: what the link is, who sent it and how their views are
used, with the link's real details once they have entered their code (``family_help.about``).

A link that no longer works, or no family session, is answered as on every family page (the
handlers of ``family.py``).
"""

from __future__ import annotations

from flask import Blueprint, g, render_template
from werkzeug.wrappers import Response as WerkzeugResponse

from ...services.family import sessions as family_sessions
from ...services.family.links import LinkProblem
from . import family

bp = Blueprint("family_help", __name__, url_prefix="/family/help")
bp.register_error_handler(LinkProblem, family._link_problem)
bp.register_error_handler(family.NoFamilySession, family._no_session)
bp.register_error_handler(family_sessions.SessionEnded, family._session_ended)


@bp.route("/")
def about() -> str:
    """What the link is, who sent it and how the family member's views are used."""
    access = family.load_access(confirmed=False)
    # The server-side session says whether the code was given (the cookie holds only its id).
    confirmed = g.family_session.confirmed_at is not None
    return render_template(
        "help/family.html",
        confirmed=confirmed,
        access=access if confirmed else None,
        person=access.review.person if confirmed else None,
        link=access.link,
    )


@bp.after_request
def _family_headers(response: WerkzeugResponse) -> WerkzeugResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
