"""Facilitator's own JavaScript: small scripts, no build step, every one loaded by its hashed
address (static_cache.py), none loading another by a plain one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "facilitator"
JS = ROOT / "static" / "js"
SCRIPTS = sorted(JS.rglob("*.js"))
LIMIT = 200
# A script that fetched another by its own address would miss the content hash (a year-long
# cache, and the service worker's copy, would then keep an old file beside new ones).
LOADS_A_SCRIPT = re.compile(
    r"^\s*import\s|^\s*export\s|\bimport\s*\(|importScripts\s*\(|createElement\(\s*['\"]script",
    re.MULTILINE,
)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
TEMPLATE_SCRIPTS = re.compile(r"'((?:[\w-]+/)*[\w-]+\.js)'")


def _templates() -> str:
    return "\n".join(p.read_text() for p in sorted((ROOT / "templates").rglob("*.html")))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(JS)))
def test_each_script_is_small(script: Path) -> None:
    lines = len(script.read_text().splitlines())
    assert lines <= LIMIT, f"{script.name} has {lines} lines: split it by job (see person.js)"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(JS)))
def test_no_script_loads_another_by_its_address(script: Path) -> None:
    assert not LOADS_A_SCRIPT.search(script.read_text())


def test_every_script_tag_has_a_hashed_source_and_no_inline_code() -> None:
    for tag in SCRIPT_TAG.findall(_templates()):
        assert "static_url(" in tag or "url_for('static'" in tag, tag  # the CSP: 'self' only
        assert 'type="module"' not in tag, tag


def test_every_script_is_loaded_by_a_page_and_every_loaded_script_exists() -> None:
    named = set(TEMPLATE_SCRIPTS.findall(_templates()))
    named = {name.removeprefix("js/") for name in named}
    files = {str(p.relative_to(JS)) for p in SCRIPTS}
    served_by_a_view = {"sw.js"}  # the service worker, at /person/sw.js (views/person/sync.py)
    assert named <= files, f"loaded but missing: {sorted(named - files)}"
    assert files - served_by_a_view <= named, f"never loaded: {sorted(files - named)}"
