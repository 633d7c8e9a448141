"""Each instance fills its own speech cache outside requests (issue 19): the library's missing
texts at start-up, before /readyz says ready; a text a screen lacked, after that screen was
shown with the browser's voice. A renderer that fails never breaks a screen.

Real eSpeak NG where it is installed (scripts/setup.sh installs it); the library is cut down to
three texts so a start-up takes seconds, not minutes.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from facilitator.accessible import speech, speech_cache
from facilitator.services.data import readiness
from facilitator.views.person import screens

from ..conftest import need

LIBRARY = [("Do you like where you live?", "en"), ("Good", "en"), ("Ydych chi'n hoffi?", "cy")]


@pytest.fixture
def small_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(speech_cache, "all_spoken_texts", lambda: list(LIBRARY))
    monkeypatch.setattr(readiness, "all_spoken_texts", lambda: list(LIBRARY))
    readiness._COMPLETE.clear()
    yield
    readiness._COMPLETE.clear()


def _app(tmp_path: Path, sqlite_template: Path, **config: object) -> Flask:
    from ..conftest import make_test_app

    path = tmp_path / "app.sqlite3"
    shutil.copy(sqlite_template, path)
    return make_test_app(tmp_path, f"sqlite:///{path}", **config)


def _wait(condition, seconds: float = 90) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_an_instance_renders_what_it_lacks_at_start_up_before_it_is_ready(
    tmp_path: Path, sqlite_template: Path, small_library: None
) -> None:
    need(speech.speech_status().available, "eSpeak NG is not installed")
    app = _app(
        tmp_path, sqlite_template, SPEECH_RENDER_IN_BACKGROUND=True, READY_REQUIRES_SPEECH=True
    )
    renderer = app.extensions[speech_cache.EXTENSION]
    try:
        client = app.test_client()
        first = client.get("/readyz")
        cache = Path(app.config["SPEECH_CACHE_DIR"])
        if first.status_code == 503:  # the usual case: the thread has only just begun
            assert "spoken texts not rendered" in first.get_json()["reason"]
        assert _wait(lambda: client.get("/readyz").status_code == 200)
        for text, lang in LIBRARY:
            assert speech.cached_audio_path(cache, text, lang, speech.DEFAULT_RATE)
        # Then the other rates a person can choose.
        assert _wait(
            lambda: all(
                speech.cached_audio_path(cache, text, lang, rate)
                for text, lang in LIBRARY
                for rate in speech.RATES.values()
            )
        )
    finally:
        renderer.stop()


def test_a_missing_text_is_shown_with_the_browser_voice_then_rendered_outside_the_request(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need(speech.speech_status().available, "eSpeak NG is not installed")
    monkeypatch.setattr(speech_cache, "all_spoken_texts", lambda: [])
    app = _app(tmp_path, sqlite_template, SPEECH_RENDER_IN_BACKGROUND=True)
    renderer = app.extensions[speech_cache.EXTENSION]
    text = "A sentence nobody has asked for before."
    try:
        with app.test_request_context("/person/q/1"):
            started = time.monotonic()
            assert screens.audio_url(text, "en", 135) is None  # the browser's voice, now
            assert time.monotonic() - started < 0.5  # nothing rendered inside the request
        assert _wait(renderer.idle)
        with app.test_request_context("/person/q/1"):
            url = screens.audio_url(text, "en", 135)
        assert url and url.endswith(".mp3")
        assert renderer.rendered >= 1
    finally:
        renderer.stop()


def test_a_failing_renderer_never_breaks_a_screen(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(speech_cache, "all_spoken_texts", lambda: [])
    monkeypatch.setattr(speech, "render_many", broken)
    app = _app(tmp_path, sqlite_template, SPEECH_RENDER_IN_BACKGROUND=True)
    renderer = app.extensions[speech_cache.EXTENSION]
    try:
        for _ in range(2):
            with app.test_request_context("/person/q/1"):
                assert screens.audio_url("Never rendered.", "en", 135) is None
            assert _wait(renderer.idle, 10)
        assert renderer.failed == 2 and renderer.thread is not None
        assert renderer.thread.is_alive()  # the thread carries on after a failure
    finally:
        renderer.stop()


def test_without_the_setting_nothing_renders_in_the_background(
    tmp_path: Path, sqlite_template: Path
) -> None:
    app = _app(tmp_path, sqlite_template)
    assert speech_cache.EXTENSION not in app.extensions
    with app.test_request_context("/person/q/1"):
        assert screens.audio_url("Not rendered here.", "en", 135) is None
