"""Translations: the .pot is current, every language is complete, Welsh plurals work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from facilitator.i18n import LANGUAGES as INTERFACE_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LANGUAGES = sorted(code for code in INTERFACE_LANGUAGES if code != "en")


def _messages(path: Path) -> dict[object, object]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m for m in catalog if m.id}


def test_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "-o",
            str(fresh),
            "--no-location",
            "--sort-output",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    committed = set(_messages(TRANSLATIONS / "messages.pot"))
    current = set(_messages(fresh))
    assert current - committed == set(), (
        "new strings missing from messages.pot: run `make translations`"
    )
    assert committed - current == set(), (
        "messages.pot has strings no longer used: run `make translations`"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language: str) -> None:
    template = _messages(TRANSLATIONS / "messages.pot")
    catalog = _messages(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing = []
    for msgid in template:
        message = catalog.get(msgid)
        strings = message.string if message is not None else None  # type: ignore[attr-defined]
        values = strings if isinstance(strings, (tuple, list)) else [strings]
        if message is None or not all(values) or message.fuzzy:  # type: ignore[attr-defined]
            missing.append(msgid if isinstance(msgid, str) else msgid[0])
    assert not missing, f"{len(missing)} strings not translated into {language}: {missing[:10]}"


def test_welsh_plural_forms() -> None:
    from flask_babel import force_locale, ngettext

    from facilitator import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": "sqlite:////tmp/unused-plural.sqlite3",
        }
    )
    with app.test_request_context(), force_locale("cy"):
        forms = {
            n: ngettext(
                "%(num)d review is not closed yet.", "%(num)d reviews are not closed yet.", n
            )
            for n in (0, 1, 2, 3, 6, 7)
        }
    # Welsh has six plural forms; at least the singular and a plural must differ.
    assert forms[1] != forms[7]
    assert all(str(n) in text for n, text in forms.items())


def test_every_interface_language_has_a_catalogue_and_library_texts() -> None:
    from facilitator.prompts.library import load_library

    library = load_library()
    for code in INTERFACE_LANGUAGES:
        if code != "en":
            assert (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").exists(), code
        assert code in library.languages, f"the prompt library has no {code} texts"
