"""Link-token redaction: one rule, used by the app's logs and by gunicorn's."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from pathlib import Path

from flask import Flask
from werkzeug.test import EnvironBuilder

from facilitator import redaction

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zk3q-_abcDEF0123456789abcdefghijklmnopqrstu"


def test_redact_replaces_the_token_wherever_it_appears() -> None:
    assert redaction.redact(f"/family/link/{TOKEN}") == "/family/link/[token]"
    assert redaction.redact(f"GET /family/link/{TOKEN}?x=1 HTTP/1.1") == (
        "GET /family/link/[token]?x=1 HTTP/1.1"
    )
    assert redaction.redact(f'Referer: "https://a.example/family/link/{TOKEN}"') == (
        'Referer: "https://a.example/family/link/[token]"'
    )
    assert redaction.redact("/staff/reviews/1") == "/staff/reviews/1"


def test_the_filter_redacts_message_arguments_and_traceback() -> None:
    try:
        raise ValueError(f"bad line GET /family/link/{TOKEN}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, "%s", (f"/family/link/{TOKEN}",), exc_info
    )
    assert redaction.RedactTokens().filter(record)
    assert TOKEN not in record.getMessage()
    assert record.exc_text and TOKEN not in record.exc_text and "[token]" in record.exc_text


def test_add_filter_adds_one_filter_only() -> None:
    logger = logging.getLogger("test_redaction.once")
    redaction.add_filter(logger)
    redaction.add_filter(logger)
    assert sum(isinstance(f, redaction.RedactTokens) for f in logger.filters) == 1


def test_the_wsgi_middleware_redacts_the_environ_after_the_answer() -> None:
    seen: dict[str, str] = {}

    def app(environ: dict, start_response: object) -> list[bytes]:
        seen["path"] = environ["PATH_INFO"]  # the app itself still sees the token
        return [b"ok"]

    environ = {
        "PATH_INFO": f"/family/link/{TOKEN}",
        "RAW_URI": f"/family/link/{TOKEN}?x=1",
        "HTTP_REFERER": f"https://a.example/family/link/{TOKEN}",
        "REQUEST_METHOD": "GET",
    }
    assert redaction.RedactEnviron(app)(environ, lambda *args: None) == [b"ok"]
    assert seen["path"] == f"/family/link/{TOKEN}"
    for key in ("PATH_INFO", "RAW_URI", "HTTP_REFERER"):
        assert TOKEN not in environ[key] and "/family/link/[token]" in environ[key]


def test_gunicorn_conf_uses_the_same_rule() -> None:
    spec = importlib.util.spec_from_file_location("gunicorn_conf_r", ROOT / "gunicorn.conf.py")
    assert spec and spec.loader
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.redact is redaction.redact


def test_the_module_does_not_create_or_import_the_app() -> None:
    # gunicorn.conf.py imports it in gunicorn's master before any app exists.
    code = (
        "import sys, facilitator.redaction; "
        "print(sorted(m for m in sys.modules if m.startswith('facilitator')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "['facilitator', 'facilitator.redaction']"


def test_the_rule_has_one_home() -> None:
    # No second copy of the pattern: every other file uses redaction.py.
    homes = [
        path.relative_to(ROOT).as_posix()
        for path in [ROOT / "gunicorn.conf.py", *sorted((ROOT / "facilitator").rglob("*.py"))]
        if "(/family/link/)" in path.read_text(encoding="utf-8")
        or "TOKEN_IN_PATH" in path.read_text(encoding="utf-8")
    ]
    assert homes == ["facilitator/redaction.py"]


def test_the_app_redacts_its_own_logs_with_the_same_rule(app: Flask) -> None:
    environ = EnvironBuilder(path=f"/family/link/{TOKEN}").get_environ()
    b"".join(app.wsgi_app(environ, lambda *args: None))  # type: ignore[arg-type]
    assert environ["PATH_INFO"] == "/family/link/[token]"
    werkzeug_filters = logging.getLogger("werkzeug").filters
    assert sum(isinstance(f, redaction.RedactTokens) for f in werkzeug_filters) == 1
