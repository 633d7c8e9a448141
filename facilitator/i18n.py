"""Languages: which exist, and which one a page is shown in.

``SUPPORTED`` is the one list of the product's languages. Everything else that is written per
language derives from it or is checked against it (``tests/content/test_languages.py``): the
switchers and forms (``LANGUAGES``), the spoken prompts' voices (``accessible/speech.py``),
the prompt library's texts (``prompts/library.py`` requires one in each) and the interface
catalogues (``translations/<code>/``). Adding a language is a line here, its catalogue, its
library texts and an eSpeak NG voice.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from .messages import register_messages


@dataclass(frozen=True)
class Language:
    """One of the product's languages."""

    code: str  # ISO 639-1, as in the catalogues' folder names and the library's texts
    name: str  # in its own language, so that a speaker finds it without reading English
    english_name: str  # for staff's command-line reports
    voice: str  # the eSpeak NG voice id, as pyttsx3's espeak driver reports it
    right_to_left: bool = False


# English first: it is the fallback for anything not yet written in another language.
# "gmw/en" is British English ("English (Great Britain)"); "gmw/en-us" would be American.
SUPPORTED: tuple[Language, ...] = (
    Language("en", "English", "English", "gmw/en"),
    Language("cy", "Cymraeg", "Welsh", "cel/cy"),
    Language("pl", "Polski", "Polish", "zlw/pl"),
    Language("ur", "اردو", "Urdu", "inc/ur", right_to_left=True),
)
LANGUAGES: dict[str, str] = {language.code: language.name for language in SUPPORTED}
RTL_LANGUAGES: frozenset[str] = frozenset(lang.code for lang in SUPPORTED if lang.right_to_left)


def select_locale() -> str:
    """Person mode uses the person's language; otherwise the switcher, the account, the browser."""
    forced = g.get("page_language")
    if forced in LANGUAGES:
        return str(forced)
    if not has_request_context():  # the command line: a refusal's lazy message reads in English
        return "en"
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    if current_user and current_user.is_authenticated:
        language = current_user.user.language
        if language in LANGUAGES:
            return str(language)
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def text_direction(language: str) -> str:
    """'rtl' for right-to-left scripts, else 'ltr'."""
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def _switcher_back() -> str:
    """Where the language switcher returns to: this page, unless its address is unsafe to echo.

    A link's token must not be copied into the page, and odd characters in a crafted address
    (control characters, quotes) are not worth escaping: such pages return to the start.
    """
    path = request.path
    if (
        request.method != "GET"
        or path.startswith("/family/link/")
        or not path.isprintable()
        or any(ch in path for ch in "\"'<>")
    ):
        return "/"
    return path


def register_i18n(app: Flask) -> None:
    """Give templates the language list and direction, and this page's waiting messages."""
    register_messages(app)

    @app.context_processor
    def _languages() -> dict[str, object]:
        language = str(get_locale() or "en")
        return {
            "switcher_back": _switcher_back(),
            "LANGUAGES": LANGUAGES,
            "page_language": language,
            "page_direction": text_direction(language),
        }
