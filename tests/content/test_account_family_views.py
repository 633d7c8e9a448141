"""The account, family and main views are thin (issue 16): they read a form class, call a
service and render or redirect; the edge (``views/edge.py``) commits, rolls back and answers
refusals. Read from the code with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ROOT / "facilitator" / "views"
FILES = sorted(
    [*(VIEWS / "account").glob("*.py"), *(VIEWS / "family").glob("*.py")]
    + [VIEWS / "main.py", VIEWS / "lookup.py"]
)
REFUSALS = {
    "ServiceError",
    "NotFound",
    "NotAllowed",
    "StaleVersion",
    "LinkProblem",
    "CodeRefused",
    "SignInRefused",
    "SignInThrottled",
    "WrongCode",
}
# A GET (or a hook before any view) that must leave a trace commits it itself, and says so.
COMMIT_REASON = "must persist"


def _names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, ast.Name | ast.Attribute)}  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(VIEWS).as_posix())
def test_the_view_leaves_transactions_and_refusals_to_the_edge(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("commit", "rollback"):
                if COMMIT_REASON not in lines[node.lineno - 1]:
                    found.append(f"{node.lineno}: {node.func.attr}()")
        if isinstance(node, ast.ExceptHandler) and _names(node.type) & REFUSALS:
            found.append(f"{node.lineno}: except {ast.unparse(node.type or node)}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "form"
            and ast.unparse(node.value) == "request"
            and isinstance(parents.get(node), ast.Attribute | ast.Subscript)
        ):
            found.append(f"{node.lineno}: {ast.unparse(parents[node])} (read a form class)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "HX-" in node.value:
            found.append(f"{node.lineno}: {node.value!r} (flask-htmx reads and writes these)")
    assert found == []


def test_no_module_here_is_over_400_lines() -> None:
    long = {p.name: n for p in FILES if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
