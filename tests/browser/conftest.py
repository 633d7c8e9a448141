"""Browser tests: Debian's Chromium driven by Playwright, against a live server in a thread.

axe-core (from npm, pinned by the lock file) runs on every page the tests visit.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from facilitator.extensions import db
from facilitator.services import demo

from ..conftest import IN_CI, make_test_app, need

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
TABLET = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run."""
    need(CHROMIUM.exists(), "Chromium is not installed (apt-get install chromium)")
    need(AXE.exists(), "axe-core is not installed (npm ci)")

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def buffered(app: Any) -> Any:
    """Hand werkzeug's test server whole bodies, with the app's iterable already closed.

    The development server skips closing a response when the browser drops the connection
    mid-write (it navigated away), which leaves a static file open and fails the run with a
    ResourceWarning that is not about the app. gunicorn closes it; this wrapper makes the
    thread server do the same.
    """

    def wrapped(environ: Any, start_response: Any) -> list[bytes]:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return wrapped


class LiveServer:
    """The app served by werkzeug in a background thread, on a free port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Any]:
    """The app on a fresh SQLite database with the demo data."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_test_app(tmp_path, f"sqlite:///{path}", TESTING=False)
    with app.app_context():
        demo.load(db.session)
        db.session.commit()
    yield app
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def live_server(live_app: Any) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate() runs outside the page's CSP, so the strict policy can stay on.
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return result["violations"]  # type: ignore[no-any-return]


def assert_no_axe_violations(page: Any, where: str = "") -> None:
    """Fail with a readable summary of every axe-core violation on the page."""
    violations = run_axe(page)
    if violations:
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:5])
            for v in violations
        ]
        pytest.fail(f"axe-core violations on {where or page.url}:\n  " + "\n  ".join(summary))


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    """A tablet-sized page with touch."""
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


# Authenticator secrets read from the set-up page, and the last time step used, per server.
_SECRETS: dict[tuple[str, str], str] = {}
_LAST_STEP: dict[tuple[str, str], int] = {}


def remember_authenticator(base_url: str, email: str, secret: str) -> None:
    """For tests that set the second step up themselves: its secret, this step's code used."""
    _SECRETS[(base_url, email)] = secret
    _LAST_STEP[(base_url, email)] = int(time.time()) // 30


def type_second_factor_code(page: Any, base_url: str, email: str) -> None:
    """Type a code like an authenticator app would (never one already used: replay is refused)."""
    key = (base_url, email)
    now = int(time.time()) // 30
    step = max(now, _LAST_STEP.get(key, -1) + 1)
    if step > now + 1:  # two sign-ins of one account in one step already: wait for the next
        time.sleep((step - 1) * 30 - time.time() + 0.5)
    _LAST_STEP[key] = step
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(_SECRETS[key]).at(step * 30))


def sign_in_page(
    page: Any, base_url: str, email: str, password: str = "demo-password-2026"
) -> None:
    """Sign in through the forms like a person would, setting up the second step if asked."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/sign-in/set-up" in page.url:
        _SECRETS[(base_url, email)] = page.locator(".secret-key").inner_text().replace(" ", "")
        type_second_factor_code(page, base_url, email)
        page.get_by_role("button", name="Check the code and sign in").click()
        page.get_by_role("link", name="I have kept my codes, continue").click()
        page.wait_for_load_state()
    elif "/sign-in/code" in page.url:
        type_second_factor_code(page, base_url, email)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()


__all__ = [
    "IN_CI",
    "assert_no_axe_violations",
    "remember_authenticator",
    "sign_in_page",
    "type_second_factor_code",
]
