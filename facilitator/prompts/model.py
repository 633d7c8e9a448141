"""The prompt library's frozen objects: topics, prompts, answer types and their options,
screens and pictures, with the Library that indexes them by id, and the fixed ids the JSON must
use. Built only by building.py (through ``load_library``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, has_app_context

from ..i18n import LANGUAGES as LANGUAGE_NAMES

ASSETS_DIR = Path(__file__).resolve().parents[2] / "easyread_assets"
DEFAULT_LIBRARY_PATH = ASSETS_DIR / "library.json"
MANIFEST_NAME = "pictures.json"


ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The library's languages are the product's: a text is required in each, English first.
LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)

# The answer types are fixed in code because each has its own template and scoring; the JSON
# only supplies their wording and pictures. Option ids are fixed too: reports group by them.
# fmt: off
ANSWER_TYPE_IDS = (
    "feelings-3", "feelings-5", "yes-no", "choose-one", "choose-many", "working", "own-words",
)
FIXED_OPTION_IDS: dict[str, tuple[str, ...]] = {
    "feelings-3": ("good", "not-sure", "not-good"),
    "feelings-5": ("very-good", "good", "not-sure", "not-good", "very-bad"),
    "yes-no": ("yes", "no", "not-sure"),
    "working": ("working", "not-working"),
}
# fmt: on
CHOICES_FROM_PROMPT = frozenset({"choose-one", "choose-many"})
MULTIPLE_ANSWERS = frozenset({"choose-many"})


# Prompts staff write for one person live in the database, not in this library. Their keys
# ("custom-<id>") are found by the function the app factory hands to ``use_custom_prompts``
# (nothing is registered by importing), so that every page and export that looks a prompt up by
# its key finds them too. Outside an app that has one, such a key is unknown (KeyError).
CUSTOM_PREFIX = "custom-"
CUSTOM_PROMPTS = "facilitator.custom_prompts"  # the app.extensions key of that function


def use_custom_prompts(app: Flask, resolver: Callable[[str], Prompt]) -> None:
    """Let ``Library.prompt`` find ``custom-<id>`` keys in ``app`` (KeyError if ``resolver``
    cannot); called once by the app factory."""
    app.extensions[CUSTOM_PROMPTS] = resolver


def _custom_prompts() -> Callable[[str], Prompt] | None:
    """The current app's way of finding staff's own prompts, if there is an app and it has one."""
    return current_app.extensions.get(CUSTOM_PROMPTS) if has_app_context() else None


class LibraryError(ValueError):
    """The library or its picture manifest is broken; ``problems`` lists every fault found."""

    def __init__(self, problems: list[str], source: Path | None = None) -> None:
        self.problems = list(problems)
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s){where}:\n{lines}")


def _pick(texts: Mapping[str, str], lang: str, fallback: bool, what: str) -> str:
    if lang in texts:
        return texts[lang]
    if fallback and "en" in texts:
        return texts["en"]
    raise KeyError(f"{what} has no text in {lang!r}")


@dataclass(frozen=True)
class Option:
    """One answer button: a stable id, a short label per language and a picture key.

    ``raises_concern``: on a safeguarding prompt that does not list its own concern answers,
    choosing this raises a safety flag (the negative end of a scale, for example).
    """

    id: str
    labels: Mapping[str, str] = field(hash=False, repr=False)
    picture: str
    raises_concern: bool = False

    def label(self, lang: str, fallback: bool = False) -> str:
        """The label in ``lang``; English instead only when ``fallback`` is true."""
        return _pick(self.labels, lang, fallback, f"option {self.id!r}")


@dataclass(frozen=True)
class AnswerType:
    """How a prompt is answered. Choice types take their options from the prompt itself."""

    id: str
    name: str
    options: tuple[Option, ...]
    choices_from_prompt: bool
    multiple: bool

    @property
    def free_text_only(self) -> bool:
        """True for "own-words": no buttons, only the person's own words."""
        return not self.options and not self.choices_from_prompt


@dataclass(frozen=True)
class Topic:
    """A part of the review, such as "where-i-live", with a title, a spoken intro and a picture."""

    id: str
    titles: Mapping[str, str] = field(hash=False, repr=False)
    intros: Mapping[str, str] = field(hash=False, repr=False)
    alts: Mapping[str, str] = field(hash=False, repr=False)
    picture: str
    safeguarding: bool

    def title(self, lang: str, fallback: bool = False) -> str:
        """The topic title in ``lang``."""
        return _pick(self.titles, lang, fallback, f"topic {self.id!r}")

    def intro(self, lang: str, fallback: bool = False) -> str:
        """The sentence spoken when the topic starts."""
        return _pick(self.intros, lang, fallback, f"topic {self.id!r} intro")

    def alt(self, lang: str, fallback: bool = False) -> str:
        """Alt text for the topic picture."""
        return _pick(self.alts, lang, fallback, f"topic {self.id!r} alt")


@dataclass(frozen=True)
class Prompt:
    """One screen of the person's review: a picture, 1 short sentence and answer buttons."""

    id: str
    topic_id: str
    answer_type: AnswerType
    texts: Mapping[str, str] = field(hash=False, repr=False)
    alts: Mapping[str, str] = field(hash=False, repr=False)
    picture: str
    safeguarding: bool
    choices: tuple[Option, ...]
    in_default_review: bool
    # "concern_answers" in the library: the answers to this safeguarding prompt that raise a
    # safety flag, when its wording decides (None: its options marked "raises_concern").
    listed_concerns: frozenset[str] | None = None

    @property
    def answer_type_id(self) -> str:
        """The answer type's id, e.g. "feelings-3"."""
        return self.answer_type.id

    @property
    def options(self) -> tuple[Option, ...]:
        """The buttons to show: the prompt's own choices, or its answer type's options."""
        return self.choices if self.answer_type.choices_from_prompt else self.answer_type.options

    def concern_answers(self) -> frozenset[str]:
        """The answers that raise a safety flag at once (none unless a safeguarding prompt).

        Whether "yes" or "no" is the worrying answer depends on the question, so a yes/no
        safeguarding prompt lists its own; a scale's negative end is marked on its options.
        """
        if not self.safeguarding:
            return frozenset()
        if self.listed_concerns is not None:
            return self.listed_concerns
        return frozenset(option.id for option in self.options if option.raises_concern)

    def option(self, option_id: str) -> Option:
        """One of ``options`` by id (KeyError if unknown)."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(f"prompt {self.id!r} has no option {option_id!r}")

    def text(self, lang: str, fallback: bool = False) -> str:
        """The easy-read sentence in ``lang``; English instead only when ``fallback`` is true."""
        return _pick(self.texts, lang, fallback, f"prompt {self.id!r}")

    def alt(self, lang: str, fallback: bool = False) -> str:
        """Alt text for the prompt's picture."""
        return _pick(self.alts, lang, fallback, f"prompt {self.id!r} alt")


@dataclass(frozen=True)
class Screen:
    """Interface text spoken in person mode (intro, break, end, button labels ...)."""

    id: str
    texts: Mapping[str, str] = field(hash=False, repr=False)
    picture: str | None
    alts: Mapping[str, str] = field(hash=False, repr=False)


@dataclass(frozen=True)
class Picture:
    """A picture key's icon name in each Iconify set ("flat" colour, "hc" high contrast)."""

    key: str
    icons: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True, eq=False)
class Library:
    """The whole validated library with indexes by id; build it with ``load_library``."""

    languages: tuple[str, ...]
    language_names: Mapping[str, str]
    topics: tuple[Topic, ...]
    answer_types: tuple[AnswerType, ...]
    screens: Mapping[str, Screen]
    pictures: Mapping[str, Picture]
    picture_sets: tuple[str, ...]
    _topics: Mapping[str, Topic] = field(repr=False)
    _prompts: Mapping[str, Prompt] = field(repr=False)
    _by_topic: Mapping[str, tuple[Prompt, ...]] = field(repr=False)
    _answer_types: Mapping[str, AnswerType] = field(repr=False)

    def topic(self, topic_id: str) -> Topic:
        """A topic by id (KeyError if unknown)."""
        return self._topics[topic_id]

    def prompt(self, prompt_id: str) -> Prompt:
        """A prompt by id (KeyError if unknown); ``custom-<id>`` keys are staff's own prompts."""
        if prompt_id.startswith(CUSTOM_PREFIX):
            resolver = _custom_prompts()
            if resolver is not None:
                return resolver(prompt_id)
        return self._prompts[prompt_id]

    def prompts_for_topic(self, topic_id: str) -> tuple[Prompt, ...]:
        """The topic's prompts in library order (KeyError if the topic is unknown)."""
        return self._by_topic[topic_id]

    def all_prompts(self) -> tuple[Prompt, ...]:
        """Every prompt, topic by topic, in library order."""
        return tuple(p for topic in self.topics for p in self._by_topic[topic.id])

    def answer_type(self, answer_type_id: str) -> AnswerType:
        """An answer type by id (KeyError if unknown)."""
        return self._answer_types[answer_type_id]

    def default_prompt_ids(self) -> list[str]:
        """Prompt ids for a sensible default review, in order.

        The library marks them with "in_default_review" (1 or 2 per topic, every answer type
        used); a topic with none marked contributes its first prompt.
        """
        ids: list[str] = []
        for topic in self.topics:
            prompts = self._by_topic[topic.id]
            marked = [p.id for p in prompts if p.in_default_review]
            ids.extend(marked or [prompts[0].id])
        return ids

    def screen_text(self, key: str, lang: str, fallback: bool = False) -> str:
        """Interface text such as "intro", "break" or "end" in ``lang``."""
        return _pick(self.screens[key].texts, lang, fallback, f"screen {key!r}")
