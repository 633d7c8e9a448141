"""Help for the person, on a tablet locked to their review: "how this works" in easy read,
with a picture and a Listen button for every sentence (``person_help.how``).

It is a person-mode screen, so the lock keeps the tablet inside the review (``LOCKED_PREFIXES``
in ``lock.py``). The sentences are in ``outputs/spoken.py``, where ``flask speech render``
finds them too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, g, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from ...outputs.spoken import PERSON_INTRO, PERSON_STEPS, person_help_texts
from . import screens
from .lock import load_locked_review

bp = Blueprint("person_help", __name__, url_prefix="/person/help")

# A person-mode page the help screen may send the person back to (never anywhere else).
PERSON_BACK = re.compile(r"^/person/(?!help)[A-Za-z0-9/_-]*$")


@bp.before_request
def _load_locked_review() -> WerkzeugResponse | None:
    return load_locked_review("")


def _person_back() -> str:
    """The screen the person came from (the header's link sits outside the swapped region, so
    the browser's own Referer names it), or the welcome screen."""
    for candidate in (request.args.get("back", ""), urlsplit(request.referrer or "").path):
        if PERSON_BACK.match(candidate):
            return candidate
    return url_for("person.welcome")


@bp.route("/")
def how() -> str:
    """How this works, in easy read: a picture, a sentence and Listen for each step."""
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
