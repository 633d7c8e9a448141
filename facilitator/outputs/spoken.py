"""Spoken texts of the person's screens that are not in the prompt library: "how this works".

The person's help screen (``views/person/help.py``) shows and speaks these sentences, and
``flask speech render`` (``cli/speech.py``) renders their audio ahead of time, so both read
them from here. They come from the interface catalogues: call inside an app with Flask-Babel.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

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


def spoken_help_texts(languages: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Every (text, lang) the person's help screen speaks, for ``flask speech render``."""
    for lang in languages:
        with force_locale(lang):
            for text in person_help_texts():
                yield text, lang
