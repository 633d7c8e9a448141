"""The server dies in the middle of a session and comes back: nothing confirmed is lost.

A real gunicorn process serves a SQLite file with the demo data. The person answers two
prompts (confirmed), the server is killed with SIGKILL, the person answers three more (kept on
the tablet; the next screens come from the service worker), the tablet reloads a page while
the server is still down, the server starts again on the same port and the tablet's queue
drains by itself. Then, with the server running, ``flask backup`` takes a backup and
``flask restore`` puts it back; the database passes its integrity check and audit verify.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from facilitator.extensions import db

from ..conftest import TEST_SECRET
from .conftest import TABLET, assert_no_axe_violations
from .test_offline import (
    answer,
    prepare_review,
    question,
    queue_length,
    start_session,
    stored,
    waiting_message,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn in its own process group, so that SIGKILL takes master and workers at once."""

    def __init__(self, database: Path, audio: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": TEST_SECRET,
            "SPEECH_CACHE_DIR": str(audio),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": "2",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
                "facilitator:create_app()",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "flask"), "--app", "facilitator", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def server(live_app: Any, tmp_path: Path) -> Iterator[tuple[Server, int]]:
    review_id = prepare_review(live_app)
    database = Path(str(live_app.config["DATABASE_URL"]).removeprefix("sqlite:///"))
    if db.engine is not None:
        db.engine.dispose()
    running = Server(database, Path(live_app.config["SPEECH_CACHE_DIR"]), _free_port())
    running.start()
    yield running, review_id
    if running.process and running.process.poll() is None:
        running.kill()


def _integrity(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_server_killed_mid_session(
    browser: Any, live_app: Any, server: tuple[Server, int], tmp_path: Path
) -> None:
    running, review_id = server
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    start_session(page, running.url, review_id)
    page.get_by_role("link", name="Start").tap()
    question(page, 1)
    answer(page, "Very good")
    question(page, 2)
    answer(page, "Good")
    question(page, 3)
    assert [r.answer for r in stored(live_app, review_id)] == [["very-good"], ["good"]]

    running.kill()  # no goodbye: the process and its workers vanish
    answer(page, "No")
    expect(page.locator("#main .offline-saved")).to_be_visible()
    question(page, 4)
    answer(page, "This is working")
    question(page, 5)
    answer(page, "College")
    expect(waiting_message(page)).to_have_text(
        "3 answers are waiting to be sent. Keep the tablet on and near the wifi."
    )
    # A reload while the server is down: the page comes from the tablet, the queue stays.
    page.reload()
    expect(page.locator("#main h1")).to_be_visible()
    expect(waiting_message(page)).to_have_text(
        "3 answers are waiting to be sent. Keep the tablet on and near the wifi."
    )
    assert queue_length(page) == 3
    assert_no_axe_violations(page, "reloaded while the server is down")

    running.start()  # same port, same database file
    began = time.monotonic()
    expect(waiting_message(page)).to_have_text("All answers are sent.", timeout=40_000)
    drained_in = time.monotonic() - began
    assert queue_length(page) == 0
    expect(page.locator("#main .offline-saved")).to_have_text("Saved.")  # this screen's answer
    rows = stored(live_app, review_id)
    assert [r.answer for r in rows] == [["very-good"], ["good"], ["no"], ["working"], ["college"]]
    assert len({r.client_id for r in rows}) == 5
    assert drained_in < 20  # the 15-second timer, not a human, sent them

    # A backup while the app runs, then a restore while it still runs.
    database = Path(running.env["DATABASE_URL"].removeprefix("sqlite:///"))
    copy = tmp_path / "while-running.sqlite3"
    made = running.flask("backup", str(copy))
    assert made.returncode == 0, made.stderr
    with tarfile.open(copy) as archive:  # one archive: the database and its manifest
        archive.extract("database.sqlite3", tmp_path / "unpacked", filter="data")
    assert _integrity(tmp_path / "unpacked" / "database.sqlite3") == "ok"
    question(page, 5)
    page.locator("#main").get_by_role("link", name="Next", exact=True).tap()
    question(page, 6)
    page.locator("#main textarea#words").fill("Fish and chips on Friday")
    page.get_by_role("button", name="Save these words").tap()
    expect(page.locator("#main .said")).to_contain_text("Fish and chips on Friday")
    assert len(stored(live_app, review_id)) == 6
    # On by itself (switched on for Sam here), after the 3 seconds counted down on the screen.
    expect(page.locator("#main h1")).to_have_text(
        "This is what you told us. Is this right?", timeout=10_000
    )
    restored = running.flask("restore", str(copy), "--yes")
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert _integrity(database) == "ok"
    verified = running.flask("audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout
    assert len(stored(live_app, review_id)) == 5  # as it was when the backup was taken
    with urllib.request.urlopen(f"{running.url}/healthz", timeout=5) as response:
        assert response.status == 200
    # The app goes on serving the restored database ("Is this right?", reached by itself).
    page.reload()
    expect(page.locator("#main h1")).to_have_text("This is what you told us. Is this right?")
    expect(page.locator("#main .summary-row")).to_have_count(6)
    assert "Fish and chips" not in page.locator("#main").inner_text()
    context.close()
