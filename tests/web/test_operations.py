"""The operator's addresses and signals (issue 19): /healthz alive, /readyz ready (database,
migrations, speech when required) with a short JSON reason, a request id carried in and out,
JSON logs one object a line, and Prometheus metrics only with the token."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from facilitator.db import upgrade

from ..conftest import make_test_app


@pytest.fixture
def fresh(tmp_path: Path, sqlite_template: Path) -> Iterator[Path]:
    path = tmp_path / "ops.sqlite3"
    shutil.copy(sqlite_template, path)
    yield path


def test_alive_and_ready(app: Flask) -> None:
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_data(as_text=True)
    assert ready.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "speech": "ok"},
    }


def test_not_ready_while_migrations_are_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.sqlite3'}"
    upgrade(url, "0020_account_records")
    app = make_test_app(tmp_path, url)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "not ready" and body["checks"]["database"] == "ok"
    assert body["reason"].startswith("migrations: at 0020_account_records, code expects ")


def test_not_ready_until_speech_is_rendered_when_required(tmp_path: Path, fresh: Path) -> None:
    app = make_test_app(tmp_path, f"sqlite:///{fresh}", READY_REQUIRES_SPEECH=True)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert "spoken texts not rendered" in ready.get_json()["reason"]


def test_not_ready_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    app = make_test_app(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["reason"].startswith("database: unreachable")


def test_a_request_id_is_carried_or_made_up(app: Flask) -> None:
    client = app.test_client()
    carried = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c"})
    assert carried.headers["X-Request-ID"] == "nginx-4f2a9c"
    for bad in ("two words", "x" * 200, "<script>"):
        made = client.get("/healthz", headers={"X-Request-ID": bad})
        assert made.headers["X-Request-ID"] != bad and len(made.headers["X-Request-ID"]) == 32
    assert client.get("/healthz").headers["X-Request-ID"]


def test_json_logs_one_object_a_line(
    tmp_path: Path, fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_test_app(tmp_path, f"sqlite:///{fresh}", LOG_FORMAT="json")
    try:
        client = app.test_client()
        client.get("/healthz", headers={"X-Request-ID": "req-1"})
        client.get("/family/link/SECRET-link-token-value", headers={"X-Request-ID": "req-2"})
        with app.test_request_context(headers={"X-Request-ID": "req-3"}):
            app.preprocess_request()
            logging.getLogger("facilitator.test").warning("a note about %s", "something")
        err = capsys.readouterr().err
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "facilitator_json", False)]:
            root.removeHandler(handler)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines, err[:500]
    by_id = {line.get("request_id"): line for line in lines if "http" in line}
    assert by_id["req-1"]["http"]["endpoint"] == "main.health"
    assert by_id["req-1"]["http"]["status"] == 200 and by_id["req-1"]["level"] == "INFO"
    assert by_id["req-2"]["http"]["path"] == "/family/link/[token]"
    assert "SECRET-link-token-value" not in err
    note = [line for line in lines if line["logger"] == "facilitator.test"]
    assert note and note[0]["request_id"] == "req-3"
    assert note[0]["message"] == "a note about something" and note[0]["level"] == "WARNING"
    assert {"time", "level", "logger", "message"} <= set(lines[0])


def test_metrics_only_with_the_token(tmp_path: Path, fresh: Path, app: Flask) -> None:
    assert app.test_client().get("/metrics").status_code == 404  # no token set: no such page
    secured = make_test_app(tmp_path, f"sqlite:///{fresh}", METRICS_TOKEN="s3cret-token")
    client = secured.test_client()
    client.get("/healthz")
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers
    scraped = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert scraped.status_code == 200 and scraped.mimetype == "text/plain"
    text = scraped.get_data(as_text=True)
    assert 'facilitator_requests_total{endpoint="main.health",method="GET",status="200"}' in text
    assert 'facilitator_request_seconds_bucket{endpoint="main.health"' in text
