"""The access log never records a family link's token."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _conf():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_link_tokens_are_redacted() -> None:
    conf = _conf()
    token = "Zk3q-_abcDEF0123456789abcdefghijklmnopqrstu"
    assert token not in conf.redact(f"GET /family/link/{token} HTTP/1.1")
    assert conf.redact(f"/family/link/{token}") == "/family/link/[token]"
    assert conf.redact("/staff/reviews/1") == "/staff/reviews/1"


def test_logger_class_redacts_access_atoms() -> None:
    conf = _conf()
    assert conf.logger_class.__name__ == "RedactingLogger"
    assert conf.bind.endswith(":5000") or ":" in conf.bind
