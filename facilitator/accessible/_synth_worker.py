"""Speech synthesis worker: runs pyttsx3 + eSpeak NG in its own process.

The parent (``facilitator.accessible.speech``) starts this as a subprocess so
that a hung or crashing eSpeak can be killed by a timeout without taking the
app with it, and so that only one engine ever exists per process (pyttsx3's
espeak driver initialises eSpeak once per process and is not thread safe).

It deliberately imports nothing from ``facilitator`` so it can be run by file
path without importing the application package.

Protocol (all JSON, UTF-8):

* ``--voices``: prints one line ``{"voices": [{"id", "name", "languages"}]}``.
* default: reads ``{"jobs": [{"id", "text", "voice", "rate", "out"}],
  "item_timeout": seconds}`` on stdin, writes each job's WAV to ``out`` and
  prints one result line per job as soon as it is finished:
  ``{"id", "ok": true, "bytes"}`` or ``{"id", "ok": false, "error"}``,
  then ``{"done": true}``.
* a problem that stops everything prints ``{"fatal": kind, "message"}`` and
  exits with status 3. ``kind`` is ``"pyttsx3"`` or ``"espeak"``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import wave
from typing import IO, Any

EXIT_FATAL = 3
# WAV header is 44 bytes; anything at or below that holds no audio.
_WAV_HEADER_BYTES = 44
_POLL_SECONDS = 0.005
_STARTUP_TIMEOUT = 10.0


class _Cancelled(RuntimeError):
    """The driver cancelled the utterance (it thought eSpeak was busy)."""


def _claim_stdout() -> IO[str]:
    """Keep fd 1 for our JSON lines and send everything else to stderr.

    pyttsx3's espeak driver prints "Audio saved to ..." from eSpeak's own
    thread, and C code may write to fd 1 too; either would corrupt the
    protocol, so the real stdout is duplicated and fd 1 is pointed at stderr.
    """
    sys.stdout.flush()
    private = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return private


def _emit(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()


def _fatal(out: IO[str], kind: str, message: str) -> int:
    _emit(out, {"fatal": kind, "message": message})
    return EXIT_FATAL


class _Synth:
    """One pyttsx3 engine, used strictly one utterance at a time."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._finished = threading.Event()
        self._completed = False
        self._errors: list[str] = []
        engine.connect("finished-utterance", self._on_finished)
        engine.connect("error", self._on_error)
        self.voice_ids = {v.id for v in engine.getProperty("voices")}
        # The driver's own __init__ queues SetParameter calls on eSpeak's
        # thread; calling runAndWait() while they run makes the driver's
        # stop() set a "stopping" flag that later cancels our first utterance.
        self._wait_until_idle(_STARTUP_TIMEOUT)
        # A fresh proxy starts "busy", which would queue our first
        # setProperty calls; one empty run leaves it idle.
        engine.runAndWait()
        self._wait_until_idle(_STARTUP_TIMEOUT)

    def _on_finished(self, name: str | None = None, completed: bool = True, **_: Any) -> None:
        # Called from eSpeak's callback thread, not ours.
        self._completed = bool(completed)
        self._finished.set()

    def _on_error(self, name: str | None = None, exception: Any = None, **_: Any) -> None:
        self._errors.append(repr(exception))

    def render(self, text: str, voice: str, rate: int, out_path: str, timeout: float) -> int:
        """Write one WAV and return its size; raise RuntimeError on any doubt."""
        if not text.strip():
            raise RuntimeError("empty text")
        # pyttsx3 ignores unknown voice ids silently, which would give English
        # audio for a Welsh prompt; refuse instead.
        if voice not in self.voice_ids:
            raise RuntimeError(f"voice {voice!r} is not installed")
        try:
            return self._attempt(text, voice, rate, out_path, timeout)
        except _Cancelled:
            # Belt and braces: the driver cancels when it thinks eSpeak is
            # still busy. Everything is idle again now, so one retry is safe.
            print("speech worker: utterance cancelled, retrying once", file=sys.stderr)
            self._wait_until_idle(timeout)
            return self._attempt(text, voice, rate, out_path, timeout)

    def _attempt(self, text: str, voice: str, rate: int, out_path: str, timeout: float) -> int:
        if os.path.exists(out_path):
            os.remove(out_path)
        self._finished.clear()
        self._errors.clear()
        self._set_voice_and_rate(voice, rate, timeout)
        self.engine.save_to_file(text, out_path)
        # runAndWait() returns once synthesis has *started* (the driver's
        # endLoop runs before Synth), so the finished-utterance event is the
        # real signal that the WAV has been written.
        self.engine.runAndWait()
        if not self._finished.wait(timeout):
            raise RuntimeError(f"no finished-utterance within {timeout:.0f} s")
        if not self._completed:
            raise _Cancelled("utterance was cancelled")
        if self._errors:
            raise RuntimeError("; ".join(self._errors))
        self._wait_until_idle(timeout)
        current = self.engine.getProperty("voice")
        if current != voice:
            raise RuntimeError(f"eSpeak used voice {current!r} instead of {voice!r}")
        return _wait_for_stable_file(out_path, timeout)

    def _set_voice_and_rate(self, voice: str, rate: int, timeout: float) -> None:
        # The proxy only applies properties at once when it is not busy;
        # otherwise they wait in its queue until runAndWait(), where the
        # driver's endLoop would run espeak_Cancel() over them.
        if self.engine.isBusy():
            raise RuntimeError("pyttsx3 engine is unexpectedly busy")
        self.engine.setProperty("voice", voice)
        self.engine.setProperty("rate", rate)
        # In eSpeak's asynchronous mode SetParameter(rate) is queued on its
        # own thread. If it is still running when runAndWait() starts, the
        # driver sees IsPlaying() and cancels our utterance, so let it finish.
        self._wait_until_idle(timeout)

    def _wait_until_idle(self, timeout: float) -> None:
        """Wait until eSpeak's own thread has no command running.

        That thread runs queued SetParameter calls and the driver callback;
        finished-utterance is sent from inside the callback, which then goes
        on to touch the driver's busy flag and run loop. Starting the next
        utterance before all that is over races with it: the driver then
        cancels utterances or runs our queued commands on eSpeak's thread.
        """
        deadline = time.monotonic() + timeout
        while self._is_playing():
            if time.monotonic() >= deadline:
                raise RuntimeError("eSpeak did not become idle")
            time.sleep(_POLL_SECONDS / 4)

    @staticmethod
    def _is_playing() -> bool:
        from pyttsx3.drivers import _espeak  # lazy: loads libespeak-ng, after pyttsx3 is checked

        return bool(_espeak.IsPlaying())


def _wait_for_stable_file(path: str, timeout: float) -> int:
    """Poll until the file exists with audio and its size stops changing."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        size = os.path.getsize(path) if os.path.exists(path) else -1
        if size > _WAV_HEADER_BYTES and size == last:
            _check_wav(path)
            return size
        last = size
        time.sleep(_POLL_SECONDS)
    raise RuntimeError("WAV file did not appear or kept growing")


def _check_wav(path: str) -> None:
    with wave.open(path, "rb") as wav:
        if wav.getnframes() == 0:
            raise RuntimeError("WAV file holds no audio")


def _load_engine(out: IO[str]) -> tuple[Any, int | None]:
    """Return (engine, None) or (None, exit status) after reporting why."""
    try:
        import pyttsx3  # lazy: a missing pyttsx3 is reported as a fatal line, not a traceback
    except ImportError as exc:
        return None, _fatal(out, "pyttsx3", f"pyttsx3 cannot be imported: {exc}")
    try:
        return pyttsx3.init("espeak"), None
    # The espeak driver raises RuntimeError when libespeak-ng is missing or
    # cannot initialise, OSError/ImportError for broken installs; any of them
    # just means "no server-side speech", so report rather than crash.
    except Exception as exc:  # noqa: BLE001
        return None, _fatal(out, "espeak", f"{type(exc).__name__}: {exc}")


def _list_voices(engine: Any, out: IO[str]) -> int:
    voices = [
        {"id": v.id, "name": v.name, "languages": list(v.languages or [])}
        for v in engine.getProperty("voices")
    ]
    _emit(out, {"voices": voices})
    return 0


def _run_jobs(engine: Any, out: IO[str], payload: dict[str, Any]) -> int:
    synth = _Synth(engine)
    item_timeout = float(payload.get("item_timeout", 20))
    for job in payload["jobs"]:
        try:
            size = synth.render(
                str(job["text"]),
                str(job["voice"]),
                int(job["rate"]),
                str(job["out"]),
                item_timeout,
            )
        # One bad prompt must not lose the rest of the batch.
        except Exception as exc:  # noqa: BLE001
            _emit(out, {"id": job["id"], "ok": False, "error": str(exc)})
        else:
            _emit(out, {"id": job["id"], "ok": True, "bytes": size})
    _emit(out, {"done": True})
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring for the protocol."""
    args = sys.argv[1:] if argv is None else argv
    out = _claim_stdout()
    engine, status = _load_engine(out)
    if engine is None:
        return status if status is not None else EXIT_FATAL
    if "--voices" in args:
        return _list_voices(engine, out)
    payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    return _run_jobs(engine, out, payload)


if __name__ == "__main__":
    # os._exit skips interpreter teardown: pyttsx3's espeak driver is known to
    # assert/hang on close, and we have nothing left to flush.
    code = main()
    sys.stderr.flush()
    os._exit(code)
