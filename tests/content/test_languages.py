"""The product's languages have one home (i18n.SUPPORTED): each has all it needs, and every
other list of languages is derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.accessible import speech
from facilitator.i18n import LANGUAGES, RTL_LANGUAGES, SUPPORTED, text_direction
from facilitator.prompts import library as library_module
from facilitator.prompts import load_library

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
CODES = [language.code for language in SUPPORTED]


def test_english_first_and_each_language_once() -> None:
    assert CODES[0] == "en"  # the fallback for anything not yet written in another language
    assert len(set(CODES)) == len(CODES)
    assert all(language.name and language.english_name for language in SUPPORTED)


@pytest.mark.parametrize("language", SUPPORTED, ids=CODES)
def test_every_language_has_a_voice_a_catalogue_and_library_texts(language) -> None:  # type: ignore[no-untyped-def]
    assert speech.VOICES[language.code] == language.voice
    assert speech.LANGUAGE_NAMES[language.code] == language.english_name
    if language.code != "en":  # English is the catalogue's source language
        assert (TRANSLATIONS / language.code / "LC_MESSAGES" / "messages.po").is_file()
    library = load_library()
    assert language.code in library.languages
    for prompt in library.all_prompts():
        assert prompt.text(language.code) and prompt.alt(language.code), prompt.id
    for screen in library.screens.values():
        assert screen.texts[language.code], screen.id


def test_every_other_list_is_derived() -> None:
    assert list(LANGUAGES) == CODES and LANGUAGES["cy"] == "Cymraeg"
    assert list(speech.VOICES) == CODES
    assert library_module.LANGUAGES == tuple(CODES) == load_library().languages
    assert dict(load_library().language_names) == LANGUAGES
    catalogues = {path.name for path in TRANSLATIONS.iterdir() if path.is_dir()}
    assert catalogues == set(CODES) - {"en"}  # no catalogue for a language not offered
    assert RTL_LANGUAGES == {"ur"}
    assert [text_direction(code) for code in CODES] == ["ltr", "ltr", "ltr", "rtl"]
