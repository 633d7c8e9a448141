"""Spoken prompts: render easy-read text to small MP3 files with eSpeak NG.

How it fits together:

* Audio is rendered ahead of time (``flask speech render``) into a flat cache
  directory of ``<sha256>.mp3`` files. The web only ever looks files up with
  :func:`cached_audio_path`; it never synthesises inside a request, and when
  a file is missing the page falls back to the browser's own voice.
* Synthesis runs pyttsx3 + eSpeak NG in a separate worker process
  (``_synth_worker.py``) with a timeout, so a hung eSpeak is killed rather
  than hanging the app, and there is only ever one engine per process.
* Files are written to a temporary name and moved into place with
  ``os.replace`` so a half-written file is never served, and an exclusive
  ``flock`` on ``<cache>/.lock`` serialises synthesis across processes.

One module over 400 lines because it is one pipeline (text, key, worker, MP3, cache) whose
parts share one state: the key's format version, the probed voices and the worker's protocol,
which its tests replace in this one place.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lameenc

from ..i18n import SUPPORTED

log = logging.getLogger(__name__)

# App language code -> eSpeak NG voice id, exactly as pyttsx3's espeak driver
# reports it (the voice file path under espeak-ng-data/voices, lower case): from the one
# list of languages (i18n.SUPPORTED), with their English names for the command-line reports.
VOICES: dict[str, str] = {language.code: language.voice for language in SUPPORTED}
LANGUAGE_NAMES: dict[str, str] = {language.code: language.english_name for language in SUPPORTED}

# Words per minute. eSpeak's own default (175) is too quick for many people
# with a learning disability or dementia; 135 is an easy-read pace.
DEFAULT_RATE = 135
MIN_RATE = 80
MAX_RATE = 220
RATES: dict[str, int] = {"slow": 110, "normal": 135, "fast": 165}

# Bump FORMAT_VERSION whenever the audio would sound or encode differently
# for the same text, voice and rate, so stale files are never reused.
FORMAT_VERSION = "espeak-ng/mp3/22050Hz/mono/32kbps/v1"
MP3_SAMPLE_RATE = 22050
MP3_BITRATE_KBPS = 32

FALLBACK_NOTE = "the browser's own voice will be used"
WORKER_PATH = Path(__file__).with_name("_synth_worker.py")
LOCK_NAME = ".lock"
STATUS_TIMEOUT = 20.0
# Worker time allowance. Measured: ~60 ms to start the worker and ~20 ms per
# sentence, so these are generous headroom for slow or loaded machines.
BATCH_BASE_SECONDS = 15.0
BATCH_PER_ITEM_SECONDS = 2.0
BATCH_SIZE = 100


class SpeechError(Exception):
    """Speech could not be produced for this text (bad input or synthesis)."""


class SpeechUnavailable(SpeechError):
    """Server-side speech is not usable here (eSpeak NG or a voice missing)."""


@dataclass(frozen=True)
class SpeechStatus:
    """Whether server-side speech works, and which app languages have a voice."""

    available: bool
    reason: str
    voices: dict[str, bool] = field(default_factory=dict)


@dataclass
class RenderReport:
    """Outcome of :func:`render_many`.

    ``bytes_total`` and ``max_bytes`` cover every file the batch ended up with
    (rendered now or already cached), so they describe the library's size.
    """

    rendered: int = 0
    cached: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0
    bytes_total: int = 0
    max_bytes: int = 0

    @property
    def files(self) -> int:
        """Number of MP3 files now available for this batch."""
        return self.rendered + self.cached

    @property
    def average_bytes(self) -> float:
        """Mean MP3 size, 0 when there are no files."""
        return self.bytes_total / self.files if self.files else 0.0

    def _count_file(self, path: Path) -> None:
        size = path.stat().st_size
        self.bytes_total += size
        self.max_bytes = max(self.max_bytes, size)


# --------------------------------------------------------------------------
# Keys and cache look-ups (cheap, never synthesise)
# --------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Return the text as it is spoken and keyed: NFC, whitespace collapsed.

    Collapsing whitespace means a template's stray newline or double space
    still finds the same audio.
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


def check_rate(rate: int) -> int:
    """Return ``rate`` if it is a whole number of words a minute in range.

    Raises ValueError otherwise (a programming or settings error, not speech).
    """
    if isinstance(rate, bool) or not isinstance(rate, int):
        raise ValueError(f"speech rate must be a whole number, not {rate!r}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"speech rate {rate} is outside {MIN_RATE}-{MAX_RATE} words a minute")
    return rate


def voice_for(lang: str) -> str:
    """Return the eSpeak NG voice id for an app language, or raise SpeechError."""
    try:
        return VOICES[lang]
    except KeyError:
        known = ", ".join(sorted(VOICES))
        raise SpeechError(f"no speech voice for language {lang!r} (known: {known})") from None


def _checked_text(text: str) -> str:
    spoken = normalise_text(text)
    if not spoken:
        raise SpeechError("there is no text to speak")
    return spoken


def speech_key(text: str, lang: str, rate: int) -> str:
    """Return the sha256 hex cache key for speaking ``text`` in ``lang`` at ``rate``.

    The canonical string holds the format version, voice id, rate and the
    normalised text, so a change to any of them gives a new file.
    Raises SpeechError for empty text or an unknown language, ValueError for
    a rate out of range.
    """
    spoken = _checked_text(text)
    canonical = json.dumps(
        [FORMAT_VERSION, voice_for(lang), check_rate(rate), spoken],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audio_filename(text: str, lang: str, rate: int) -> str:
    """Return the cache file name, ``"<key>.mp3"``."""
    return f"{speech_key(text, lang, rate)}.mp3"


def cached_audio_path(cache_dir: Path, text: str, lang: str, rate: int) -> Path | None:
    """Return the MP3 path if it has been rendered, else None. Never synthesises.

    Safe for web requests: empty text or a language without a voice simply
    has no audio (None). A rate out of range still raises ValueError.
    """
    try:
        name = audio_filename(text, lang, rate)
    except SpeechError:
        return None
    path = Path(cache_dir) / name
    with contextlib.suppress(OSError):
        if path.stat().st_size > 0:
            return path
    return None


# --------------------------------------------------------------------------
# Worker process
# --------------------------------------------------------------------------


@dataclass
class _WorkerRun:
    messages: list[dict[str, Any]]
    returncode: int | None
    stderr: str
    timed_out: bool


def _worker_command() -> list[str]:
    """Command that starts the synthesis worker.

    Run by file path rather than ``-m facilitator...`` so the worker does not
    import (and pay for) the whole application package.
    """
    return [sys.executable, str(WORKER_PATH)]


def _parse_lines(stdout: bytes | str | None) -> list[dict[str, Any]]:
    if not stdout:
        return []
    text = stdout.decode("utf-8", "replace") if isinstance(stdout, bytes) else stdout
    messages = []
    for line in text.splitlines():
        # A killed worker can leave a torn last line; skip it.
        with contextlib.suppress(ValueError):
            message = json.loads(line)
            if isinstance(message, dict):
                messages.append(message)
    return messages


def _run_worker(args: list[str], payload: bytes | None, timeout: float) -> _WorkerRun:
    """Run the worker once; on timeout it is killed and partial output kept."""
    try:
        proc = subprocess.run(  # noqa: S603 - fixed command, no shell
            _worker_command() + args,
            input=payload if payload is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        # subprocess.run has already killed and reaped the child.
        stderr = exc.stderr.decode("utf-8", "replace") if exc.stderr else ""
        return _WorkerRun(_parse_lines(exc.stdout), None, stderr, True)
    except OSError as exc:
        return _WorkerRun([], None, f"could not start speech worker: {exc}", False)
    return _WorkerRun(
        _parse_lines(proc.stdout), proc.returncode, proc.stderr.decode("utf-8", "replace"), False
    )


def _fatal_reason(run: _WorkerRun) -> str | None:
    """Plain-English reason the worker could not do anything, if any."""
    for message in run.messages:
        if "fatal" in message:
            log.warning("speech worker: %s", message.get("message"))
            if message["fatal"] == "pyttsx3":
                return f"pyttsx3 is not installed; {FALLBACK_NOTE}"
            return f"eSpeak NG is not installed; {FALLBACK_NOTE}"
    return None


# --------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------

_status: SpeechStatus | None = None
_status_lock = threading.Lock()


def speech_status(refresh: bool = False) -> SpeechStatus:
    """Return whether pyttsx3 + eSpeak NG work and which languages have a voice.

    Probed once per process in a subprocess (so a missing or broken
    libespeak-ng can never crash the caller) and cached; ``refresh=True``
    probes again.
    """
    global _status
    with _status_lock:
        if _status is None or refresh:
            _status = _probe_status()
        return _status


def _probe_status() -> SpeechStatus:
    run = _run_worker(["--voices"], None, STATUS_TIMEOUT)
    no_voices = {lang: False for lang in VOICES}
    fatal = _fatal_reason(run)
    if fatal:
        return SpeechStatus(False, fatal, no_voices)
    if run.timed_out:
        return SpeechStatus(False, f"eSpeak NG did not respond; {FALLBACK_NOTE}", no_voices)
    listing = next((m["voices"] for m in run.messages if "voices" in m), None)
    if listing is None:
        log.warning("speech worker failed (%s): %s", run.returncode, run.stderr.strip())
        return SpeechStatus(False, f"eSpeak NG could not be started; {FALLBACK_NOTE}", no_voices)
    installed = {str(v.get("id", "")) for v in listing}
    voices = {lang: voice in installed for lang, voice in VOICES.items()}
    missing = [lang for lang, ok in voices.items() if not ok]
    if len(missing) == len(voices):
        return SpeechStatus(False, f"no eSpeak NG voices are installed; {FALLBACK_NOTE}", voices)
    if missing:
        names = ", ".join(f"{LANGUAGE_NAMES.get(m, m)} ({m})" for m in missing)
        return SpeechStatus(True, f"no eSpeak NG voice for {names}; {FALLBACK_NOTE}", voices)
    return SpeechStatus(True, "", voices)


def _require_voice(lang: str) -> None:
    status = speech_status()
    if not status.available:
        raise SpeechUnavailable(status.reason)
    if not status.voices.get(lang):
        name = LANGUAGE_NAMES.get(lang, lang)
        raise SpeechUnavailable(f"the eSpeak NG voice for {name} ({VOICES[lang]}) is not installed")


# --------------------------------------------------------------------------
# Writing the cache
# --------------------------------------------------------------------------


@contextlib.contextmanager
def _cache_lock(cache_dir: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on ``cache_dir/.lock``.

    flock locks belong to the open file description, so this serialises
    threads of one process as well as separate processes. Polled rather than
    blocking so a stuck holder turns into a SpeechError, not a hang.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(cache_dir / LOCK_NAME, "a+b") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SpeechError("the speech cache is busy; try again shortly") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _encode_mp3(wav_path: Path) -> bytes:
    """Encode eSpeak's 16-bit mono WAV as CBR MP3 (small, plays everywhere)."""
    with wave.open(str(wav_path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise SpeechError("eSpeak produced an unexpected WAV format")
        in_rate = wav.getframerate()
        pcm = wav.readframes(wav.getnframes())
    if not pcm:
        raise SpeechError("eSpeak produced no audio")
    encoder = lameenc.Encoder()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(in_rate)
    encoder.set_out_sample_rate(MP3_SAMPLE_RATE)
    encoder.set_bit_rate(MP3_BITRATE_KBPS)
    # 5 is LAME's standard speed/quality trade-off; 2 took ~40% longer here
    # for the same (CBR) size, and encoding dominates batch render time.
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm) + encoder.flush())


def _write_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` so readers see either nothing or all of it."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes 0600 files; a front-end web server may need to read them.
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class _Job:
    text: str  # normalised, as spoken
    lang: str
    rate: int
    key: str


def _make_job(text: str, lang: str, rate: int) -> _Job:
    return _Job(_checked_text(text), lang, rate, speech_key(text, lang, rate))


def _batch_timeout(count: int) -> float:
    return BATCH_BASE_SECONDS + BATCH_PER_ITEM_SECONDS * count


def _synthesise(cache_dir: Path, jobs: list[_Job], timeout: float) -> dict[str, str | None]:
    """Render jobs in one worker run; return key -> None on success or a reason.

    The caller must hold the cache lock.
    """
    results: dict[str, str | None] = {}
    with tempfile.TemporaryDirectory(prefix="facilitator-speech-") as tmp:
        wavs = {str(i): Path(tmp) / f"{i}.wav" for i in range(len(jobs))}
        payload = {
            "item_timeout": min(20.0, timeout),
            "jobs": [
                {
                    "id": str(i),
                    "text": j.text,
                    "voice": VOICES[j.lang],
                    "rate": j.rate,
                    "out": str(wavs[str(i)]),
                }
                for i, j in enumerate(jobs)
            ],
        }
        run = _run_worker([], json.dumps(payload).encode("utf-8"), timeout)
        _log_worker_notes(run)
        outcome = {str(m["id"]): m for m in run.messages if "id" in m}
        default = _batch_failure_reason(run, timeout)
        for i, job in enumerate(jobs):
            message = outcome.get(str(i))
            if message is None:
                results[job.key] = default
            elif not message.get("ok"):
                results[job.key] = f"eSpeak failed: {message.get('error', 'unknown error')}"
            else:
                results[job.key] = _store(cache_dir, job, wavs[str(i)])
    return results


def _log_worker_notes(run: _WorkerRun) -> None:
    # The worker marks its own diagnostics (e.g. a retried utterance) so they
    # stand out from eSpeak's and pyttsx3's chatter on stderr.
    for line in run.stderr.splitlines():
        if line.startswith("speech worker:"):
            log.warning("%s", line)


def _batch_failure_reason(run: _WorkerRun, timeout: float) -> str:
    """Reason given to jobs the worker never reported on."""
    fatal = _fatal_reason(run)
    if fatal:
        return fatal
    if run.timed_out:
        return f"speech synthesis timed out after {timeout:g} s and was stopped"
    detail = run.stderr.strip().splitlines()[-1:] or ["no output"]
    return f"speech worker stopped unexpectedly (exit {run.returncode}): {detail[0]}"


def _store(cache_dir: Path, job: _Job, wav_path: Path) -> str | None:
    try:
        _write_atomic(cache_dir / f"{job.key}.mp3", _encode_mp3(wav_path))
    except (SpeechError, OSError, wave.Error) as exc:
        return f"could not store audio: {exc}"
    return None


# --------------------------------------------------------------------------
# Public rendering API
# --------------------------------------------------------------------------


def render_one(
    cache_dir: Path, text: str, lang: str, rate: int = DEFAULT_RATE, timeout: float = 30
) -> Path:
    """Return the MP3 for ``text``, synthesising it first if it is not cached.

    Raises SpeechError for empty text, an unknown language or a failed or
    timed-out synthesis; SpeechUnavailable (a SpeechError) when eSpeak NG or
    the language's voice is not installed; ValueError for a rate out of range.
    ``timeout`` (seconds) bounds the wait for the cache lock and, separately,
    the synthesis; a worker still running then is killed. Not for use inside
    a web request: it can take seconds.
    """
    cache_dir = Path(cache_dir)
    job = _make_job(text, lang, rate)
    path = cache_dir / f"{job.key}.mp3"
    if cached_audio_path(cache_dir, text, lang, rate):
        return path
    _require_voice(lang)
    with _cache_lock(cache_dir, timeout):
        # Another thread or process may have rendered it while we waited.
        if cached_audio_path(cache_dir, text, lang, rate):
            return path
        reason = _synthesise(cache_dir, [job], timeout)[job.key]
    if reason:
        raise SpeechError(f"could not speak {_preview(job.text)!r} in {lang}: {reason}")
    return path


def render_many(
    cache_dir: Path,
    items: Iterable[tuple[str, str]],
    rate: int = DEFAULT_RATE,
    *,
    timeout: float | None = None,
) -> RenderReport:
    """Render every (text, lang) pair that is not already cached.

    Misses are rendered in batches, each by one worker process with one
    engine, so start-up is paid once per batch, not once per prompt. Cache
    hits cost no synthesis. Duplicates are counted once. Bad items (empty
    text, unknown language, missing voice, synthesis failure) are listed in
    ``failed`` rather than raised. ``timeout`` is per batch and defaults to a
    figure that grows with the batch size.

    Raises ValueError for a rate out of range and SpeechUnavailable when
    something needs rendering but eSpeak NG is not usable at all.
    """
    started = time.monotonic()
    cache_dir = Path(cache_dir)
    check_rate(rate)
    report = RenderReport()
    misses = _sort_items(cache_dir, items, rate, report)
    if misses:
        status = speech_status()
        if not status.available:
            raise SpeechUnavailable(status.reason)
        misses = _drop_missing_voices(misses, status, report)
    for start in range(0, len(misses), BATCH_SIZE):
        chunk = misses[start : start + BATCH_SIZE]
        _render_chunk(cache_dir, chunk, timeout or _batch_timeout(len(chunk)), report)
    report.seconds = time.monotonic() - started
    return report


def _sort_items(
    cache_dir: Path, items: Iterable[tuple[str, str]], rate: int, report: RenderReport
) -> list[_Job]:
    """Count cache hits and failures into ``report``; return unique misses."""
    seen: set[str] = set()
    misses: list[_Job] = []
    for text, lang in items:
        try:
            job = _make_job(text, lang, rate)
        except SpeechError as exc:
            report.failed.append((text, lang, str(exc)))
            continue
        if job.key in seen:
            continue
        seen.add(job.key)
        hit = cached_audio_path(cache_dir, text, lang, rate)
        if hit:
            report.cached += 1
            report._count_file(hit)
        else:
            misses.append(job)
    return misses


def _drop_missing_voices(
    jobs: list[_Job], status: SpeechStatus, report: RenderReport
) -> list[_Job]:
    kept = []
    for job in jobs:
        if status.voices.get(job.lang):
            kept.append(job)
        else:
            name = LANGUAGE_NAMES.get(job.lang, job.lang)
            report.failed.append((job.text, job.lang, f"the voice for {name} is not installed"))
    return kept


def _render_chunk(cache_dir: Path, jobs: list[_Job], timeout: float, report: RenderReport) -> None:
    with _cache_lock(cache_dir, timeout):
        todo = []
        for job in jobs:
            hit = cached_audio_path(cache_dir, job.text, job.lang, job.rate)
            if hit:
                report.cached += 1
                report._count_file(hit)
            else:
                todo.append(job)
        results = _synthesise(cache_dir, todo, timeout) if todo else {}
    for job in todo:
        reason = results[job.key]
        if reason:
            report.failed.append((job.text, job.lang, reason))
        else:
            report.rendered += 1
            report._count_file(cache_dir / f"{job.key}.mp3")


def _preview(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
