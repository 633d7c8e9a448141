"""The speech cache of each app instance, filled outside requests (issue 19).

Rendered speech is a cache on each machine's disk (``SPEECH_CACHE_DIR``), never shared. With
``SPEECH_RENDER_IN_BACKGROUND`` on, an instance fills its own:

- **at start-up**: one background thread per process renders every spoken text of the prompt
  library that this machine lacks, at the default rate first (what ``/readyz`` waits for when
  ``READY_REQUIRES_SPEECH`` is set), then at the other rates a person can choose;
- **on first need**: a screen that asks for audio that is not there yet is shown at once with
  the browser's own voice (``audio_url`` gives None), and the text is handed to the same thread,
  so the next screen that needs it has it. Nothing is rendered inside a request.

Failures (eSpeak NG missing, a voice missing, a synthesis that fails) are logged and the texts
are left to the browser's voice: a missing file never breaks a screen. Several processes and
threads may render into one folder at once: ``speech.render_many`` takes the folder's lock and
skips what another has already rendered.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from ..prompts.library import all_spoken_texts
from . import speech

LOG = logging.getLogger(__name__)
EXTENSION = "facilitator.speech_renderer"
# A screen asks for a handful of texts; beyond this many waiting, new wishes are dropped (the
# browser's voice is used) rather than holding memory without bound.
MAX_WAITING = 5000

Item = tuple[str, str, int]  # text, language, rate


class Renderer:
    """One background thread rendering (text, language, rate) wishes into one folder."""

    def __init__(self, cache_dir: Path, *, default_rate: int) -> None:
        self.cache_dir = Path(cache_dir)
        self.default_rate = default_rate
        self.waiting: queue.Queue[list[Item] | None] = queue.Queue()
        self.wanted: set[Item] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.rendered = 0
        self.failed = 0
        self.unavailable: str | None = None

    def start(self, library_texts: Callable[[], list[tuple[str, str]]] | None = None) -> None:
        """Start the thread; with ``library_texts``, first render the library's missing texts."""
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(
                target=self._run, args=(library_texts,), name="speech-cache", daemon=True
            )
            self.thread.start()

    def want(self, text: str, lang: str, rate: int) -> bool:
        """Ask for one text to be rendered soon; False if it is already asked for or the list
        is full."""
        item = (text, lang, rate)
        with self.lock:
            if item in self.wanted or len(self.wanted) >= MAX_WAITING:
                return False
            self.wanted.add(item)
        self.waiting.put([item])
        self.start()
        return True

    def idle(self) -> bool:
        """Nothing waiting and nothing being rendered."""
        with self.lock:
            return not self.wanted and self.waiting.empty()

    def _run(self, library_texts: Callable[[], list[tuple[str, str]]] | None) -> None:
        if library_texts is not None:
            texts = library_texts()
            rates = [self.default_rate] + sorted(set(speech.RATES.values()) - {self.default_rate})
            for rate in rates:
                self._render([(text, lang, rate) for text, lang in texts])
        while True:
            items = self.waiting.get()
            if items is None:
                return
            try:
                self._render(items)
            finally:
                with self.lock:
                    self.wanted.difference_update(items)

    def _render(self, items: list[Item]) -> None:
        by_rate: dict[int, list[tuple[str, str]]] = {}
        for text, lang, rate in items:
            by_rate.setdefault(rate, []).append((text, lang))
        for rate, texts in by_rate.items():
            try:
                report = speech.render_many(self.cache_dir, texts, rate=rate)
            except speech.SpeechUnavailable as error:
                if self.unavailable is None:
                    LOG.warning("speech cache: %s; %s", error, speech.FALLBACK_NOTE)
                self.unavailable = str(error)
                return
            except Exception:  # noqa: BLE001 - a render failure must never stop the thread
                LOG.exception("speech cache: rendering failed; %s", speech.FALLBACK_NOTE)
                self.failed += len(texts)
                continue
            self.rendered += report.rendered
            self.failed += len(report.failed)
            if report.rendered or report.failed:
                LOG.info(
                    "speech cache: %d rendered, %d failed at %d words a minute in %.1f s",
                    report.rendered,
                    len(report.failed),
                    rate,
                    report.seconds,
                )

    def stop(self) -> None:
        """Let the thread end after what it is doing (for tests)."""
        self.waiting.put(None)
        if self.thread is not None:
            self.thread.join(timeout=60)


def register_speech_cache(app: Flask) -> None:
    """With SPEECH_RENDER_IN_BACKGROUND, start this process's renderer on the library."""
    if not app.config.get("SPEECH_RENDER_IN_BACKGROUND"):
        return
    renderer = Renderer(
        Path(app.config["SPEECH_CACHE_DIR"]),
        default_rate=int(app.config.get("SPEECH_DEFAULT_RATE", speech.DEFAULT_RATE)),
    )
    app.extensions[EXTENSION] = renderer
    renderer.start(all_spoken_texts)


def render_later(text: str, lang: str, rate: int) -> None:
    """A screen lacked this audio: render it outside the request, if this app renders at all."""
    renderer = current_app.extensions.get(EXTENSION)
    if renderer is not None and renderer.unavailable is None:
        renderer.want(text, lang, rate)
