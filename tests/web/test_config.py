"""Settings: a clear message for a bad DATABASE_URL or a missing production SECRET_KEY."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from facilitator.config import ConfigError, check_database_url, load_config


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://"),
        ("postgresql://u@h/db", "postgresql+psycopg://"),
        ("mysql://u@h/db", "unsupported scheme"),
        ("sqlite://relative.db", "SQLite file address"),
        ("not a url", "unsupported scheme"),
        ("postgresql+psycopg:///db", "no host"),
    ],
)
def test_malformed_database_url_says_what_to_write(url: str, hint: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(hint)):
        check_database_url(url)


def test_good_urls_pass() -> None:
    check_database_url("postgresql+psycopg://user:pw@127.0.0.1:5432/test")
    check_database_url("sqlite:////tmp/x.sqlite3")


def test_production_refuses_to_start_without_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACILITATOR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(tmp_path)


def test_secret_key_is_generated_once_into_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FACILITATOR_ENV", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    assert load_config(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_cli_prints_a_sentence_not_a_stack_trace(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "facilitator", "init-db"],
        env={"DATABASE_URL": "postgres://u@h/db", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Facilitator cannot start: DATABASE_URL must name the psycopg 3 driver" in result.stderr
    assert "Traceback" not in result.stderr


def test_provider_nation_is_england_or_wales(monkeypatch: pytest.MonkeyPatch) -> None:
    from facilitator.config import ConfigError, provider_nation

    monkeypatch.delenv("PROVIDER_NATION", raising=False)
    assert provider_nation() == "england"
    monkeypatch.setenv("PROVIDER_NATION", " Wales ")
    assert provider_nation() == "wales"
    monkeypatch.setenv("PROVIDER_NATION", "scotland")
    with pytest.raises(ConfigError, match="england or wales"):
        provider_nation()
