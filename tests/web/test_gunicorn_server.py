"""A real gunicorn, configured by gunicorn.conf.py, on loopback: what it logs and what it believes.

Each test starts its own server (on a copy of the migrated SQLite database, with its own rate-limit
file) and talks to it with raw sockets or http.client, as a browser or a careless client would.
"""

from __future__ import annotations

import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .test_two_instances import Browser

ROOT = Path(__file__).resolve().parents[2]
SECRET = "gunicorn-server-test-" + "s" * 40
TOKEN = "Qm9vdHN0cmFwLXRva2VuLWZvci1sb2dzLXRlc3Q_xyz"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    tmp_path: Path, sqlite_template: Path, database: Path | None = None, **env: str
) -> Iterator[tuple[int, Path]]:
    """gunicorn with gunicorn.conf.py on a free loopback port; yields (port, error-log file).

    On a fresh copy of the migrated SQLite database unless ``database`` is given (shared). The
    server is stopped (and its log complete) when the block ends.
    """
    folder = tmp_path / f"server-{len(list(tmp_path.glob('server-*')))}"
    folder.mkdir()
    if database is None:
        database = folder / "app.sqlite3"
        shutil.copy(sqlite_template, database)
    port = _free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": SECRET,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
        **env,
    }
    unset = ("FACILITATOR_ENV", "REDIS_URL", "RATELIMIT_STORAGE_URI", "FORWARDED_ALLOW_IPS")
    for name in (*unset, "WORKER_CLASS", "THREADS"):
        if name not in env:
            environ.pop(name, None)
    error_log = folder / "error.log"
    with error_log.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "facilitator:create_app()"],
            cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if get(port, "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert process.poll() is None, error_log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.2)
            yield port, error_log
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received


def test_a_malformed_request_carrying_a_link_token_leaves_it_out_of_the_error_log(
    tmp_path: Path, sqlite_template: Path
) -> None:
    malformed = [
        f"GET /family/link/{TOKEN}\r\n\r\n",  # no HTTP version: an invalid request line
        f"GET /family/link/{TOKEN}?x=1 HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        f"GET /family/link/{TOKEN} HTTP/1.1\r\nHost: x\r\nBad Name: /family/link/{TOKEN}\r\n\r\n",
        f"POST /family/link/{TOKEN} HTTP/1.1\r\nReferer\x01: /family/link/{TOKEN}\r\n\r\n",
    ]
    with serve(tmp_path, sqlite_template) as (port, error_log):
        for request in malformed:
            assert _raw(port, request.encode("latin-1")).startswith(b"HTTP/1.1 400")
    log = error_log.read_text()
    assert "Invalid request" in log  # gunicorn did log each refusal ...
    assert "/family/link/[token]" in log  # ... with the path, but never the token
    assert TOKEN not in log, log


def test_forwarded_https_is_believed_only_from_a_trusted_proxy(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """gunicorn itself must not turn X-Forwarded-Proto into https when TRUSTED_PROXIES is 0."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"}
    with serve(tmp_path, sqlite_template, TRUSTED_PROXIES="0") as (port, _log):
        status, headers = get(port, "/healthz", forwarded)
        assert status == 200
        assert "strict-transport-security" not in headers  # still plain HTTP to the app
    with serve(tmp_path, sqlite_template, TRUSTED_PROXIES="1") as (port, _log):
        status, headers = get(port, "/healthz", forwarded)
        assert status == 200
        assert "strict-transport-security" in headers  # the proxy in front said HTTPS


def test_without_redis_every_instance_and_worker_shares_one_rate_limit_count(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Two instances (separate gunicorn processes, as two workers are) and no Redis: the limit a
    visitor meets is the one configured, not one per process."""
    database = tmp_path / "shared.sqlite3"
    shutil.copy(sqlite_template, database)
    # A made-up client address (through one trusted proxy) keeps this run's counter its own.
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    settings = {"RATELIMIT_SIGN_IN": "3 per minute", "TRUSTED_PROXIES": "1"}
    with (
        serve(tmp_path, sqlite_template, database, **settings) as (a, _log_a),
        serve(tmp_path, sqlite_template, database, **settings) as (b, _log_b),
    ):
        browser = Browser(a, headers={"X-Forwarded-For": address})
        # An incomplete form: counted by the limiter, never reaching the password check.
        incomplete = {"email": "", "password": ""}
        statuses = [
            browser.at(port).post("/sign-in", incomplete, csrf_from="/sign-in")[0]
            for port in (a, b, a, b)
        ]
    assert statuses[:3] == [400, 400, 400]  # "enter your email address", not limited yet
    assert statuses[3] == 429  # two on each instance: only a shared counter reaches 3


def test_idle_connections_do_not_hold_the_workers(tmp_path: Path, sqlite_template: Path) -> None:
    """Browsers open connections they do not use at once; with the configured workers, a normal
    request is still answered at once (sync workers would each be held for 30 s)."""
    with serve(tmp_path, sqlite_template, WORKERS="1") as (port, _log):
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        try:
            time.sleep(0.3)  # accepted by the worker
            started = time.monotonic()
            assert get(port, "/healthz", timeout=3)[0] == 200
            assert time.monotonic() - started < 2
        finally:
            for sock in idle:
                sock.close()
