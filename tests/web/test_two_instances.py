"""Scaling out: two app instances (separate gunicorn processes) against one PostgreSQL database.

They serve the same reviews; a person's session started on instance A continues on instance B
with the same cookie; with Redis, a rate limit counts requests to both. Needs PostgreSQL at
TEST_DATABASE_URL (and Redis at REDIS_URL or TEST_REDIS_URL for the rate-limit test): skipped
without them, except in CI, where they must be there.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from facilitator import create_app
from facilitator.db import make_engine
from facilitator.extensions import db
from facilitator.models import Response
from facilitator.services import demo

from ..conftest import need, own_postgres_database, second_factor_code

ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-instances-" + "k" * 40
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANSWER = re.compile(r'name="answer" value="([^"]+)"')
REVIEW_LINK = re.compile(r'href="/staff/reviews/(\d+)"')
STAFF = "keyworker@demo.facilitator.test"


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database with the demo data; dropped afterwards."""
    with own_postgres_database("two") as url:
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": SECRET, "INSTANCE_PATH": str(tmp_path / "instance")}
        )
        with app.app_context():
            demo.load(db.session)
            db.session.commit()
            db.scoped.remove()
            assert db.engine is not None
            db.engine.dispose()
        yield url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def instance(url: str, tmp_path: Path, **env: str) -> Iterator[int]:
    """One app instance: its own gunicorn process (one worker), its own instance folder."""
    port = _free_port()
    environ = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="1",
        **env,
    )
    environ.pop("FACILITATOR_ENV", None)
    if "REDIS_URL" not in env:
        environ.pop("REDIS_URL", None)  # in-memory limits unless the test shares them
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "facilitator:create_app()",
        ],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if Browser(port).get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, "the instance stopped while starting"
            assert time.monotonic() < deadline, "the instance did not start in 30 s"
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Browser:
    """A cookie jar that can talk to any instance: the same cookie goes to A and to B."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def at(self, port: int) -> Browser:
        self.port = port
        return self

    def _send(self, method: str, path: str, form: dict[str, str] | None) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self.port}", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, page

    def get(self, path: str) -> tuple[int, str]:
        return self._send("GET", path, None)

    def post(self, path: str, form: dict[str, str], csrf_from: str) -> tuple[int, str]:
        _status, page = self.get(csrf_from)
        token = CSRF.search(page)
        assert token, f"no CSRF token on {csrf_from}"
        return self._send("POST", path, {**form, "csrf_token": token.group(1)})


def _code(url: str) -> str:
    """The staff account's second-step code (enrolled in the database first)."""
    from sqlalchemy.orm import Session

    engine = make_engine(url)
    try:
        with Session(engine) as db_session:
            return second_factor_code(db_session, STAFF)
    finally:
        engine.dispose()


def test_two_instances_serve_the_same_reviews_and_a_person_session_moves_between_them(
    shared_database: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        a = stack.enter_context(instance(shared_database, tmp_path))
        b = stack.enter_context(instance(shared_database, tmp_path))
        browser = Browser(a)
        status, _page = browser.post(
            "/sign-in", {"email": STAFF, "password": demo.DEMO_PASSWORD}, csrf_from="/sign-in"
        )
        assert status in (302, 303)
        status, _page = browser.post(
            "/sign-in/code", {"code": _code(shared_database)}, csrf_from="/sign-in/code"
        )
        assert status in (302, 303)

        # The same cookie is signed in on both, and both list the same reviews.
        status_a, list_a = browser.at(a).get("/staff/")
        status_b, list_b = browser.at(b).get("/staff/")
        assert (status_a, status_b) == (200, 200)
        reviews_a = set(REVIEW_LINK.findall(list_a))
        assert reviews_a and reviews_a == set(REVIEW_LINK.findall(list_b))
        review_id = min(int(r) for r in reviews_a)

        # The facilitator starts the person's session on A ...
        status, _page = browser.at(a).post(
            f"/person/start/{review_id}", {}, csrf_from=f"/staff/reviews/{review_id}"
        )
        assert status in (302, 303)
        # ... and the tablet's next requests land on B: the prompt, then an answer.
        status, prompt = browser.at(b).get("/person/q/1")
        assert status == 200
        options = ANSWER.findall(prompt)
        assert options
        client_id = "two-" + uuid.uuid4().hex
        status, _page = browser.at(b).post(
            "/person/q/1", {"client_id": client_id, "answer": options[0]}, csrf_from="/person/q/1"
        )
        assert status == 303
        # B stored it in the shared database; A, still locked to the review, sees it chosen.
        engine = make_engine(shared_database)
        with engine.connect() as conn:
            stored = conn.execute(
                select(Response.review_id, Response.answer).where(Response.client_id == client_id)
            ).one()
        engine.dispose()
        assert stored.review_id == review_id and stored.answer == [options[0]]
        status, again = browser.at(a).get("/person/q/1")
        assert status == 200
        assert re.search(rf'value="{re.escape(options[0])}"[^>]*(chosen|checked)', again)
        # Still locked on both instances: the staff pages are out of reach.
        assert browser.at(a).get("/staff/")[0] in (302, 303)
        assert browser.at(b).get("/staff/")[0] in (302, 303)


def test_a_rate_limit_counts_requests_to_both_instances_through_redis(
    shared_database: str, tmp_path: Path
) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    need(bool(redis_url), "The shared rate-limit test needs Redis at REDIS_URL or TEST_REDIS_URL")
    assert redis_url
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001
        need(False, f"Redis at {redis_url} is not usable: {error}")
    # A made-up client address (through one trusted proxy) keeps this run's counter its own.
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    settings = {"REDIS_URL": redis_url, "RATELIMIT_SIGN_IN": "3 per minute", "TRUSTED_PROXIES": "1"}
    with ExitStack() as stack:
        a = stack.enter_context(instance(shared_database, tmp_path, **settings))
        b = stack.enter_context(instance(shared_database, tmp_path, **settings))
        browser = Browser(a, headers={"X-Forwarded-For": address})
        # An incomplete form: counted by the limiter, never reaching the password check (whose
        # own throttle would also answer 429).
        incomplete = {"email": "", "password": ""}
        statuses = [
            browser.at(port).post("/sign-in", incomplete, csrf_from="/sign-in")[0]
            for port in (a, b, a, b)
        ]
        assert statuses[:3] == [400, 400, 400]  # "enter your email address", not limited yet
        assert statuses[3] == 429  # two on each instance: only a shared counter reaches 3
