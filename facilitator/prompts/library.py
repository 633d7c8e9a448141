"""The easy-read prompt library: loaded once from easyread_assets/, validated, frozen, indexed.

Content is data (see STYLE.md): topics, prompts, answer types and interface screens live in
``easyread_assets/library.json`` with stable kebab-case ids, and their pictures are keys into
``easyread_assets/pictures.json``. Saved answers refer to these ids, so they never change.
Every text is written in each of the product's languages (``i18n.SUPPORTED``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..i18n import LANGUAGES as LANGUAGE_NAMES

ASSETS_DIR = Path(__file__).resolve().parents[2] / "easyread_assets"
DEFAULT_LIBRARY_PATH = ASSETS_DIR / "library.json"
MANIFEST_NAME = "pictures.json"

MAX_WORDS = 15
MAX_WORD_LETTERS = 12
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
# ("custom-<id>") are resolved by the function facilitator.services.media.custom_prompts registers,
# so that every page and export that looks a prompt up by its key finds them too.
CUSTOM_PREFIX = "custom-"
_custom_resolvers: list[Callable[[str], Prompt]] = []


def register_custom_resolver(resolver: Callable[[str], Prompt]) -> None:
    """Let ``Library.prompt`` find ``custom-<id>`` keys (KeyError if the resolver cannot)."""
    if resolver not in _custom_resolvers:
        _custom_resolvers.append(resolver)


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
        if prompt_id.startswith(CUSTOM_PREFIX) and _custom_resolvers:
            return _custom_resolvers[-1](prompt_id)
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


# --- easy-read checks -------------------------------------------------------------------------

# fmt: off
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?۔؟])\s+")  # Urdu ends sentences with ۔ and ؟
_NUMBER_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
        "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
        "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
        "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
        "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
        "ninety": "90", "hundred": "100", "thousand": "1000", "million": "1000000",
    },
    # Welsh forms with their mutations. "un" (also "the same", "someone") and "deg" (also the
    # soft-mutated "teg", fair) are left out: flagging them would be wrong more often than right.
    "cy": {
        "dau": "2", "ddau": "2", "dwy": "2", "ddwy": "2", "tri": "3", "dri": "3", "thri": "3",
        "tair": "3", "dair": "3", "thair": "3", "pedwar": "4", "bedwar": "4", "phedwar": "4",
        "pedair": "4", "bedair": "4", "phedair": "4", "pump": "5", "bump": "5", "phump": "5",
        "chwech": "6", "saith": "7", "wyth": "8", "naw": "9", "ddeg": "10", "ugain": "20",
        "hugain": "20", "cant": "100", "gant": "100", "chant": "100", "mil": "1000",
        "fil": "1000",
    },
}
# "one" is also a pronoun: "no one", "this one", "which one" are everyday easy read.
_ONE_AS_PRONOUN_AFTER = frozenset({
    "no", "any", "every", "some", "each", "this", "that", "which", "the", "another", "other",
    "little", "loved", "only", "new", "old", "right", "wrong", "big", "last", "next", "same",
    "favourite", "special",
})
_LINKING_WORDS = {
    "en": frozenset({"and", "but", "because", "which", "although", "however", "unless",
                     "whereas", "therefore"}),
    "cy": frozenset({"a", "ac", "ond", "oherwydd", "achos", "felly", "er"}),
}
_HARD_WORDS = {
    "en": {
        "accommodation": "home", "additional": "more", "appropriate": "right",
        "approximately": "about", "assistance": "help", "commence": "start",
        "facilitate": "help", "individual": "person", "medication": "medicine",
        "obtain": "get", "purchase": "buy", "regarding": "about", "require": "need",
        "residence": "home", "sufficient": "enough", "utilise": "use", "utilize": "use",
    },
}

# fmt: on


def easy_read_problems(text: str, lang: str = "en") -> list[str]:
    """Advice for making ``text`` easy read; an empty list means it passes.

    Checks each sentence for more than 15 words, words longer than 12 letters, numbers written
    as words (easy read uses digits), hard words with an everyday swap, and signs of more than
    1 idea (semicolons, or several linking words). Independent of the library, so any feature
    that writes to the person (prompts, "You said, we did" actions) can reuse it.
    """
    text = text.strip()
    if not text:
        return ["The text is empty."]
    problems: list[str] = []
    numbers = _NUMBER_WORDS.get(lang, {})
    hard = _HARD_WORDS.get(lang, {})
    linking = _LINKING_WORDS.get(lang, frozenset())
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence)
        lowered = [w.lower() for w in words]
        if len(words) > MAX_WORDS:
            start = " ".join(words[:6])
            problems.append(
                f"Sentence has {len(words)} words: use {MAX_WORDS} or fewer ({start!r}...)."
            )
        for i, (word, low) in enumerate(zip(words, lowered, strict=True)):
            letters = sum(ch.isalpha() for ch in word)
            if letters > MAX_WORD_LETTERS and "-" not in word:
                problems.append(f"{word!r} is a long word: try a shorter everyday word.")
            if low in hard:
                problems.append(f"{word!r} is a hard word: try {hard[low]!r}.")
            parts = low.replace("’", "'").split("-")
            if any(part in numbers for part in parts):
                if low == "one" and i > 0 and lowered[i - 1] in _ONE_AS_PRONOUN_AFTER:
                    continue
                known = [numbers[part] for part in parts if part in numbers]
                digits = f" ({sum(map(int, known))})" if len(known) == len(parts) else ""
                problems.append(f"Number word {word!r}: write numbers as digits{digits}.")
        if ";" in sentence:
            problems.append("A semicolon joins 2 ideas: use 2 sentences.")
        if sum(1 for w in lowered if w in linking) >= 2:
            problems.append("This sentence may hold more than 1 idea: try splitting it.")
    return problems


def sentence_count(text: str) -> int:
    """How many sentences ``text`` has (prompts must have exactly 1)."""
    return len([s for s in _SENTENCE_END.split(text.strip()) if _WORD.search(s)])


# --- loading ------------------------------------------------------------------------------------


def _read_json(path: Path, problems: list[str]) -> dict[str, Any]:
    """Parse a JSON object, reporting duplicate keys (json would silently keep the last)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                problems.append(f"{path.name}: duplicate key {key!r}")
            seen[key] = value
        return seen

    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)
    except FileNotFoundError:
        problems.append(f"{path} does not exist")
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path.name} cannot be read: {exc}")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path.name}: the top level must be a JSON object")
        return {}
    return data


def load_library(path: Path | None = None) -> Library:
    """Load and validate the library; LibraryError lists every problem found.

    ``path`` is a library JSON file (or a folder holding ``library.json``) with its picture
    manifest ``pictures.json`` beside it. The default library is loaded once and cached; an
    explicit path is read afresh each time (tests write broken variants to temporary folders).
    """
    if path is None:
        return _load_default()
    return _load(Path(path))


@cache
def _load_default() -> Library:
    return _load(DEFAULT_LIBRARY_PATH)


def _load(path: Path) -> Library:
    if path.is_dir():
        path = path / "library.json"
    problems: list[str] = []
    raw = _read_json(path, problems)
    manifest = _read_json(path.parent / MANIFEST_NAME, problems)
    library = _Builder(problems).build(raw, manifest) if raw and manifest else None
    if problems or library is None:
        raise LibraryError(problems or ["the library is empty"], path)
    return library


def all_spoken_texts(library: Library | None = None) -> list[tuple[str, str]]:
    """Every (text, lang) that person mode speaks, without repeats, in a stable order.

    Prompt texts, their option labels, topic titles and intros and screen texts, in every
    language of the library. The speech renderer uses this to make the audio ahead of time.
    """
    library = library or load_library()
    seen: dict[tuple[str, str], None] = {}
    for lang in library.languages:
        for screen in library.screens.values():
            seen[(screen.texts[lang], lang)] = None
        for answer_type in library.answer_types:
            for option in answer_type.options:
                seen[(option.labels[lang], lang)] = None
        for topic in library.topics:
            seen[(topic.titles[lang], lang)] = None
            seen[(topic.intros[lang], lang)] = None
            for prompt in library.prompts_for_topic(topic.id):
                seen[(prompt.texts[lang], lang)] = None
                for option in prompt.choices:
                    seen[(option.labels[lang], lang)] = None
    return list(seen)


# --- validation and building -------------------------------------------------------------------

REQUIRED_SCREENS = ("intro", "break", "end")
_KEYS = {
    "library": {"about", "version", "answer_types", "screens", "topics", "prompts"},
    "answer type": {"id", "name", "options"},
    "option": {"id", "label", "picture", "raises_concern"},
    "screen": {"id", "text", "picture", "alt"},
    "topic": {"id", "title", "intro", "picture", "alt", "safeguarding"},
    "prompt": {
        "id",
        "topic",
        "answer_type",
        "text",
        "alt",
        "picture",
        "safeguarding",
        "concern_answers",
        "choices",
        "in_default_review",
    },
    "manifest": {"about", "sets", "pictures"},
}


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    # A read-only view: the cached library is shared by every request.
    return MappingProxyType(dict(mapping))


class _Builder:
    """Turns the raw JSON into frozen objects, appending every problem instead of stopping."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.languages = LANGUAGES
        self.pictures: dict[str, Picture] = {}

    def build(self, raw: dict[str, Any], manifest: dict[str, Any]) -> Library | None:
        self._keys(raw, "library", "library.json")
        self._keys(manifest, "manifest", MANIFEST_NAME)
        sets = self._manifest(manifest)
        answer_types = self._answer_types(raw.get("answer_types"))
        screens = self._screens(raw.get("screens"))
        topics = self._topics(raw.get("topics"))
        by_topic = self._prompts(raw.get("prompts"), topics, answer_types)
        if self.problems:
            return None
        return Library(
            languages=self.languages,
            language_names=_frozen(LANGUAGE_NAMES),
            topics=tuple(topics.values()),
            answer_types=tuple(answer_types.values()),
            screens=_frozen(screens),
            pictures=_frozen(self.pictures),
            picture_sets=sets,
            _topics=_frozen(topics),
            _prompts=_frozen({p.id: p for ps in by_topic.values() for p in ps}),
            _by_topic=_frozen(by_topic),
            _answer_types=_frozen(answer_types),
        )

    # small helpers ---------------------------------------------------------------------------

    def _error(self, message: str) -> None:
        self.problems.append(message)

    def _keys(self, obj: dict[str, Any], kind: str, where: str) -> None:
        unknown = sorted(set(obj) - _KEYS[kind])
        if unknown:
            self._error(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")

    def _items(self, value: Any, kind: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            self._error(f"library.json: {kind!r} must be a non-empty list")
            return []
        good = [item for item in value if isinstance(item, dict)]
        if len(good) != len(value):
            self._error(f"library.json: every item of {kind!r} must be an object")
        return good

    def _id(self, obj: dict[str, Any], kind: str, index: int, seen: set[str]) -> str | None:
        value = obj.get("id")
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self._error(
                f"{kind} #{index + 1}: malformed id {value!r} (use kebab-case, like 'my-days')"
            )
            return None
        if value in seen:
            self._error(f"duplicate {kind} id {value!r}")
            return None
        seen.add(value)
        return value

    def _texts(
        self, obj: dict[str, Any], key: str, where: str, one_sentence: bool = False
    ) -> dict[str, str]:
        value = obj.get(key)
        if not isinstance(value, dict):
            self._error(f"{where}: missing {key!r} (an object of texts by language)")
            return {}
        for lang in sorted(set(value) - set(self.languages)):
            self._error(f"{where}: {key!r} has a text in undeclared language {lang!r}")
        texts: dict[str, str] = {}
        for lang in self.languages:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self._error(f"{where}: {key!r} is missing in {lang!r}")
                continue
            texts[lang] = text.strip()
            for advice in easy_read_problems(text, lang):
                self._error(f"{where}: {key} ({lang}) is not easy read: {advice}")
            if one_sentence and sentence_count(text) != 1:
                self._error(f"{where}: {key} ({lang}) must be 1 sentence")
        return texts

    def _picture(self, obj: dict[str, Any], where: str) -> str:
        key = obj.get("picture")
        if not isinstance(key, str) or key not in self.pictures:
            self._error(f"{where}: unknown picture {key!r} (not in {MANIFEST_NAME})")
            return ""
        return key

    def _flag(self, obj: dict[str, Any], key: str, where: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self._error(f"{where}: {key!r} must be true or false")
        return value is True

    def _options(self, items: Any, where: str) -> tuple[Option, ...]:
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self._error(f"{where}: options must be a list of objects")
            return ()
        seen: set[str] = set()
        options = []
        for index, item in enumerate(items):
            self._keys(item, "option", f"{where} option #{index + 1}")
            option_id = self._id(item, f"{where} option", index, seen)
            label_where = f"{where} option {option_id or index + 1!r}"
            labels = self._texts(item, "label", label_where)
            picture = self._picture(item, label_where)
            concern = self._flag(item, "raises_concern", label_where)
            if option_id:
                options.append(Option(option_id, _frozen(labels), picture, concern))
        return tuple(options)

    # sections --------------------------------------------------------------------------------

    def _manifest(self, manifest: dict[str, Any]) -> tuple[str, ...]:
        sets = manifest.get("sets")
        if not isinstance(sets, dict) or not sets:
            self._error(f"{MANIFEST_NAME}: 'sets' must name at least 1 icon set")
            sets = {}
        pictures = manifest.get("pictures")
        if not isinstance(pictures, dict) or not pictures:
            self._error(f"{MANIFEST_NAME}: 'pictures' must map picture keys to icon names")
            pictures = {}
        for key, icons in pictures.items():
            if not ID_PATTERN.match(key):
                self._error(f"{MANIFEST_NAME}: malformed picture key {key!r}")
            elif (
                not isinstance(icons, dict)
                or set(icons) != set(sets)
                or not all(
                    isinstance(name, str) and ID_PATTERN.match(name) for name in icons.values()
                )
            ):
                self._error(
                    f"{MANIFEST_NAME}: picture {key!r} needs 1 icon name for each "
                    f"set ({', '.join(sets)})"
                )
            else:
                self.pictures[key] = Picture(key, _frozen(icons))
        return tuple(sets)

    def _answer_types(self, value: Any) -> dict[str, AnswerType]:
        seen: set[str] = set()
        types: dict[str, AnswerType] = {}
        for index, item in enumerate(self._items(value, "answer_types")):
            self._keys(item, "answer type", f"answer type #{index + 1}")
            type_id = self._id(item, "answer type", index, seen)
            if type_id is None:
                continue
            where = f"answer type {type_id!r}"
            if type_id not in ANSWER_TYPE_IDS:
                self._error(
                    f"{where}: unknown answer type (the app knows {', '.join(ANSWER_TYPE_IDS)})"
                )
                continue
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                self._error(f"{where}: needs a 'name' for staff")
            options = self._options(item.get("options", []), where)
            expected = FIXED_OPTION_IDS.get(type_id, ())
            if tuple(o.id for o in options) != expected:
                self._error(f"{where}: options must be {list(expected)}")
            types[type_id] = AnswerType(
                type_id,
                str(name),
                options,
                type_id in CHOICES_FROM_PROMPT,
                type_id in MULTIPLE_ANSWERS,
            )
        for type_id in ANSWER_TYPE_IDS:
            if type_id not in seen:
                self._error(f"answer type {type_id!r} is not defined")
        return types

    def _screens(self, value: Any) -> dict[str, Screen]:
        seen: set[str] = set()
        screens: dict[str, Screen] = {}
        for index, item in enumerate(self._items(value, "screens")):
            self._keys(item, "screen", f"screen #{index + 1}")
            screen_id = self._id(item, "screen", index, seen)
            where = f"screen {screen_id or index + 1!r}"
            texts = self._texts(item, "text", where)
            picture, alts = None, {}
            if "picture" in item:
                picture = self._picture(item, where)
                alts = self._texts(item, "alt", where)
            if screen_id:
                screens[screen_id] = Screen(screen_id, _frozen(texts), picture, _frozen(alts))
        for key in REQUIRED_SCREENS:
            if key not in seen:
                self._error(f"screen {key!r} is missing (person mode needs it)")
        return screens

    def _topics(self, value: Any) -> dict[str, Topic]:
        seen: set[str] = set()
        topics: dict[str, Topic] = {}
        for index, item in enumerate(self._items(value, "topics")):
            self._keys(item, "topic", f"topic #{index + 1}")
            topic_id = self._id(item, "topic", index, seen)
            where = f"topic {topic_id or index + 1!r}"
            topic = Topic(
                id=topic_id or "",
                titles=_frozen(self._texts(item, "title", where)),
                intros=_frozen(self._texts(item, "intro", where)),
                alts=_frozen(self._texts(item, "alt", where)),
                picture=self._picture(item, where),
                safeguarding=self._flag(item, "safeguarding", where),
            )
            if topic_id:
                topics[topic_id] = topic
        return topics

    def _prompts(
        self, value: Any, topics: dict[str, Topic], answer_types: dict[str, AnswerType]
    ) -> dict[str, tuple[Prompt, ...]]:
        seen: set[str] = set()
        by_topic: dict[str, list[Prompt]] = {topic_id: [] for topic_id in topics}
        for index, item in enumerate(self._items(value, "prompts")):
            self._keys(item, "prompt", f"prompt #{index + 1}")
            prompt_id = self._id(item, "prompt", index, seen)
            if prompt_id and prompt_id.startswith(CUSTOM_PREFIX):
                self._error(f"prompt {prompt_id!r}: {CUSTOM_PREFIX!r} ids are staff's own prompts")
            where = f"prompt {prompt_id or index + 1!r}"
            topic = topics.get(item.get("topic"))  # type: ignore[arg-type]
            if topic is None:
                self._error(f"{where}: unknown topic {item.get('topic')!r}")
            answer_type = answer_types.get(item.get("answer_type"))  # type: ignore[arg-type]
            if answer_type is None:
                self._error(f"{where}: unknown answer type {item.get('answer_type')!r}")
            texts = self._texts(item, "text", where, one_sentence=True)
            alts = self._texts(item, "alt", where)
            picture = self._picture(item, where)
            safeguarding = self._flag(item, "safeguarding", where)
            if topic and topic.safeguarding and not safeguarding:
                self._error(
                    f'{where}: prompts in topic {topic.id!r} must have "safeguarding": true'
                )
            choices: tuple[Option, ...] = ()
            if answer_type and answer_type.choices_from_prompt:
                choices = self._options(item.get("choices"), where)
                if len(choices) < 2:
                    self._error(f"{where}: {answer_type.id} needs at least 2 'choices'")
            elif "choices" in item:
                self._error(f"{where}: 'choices' is only for choose-one and choose-many")
            default = self._flag(item, "in_default_review", where)
            options = choices or (answer_type.options if answer_type else ())
            listed = self._concerns(item, where, safeguarding, options)
            if prompt_id and topic and answer_type:
                by_topic[topic.id].append(
                    Prompt(
                        prompt_id,
                        topic.id,
                        answer_type,
                        _frozen(texts),
                        _frozen(alts),
                        picture,
                        safeguarding,
                        choices,
                        default,
                        listed,
                    )
                )
        for topic_id, prompts in by_topic.items():
            if not prompts:
                self._error(f"topic {topic_id!r} has no prompts")
        return {topic_id: tuple(prompts) for topic_id, prompts in by_topic.items()}

    def _concerns(
        self, item: dict[str, Any], where: str, safeguarding: bool, options: tuple[Option, ...]
    ) -> frozenset[str] | None:
        """A prompt's "concern_answers": only on a safeguarding prompt, ids of its options; a
        safeguarding prompt with answers to choose and none marked "raises_concern" must list
        them (an empty list says that no answer raises a flag by itself)."""
        value = item.get("concern_answers")
        if value is None:
            if safeguarding and options and not any(o.raises_concern for o in options):
                self._error(
                    f'{where}: a safeguarding prompt needs "concern_answers" (the answers that '
                    "raise a safety flag: [] for none)"
                )
            return None
        if not safeguarding:
            self._error(f'{where}: "concern_answers" is only for safeguarding prompts')
        ids = {o.id for o in options}
        if (
            not isinstance(value, list)
            or len(set(map(str, value))) != len(value)
            or not set(value) <= ids
        ):
            self._error(f'{where}: "concern_answers" must list some of its answers {sorted(ids)}')
            return None
        return frozenset(value)
