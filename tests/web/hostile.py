"""Hostile text, and the checks that a page shows it as text and nothing else.

Used by tests/web/test_hostile_text.py. The payloads carry the marker ``hostile`` in every
piece of markup they try to smuggle in, so that a page can be searched for any element,
attribute or script that came from a payload rather than from a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import html5lib
from hypothesis import strategies as st

from facilitator.text import clean_text

# Markup, script and template syntax, each aimed at a different way out of escaping.
MARKUP = [
    "<script>hostile(1)</script>",
    "<img src=x onerror=hostile(2)>",
    '<x-hostile data-hostile="3">x</x-hostile>',
    '" onmouseover="hostile(4)" x="',
    "' onfocus='hostile(5)' x='",
    '"><svg onload=hostile(6)>',
    "</textarea><x-hostile>7</x-hostile>",
    "</title><x-hostile>8</x-hostile>",
    '<a href="javascript:hostile(9)">link</a>',
    "javascript:hostile(10)",
    "{{ 7 * 7 }}",
    "{% raw %}{{ config }}{% endraw %}",
    "{{ hostile|safe }}",
    "<!-- hostile -->",
    "<![CDATA[hostile]]>",
    "&lt;&amp;&#x3C;",
    "<para>hostile</para><b>bold</b>",
    '=HYPERLINK("http://hostile.example")',
    "+1-2",
    "@SUM(1)",
    "-hostile",
]
# Scripts and characters the product must keep exactly.
WORDS = [
    "Rydw i'n hoffi mynd i'r siop gyda fy chwaer.",  # Welsh
    "Ŵ ŷ ŵ â ê î ô û",  # Welsh with circumflexes
    "میں اپنے گھر میں خوش ہوں",  # Urdu
    "مرحبا 123 hello",  # mixed direction with numbers
    "😀👍🏽👨‍👩‍👧 🏳️‍🌈",  # emoji, skin tone, ZWJ sequences
    "e\u0301 n\u0303 a\u0308\u0301",  # combining marks
    "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeff",  # zero-width characters
    "\u200fRLM\u200eLRM\u061cALM",  # direction marks (part of how RTL text is written)
    "tab\there",
    "line one\nline two",
]
# Characters that the form layer removes or closes (facilitator/text.py).
CONTROLS = [
    "\x00",
    "\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f",
    "\x80\x85\x9f",
    "\r\n",
    "\r",
    "\u202eRLO",  # right-to-left override, left open
    "\u202dLRO\u202c",
    "\u202bRLE",
    "\u2067RLI",
    "\u2068FSI",
    "\u2069",
    "\u202c",
]
PIECES = MARKUP + WORDS + CONTROLS


def hostile_text(max_pieces: int = 6) -> st.SearchStrategy[str]:
    """Hostile pieces mixed with arbitrary characters (never lone surrogates: see below).

    Lone surrogates cannot arrive: browsers send UTF-8, which cannot carry them, and the
    request decoder replaces bytes that are not UTF-8. ``clean_text`` removes them anyway.
    """
    arbitrary = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)
    piece = st.one_of(st.sampled_from(PIECES), arbitrary)
    return st.lists(piece, min_size=1, max_size=max_pieces).map("".join)


def long_text(length: int) -> str:
    """Exactly ``length`` characters of markup, Urdu, Welsh and emoji that cleaning keeps."""
    unit = "".join(MARKUP[:8] + WORDS[:5]) + " "
    text = (unit * (length // len(unit) + 1))[:length]
    assert clean_text(text) == text and len(text) == length
    return text


# --- checking a page ----------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


def parse(html: str) -> Any:
    return html5lib.parse(html, namespaceHTMLElements=False)


def smuggled(html: str) -> list[str]:
    """Every element, attribute or script on the page that a payload could have put there."""
    found: list[str] = []
    for element in parse(html).iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if "hostile" in tag or tag == "para":
            found.append(f"element <{tag}>")
        if tag == "script" and "hostile" in (element.text or ""):
            found.append("a <script> running the payload")
        for name, value in element.attrib.items():
            if name.startswith("on") or "hostile" in name:
                found.append(f"attribute {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                found.append(f"{name}={value!r} on <{tag}>")
    return found


def page_text(html: str) -> str:
    """Everything a reader can see or a form holds: text nodes and form values."""
    parts: list[str] = []
    for element in parse(html).iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        if element.tag == "input" and element.get("value"):
            parts.append(element.get("value"))
        parts.append(element.text or "")
        parts.append(element.tail or "")
    return " ".join(parts)


def squash(text: str) -> str:
    """Runs of white space as one space: templates lay text out, they must not change it."""
    return " ".join(re.split(r"\s+", text)).strip()


def shown(html: str, text: str) -> bool:
    """Whether ``text`` is on the page as text (white space aside)."""
    return squash(text) in squash(page_text(html))


def free_text_inputs(form: Any) -> list[Any]:
    """The inputs of a parsed form that take free text."""
    fields = []
    for element in form.iter():
        if element.tag == "textarea" and element.get("name"):
            fields.append(element)
        elif (
            element.tag == "input"
            and element.get("name")
            and element.get("type", "text").lower() in FREE_TEXT_TYPES
            and element.get("readonly") is None
            and element.get("inputmode") not in NUMBERS
        ):
            fields.append(element)
    return fields


FREE_TEXT_TYPES = {"text", "search", "tel", "email", "url"}
NUMBERS = {"numeric", "decimal"}  # a code or a number typed into a text box: not free text


def form_values(form: Any) -> dict[str, Any]:
    """What a browser would send from an untouched form (the first choice where none is)."""
    values: dict[str, Any] = {}
    radios: dict[str, str] = {}
    for element in form.iter():
        name = element.get("name")
        if not name:
            continue
        if element.tag == "input":
            kind = element.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind == "radio":
                if element.get("checked") is not None:
                    radios[name] = element.get("value", "on")
                else:
                    radios.setdefault(name, element.get("value", "on"))
                continue
            if kind == "checkbox":
                if element.get("checked") is not None:
                    values.setdefault(name, []).append(element.get("value", "on"))
                continue
            values[name] = element.get("value", "")
            if kind == "date" and not values[name]:
                values[name] = date.today().isoformat()
        elif element.tag == "textarea":
            values[name] = element.text or ""
        elif element.tag == "select":
            options = list(element.iter("option"))
            chosen = [o for o in options if o.get("selected") is not None]
            pick = chosen or [o for o in options if o.get("value", o.text or "")] or options
            values[name] = pick[0].get("value", pick[0].text or "") if pick else ""
    for name, value in radios.items():
        values.setdefault(name, value)
    return values


def forms_on(html: str) -> Iterable[Any]:
    return parse(html).iter("form")
