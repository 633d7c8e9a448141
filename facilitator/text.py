"""What happens to typed text on its way in: one rule, in one place.

The product's rule is that a person's words are never altered. So nothing that can be typed
is changed: letters in every script, emoji, combining marks, zero-width joiners and
non-joiners (Urdu and emoji need them), right-to-left marks, ``<`` ``>`` ``{{ }}`` and quotes
are all kept exactly. Pages escape them on the way out (Jinja's autoescape; ReportLab and CSV
have their own escaping in the services).

Only three things are done, because none of them is part of anyone's words:

1. Line endings become ``\\n`` (browsers send ``\\r\\n`` from a text box).
2. Control characters that no keyboard types are removed: NUL and the other C0 controls
   except tab and new line, DEL, the C1 controls, lone surrogates (which cannot be stored as
   UTF-8) and Unicode's noncharacters (U+FFFE and the like, never meant to be exchanged; a
   page that holds one is not valid HTML). PostgreSQL refuses NUL in text; a browser shows
   the rest as nothing or as a box.
3. Bidirectional embeddings, overrides and isolates left open at the end of the text are
   closed there (U+202C or U+2069 appended). An open override runs to the end of its
   paragraph, so closing it at the end of the text changes nothing in how the text itself
   reads, but a right-to-left override in a name can no longer reorder the words around it
   on a page, in a PDF or in a spreadsheet.

``clean_text`` is applied to every form field, query string value and JSON string the app
receives, by the request class installed in ``install`` (see ``facilitator/__init__.py``),
and to text given to command-line commands. It is idempotent.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

# C0 controls except \t (09) and \n (0a); DEL; C1 controls; surrogates (never valid alone);
# the 66 noncharacters (U+FDD0 to U+FDEF and the last two code points of each plane), which
# Unicode reserves for programs' own use and HTML counts as errors in a page.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_UNTYPABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{NONCHARACTERS}]")

PDF = "\u202c"  # pop directional formatting
PDI = "\u2069"  # pop directional isolate
EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO
ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
BIDI_CONTROLS = EMBEDDINGS | ISOLATES | {PDF, PDI}


def close_bidi(text: str) -> str:
    """``text`` with any embedding, override or isolate still open at its end closed there."""
    if not any(ch in BIDI_CONTROLS for ch in text):
        return text
    stack: list[str] = []
    for ch in text:
        if ch in EMBEDDINGS:
            stack.append(PDF)
        elif ch in ISOLATES:
            stack.append(PDI)
        elif ch == PDF:
            # Closes the innermost embedding, but never across an isolate.
            if stack and stack[-1] == PDF:
                stack.pop()
        elif ch == PDI and PDI in stack:
            # Closes the innermost isolate and every embedding opened inside it.
            while stack.pop() != PDI:
                pass
    return text + "".join(reversed(stack))


def clean_text(value: str) -> str:
    """The text as it will be kept: see the module's docstring for the three rules."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _UNTYPABLE.sub("", value)
    return close_bidi(value)


def clean_value(value: Any) -> Any:
    """``clean_text`` applied to every string inside a JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {k: clean_value(v) for k, v in value.items()}
    return value


class CleanMultiDict(ImmutableMultiDict):  # type: ignore[type-arg]
    """Form and query values, each passed through ``clean_text`` as the request reads them."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs: Any = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = [
                (k, v)
                for k, values in mapping.items()
                for v in (values if isinstance(values, list | tuple) else [values])
            ]
        else:
            pairs = mapping
        super().__init__([(k, clean_text(v) if isinstance(v, str) else v) for k, v in pairs])


class CleanRequest(Request):
    """Flask's request, whose form, query string and JSON strings are cleaned on reading."""

    parameter_storage_class = CleanMultiDict

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return clean_value(super().get_json(force=force, silent=silent, cache=cache))


def install(app: Flask) -> None:
    """Use the cleaning request class for every request the app handles."""
    app.request_class = CleanRequest
