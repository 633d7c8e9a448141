"""What staff write for a custom prompt: the input (from the form), its checks, and the
easy-read advice shown while it is typed.

The checks refuse, kindly and in the reader's language, what cannot be saved; the advice never
refuses. ``custom_prompts.py`` saves what passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from ...models import Person, Photo, VoiceRecording
from ...prompts.library import easy_read_problems, load_library, sentence_count
from ...text import has_untypable
from .. import ServiceError

TEXT_LIMIT = 300
ALT_LIMIT = 300
LABEL_LIMIT = 80
MIN_CHOICES = 2
MAX_CHOICES = 8


@dataclass
class Choice:
    """One choice for choose-one and choose-many: a short label and a picture key."""

    label: str
    picture: str | None = None


@dataclass
class CustomPromptInput:
    """What the form sends. ``recording_id`` is a recording already checked and stored."""

    text: str
    answer_type: str
    topic_id: str
    picture: str | None = None
    alt: str = ""
    photo_id: int | None = None
    choices: list[Choice] = field(default_factory=list)
    recording_id: int | None = None


def language_for(person: Person) -> str:
    """The language the person reads, which custom prompts are written in."""
    return person.language if person.language in load_library().languages else "en"


def easy_read_advice(
    text: str, lang: str = "en", picture: str | None = None, photo: bool = False
) -> list[str]:
    """Advice for a custom prompt: the library's easy-read check (the same one the action
    builder runs), 1 sentence, and a picture or photo. Advice only: it never blocks a save."""
    text = (text or "").strip()
    if not text:
        advice = ["Write the question in 1 short sentence, in everyday words."]
    else:
        advice = easy_read_problems(text, lang)
        if sentence_count(text) > 1:
            advice.append("A question is 1 short sentence: the person hears 1 idea at a time.")
    if not picture and not photo:
        advice.append("Choose a picture or a photo to go beside the question.")
    return advice


# What _clean checks: the question, a choice's label (with its number), the picture's description.
QUESTION, LABEL, ALT = "question", "label", "alt"


def _hidden(what: str, number: int) -> LazyString:
    return {
        QUESTION: _l("The question contains hidden control characters. Please type it again."),
        LABEL: _l(
            "The label of choice %(number)s contains hidden control characters. "
            "Please type it again.",
            number=number,
        ),
        ALT: _l(
            "The picture description contains hidden control characters. Please type it again."
        ),
    }[what]


def _too_long(what: str, number: int, length: int, limit: int) -> LazyString:
    count, most = f"{length:,}", f"{limit:,}"
    return {
        QUESTION: _l(
            "The question is %(count)s characters: keep it to %(limit)s.", count=count, limit=most
        ),
        LABEL: _l(
            "The label of choice %(number)s is %(count)s characters: keep it to %(limit)s.",
            number=number, count=count, limit=most,
        ),
        ALT: _l(
            "The picture description is %(count)s characters: keep it to %(limit)s.",
            count=count, limit=most,
        ),
    }[what]  # fmt: skip


def _clean(value: str | None, what: str, limit: int, *, number: int = 0) -> str:
    value = (value or "").strip()
    if has_untypable(value):  # kept as written for the person: refused, never changed
        raise ServiceError(_hidden(what, number))
    if len(value) > limit:
        raise ServiceError(_too_long(what, number, len(value), limit))
    return value


def check(session: Session, person: Person, data: CustomPromptInput) -> dict[str, Any]:
    """The columns for ``data``, or a ServiceError saying kindly what to change."""
    library = load_library()
    lang = language_for(person)
    if not (data.text or "").strip():
        raise ServiceError(_l("Write the question."))
    text = _clean(data.text, QUESTION, TEXT_LIMIT)
    try:
        library.topic(data.topic_id)
    except KeyError:
        raise ServiceError(_l("Choose the topic the question belongs to.")) from None
    try:
        answer_type = library.answer_type(data.answer_type)
    except KeyError:
        raise ServiceError(_l("Choose how the person answers (the answer type).")) from None
    picture = data.picture or None
    if picture is not None and picture not in library.pictures:
        raise ServiceError(_l("That picture is not in the picture set. Choose one from the list."))
    photo_id = data.photo_id or None
    if photo_id is not None:
        photo = session.get(Photo, photo_id)
        if photo is None or photo.person_id != person.id or photo.removed_at is not None:
            raise ServiceError(
                _l(
                    "Choose one of %(name)s's own photos, or a picture instead.",
                    name=person.preferred_name,
                )
            )
    recording_id = data.recording_id or None
    if recording_id is not None:
        recording = session.get(VoiceRecording, recording_id)
        if recording is None or recording.person_id != person.id:
            raise ServiceError(_l("That recording is not one of this person's. Record it again."))
    choices: list[dict[str, Any]] = []
    if answer_type.choices_from_prompt:
        written = [c for c in data.choices if (c.label or "").strip()]
        if len(written) < MIN_CHOICES:
            raise ServiceError(
                _l(
                    "'%(answer_type)s' needs at least %(num)s choices: write a short label for "
                    "each.",
                    answer_type=answer_type.name,
                    num=MIN_CHOICES,
                )
            )
        if len(written) > MAX_CHOICES:
            raise ServiceError(
                _l("Up to %(num)s choices can be shown. Remove some.", num=MAX_CHOICES)
            )
        for number, choice in enumerate(written, start=1):
            label = _clean(choice.label, LABEL, LABEL_LIMIT, number=number)
            choice_picture = choice.picture or None
            if choice_picture is not None and choice_picture not in library.pictures:
                raise ServiceError(
                    _l(
                        "The picture for choice %(number)s is not in the picture set.",
                        number=number,
                    )
                )
            choices.append(
                {"id": f"choice-{number}", "labels": {lang: label}, "picture": choice_picture}
            )
    alt = _clean(data.alt, ALT, ALT_LIMIT)
    return {
        "topic_id": data.topic_id,
        "answer_type": answer_type.id,
        "texts": {lang: text},
        "choices": choices,
        "picture": picture,
        "alt": {lang: alt} if alt else {},
        "photo_id": photo_id,
        "recording_id": recording_id,
    }


CONTENT = ("topic_id", "answer_type", "texts", "choices", "picture", "alt", "photo_id",
           "recording_id")  # fmt: skip
