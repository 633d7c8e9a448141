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

Services are called by more than the web (commands, the demo, imports, tests), so they apply
the same rule again to what they keep, by one of two named policies over the same characters:

* **remove** (``clean_text(value, trim=True)``): staff's notes, layered views, governance
  records. The untypable characters are dropped and the text trimmed, as at the edge.
* **refuse** (``has_untypable``): the person's own words, and the easy-read texts staff write
  for the person (actions, custom prompts). These are kept exactly as typed, so a text that
  still holds an untypable character is refused with a message rather than quietly changed.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

# C0 controls except \t (09), \n (0a) and \r (0d, half of a typed line ending, made \n by
# clean_text); DEL; C1 controls; surrogates (never valid alone); the 66 noncharacters (U+FDD0
# to U+FDEF and the last two code points of each plane), which Unicode reserves for programs'
# own use and HTML counts as errors in a page.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_UNTYPABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{NONCHARACTERS}]")

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


def clean_text(value: str, *, trim: bool = False) -> str:
    """The text as it will be kept: see the module's docstring for the three rules.

    ``trim`` also takes white space off both ends (before any open override is closed, so
    the closing mark stays at the very end): the **remove** policy for a field staff type.
    """
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _UNTYPABLE.sub("", value)
    if trim:
        value = value.strip()
    return close_bidi(value)


def has_untypable(value: str) -> bool:
    """Whether ``value`` holds a character ``clean_text`` removes: the **refuse** policy.

    For text kept exactly as typed: the service refuses it with its own message instead of
    changing it. A line ending's ``\r`` is typed, so it is not refused.
    """
    return _UNTYPABLE.search(value) is not None


def clean_value(value: Any) -> Any:
    """``clean_text`` applied to every string inside a JSON value (keys are left as sent).

    Iterative, so a deeply nested value (a hostile request body) cannot exhaust the stack:
    each list or dict is copied into a new one of its kind as the walk reaches it.
    """
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, list | dict):
        return value
    root: Any = [] if isinstance(value, list) else {}
    pending: list[tuple[Any, Any]] = [(value, root)]
    while pending:
        source, copy = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, str):
                kept: Any = clean_text(item)
            elif isinstance(item, list | dict):
                kept = [] if isinstance(item, list) else {}
                pending.append((item, kept))
            else:
                kept = item
            if isinstance(copy, list):
                copy.append(kept)
            else:
                copy[key] = kept
    return root


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
