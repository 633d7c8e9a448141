"""The one rule for typed text (facilitator/text.py), as properties."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from facilitator.text import (
    BIDI_CONTROLS,
    EMBEDDINGS,
    ISOLATES,
    PDF,
    PDI,
    clean_text,
    clean_value,
    close_bidi,
)

from ..web.hostile import CONTROLS, MARKUP, WORDS, hostile_text

ANY_TEXT = st.text(
    st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e", "\u2067"])),
    max_size=60,
)  # lone surrogates included
NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane * 0x10000 + end) for plane in range(17) for end in (0xFFFE, 0xFFFF)
]
UNTYPABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + "".join(NONCHARACTERS) + "]")


def _open_at_end(text: str) -> int:
    """How many embeddings and isolates are still open at the end (the UBA's stack, simplified)."""
    stack: list[str] = []
    for ch in text:
        if ch in EMBEDDINGS:
            stack.append("E")
        elif ch in ISOLATES:
            stack.append("I")
        elif ch == PDF and stack and stack[-1] == "E":
            stack.pop()
        elif ch == PDI and "I" in stack:
            while stack.pop() != "I":
                pass
    return len(stack)


@settings(max_examples=300)
@given(ANY_TEXT)
def test_nothing_untypable_survives_and_every_override_is_closed(text: str) -> None:
    cleaned = clean_text(text)
    assert not UNTYPABLE.search(cleaned)
    assert "\r" not in cleaned
    assert _open_at_end(cleaned) == 0
    assert clean_text(cleaned) == cleaned  # idempotent


@settings(max_examples=300)
@given(hostile_text())
def test_only_controls_are_taken_out_and_only_closers_added(text: str) -> None:
    cleaned = clean_text(text)
    expected_core = UNTYPABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    assert cleaned.startswith(expected_core)
    assert set(cleaned[len(expected_core) :]) <= {PDF, PDI}


@given(
    st.text(
        st.characters(exclude_categories=["Cc", "Cs"]).filter(lambda ch: ch not in NONCHARACTERS),
        max_size=60,
    )
)
def test_ordinary_text_is_kept_exactly(text: str) -> None:
    if not any(ch in BIDI_CONTROLS for ch in text):
        assert clean_text(text) == text


def test_words_and_markup_are_kept_exactly() -> None:
    for text in WORDS + MARKUP:
        assert clean_text(text) == text, text


def test_the_decisions_in_examples() -> None:
    assert clean_text("a\x00b\x07c\x85d") == "abcd"
    assert len(NONCHARACTERS) == 66
    assert clean_text("a\ufffeb" + "".join(NONCHARACTERS) + "c\U0010ffff") == "abc"
    assert clean_text("\ufffd \uffef \U0001f600") == "\ufffd \uffef \U0001f600"  # characters
    assert clean_text("one\r\ntwo\rthree") == "one\ntwo\nthree"
    assert clean_text("\u202eevil") == "\u202eevil\u202c"  # an RLO in a name is closed
    assert clean_text("\u2067a\u202bb") == "\u2067a\u202bb\u202c\u2069"
    assert clean_text("\u2067a\u202bb\u2069") == "\u2067a\u202bb\u2069"  # PDI closes both
    assert close_bidi("\u202c\u2069x") == "\u202c\u2069x"  # stray closers are harmless
    cleaned = clean_value({"a": ["\x00x", 1, {"b": "\u202e"}]})
    assert cleaned == {"a": ["x", 1, {"b": "\u202e\u202c"}]}
    for control in CONTROLS:
        assert not UNTYPABLE.search(clean_text(control))


def test_every_form_value_query_and_json_string_is_cleaned() -> None:
    from flask import Flask, jsonify, request

    from facilitator.text import install

    app = Flask(__name__)
    install(app)

    @app.post("/")
    def echo():  # type: ignore[no-untyped-def]
        return jsonify(
            form=request.form.getlist("a"),
            args=request.args.get("q"),
            json=request.get_json(silent=True),
        )

    client = app.test_client()
    got = client.post("/?q=a%00b", data={"a": ["x\x00y", "\u202ez"]}).get_json()
    assert got["form"] == ["xy", "\u202ez\u202c"] and got["args"] == "ab"
    got = client.post("/", json={"w": ["\x01a", {"b": "\u202e"}]}).get_json()
    assert got["json"] == {"w": ["a", {"b": "\u202e\u202c"}]}
