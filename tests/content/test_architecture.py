"""The arrows between the parts (docs/architecture.md): the ones that must never exist.

Every import in ``facilitator/`` is read with ``ast`` (those inside functions too), resolved to
the module it names, and checked against the layers below. A new arrow that runs the wrong way
fails here, with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "facilitator"

# part -> the parts it must never import. A part is the first folder below facilitator/ (or
# the module's own name at the top).
NEVER: dict[str, set[str]] = {
    "models": {"services", "views", "outputs", "cli", "prompts", "accessible"},
    "prompts": {"services", "views", "outputs", "cli"},
    "accessible": {"services", "views", "outputs", "cli"},
    "services": {"views", "outputs", "cli"},
    "outputs": {"views", "cli"},
    "cli": {"views"},
    "text": {"services", "views", "outputs", "cli"},
    "i18n": {"services", "views", "outputs", "cli"},
}


def _module_name(path: Path, package: Path = PACKAGE) -> list[str]:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every facilitator module ``path`` imports, as dotted names, with the line."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from . import views` names a module too
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return [(line, target) for line, target in found if target.startswith("facilitator.")]


def _part(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else None


def _wrong_arrows(root: Path = PACKAGE) -> list[str]:
    wrong = []
    for path in sorted(root.rglob("*.py")):
        own = _module_name(path, root)
        if len(own) < 2:
            continue
        part = own[1]
        for line, target in _imports(path, root):
            other = _part(target)
            where = f"{path.relative_to(root.parent)}:{line}"
            if other in NEVER.get(part, set()) and (root / other).exists():
                if not any(w.startswith(where + " ") for w in wrong):
                    wrong.append(f"{where} {part} -> {target}")
    return wrong


def test_no_import_runs_the_wrong_way() -> None:
    assert _wrong_arrows() == []


@pytest.mark.parametrize(
    ("source", "arrow"),
    [
        ("from ..views.help import spoken_help_texts\n", "cli -> facilitator.views.help"),
        ("from ... import views\n", "services -> facilitator.views"),
    ],
)
def test_the_check_sees_a_wrong_arrow(tmp_path: Path, source: str, arrow: str) -> None:
    """The check itself can fail: an import planted in a small tree of the same shape is found."""
    root = tmp_path / "facilitator"
    for folder in ("views", "cli", "services/reviews"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "views" / "help.py").write_text("")
    folder = "cli" if arrow.startswith("cli") else "services/reviews"
    (root / folder / "planted.py").write_text(source)
    assert [wrong for wrong in _wrong_arrows(root) if arrow in wrong]
    (root / folder / "planted.py").write_text("")
    assert _wrong_arrows(root) == []
