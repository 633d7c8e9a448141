"""A count beside a noun goes through ``ngettext`` (issue 22: "1 actions with a reason").

English has 2 plural forms, Polish 3 and Welsh 6: "%(n)s days" written with ``gettext`` is
wrong in English for 1 and wrong in Polish and Welsh for most numbers. Every interface message
is read from the source as ``pybabel extract`` reads it, and any singular message in which a
number is followed by a counted noun fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parents[2]
# A placeholder for a number (or "%(x)s more"), then a noun in the plural.
COUNTED = re.compile(r"%\((\w+)\)[sd] (?:more )?([a-z]+s)\b")
# Placeholders that hold words, never a number: "%(name)s agrees" is not a count.
WORDS = {
    "name", "supporter", "person", "staff", "service", "me", "kind", "language", "date",
    "start", "end", "when", "reason", "title", "text", "what", "who", "relationship", "role",
    "answer", "tried", "route", "status", "needs", "prompt", "topic", "label", "email",
    "sender", "number",
}  # fmt: skip
# Ranges of decimal seconds ("from 1.5 to 15 seconds") are a setting's bounds, not a count.
NOT_A_COUNT = {"low", "high"}


def _singular_messages() -> list[tuple[str, int, str]]:
    """Every gettext message in the code and templates (a plural call is fine by design)."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    return [
        (filename, lineno, message)
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / "facilitator", method_map, options_map=options
        )
        if isinstance(message, str)
    ]


def test_every_count_beside_a_noun_uses_ngettext() -> None:
    wrong = []
    for filename, lineno, message in _singular_messages():
        for placeholder, noun in COUNTED.findall(message):
            if placeholder not in WORDS | NOT_A_COUNT:
                wrong.append(f"{filename}:{lineno}: {noun!r} after %({placeholder})s: {message}")
    assert not wrong, "use ngettext for these counts:\n" + "\n".join(wrong)
