"""docs/security.md lists each control, the test that proves it and the ASVS requirement.

The tests named there must exist, so that the document cannot point at a test that was renamed
or removed, and every row of the controls table must name a test and an ASVS requirement.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
ASVS_REF = re.compile(r"\bV\d{1,2}\.\d{1,2}\.\d{1,2}\b")


def _separator(line: str) -> bool:
    return line.startswith("|") and set(line) <= set("|-: ")


def _rows() -> list[str]:
    """Every row of every table, without the heading rows (the row above a |---| line)."""
    lines = [*DOC.read_text(encoding="utf-8").splitlines(), ""]
    return [
        line
        for line, below in zip(lines, lines[1:], strict=False)
        if line.startswith("|") and not _separator(line) and not _separator(below)
    ]


def test_every_named_test_exists() -> None:
    refs = TEST_REF.findall(DOC.read_text(encoding="utf-8"))
    assert len(refs) >= 40, "the security document should name the tests that prove each control"
    missing = []
    for path, name in refs:
        source = ROOT / path
        defined = rf"^\s*(async )?def {name}\("
        if not source.exists() or not re.search(defined, source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"


def test_every_control_names_a_test_and_an_asvs_requirement() -> None:
    rows = [row for row in _rows() if row.count("|") >= 4]
    assert len(rows) >= 25
    for row in rows:
        assert TEST_REF.search(row), f"no test named for: {row[:80]}"
        assert ASVS_REF.search(row), f"no ASVS requirement named for: {row[:80]}"
