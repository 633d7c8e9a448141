"""What the person-mode screens show: pictures, speech, progress, settings and the summary.

Kept apart from the routes so that person.py stays a thin list of screens.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, ngettext
from sqlalchemy.orm import Session

from ...accessible import speech, speech_cache
from ...i18n import LANGUAGES
from ...models import CaptureMethod, Person, Review, ReviewPrompt, User
from ...prompts.library import Library, load_library
from ...services import access, audit
from ...services.reviews import responses
from ...services.reviews.answering import NextScreen
from ...static_cache import static_url
from ..staff import custom_prompts as custom_prompt_views
from ..staff.photos import picture_functions

AUDIO_NAME = re.compile(r"^[0-9a-f]{64}\.mp3$")

SETTING_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "text_size": [("normal", _l("Normal")), ("large", _l("Large")), ("x-large", _l("Very large"))],
    "speech": [
        ("off", _l("Off")),
        ("on", _l("On: tap Listen")),
        ("autoplay", _l("Read each question out")),
    ],
    "speech_rate": [
        (str(speech.RATES["slow"]), _l("Slow")),
        (str(speech.RATES["normal"]), _l("Normal")),
        (str(speech.RATES["fast"]), _l("Fast")),
    ],
    "choices_per_screen": [(str(n), str(n)) for n in (2, 3, 4, 6)],
    # Say it (issue 24): how long one recording of the person's voice may be.
    "recording_seconds": [
        (str(n), lazy_ngettext("%(num)s second", "%(num)s seconds", n)) for n in (30, 60, 90, 120)
    ],
    "pictures": [("pictures", _l("Pictures")), ("photos", _l("Photos where there are some"))],
}
TOGGLES = ("high_contrast", "reduced_motion", "auto_advance")
# How the person presses (services/access.py holds the rules), offered on both settings forms.
ACCESS_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "access": [
        (access.TOUCH, _l("Touch the screen, or use a keyboard")),
        (access.SCAN, _l("One switch: a box moves by itself, press to choose")),
        (access.STEP, _l("Two switches: one moves the box, one chooses")),
    ],
    "scan_rate": [
        (access.seconds(750), _l("Very fast: less than 1 second")),
        (access.seconds(1000), _l("Fast: 1 second")),
        (access.seconds(1500), _l("Quite fast: 1 and a half seconds")),
        (access.seconds(2000), _l("Medium: 2 seconds")),
        (access.seconds(3000), _l("Slow: 3 seconds")),
        (access.seconds(5000), _l("Very slow: 5 seconds")),
    ],
    "scan_rounds": [(str(n), str(n)) for n in access.SCAN_ROUNDS],
    "switch_keys": [
        ("space-enter", _l("Space moves, Enter chooses")),
        ("enter-space", _l("Enter moves, Space chooses")),
        ("1-2", _l("1 moves, 2 chooses")),
        ("f1-f2", _l("F1 moves, F2 chooses")),
    ],
}


def access_bounds() -> tuple[str, str]:
    """The scan rate's bounds in seconds, for the forms' hints."""
    return access.seconds(access.SCAN_RATE_MIN_MS), access.seconds(access.SCAN_RATE_MAX_MS)


def pacing(person: Person) -> dict[str, Any]:
    """For the settings forms: the delays offered before the next question, in seconds, and
    the person's own (a delay outside the list, set by staff, is shown too)."""
    try:
        delay = int(person.setting("advance_delay_ms"))
    except (TypeError, ValueError):
        delay = access.ADVANCE_DELAY_DEFAULT_MS
    return {
        "delays": [access.seconds(ms) for ms in access.ADVANCE_DELAYS_MS],
        "current": access.seconds(delay),
    }


def picture_url(key: str | None, high_contrast: bool) -> str | None:
    """The address of a picture in the normal or high-contrast set."""
    if not key:
        return None
    folder = "hc" if high_contrast else "flat"
    return static_url(f"vendor/pictures/{folder}/{key}.svg")


def audio_url(text: str, lang: str, rate: int) -> str | None:
    """The pre-rendered speech for a text, or None (the browser's voice is used instead)."""
    try:
        path = speech.cached_audio_path(
            Path(current_app.config["SPEECH_CACHE_DIR"]), text, lang, rate
        )
    except ValueError:
        return None
    if path is None:
        speech_cache.render_later(text, lang, rate)  # outside this request; browser voice now
        return None
    return url_for("person.audio", filename=path.name)


def speech_rate(person: Person) -> int:
    """The person's speech rate in words a minute, within what eSpeak NG speaks."""
    rate = int(person.setting("speech_rate") or speech.DEFAULT_RATE)
    return rate if speech.MIN_RATE <= rate <= speech.MAX_RATE else speech.DEFAULT_RATE


def base_context(person: Person, review: Review, **extra: Any) -> dict[str, Any]:
    """What every person-mode template needs: settings, language, pictures and speech."""
    library = load_library()
    lang = person.language if person.language in library.languages else "en"
    high_contrast = bool(person.setting("high_contrast"))
    rate = speech_rate(person)

    def say(text: str) -> dict[str, Any]:
        return {"text": text, "lang": lang, "audio": audio_url(text, lang, rate)}

    def screen(key: str) -> dict[str, Any]:
        item = library.screens[key]
        text = library.screen_text(key, lang, fallback=True)
        return {
            "text": text,
            "picture": picture_url(item.picture, high_contrast),
            "alt": item.alts.get(lang) or item.alts.get("en", ""),
            "speech": say(text),
        }

    picture, picture_alt = picture_functions(person, lambda key: picture_url(key, high_contrast))

    body_classes = ["person-mode", f"text-{person.setting('text_size')}"]
    if high_contrast:
        body_classes.append("high-contrast")
    if person.setting("reduced_motion"):
        body_classes.append("reduced-motion")
    context = {
        "access": access.page_settings(person),
        "pacing": pacing(person),
        "person": person,
        "review": review,
        "library": library,
        "lang": lang,
        "total": len(review.prompts),
        "high_contrast": high_contrast,
        "speech_mode": person.setting("speech"),
        # With the person's "photos" setting, their own photo where one stands for the key.
        "picture": picture,
        "picture_alt": picture_alt,
        "say": say,
        "screen_item": screen,
        "body_classes": " ".join(body_classes),
    }
    if "screen" in extra:
        context["this_screen"] = screen(extra.pop("screen"))
    context.update(extra)
    if context["access"]["cue"]:
        context["cue_audio"] = _cue_audio(library, lang, rate, context.get("options") or [])
    return context


def _cue_audio(library: Library, lang: str, rate: int, options: list[Any]) -> dict[str, str]:
    """Spoken cues for switch scanning: the pre-rendered audio of each button and answer word.

    Keyed by the words on the screen; a word without audio is said by the browser's voice.
    The library's own words (some 150) are looked up once per language, rate and state of the
    speech folder, not on every screen; only this screen's answers are looked up each time.
    """
    cues = dict(_library_cues(library, lang, rate, _speech_folder_state()))
    for text in dict.fromkeys(o.label(lang, fallback=True) for o in options):
        if text not in cues:
            url = audio_url(text, lang, rate)
            if url:
                cues[text] = url
    return cues


def _speech_folder_state() -> int:
    """Changes whenever rendered speech is added to or removed from the folder."""
    try:
        return Path(current_app.config["SPEECH_CACHE_DIR"]).stat().st_mtime_ns
    except OSError:
        return 0


_LIBRARY_CUES: dict[tuple[Any, ...], dict[str, str]] = {}


def _library_cues(library: Library, lang: str, rate: int, state: int) -> dict[str, str]:
    folder = current_app.config["SPEECH_CACHE_DIR"]
    key = (id(library), folder, lang, rate, state, request.script_root)
    found = _LIBRARY_CUES.get(key)
    if found is None:
        texts = [library.screen_text(k, lang, fallback=True) for k in library.screens]
        texts += [o.label(lang, fallback=True) for t in library.answer_types for o in t.options]
        found = {}
        for text in dict.fromkeys(texts):
            url = audio_url(text, lang, rate)
            if url:
                found[text] = url
        if len(_LIBRARY_CUES) > 64:  # languages x rates x folder states: a handful in practice
            _LIBRARY_CUES.clear()
        _LIBRARY_CUES[key] = found
    return found


def screen_url(screen: NextScreen) -> str:
    """The address of the screen ``answering`` says comes next (both roads go there)."""
    if screen.position is None:
        return url_for("person.check")
    if screen.answered:
        return url_for("person.prompt", position=screen.position, answered=1)
    return url_for("person.prompt", position=screen.position)


def review_prompt_at(review: Review, position: int) -> ReviewPrompt:
    """The review's prompt at a 1-based position, or 404."""
    if not 1 <= position <= len(review.prompts):
        abort(404)
    return review.prompts[position - 1]


def prompt_context(
    session: Session,
    review: Review,
    review_prompt: ReviewPrompt,
    position: int,
    args: Mapping[str, Any],
) -> dict[str, Any]:
    """The prompt, its options for this page of choices, the current answer and progress."""
    library = load_library()
    prompt = library.prompt(review_prompt.library_prompt_id or "")
    person = review.person
    # One query for the whole review: this prompt's answers and the progress row's ticks.
    all_answers = responses.answers_for_review(session, review)
    current = next(
        (a for a in all_answers if a.review_prompt.id == review_prompt.id),
        responses.PromptAnswers(review_prompt),
    )
    options = list(prompt.options)
    per_screen = int(person.setting("choices_per_screen") or 3)
    # Long picture choices are split into pages of the person's chosen size; scales stay whole.
    paged = prompt.answer_type.choices_from_prompt and len(options) > per_screen
    page = max(1, int(args.get("page", 1) or 1)) if paged else 1
    pages = (len(options) + per_screen - 1) // per_screen if paged else 1
    page = min(page, pages)
    shown = options[(page - 1) * per_screen : page * per_screen] if paged else options
    chosen = set(current.choice.answer) if current.choice and not current.choice.skipped else set()
    progress = [
        {
            "position": i,
            "picture": library.topic(rp.topic_id).picture,
            "answered": False,
        }
        for i, rp in enumerate(review.prompts, start=1)
    ]
    answered_positions = {i for i, answers in enumerate(all_answers, start=1) if answers.answered}
    for item in progress:
        item["answered"] = item["position"] in answered_positions
    just_answered = bool(args.get("answered")) and current.answered
    advance = access.advance_ms(person)
    return {
        "prompt": prompt,
        "topic": library.topic(prompt.topic_id),
        "position": position,
        "options": shown,
        "page": page,
        "pages": pages,
        "chosen": chosen,
        "current": current,
        "progress": progress,
        "client_id": uuid.uuid4().hex,
        "skip_client_id": uuid.uuid4().hex,
        "just_answered": just_answered,
        # 0 unless staff switched moving on by itself on for the person (services/access.py).
        "advance_ms": advance,
        "advance_seconds": math.ceil(advance / 1000),
        "advance_texts": {
            n: ngettext("Next question in %(num)s second.", "Next question in %(num)s seconds.", n)
            for n in range(1, math.ceil(advance / 1000) + 1)
        },
        "next_url": url_for("person.prompt", position=position + 1)
        if position < len(review.prompts)
        else url_for("person.check"),
        "back_url": url_for("person.prompt", position=position - 1)
        if position > 1
        else url_for("person.welcome"),
        "capture_methods": list(CaptureMethod),
        # A custom prompt's familiar voice (played instead of the synthetic one) and photo.
        "recorded_voice": custom_prompt_views.recorded_voice_url(prompt),
        "prompt_photo": custom_prompt_views.prompt_photo(prompt),
    }


def summary(session: Session, review: Review, person: Person) -> list[dict[str, Any]]:
    """Each prompt with what the person chose and said, for 'Is this right?'."""
    library: Library = load_library()
    lang = person.language if person.language in library.languages else "en"
    rows = []
    for position, answers in enumerate(responses.answers_for_review(session, review), start=1):
        prompt = library.prompt(answers.review_prompt.library_prompt_id or "")
        choice = answers.choice
        chosen = (
            [prompt.option(option_id) for option_id in choice.answer]
            if choice and not choice.skipped
            else []
        )
        rows.append(
            {
                "position": position,
                "prompt": prompt,
                "topic": library.topic(prompt.topic_id),
                "chosen": chosen,
                "skipped": bool(choice and choice.skipped),
                "words": answers.words,
                "lang": lang,
            }
        )
    return rows


def save_settings(session: Session, person: Person, form: Mapping[str, Any], actor: User) -> None:
    """Store the settings chosen on the settings screen (unknown values are ignored).

    The switch-access settings are checked first: one outside the rules raises
    access.AccessSettingsError and nothing is changed.
    """
    access_values = access.read_form(form)
    before = dict(person.settings or {})
    settings = dict(person.settings or {})
    settings.update(access_values)
    for key, choices in SETTING_CHOICES.items():
        value = form.get(key)
        if value in {str(v) for v, _label in choices}:
            settings[key] = (
                int(value)
                if key in ("speech_rate", "choices_per_screen", "recording_seconds")
                else value
            )
    for key in TOGGLES:
        settings[key] = form.get(key) == "on"
    language = form.get("language")
    if language in LANGUAGES:
        person.language = language
    person.settings = settings
    person.version += 1
    changed = sorted(k for k in settings if settings.get(k) != before.get(k))
    audit.record(
        session,
        "person.settings_changed",
        actor=actor,
        obj=person,
        person_id=person.id,
        detail={"changed": changed},
    )
