"""Recordings of a familiar voice: accepted by what the file holds, refused kindly otherwise."""

from __future__ import annotations

import hashlib
import io
import struct

import pytest
from mutagen.id3 import ID3, TIT2
from sqlalchemy.orm import Session

from facilitator.services.media import storage
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


def _tagged_mp3(seconds: float) -> bytes:
    """An MP3 with an ID3v2 tag before the sound, as phones and editors save them."""
    buffer = io.BytesIO(samples.mp3(seconds))
    tag = ID3()
    tag.add(TIT2(encoding=3, text="Mum asks"))
    tag.save(buffer)
    return buffer.getvalue()


def _wav_with_data_size(size: int) -> bytes:
    """A WAV whose RIFF size fits the file but whose sound data claims ``size`` bytes."""
    data = bytearray(samples.wav(1.0))
    struct.pack_into("<I", data, data.find(b"data") + 4, size)
    return bytes(data)


def _wav_header(kind: int = 1, channels: int = 1) -> bytes:
    data = bytearray(samples.wav(1.0))
    struct.pack_into("<HH", data, data.find(b"fmt ") + 8, kind, channels)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "audio_format"),
    [
        (_tagged_mp3(2.0), "mp3"),
        (samples.mp3(2.0) + b"TAG" + b"\0" * 125, "mp3"),  # an ID3v1 tag after the sound
        (_wav_header(kind=3), "wav"),  # floating-point samples
    ],
    ids=["mp3-id3v2", "mp3-id3v1", "wav-float"],
)
def test_tags_and_other_sample_kinds_are_accepted(data: bytes, audio_format: str) -> None:
    assert voices.inspect(data).audio_format == audio_format


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_tagged_mp3(2.0)[:40], "cut short"),  # the tag itself stops early
        (_tagged_mp3(2.0)[:-100], "cut short"),
        (samples.mp3(2.0) + HTML, "cut short"),  # sound, then something else
        (HTML[:1] + samples.mp3(2.0), "not a sound recording"),
        (_wav_with_data_size(10**6), "cut short"),
        (_wav_header(channels=6), "kind of sound the tablet may not play"),
        (_wav_header(kind=2), "kind of sound the tablet may not play"),  # ADPCM
    ],
    ids=[
        "id3-truncated", "tagged-mp3-truncated", "mp3-then-html", "html-then-mp3",
        "wav-data-longer-than-file", "wav-six-channels", "wav-adpcm",
    ],
)  # fmt: skip
def test_files_that_are_recordings_only_in_part_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(AudioProblem, match=message):
        voices.inspect(data)


@pytest.mark.db
def test_saved_under_a_random_name_in_the_file_store(session: Session) -> None:
    staff = user(session)
    sam = person(session, staff)
    ellis = person(session, staff, "Ellis")
    recording = voices.save(session, sam, samples.wav(1.0), actor=staff, speaker=" Mum ")
    key = voices.key_for(recording)
    stored = storage.get(session, key)
    assert stored is not None and stored.body == samples.wav(1.0)
    assert stored.content_type == "audio/wav"
    assert stored.sha256 == hashlib.sha256(samples.wav(1.0)).hexdigest()
    assert key.startswith("voices/") and key.endswith(".wav")
    assert len(recording.file_name) == 44 and recording.public_id not in key
    assert recording.speaker == "Mum" and recording.duration_ms == 1000
    assert voices.find(session, sam, recording.public_id) is recording
    assert voices.find(session, ellis, recording.public_id) is None  # only Sam's
    with pytest.raises(AudioProblem):
        voices.save(session, sam, HTML, actor=staff)
    assert storage.keys_starting(session, "voices/") == [key]
