"""Person mode on a tablet with patchy wifi: the service worker, and answers sent as JSON.

The tablet keeps each answer in its own storage (IndexedDB) before sending it here, and sends
it again until this server confirms it. The services store an answer once per client id, so
a resend is harmless: the same id with the same content returns the first result, the same id
with different content is refused. The plain form posts of person.py keep working without
JavaScript; nothing here replaces them.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db
from ...models import Person, Review
from ...prompts.library import load_library
from ...services import ServiceError
from ...services.media import photos
from ...services.reviews import answering, responses
from .. import edge
from ..staff.photos import photo_url, send_photo
from . import screens
from .lock import load_locked_review

bp = Blueprint("person_sync", __name__, url_prefix="/person")

# One answer's JSON: 5,000 typed characters, even each escaped as a \uXXXX pair, fit in it.
ANSWER_MAX_BYTES = 128 * 1024
ANSWER_MAX_DEPTH = 8  # the tablet sends an object holding a list of strings (2 levels)
# Pictures the person-mode templates use that no library screen names.
EXTRA_PICTURES = ("change",)
# What every person-mode page loads (fonts are added from the vendor folder).
STATIC_FILES = (
    "css/app.css",
    "css/person.css",
    "css/offline.css",
    "css/switch-access.css",
    "js/app.js",
    # person/layout.html's scripts (the offline test fails if one is missing here)
    "js/offline-queue.js",
    "js/countdown.js",
    "js/person/page.js",
    "js/person/speech.js",
    "js/person/sync.js",
    "js/person/status.js",
    "js/person/answers.js",
    "js/person.js",
    "js/switch-access/items.js",
    "js/switch-access/cues.js",
    "js/switch-access/scan.js",
    "js/switch-access.js",
    "js/person/voice-queue.js",  # the person's own voice (issue 24)
    "js/person/say-it.js",
    "vendor/htmx.min.js",
)
# Leaving person mode or signing out empties the tablet's storage (IndexedDB, caches, the
# service worker) and its HTTP cache: the next person to use it finds nothing of this one.
CLEAR_TABLET_AFTER = frozenset({"auth.sign_out", "person.take_break", "person.done"})
CLEAR_SITE_DATA = '"cache", "storage"'


def _json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": message, **extra}), status


@bp.before_request
def _locked_review_only() -> tuple[Response, int] | None:
    """The JSON endpoints serve only a tablet locked to a review (the script is public)."""
    if request.endpoint == "person_sync.service_worker":
        return None
    if not current_user.is_authenticated:
        return _json_error(
            401,
            _("The tablet is no longer signed in. Sign in again to send the answers."),
            signed_in=False,
        )
    if not current_user.person_mode_review_id:
        return _json_error(403, _("This tablet is not in a person's session."), locked=False)
    load_locked_review(start_endpoint="")  # the review, its person and their language on g
    return None


@bp.errorhandler(CSRFError)
def _csrf_expired(_error: CSRFError) -> tuple[Response, int]:
    """The tablet asks for a fresh token (GET /person/api/token) and sends again."""
    return _json_error(400, _("The security token had expired. Nothing was saved."), csrf=True)


@bp.route("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /person/ so that its scope is person mode."""
    folder = Path(current_app.static_folder or "") / "js"
    response = send_from_directory(folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("person.welcome")
    return response


@bp.route("/api/token")
def token() -> Response:
    """A fresh CSRF token, asked for before the tablet sends its queue."""
    return jsonify({"csrf_token": generate_csrf()})


@bp.route("/api/offline-urls")
def offline_urls() -> Response:
    """Every address the tablet needs to carry on offline in this review."""
    pages, assets = review_urls(g.review, g.person)
    version = hashlib.sha256(
        json.dumps([g.review.id, g.person.version, pages, assets]).encode()
    ).hexdigest()[:16]
    return jsonify({"review": g.review.id, "version": version, "pages": pages, "assets": assets})


@bp.route("/photos/<public_id>/<size>.jpg")
def photo(public_id: str, size: str) -> WerkzeugResponse:
    """A photo of this tablet's person, and only theirs (kept offline like the pages)."""
    return send_photo(photos.get_photo(db.session, public_id, g.person.id), size)


@bp.route("/api/answers", methods=["POST"])
def answers() -> tuple[Response, int]:
    """Store one answer from the tablet's queue: {ok, replay, id, next} or a clear refusal."""
    review: Review = g.review
    given = answering.TabletAnswer.from_json(_read_answer(), locked_to=review.id)
    answered = answering.answer(db.session, review, given, current_user.user)
    return jsonify(
        {
            "ok": True,
            "replay": answered.saved.replay,
            "id": answered.saved.response.id,
            "next": screens.screen_url(answered.next),
        }
    ), 200


@bp.errorhandler(ServiceError)
def _refused(error: ServiceError) -> ResponseReturnValue:
    """A refused answer, as the tablet's queue reads it: ``ok`` false and the message, JSON
    even for a 403; an id sent before with other content is a 409 the queue drops
    (``duplicate``). The unit of work has rolled back. Other refusals: as on every page."""
    if request.endpoint != "person_sync.answers":
        return edge.answer_refusal(error)
    if isinstance(error, responses.DuplicateAnswer):
        return _json_error(409, str(error), duplicate=True)
    return _json_error(edge.refusal_status(error), str(error))


def _read_answer() -> Any:
    """The answer's JSON, or None when it is not JSON, too large or nested too deeply.

    The tablet sends a flat object holding one list of choice ids and at most 5,000 typed
    characters, so anything far bigger or deeper was not sent by it. Checked before parsing:
    each level of nesting costs a stack frame in the parser and in the text cleaning that
    follows, and hundreds of levels would end in a RecursionError (a 500 and a long traceback).
    """
    if (request.content_length or 0) > ANSWER_MAX_BYTES or not request.is_json:
        return None
    raw = request.get_data(cache=True)
    if len(raw) > ANSWER_MAX_BYTES:
        return None
    # UTF-8 only, decoded before the nesting check: json.loads also reads UTF-16 and UTF-32,
    # whose bytes could hide brackets from a check that reads the body as UTF-8.
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _nesting(text) > ANSWER_MAX_DEPTH:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')


def _nesting(raw: str) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored).

    One pass over the brackets, quotes and backslashes, without parsing: linear in the size.
    """
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for found in _JSON_SPECIAL.finditer(raw):
        at, char = found.start(), found.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif char in ("]", "}"):
            depth -= 1
    return deepest


def review_urls(review: Review, person: Person) -> tuple[list[str], list[str]]:
    """The review's person-mode pages, and the files they use (pictures, speech, CSS, JS)."""
    library = load_library()
    context = screens.base_context(person, review)
    picture = context["picture"]
    say = context["say"]
    lang = context["lang"]
    pages = [url_for("person.welcome"), url_for("person.take_break")]
    pictures: list[str | None] = [picture(item.picture) for item in library.screens.values()]
    pictures += [picture(key) for key in EXTRA_PICTURES]
    audio = [say(library.screen_text(key, lang, fallback=True))["audio"] for key in library.screens]
    for position, review_prompt in enumerate(review.prompts, start=1):
        details = screens.prompt_context(db.session, review, review_prompt, position, {})
        prompt = details["prompt"]
        pages.append(url_for("person.prompt", position=position))
        pages += [
            url_for("person.prompt", position=position, page=page)
            for page in range(2, details["pages"] + 1)
        ]
        pages.append(url_for("person.words", position=position))
        pages.append(url_for("person.take_break", back=position))
        pictures += [picture(prompt.picture), picture(details["topic"].picture)]
        pictures += [picture(option.picture) for option in prompt.options]
        audio.append(say(prompt.text(lang, fallback=True))["audio"])
        if details["recorded_voice"]:  # a familiar voice: this person's, kept with the pages
            pages.append(details["recorded_voice"])
        if details["prompt_photo"] is not None:  # a custom prompt's photo of the person
            pictures.append(photo_url(details["prompt_photo"]))
    pages += [url_for("person.check"), url_for("person.done")]
    static = [url_for("static", filename=name) for name in STATIC_FILES]
    fonts = Path(current_app.static_folder or "") / "vendor" / "fonts"
    static += [
        url_for("static", filename=f"vendor/fonts/{font.name}")
        for font in sorted(fonts.glob("*.woff2"))
    ]
    assets = static + [url for url in pictures + audio if url]
    # The person's own photos are kept with the review's pages, not the shared assets: the
    # service worker drops them when the tablet moves to another review.
    photo_prefix = url_for("person.welcome") + "photos/"
    pages += [url for url in assets if url.startswith(photo_prefix)]
    assets = [url for url in assets if not url.startswith(photo_prefix)]
    return list(dict.fromkeys(pages)), list(dict.fromkeys(assets))


def waiting_messages() -> dict[str, str]:
    """ "N answers are waiting", once per plural category of the page's language.

    The tablet picks the category with Intl.PluralRules and puts the number in for {n}, so
    Welsh (six plural forms) reads as naturally as English.
    """
    locale = get_locale()
    samples = _plural_samples(locale.plural_form if locale else None, str(locale))
    return {
        tag: ngettext(
            "%(count)s answer is waiting to be sent. Keep the tablet on and near the wifi.",
            "%(count)s answers are waiting to be sent. Keep the tablet on and near the wifi.",
            n,
            count="{n}",
        )
        for tag, n in samples.items()
    }


_SAMPLES: dict[str, dict[str, int]] = {}


def _plural_samples(rule: Any, key: str) -> dict[str, int]:
    """A number for each plural category of a language (worked out once per language)."""
    found = _SAMPLES.get(key)
    if found is None:
        found = {}
        for n in range(1, 200):
            found.setdefault(rule(n) if rule else ("one" if n == 1 else "other"), n)
        _SAMPLES[key] = found
    return found


@bp.app_context_processor
def _sync_strings() -> dict[str, Any]:
    return {"waiting_messages": waiting_messages}


@bp.after_app_request
def _clear_tablet_storage(response: Response) -> Response:
    """Unlocking, confirming or signing out empties the tablet (only once it succeeded)."""
    if (
        request.method == "POST"
        and request.endpoint in CLEAR_TABLET_AFTER
        and response.status_code in (302, 303)
    ):
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
