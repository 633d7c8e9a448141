"""The easy-read prompt library: loaded once from easyread_assets/, validated, frozen, indexed.

Content is data (see STYLE.md): topics, prompts, answer types and interface screens live in
``easyread_assets/library.json`` with stable kebab-case ids, and their pictures are keys into
``easyread_assets/pictures.json``. Saved answers refer to these ids, so they never change.
Every text is written in each of the product's languages (``i18n.SUPPORTED``).

The library is loaded here; its objects are in model.py, their validation in building.py and
the easy-read checks in easy_read.py. Every name is importable from here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .building import _Builder
from .easy_read import MAX_WORD_LETTERS, MAX_WORDS, easy_read_problems, sentence_count
from .model import (
    ANSWER_TYPE_IDS,
    ASSETS_DIR,
    CHOICES_FROM_PROMPT,
    CUSTOM_PREFIX,
    DEFAULT_LIBRARY_PATH,
    FIXED_OPTION_IDS,
    ID_PATTERN,
    LANGUAGES,
    MANIFEST_NAME,
    MULTIPLE_ANSWERS,
    AnswerType,
    Library,
    LibraryError,
    Option,
    Picture,
    Prompt,
    Screen,
    Topic,
    use_custom_prompts,
)


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


__all__ = [
    "ANSWER_TYPE_IDS",
    "ASSETS_DIR",
    "CHOICES_FROM_PROMPT",
    "CUSTOM_PREFIX",
    "DEFAULT_LIBRARY_PATH",
    "FIXED_OPTION_IDS",
    "ID_PATTERN",
    "LANGUAGES",
    "MANIFEST_NAME",
    "MAX_WORDS",
    "MAX_WORD_LETTERS",
    "MULTIPLE_ANSWERS",
    "AnswerType",
    "Library",
    "LibraryError",
    "Option",
    "Picture",
    "Prompt",
    "Screen",
    "Topic",
    "all_spoken_texts",
    "easy_read_problems",
    "load_library",
    "sentence_count",
    "use_custom_prompts",
]
