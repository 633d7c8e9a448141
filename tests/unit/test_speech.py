"""Tests for the speech pipeline (facilitator.accessible.speech).

Tests marked with the ``espeak`` fixture need pyttsx3 + eSpeak NG. They skip
when it is missing on a developer machine, but fail under CI=true: CI must
actually exercise real synthesis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from flask import Flask

from facilitator.accessible import speech
from facilitator.accessible.speech import (
    DEFAULT_RATE,
    MAX_RATE,
    MIN_RATE,
    RATES,
    VOICES,
    SpeechError,
    SpeechStatus,
    SpeechUnavailable,
    audio_filename,
    cached_audio_path,
    render_many,
    render_one,
    speech_key,
    speech_status,
)
from facilitator.cli import speech as speech_commands
from facilitator.cli.speech import speech_cli

PROMPT = "Hello. Can you tell me what you like to do on a Sunday?"
WELSH_PROMPT = "Helo. Beth wyt ti'n hoffi ei wneud ar ddydd Sul?"
ALL_VOICES = SpeechStatus(True, "", {lang: True for lang in VOICES})


# ---------------------------------------------------------------- helpers


@pytest.fixture
def espeak() -> SpeechStatus:
    """Real speech status; skip (or fail on CI) when eSpeak NG is unusable."""
    status = speech_status()
    if not status.available:
        reason = f"server-side speech unavailable: {status.reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run speech tests, but {reason}")
        pytest.skip(reason)
    return status


@pytest.fixture
def fake_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend every voice is installed, for tests that never reach eSpeak."""
    monkeypatch.setattr(speech, "_status", ALL_VOICES)


@pytest.fixture
def fresh_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test probe status again; the cached value is restored afterwards."""
    monkeypatch.setattr(speech, "_status", None)


def count_worker_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Wrap the worker runner and return the list of argument lists it saw."""
    calls: list[list[str]] = []
    real = speech._run_worker

    def counting(args: list[str], payload: bytes | None, timeout: float) -> speech._WorkerRun:
        calls.append(list(args))
        return real(args, payload, timeout)

    monkeypatch.setattr(speech, "_run_worker", counting)
    return calls


def forbid_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a cache hit must not start synthesis")

    monkeypatch.setattr(speech, "_run_worker", refuse)
    monkeypatch.setattr(speech, "_worker_command", refuse)


# MPEG audio version bits -> (bitrate table kbps for layer III, sample rates)
_MPEG = {
    0b11: (
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [44100, 48000, 32000],
        1152,
    ),
    0b10: (
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [22050, 24000, 16000],
        576,
    ),
    0b00: (
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [11025, 12000, 8000],
        576,
    ),
}


def mp3_frames(data: bytes) -> tuple[int, float, set[int], set[int]]:
    """Walk MPEG layer III frames: (count, seconds, bitrates, sample rates)."""
    pos = 0
    if data[:3] == b"ID3":
        size = data[6:10]
        pos = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
    frames, seconds, bitrates, rates = 0, 0.0, set(), set()
    while pos + 4 <= len(data):
        b1, b2 = data[pos + 1], data[pos + 2]
        assert data[pos] == 0xFF and b1 & 0xE0 == 0xE0, f"lost frame sync at byte {pos}"
        version, layer = (b1 >> 3) & 0b11, (b1 >> 1) & 0b11
        assert layer == 0b01, "not layer III"
        kbps_table, rate_table, samples = _MPEG[version]
        kbps, rate = kbps_table[b2 >> 4], rate_table[(b2 >> 2) & 0b11]
        padding = (b2 >> 1) & 1
        length = (samples // 8) * kbps * 1000 // rate + padding
        frames += 1
        seconds += samples / rate
        bitrates.add(kbps)
        rates.add(rate)
        pos += length
    return frames, seconds, bitrates, rates


def assert_valid_mp3(path: Path) -> float:
    """Check the file is a small, sane mono MP3 and return its duration."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    assert 2 * 1024 <= len(data) <= 40 * 1024, f"{len(data)} bytes"
    # CBR, so size / bitrate is a good estimate of the length.
    estimated = len(data) * 8 / (speech.MP3_BITRATE_KBPS * 1000)
    frames, seconds, bitrates, rates = mp3_frames(data)
    assert bitrates == {speech.MP3_BITRATE_KBPS}
    assert rates == {speech.MP3_SAMPLE_RATE}
    assert estimated > 0.5 and seconds > 0.5
    assert abs(estimated - seconds) < 0.2
    return seconds


# ---------------------------------------------------------------- keys


def test_voice_table_and_rates() -> None:
    assert set(VOICES) == {"en", "cy", "pl", "ur"}
    assert VOICES["en"] == "gmw/en"  # British English; en-us is "gmw/en-us"
    assert DEFAULT_RATE == 135 == RATES["normal"]
    assert RATES == {"slow": 110, "normal": 135, "fast": 165}
    assert all(MIN_RATE <= r <= MAX_RATE for r in RATES.values())
    assert (MIN_RATE, MAX_RATE) == (80, 220)


def test_key_is_stable_hex() -> None:
    key = speech_key(PROMPT, "en", 135)
    assert key == speech_key(PROMPT, "en", 135)
    assert len(key) == 64 and int(key, 16) >= 0
    assert audio_filename(PROMPT, "en", 135) == f"{key}.mp3"


def test_text_voice_and_rate_each_change_the_key() -> None:
    base = speech_key(PROMPT, "en", 135)
    assert speech_key(PROMPT + "!", "en", 135) != base
    assert speech_key(PROMPT, "cy", 135) != base
    assert speech_key(PROMPT, "en", 136) != base
    assert len({base, speech_key(PROMPT, "pl", 135), speech_key(PROMPT, "ur", 135)}) == 3


def test_key_changes_with_voice_id_and_format(monkeypatch: pytest.MonkeyPatch) -> None:
    base = speech_key(PROMPT, "en", 135)
    monkeypatch.setitem(VOICES, "en", "gmw/en-gb-x-rp")
    assert speech_key(PROMPT, "en", 135) != base
    monkeypatch.setitem(VOICES, "en", "gmw/en")
    monkeypatch.setattr(speech, "FORMAT_VERSION", "test-v999")
    assert speech_key(PROMPT, "en", 135) != base


def test_key_ignores_layout_whitespace_only() -> None:
    assert speech_key(f"  {PROMPT}\n", "en", 135) == speech_key(PROMPT, "en", 135)
    assert speech_key(PROMPT.replace(" ", "  "), "en", 135) == speech_key(PROMPT, "en", 135)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(SpeechError, match="no text"):
        render_one(tmp_path, text, "en")
    with pytest.raises(SpeechError):
        speech_key(text, "en", 135)


def test_unknown_language_refused(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no speech voice for language 'xx'"):
        render_one(tmp_path, PROMPT, "xx")
    with pytest.raises(SpeechError):
        speech_key(PROMPT, "en-us", 135)


@pytest.mark.parametrize("rate", [79, 221, 0, -135, 135.0, True, "135"])
def test_rate_out_of_range_refused(tmp_path: Path, rate: object) -> None:
    with pytest.raises(ValueError):
        render_one(tmp_path, PROMPT, "en", rate=rate)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        render_many(tmp_path, [(PROMPT, "en")], rate=rate)  # type: ignore[arg-type]


def test_rate_limits_accepted() -> None:
    assert speech_key(PROMPT, "en", MIN_RATE) != speech_key(PROMPT, "en", MAX_RATE)


def test_cached_path_never_synthesises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_worker(monkeypatch)
    assert cached_audio_path(tmp_path, PROMPT, "en", 135) is None
    assert cached_audio_path(tmp_path, PROMPT, "xx", 135) is None
    assert cached_audio_path(tmp_path, "  ", "en", 135) is None
    (tmp_path / audio_filename(PROMPT, "en", 135)).write_bytes(b"")
    assert cached_audio_path(tmp_path, PROMPT, "en", 135) is None  # empty is not rendered
    (tmp_path / audio_filename(PROMPT, "en", 135)).write_bytes(b"\xff\xf3" + b"\0" * 100)
    assert cached_audio_path(tmp_path, PROMPT, "en", 135) == tmp_path / audio_filename(
        PROMPT, "en", 135
    )


def test_missing_voice_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        speech, "_status", SpeechStatus(True, "", {**ALL_VOICES.voices, "cy": False})
    )
    forbid_worker(monkeypatch)
    with pytest.raises(SpeechUnavailable, match=r"Welsh \(cel/cy\) is not installed"):
        render_one(tmp_path, WELSH_PROMPT, "cy")
    report = render_many(tmp_path, [(WELSH_PROMPT, "cy")])
    assert report.rendered == 0 and len(report.failed) == 1


def test_unavailable_speech_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "eSpeak NG is not installed; the browser's own voice will be used"
    monkeypatch.setattr(speech, "_status", SpeechStatus(False, reason, {}))
    forbid_worker(monkeypatch)
    with pytest.raises(SpeechUnavailable, match="not installed"):
        render_one(tmp_path, PROMPT, "en")
    with pytest.raises(SpeechUnavailable):
        render_many(tmp_path, [(PROMPT, "en")])


# ---------------------------------------------------------------- status


def _fake_pyttsx3(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shadow pyttsx3 for the worker subprocess only (via PYTHONPATH)."""
    package = tmp_path / "fake" / "pyttsx3"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(body))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))


def test_status_when_espeak_library_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_status: None
) -> None:
    # What pyttsx3's espeak driver raises when libespeak-ng.so.1 is absent.
    _fake_pyttsx3(
        tmp_path,
        """
        def init(driverName=None, debug=False):
            raise RuntimeError(
                "This means you probably do not have eSpeak or eSpeak-ng installed!")
        """,
        monkeypatch,
    )
    status = speech_status(refresh=True)
    assert status == SpeechStatus(
        False,
        "eSpeak NG is not installed; the browser's own voice will be used",
        {lang: False for lang in VOICES},
    )
    with pytest.raises(SpeechUnavailable, match="eSpeak NG is not installed"):
        render_one(tmp_path, PROMPT, "en")


def test_status_when_pyttsx3_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_status: None
) -> None:
    _fake_pyttsx3(tmp_path, "raise ImportError('No module named pyttsx3')\n", monkeypatch)
    status = speech_status(refresh=True)
    assert not status.available
    assert status.reason.startswith("pyttsx3 is not installed")


def test_status_is_cached(monkeypatch: pytest.MonkeyPatch, fresh_status: None) -> None:
    first = speech_status()
    forbid_worker(monkeypatch)
    assert speech_status() is first


def test_status_reports_real_voices(espeak: SpeechStatus) -> None:
    assert espeak.voices["en"] is True
    assert set(espeak.voices) == set(VOICES)


def test_worker_refuses_unknown_voice_id(espeak: SpeechStatus, tmp_path: Path) -> None:
    # pyttsx3 would silently keep the previous voice; the worker must refuse.
    payload = {
        "jobs": [
            {
                "id": "a",
                "text": "Hello",
                "voice": "xx/nope",
                "rate": 135,
                "out": str(tmp_path / "a.wav"),
            },
            {
                "id": "b",
                "text": "Hello",
                "voice": VOICES["en"],
                "rate": 135,
                "out": str(tmp_path / "b.wav"),
            },
        ]
    }
    proc = subprocess.run(
        [sys.executable, str(speech.WORKER_PATH)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert lines[0] == {"id": "a", "ok": False, "error": "voice 'xx/nope' is not installed"}
    assert lines[1]["id"] == "b" and lines[1]["ok"] is True
    assert lines[2] == {"done": True}
    assert not (tmp_path / "a.wav").exists()
    assert (tmp_path / "b.wav").stat().st_size == lines[1]["bytes"]


# ---------------------------------------------------------------- real synthesis


def test_renders_english_mp3(espeak: SpeechStatus, tmp_path: Path) -> None:
    path = render_one(tmp_path, PROMPT, "en")
    assert path == tmp_path / audio_filename(PROMPT, "en", DEFAULT_RATE)
    seconds = assert_valid_mp3(path)
    # 12 words at 135 words a minute is about 5 s; allow for pauses.
    assert 2.0 < seconds < 12.0
    assert cached_audio_path(tmp_path, PROMPT, "en", DEFAULT_RATE) == path
    assert not list(tmp_path.glob(".*.part"))


def test_slower_rate_gives_longer_audio(espeak: SpeechStatus, tmp_path: Path) -> None:
    slow = assert_valid_mp3(render_one(tmp_path, PROMPT, "en", rate=RATES["slow"]))
    fast = assert_valid_mp3(render_one(tmp_path, PROMPT, "en", rate=RATES["fast"]))
    assert slow > fast * 1.2


def test_renders_welsh(espeak: SpeechStatus, tmp_path: Path) -> None:
    if not espeak.voices.get("cy"):
        pytest.skip("the Welsh eSpeak NG voice (cel/cy) is not installed")
    english = render_one(tmp_path, WELSH_PROMPT, "en")
    welsh = render_one(tmp_path, WELSH_PROMPT, "cy")
    assert welsh != english
    assert_valid_mp3(welsh)
    # Same text, different voice: the audio itself must differ, which shows
    # the voice id really reached eSpeak rather than being ignored.
    assert welsh.read_bytes() != english.read_bytes()


def test_cache_hit_does_no_synthesis(
    espeak: SpeechStatus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [(PROMPT, "en"), ("Do you like music?", "en"), ("Who helps you at home?", "en")]
    first = render_many(tmp_path, items)
    assert (first.rendered, first.cached, first.failed) == (3, 0, [])
    forbid_worker(monkeypatch)
    second = render_many(tmp_path, items)
    assert (second.rendered, second.cached, second.failed) == (0, 3, [])
    assert second.bytes_total == first.bytes_total and second.max_bytes == first.max_bytes
    assert render_one(tmp_path, PROMPT, "en") == tmp_path / audio_filename(PROMPT, "en", 135)


def test_batch_uses_one_worker(
    espeak: SpeechStatus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [
        (f"This is easy read sentence number {n}. Is that all right?", "en") for n in range(40)
    ]
    items += [("", "en"), (PROMPT, "xx"), (items[0][0], "en")]  # two bad, one duplicate
    calls = count_worker_runs(monkeypatch)
    report = render_many(tmp_path, items)
    assert calls == [[]]  # one synthesis run, no status probe (already cached)
    assert report.rendered == 40 and report.cached == 0
    assert [f[1] for f in report.failed] == ["en", "xx"]
    assert len(list(tmp_path.glob("*.mp3"))) == 40
    assert 2 * 1024 < report.average_bytes <= report.max_bytes <= 40 * 1024
    for path in list(tmp_path.glob("*.mp3"))[:5]:
        assert_valid_mp3(path)


def test_concurrent_render_one(
    espeak: SpeechStatus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_worker_runs(monkeypatch)
    barrier = threading.Barrier(4)
    paths: list[Path] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            paths.append(render_one(tmp_path, PROMPT, "en"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(paths) == 4 and len(set(paths)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".lock", paths[0].name])
    assert calls == [[]]  # the lock made the other three find the cached file
    assert_valid_mp3(paths[0])


# ---------------------------------------------------------------- failures


def test_hung_worker_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_ready: None
) -> None:
    pid_file = tmp_path / "worker.pid"
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    monkeypatch.setattr(speech, "_worker_command", lambda: [sys.executable, "-c", hang])
    with pytest.raises(SpeechError, match="timed out after 1.5 s"):
        render_one(tmp_path / "cache", PROMPT, "en", timeout=1.5)
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not list((tmp_path / "cache").glob("*.mp3"))
    assert not list((tmp_path / "cache").glob(".*.part"))


def test_hung_batch_reports_every_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_ready: None
) -> None:
    hang = "import time; time.sleep(120)"
    monkeypatch.setattr(speech, "_worker_command", lambda: [sys.executable, "-c", hang])
    report = render_many(tmp_path, [("One.", "en"), ("Two.", "cy")], timeout=1)
    assert report.rendered == 0
    assert [(t, lang) for t, lang, _ in report.failed] == [("One.", "en"), ("Two.", "cy")]
    assert all("timed out" in reason for _, _, reason in report.failed)


def test_crashing_worker_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_ready: None
) -> None:
    crash = "import sys; sys.stderr.write('Segmentation fault\\n'); sys.exit(139)"
    monkeypatch.setattr(speech, "_worker_command", lambda: [sys.executable, "-c", crash])
    with pytest.raises(SpeechError, match=r"exit 139\): Segmentation fault"):
        render_one(tmp_path, PROMPT, "en")


# ---------------------------------------------------------------- CLI


@pytest.fixture
def speech_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    app = Flask(__name__)
    app.config.update(SPEECH_CACHE_DIR=str(tmp_path / "audio"), SPEECH_DEFAULT_RATE=135)
    app.cli.add_command(speech_cli)
    monkeypatch.setattr(
        speech_commands,
        "all_spoken_texts",
        lambda: [
            ("Hello. How are you today?", "en"),
            ("What do you like doing?", "en"),
            ("Sut wyt ti heddiw?", "cy"),
        ],
    )
    return app


def test_cli_render_and_rerender(espeak: SpeechStatus, speech_app: Flask) -> None:
    runner = speech_app.test_cli_runner()
    result = runner.invoke(args=["speech", "render"])
    assert result.exit_code == 0, result.output
    assert "English (en): 2 rendered, 0 cached, 0 failed" in result.output
    assert "Welsh (cy): 1 rendered, 0 cached, 0 failed" in result.output
    again = runner.invoke(args=["speech", "render", "--lang", "en"])
    assert again.exit_code == 0, again.output
    assert "English (en): 0 rendered, 2 cached, 0 failed" in again.output
    assert "Welsh" not in again.output


def test_cli_render_failure_exits_non_zero(
    espeak: SpeechStatus, speech_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        speech_commands, "all_spoken_texts", lambda: [("Hello.", "en"), (" ", "en")]
    )
    result = speech_app.test_cli_runner().invoke(args=["speech", "render", "--rate", "110"])
    assert result.exit_code == 1
    assert "1 rendered, 0 cached, 1 failed" in result.output


def test_cli_render_without_espeak_warns_and_succeeds(
    speech_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = "eSpeak NG is not installed; the browser's own voice will be used"
    monkeypatch.setattr(speech, "_status", SpeechStatus(False, reason, {}))
    forbid_worker(monkeypatch)
    result = speech_app.test_cli_runner().invoke(args=["speech", "render"])
    assert result.exit_code == 0
    assert f"Warning: {reason}" in result.output


def test_cli_voices(speech_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    voices = {**ALL_VOICES.voices, "ur": False}
    monkeypatch.setattr(speech, "_status", SpeechStatus(True, "no voice for Urdu", voices))
    result = speech_app.test_cli_runner().invoke(args=["speech", "voices"])
    assert result.exit_code == 0
    assert "eSpeak NG: available" in result.output
    assert "cy  Welsh    cel/cy   installed" in result.output
    assert "ur  Urdu     inc/ur   missing" in result.output
