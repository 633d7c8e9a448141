"""Help, in the same place on every page, written for whoever is looking at it.

* Staff, managers, admins and advocates: a short, task-based guide to running a review with a
  person and an advocate (``help.guide``).
* Anyone else (the sign-in page, a link just opened): what this service is (``help.public``).
* The person on their locked tablet and a family member on a link have help of their own:
  ``views/person/help.py`` (``person_help.how``) and ``views/family/help.py``
  (``family_help.about``).

The header's Help link comes from :func:`help_link`, a context processor, so that every page
points at the help for its reader without each view having to say so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

bp = Blueprint("help", __name__, url_prefix="/help")

HELP_BLUEPRINTS = ("help", "person_help", "family_help")


# --- the Help link in the header ----------------------------------------------------------------


def help_url() -> str:
    """The help for whoever is looking at this page."""
    endpoint = request.endpoint or ""
    if current_user.is_authenticated and current_user.person_mode_review_id:
        return url_for("person_help.how")
    if current_user.is_authenticated:
        return url_for("help.guide")
    if isinstance(session.get("family"), dict) or endpoint.startswith("family."):
        if endpoint in ("family.open_link", "family.continue_link", "family.left"):
            return url_for("help.public")  # no family session yet, or it has ended
        return url_for("family_help.about")
    return url_for("help.public")


@bp.app_context_processor
def help_link() -> dict[str, Any]:
    return {"help_url": help_url, "on_help_page": on_help_page}


def on_help_page() -> bool:
    return (request.blueprint or "") in HELP_BLUEPRINTS


# --- staff and advocates ------------------------------------------------------------------------


@bp.route("/")
@login_required
def guide() -> str | WerkzeugResponse:
    """Running a review with a person and an advocate, task by task."""
    return render_template("help/guide.html", role=current_user.role)


@bp.route("/about")
def public() -> str:
    """What this service is, for someone who is not signed in."""
    return render_template("help/public.html")
