"""Spoken texts of the person's screens that are not in the prompt library: "how this works",
and complaining and the easy-read privacy notice (``views/person/complain.py``).

The person's help screens (``views/person/help.py``, ``complain.py``) show and speak these, and
``flask speech render`` (``cli/speech.py``) renders their audio ahead of time, so both read
them from here. They come from the interface catalogues: call inside an app with Flask-Babel.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..services import published
from ..services.governance.complaints_sent import PERSON_CHOICES

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


# Complaining on the tablet: what is wrong (PERSON_CHOICES), who can help, Send; then thanks.
COMPLAINT_QUESTION = _l("What is wrong?")
COMPLAINT_HELPERS_TITLE = _l("Who can help")
COMPLAINT_SEND = _l("Send")
COMPLAINT_THANKS = _l("Thank you. We have your complaint.")
WHO_CAN_HELP: tuple[tuple[str, Any], ...] = (
    ("staff", _l("Staff you trust can help you say it.")),
    ("people", _l("Your advocate can help you.")),
    ("family", _l("Your family or friends can help you.")),
)
WHAT_HAPPENS: tuple[tuple[str, Any], ...] = (
    ("letters", _l("We will tell you we have it within 3 working days.")),
    ("speech-bubble", _l("Then someone will talk to you about it.")),
)


def complaint_texts(facts: published.Facts) -> list[str]:
    """Every sentence of the person's complaint and easy-read privacy screens, in the current
    language (the privacy notice as the product writes it; an administrator's is not known
    ahead of time, and is said by the browser's voice)."""
    texts = [str(COMPLAINT_QUESTION), str(COMPLAINT_HELPERS_TITLE), str(COMPLAINT_SEND)]
    texts += [str(text) for _value, _picture, text in PERSON_CHOICES]
    texts += [str(text) for _picture, text in WHO_CAN_HELP]
    texts += [str(COMPLAINT_THANKS)] + [str(text) for _picture, text in WHAT_HAPPENS]
    texts.append(str(published.TITLES[published.PRIVACY_EASY_READ]))
    body = published.default_body(published.PRIVACY_EASY_READ, facts)
    pictures = {m.group(1) for line in body.splitlines() if (m := published.PICTURE.match(line))}
    texts += [block.text for block in published.blocks(body, pictures) if block.text]
    return texts


def spoken_complaint_texts(
    languages: Iterable[str], facts: published.Facts
) -> Iterator[tuple[str, str]]:
    """Every (text, lang) the complaint and privacy screens speak, for ``flask speech render``."""
    for lang in languages:
        with force_locale(lang):
            for text in complaint_texts(facts):
                yield text, lang
