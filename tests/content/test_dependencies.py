"""What the app imports is what pyproject.toml declares: run-time packages in the dependencies,
the rest (Redis, font slimming, the test tools) in extras that the app never imports."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from facilitator import config

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# Imported as part of a declared package's own interface (Flask's request, response and CLI
# types; Flask-Limiter's storage), so they come with that package and follow its version.
COMES_WITH = {
    "click": "flask",
    "werkzeug": "flask",
    "markupsafe": "flask",
    "limits": "flask-limiter",
}


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(text).name) for text in requirements}


def _imported_distributions(folder: Path) -> dict[str, str]:
    """Each third-party distribution imported under ``folder``, with one file that imports it."""
    modules: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    found: dict[str, str] = {}
    for module, where in modules.items():
        if module in sys.stdlib_module_names or module == "facilitator":
            continue
        for distribution in packages_distributions().get(module, [module]):
            found.setdefault(canonicalize_name(distribution), where)
    return found


def test_everything_the_app_imports_is_declared() -> None:
    declared = _names(PROJECT["dependencies"])
    for distribution, where in _imported_distributions(ROOT / "facilitator").items():
        owner = COMES_WITH.get(distribution, distribution)
        assert owner in declared, f"{where} imports {distribution}: declare it in dependencies"


def test_extras_are_not_needed_at_run_time() -> None:
    extras = PROJECT["optional-dependencies"]
    assert _names(extras["redis"]) == {"redis"}
    assert _names(extras["fonts"]) == {"fonttools"}
    declared = _names(PROJECT["dependencies"])
    assert not declared & {"redis", "fonttools"}
    imported = _imported_distributions(ROOT / "facilitator")
    assert not imported.keys() & {"redis", "fonttools"}, "the app must run without its extras"
    # The tests need Redis's client and set-up runs the font slimmer: dev brings both.
    assert "facilitator[fonts,redis]" in [
        f"{r.name}[{','.join(sorted(r.extras))}]" for r in map(Requirement, extras["dev"])
    ]


def test_redis_named_without_its_client_is_a_clear_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(config, "find_spec", lambda name: None)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert config.rate_limit_storage(tmp_path).startswith("facilitator+sqlite:///")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    with pytest.raises(config.ConfigError, match=r"pip install 'facilitator\[redis\]'"):
        config.rate_limit_storage(tmp_path)
