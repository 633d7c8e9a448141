"""Recordings of a familiar voice: accepted by what the file holds, refused kindly otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from facilitator.services.media import voice_recordings as voices
from facilitator.services.media.voice_recordings import AudioProblem

from . import audio_samples as samples
from .factories import person, user


@pytest.mark.parametrize(
    ("data", "audio_format", "seconds"),
    [
        (samples.wav(1.5), "wav", 1.5),
        (samples.mp3(2.0), "mp3", 2.0),
        (samples.ogg_opus(3.0), "ogg", 3.0),
        (samples.webm_opus(2.0), "webm", 2.0),
    ],
    ids=["wav", "mp3", "ogg-opus", "webm-opus"],
)
def test_each_format_is_found_by_its_content(data: bytes, audio_format: str, seconds: float):
    info = voices.inspect(data)
    assert info.audio_format == audio_format
    assert abs(info.duration_ms - seconds * 1000) < 120  # MP3 adds a frame or two
    assert info.mimetype.startswith("audio/")


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (HTML, "not a sound recording we can use"),
        (b"GIF89a" + b"\0" * 200, "not a sound recording we can use"),
        (samples.wav(2.0)[:-4000], "cut short"),
        (samples.wav(2.0)[:30], "cut short"),
        (samples.mp3(2.0)[:-100], "cut short"),
        (samples.ogg_opus(2.0)[:-50], "cut short"),
        (samples.webm_opus(2.0)[:-10], "cut short"),
        (samples.ogg_opus(1.0, head=b"\x01vorbis\0"), "does not hold Opus"),
        (samples.webm_opus(1.0, codec=b"A_VORBIS"), "does not hold Opus"),
        (samples.webm_opus(1.0, track_type=1), "not a sound-only recording"),
        (samples.wav(0.05), "no sound"),
        (samples.wav(31.0, rate=8000), "31 seconds long. Keep it to 30 seconds"),
        (samples.wav(2.0) + b"\0" * voices.MAX_BYTES, "Up to 2 MB"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "no sound"),
    ],
    ids=[
        "empty", "html-renamed", "gif", "wav-truncated", "wav-header-only", "mp3-truncated",
        "ogg-truncated", "webm-truncated", "ogg-vorbis", "webm-vorbis", "webm-video",
        "too-short", "too-long", "over-size", "id3-only",
    ],
)  # fmt: skip
def test_bad_files_are_refused_kindly(data: bytes, message: str) -> None:
    with pytest.raises(AudioProblem, match=message):
        voices.inspect(data)


@pytest.mark.db
def test_saved_under_a_random_name_outside_static(session: Session, tmp_path: Path) -> None:
    staff = user(session)
    sam = person(session, staff)
    ellis = person(session, staff, "Ellis")
    recording = voices.save(
        session, sam, samples.wav(1.0), actor=staff, upload_folder=tmp_path, speaker=" Mum "
    )
    path = voices.path_for(tmp_path, recording)
    assert path.read_bytes() == samples.wav(1.0)
    assert path.parent == tmp_path / "voices" and path.suffix == ".wav"
    assert len(path.stem) == 40 and recording.public_id not in path.name
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert recording.speaker == "Mum" and recording.duration_ms == 1000
    assert voices.find(session, sam, recording.public_id) is recording
    assert voices.find(session, ellis, recording.public_id) is None  # only Sam's
    with pytest.raises(AudioProblem):
        voices.save(session, sam, HTML, actor=staff, upload_folder=tmp_path)
    assert sorted(p.name for p in (tmp_path / "voices").iterdir()) == [path.name]
