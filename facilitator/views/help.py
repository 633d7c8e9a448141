"""Help, in the same place on every page, written for whoever is looking at it.

* Staff, managers, admins and advocates: a short, task-based guide to running a review with a
  person and an advocate (``help.guide``).
* The person, on a tablet locked to their review: "how this works" in easy read, with pictures
  and a Listen button for every sentence (``person_help.how``). It is a person-mode screen, so
  the lock keeps the tablet inside the review (see ``LOCKED_PREFIXES`` in ``person.py``).
* A family member on a link: what the link is, who sent it and how their views are used, with
  the link's real details once they have entered their code (``family_help.about``).
* Anyone else (the sign-in page, a link just opened): what this service is (``help.public``).

The header's Help link comes from :func:`help_link`, a context processor, so that every page
points at the help for its reader without each view having to say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from ..extensions import db
from ..services.family import sessions as family_sessions
from ..services.family.links import LinkProblem

bp = Blueprint("help", __name__, url_prefix="/help")
person_bp = Blueprint("person_help", __name__, url_prefix="/person/help")
family_bp = Blueprint("family_help", __name__, url_prefix="/family/help")

# A person-mode page the help screen may send the person back to (never anywhere else).
PERSON_BACK = re.compile(r"^/person/(?!help)[A-Za-z0-9/_-]*$")

# "How this works" for the person: one short sentence each, with a picture.
PERSON_STEPS: tuple[tuple[str, Any], ...] = (
    ("hello", _l("This is your review. We want to know what you think.")),
    ("tap", _l("You see one question at a time. Tap the picture that is your answer.")),
    ("speaker", _l("Tap Listen to hear the words.")),
    ("tell-me-more", _l("You can say more in your own words.")),
    ("skip", _l("You can skip a question. That is OK.")),
    ("break", _l("You can stop for a break at any time.")),
    ("summary", _l("At the end, you see what you told us. You say if it is right.")),
    ("people", _l("You choose who can see what you said.")),
)
PERSON_INTRO = _l("How this works")


def person_help_texts() -> list[str]:
    """The person's help sentences in the current language, in the order they are shown."""
    return [str(PERSON_INTRO)] + [str(text) for _key, text in PERSON_STEPS]


def spoken_help_texts(languages: list[str]) -> Iterator[tuple[str, str]]:
    """Every (text, lang) the person's help screen speaks, for ``flask speech render``."""
    for lang in languages:
        with force_locale(lang):
            for text in person_help_texts():
                yield text, lang


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
    return (request.blueprint or "") in ("help", "person_help", "family_help")


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


# --- the person, on their locked tablet ---------------------------------------------------------


@person_bp.before_request
def _load_locked_review() -> WerkzeugResponse | None:
    from .person.person import load_locked_review

    return load_locked_review("")


def _person_back() -> str:
    """The screen the person came from (the header's link sits outside the swapped region, so
    the browser's own Referer names it), or the welcome screen."""
    for candidate in (request.args.get("back", ""), urlsplit(request.referrer or "").path):
        if PERSON_BACK.match(candidate):
            return candidate
    return url_for("person.welcome")


@person_bp.route("/")
def how() -> str:
    """How this works, in easy read: a picture, a sentence and Listen for each step."""
    from .person import screens

    back_url = _person_back()
    context = screens.base_context(g.person, g.review)
    say = context["say"]
    steps = [
        {"picture": context["picture"](key), "speech": say(str(text))} for key, text in PERSON_STEPS
    ]
    return render_template(
        "help/person.html",
        steps=steps,
        intro=say(str(PERSON_INTRO)),
        all_words=say(" ".join(person_help_texts()[1:])),
        back_url=back_url,
        **context,
    )


# --- a family member, on their link -------------------------------------------------------------


@family_bp.route("/")
def about() -> str | tuple[str, int]:
    """What the link is, who sent it and how the family member's views are used."""
    from .family import family

    try:
        access = family._access(confirmed=False)
    except family.NoFamilySession:
        return family._problem_page("no-session", 403)
    except family_sessions.SessionEnded as ended:
        return family._session_ended(ended)
    except LinkProblem as problem:
        db.session.rollback()
        return family._problem_page(problem.kind)
    # The server-side session says whether the code was given (the cookie holds only its id).
    confirmed = g.family_session.confirmed_at is not None
    return render_template(
        "help/family.html",
        confirmed=confirmed,
        access=access if confirmed else None,
        person=access.review.person if confirmed else None,
        link=access.link,
    )


@family_bp.after_request
def _family_headers(response: WerkzeugResponse) -> WerkzeugResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
