"""The one rule for typed text (facilitator/text.py), as properties."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facilitator.services import ServiceError, governance
from facilitator.services.reviews import responses
from facilitator.text import (
    BIDI_CONTROLS,
    EMBEDDINGS,
    ISOLATES,
    PDF,
    PDI,
    clean_text,
    clean_value,
    close_bidi,
    has_untypable,
)

from ..web.hostile import CONTROLS, MARKUP, WORDS, hostile_text

PACKAGE = Path(__file__).resolve().parents[2] / "facilitator"

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


@settings(max_examples=300)
@given(ANY_TEXT)
def test_the_remove_policy_trims_and_stays_idempotent(text: str) -> None:
    trimmed = clean_text(text, trim=True)
    assert not UNTYPABLE.search(trimmed) and _open_at_end(trimmed) == 0
    assert trimmed.rstrip(PDF + PDI) == trimmed.rstrip(PDF + PDI).strip()
    assert clean_text(trimmed, trim=True) == trimmed


@settings(max_examples=300)
@given(ANY_TEXT)
def test_the_refuse_policy_refuses_exactly_what_cleaning_removes(text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    assert has_untypable(text) == bool(UNTYPABLE.search(lines))
    assert not has_untypable(clean_text(text))


def test_the_two_policies_in_examples() -> None:
    # remove: trimmed first, so the closing mark is the last character
    assert clean_text("  \x00note\u202e \n", trim=True) == "note\u202e\u202c"
    assert clean_text(" \x85 ", trim=True) == ""
    # refuse: every untypable character, but not a typed line ending, a tab or any words
    for control in CONTROLS[:3] + ["\x85", "\ufffe", "\udfff", "\U0010ffff"]:
        assert has_untypable(f"a{control}b"), repr(control)
    for text in WORDS + MARKUP + ["one\r\ntwo\tthree", "\u202eevil"]:
        assert not has_untypable(text), text


def test_a_deeply_nested_value_is_cleaned_without_recursion() -> None:
    deep: list[object] = ["\x00a"]
    for _ in range(100_000):
        deep = [deep, "\x01"]
    cleaned = clean_value({"k": deep})["k"]
    for _ in range(100_000):
        assert cleaned[1] == ""
        cleaned = cleaned[0]
    assert cleaned == ["a"]


def test_cleaning_has_one_home() -> None:
    """No module but text.py writes its own class of the untypable controls (C0 but tab and new
    line). File names are another rule: a download's name replaces every C0 control too."""
    own_class = re.compile(r"\[[^\]]*\\x00-\\x08")
    copies = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if path.name != "text.py" and own_class.search(path.read_text(encoding="utf-8"))
    ]
    assert copies == []


def test_the_services_keep_text_by_these_policies() -> None:
    """Staff's records take the remove policy; the person's own words the refuse policy."""
    assert governance.clean(" \x85note\u202e\r\n") == "note\u202e\u202c"
    assert governance.clean("\x00 \x7f") is None
    assert responses.check_own_words("one\r\ntwo ") == "one\r\ntwo "  # kept exactly
    with pytest.raises(ServiceError, match="control characters"):
        responses.check_own_words("bad\U0010ffffbyte")
