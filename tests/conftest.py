"""Fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), app, client.

Every HTML response the test client receives passes the page-structure check.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.orm import Session

from facilitator import create_app
from facilitator.db import make_engine, upgrade
from facilitator.extensions import db
from facilitator.models import User, utcnow
from facilitator.services import demo as demo_service

from .structure import assert_fragment_ok, assert_page_ok

IN_CI = os.environ.get("CI") == "true"
TEST_SECRET = "test-secret-key-" + "x" * 40


def need(condition: bool, reason: str) -> None:
    """Skip a test whose service is missing, except in CI, where it must fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI requires it)", pytrace=False)
    pytest.skip(reason)


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test that needs a fresh database."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test run, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    admin_url = make_url(base)
    name = f"facilitator_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - report any connection failure the same way
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not usable: {error}", pytrace=False)
        yield None
        return
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def own_postgres_database(prefix: str) -> Iterator[str]:
    """A migrated PostgreSQL database of its own, for a test that commits for real; dropped after.

    The shared test database is only for tests that roll back: a test whose app commits (a real
    server, a CLI command, demo data) gets its own, so that it cannot leave rows for others.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    need(bool(base), "PostgreSQL tests need TEST_DATABASE_URL")
    assert base is not None
    name = f"facilitator_{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means no PostgreSQL
        admin.dispose()
        need(False, f"PostgreSQL at TEST_DATABASE_URL is not usable: {error}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        if db.engine is not None:
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, sqlite_template: Path, postgres_url: str | None, tmp_path: Path
) -> str:
    """The URL of a migrated database, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    need(postgres_url is not None, "PostgreSQL tests need TEST_DATABASE_URL")
    assert postgres_url is not None
    return postgres_url


@pytest.fixture
def session(db_url: str, _engines: dict[str, Engine]) -> Iterator[Session]:
    """A session whose every commit is rolled back at the end of the test.

    Services commit; in here a commit only releases a savepoint, so tests stay independent
    on a shared PostgreSQL database.
    """
    engine = _engines.get(db_url) or _engines.setdefault(db_url, make_engine(db_url))
    connection = engine.connect()
    outer = connection.begin()
    db_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield db_session
    finally:
        db_session.close()
        outer.rollback()
        connection.close()
        if db_url.startswith("sqlite"):
            engine.dispose()
            _engines.pop(db_url, None)


# --- the app ---------------------------------------------------------------------------------


class CheckedClient(FlaskClient):
    """A test client that checks the structure of every HTML page it receives."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("text/html") and not 300 <= response.status_code < 400:
            body = response.get_data(as_text=True)
            where = f"({response.request.method} {response.request.path} -> {response.status_code})"
            if response.headers.get("HX-Request-Fragment") or "<html" not in body[:200]:
                assert_fragment_ok(body, where)
            else:
                assert_page_ok(body, where)
        return response


def make_test_app(tmp_path: Path, database_url: str, **overrides: object) -> Flask:
    """An app for tests, its instance folder in tmp_path."""
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SPEECH_CACHE_DIR": str(tmp_path / "audio"),
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = CheckedClient
    return app


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    """The app on a fresh SQLite copy."""
    path = tmp_path / "app.sqlite3"
    shutil.copy(sqlite_template, path)
    application = make_test_app(tmp_path, f"sqlite:///{path}")
    yield application

    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo(app: Flask) -> dict[str, object]:
    """The demo data loaded into the app's database."""
    with app.app_context():
        data = demo_service.load(db.session)
        db.session.commit()
        ids = {
            "users": {k: v.id for k, v in data["users"].items() if isinstance(k, str) and "@" in k},
            "reviews": {k: v.id for k, v in data["reviews"].items()},
        }
    return ids


CSRF_RE = re.compile(
    r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, email: str, password: str = "demo-password-2026"):  # type: ignore[no-untyped-def]
    """Sign in through the real forms (CSRF and all) and return the last response.

    After a right password comes the second step: the account is enrolled in the database
    if it has no authenticator yet, then the current code is typed (see second_factor_code).
    """
    page = client.get("/sign-in")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if not location.startswith(("/sign-in/code", "/sign-in/set-up")):
        return response

    app = client.application
    with app.app_context():
        code = second_factor_code(db.session, email)
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})


def second_factor_code(db_session: Session, email: str) -> str:
    """The current code for an account, enrolling it first if needed (committed).

    The account's replay marker is cleared, so that tests may sign the same account in
    several times within one 30-second step; test_two_factor tests replay protection itself.
    """
    user = db_session.scalar(select(User).where(User.email == email.strip().lower()))
    assert user is not None, f"no account {email}"
    if user.totp_enabled_at is None or not user.totp_secret:
        user.totp_secret = user.totp_secret or pyotp.random_base32(32)
        user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    db_session.commit()
    return pyotp.TOTP(user.totp_secret).now()
