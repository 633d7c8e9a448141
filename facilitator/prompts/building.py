"""Validating the library's JSON and building its frozen objects: every fault is listed (a
missing text in a language, an unknown picture, an id reused, a text that is not easy read)
rather than stopping at the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..i18n import LANGUAGES as LANGUAGE_NAMES
from .easy_read import easy_read_problems, sentence_count
from .model import (
    ANSWER_TYPE_IDS,
    CHOICES_FROM_PROMPT,
    CUSTOM_PREFIX,
    FIXED_OPTION_IDS,
    ID_PATTERN,
    LANGUAGES,
    MANIFEST_NAME,
    MULTIPLE_ANSWERS,
    AnswerType,
    Library,
    Option,
    Picture,
    Prompt,
    Screen,
    Topic,
)

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
