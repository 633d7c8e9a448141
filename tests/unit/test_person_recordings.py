"""The person's own recordings (issue 24): checked by content, rewritten to sound only, and
who may hear them."""

from __future__ import annotations

import struct

import pytest

from facilitator.services.media import person_recordings
from facilitator.services.media.audio_formats import AudioProblem

from . import audio_samples as samples
from .audio_samples import _el


def long_webm(seconds: float) -> bytes:
    """A WebM/Opus recording as MediaRecorder writes it, one cluster a second (a block's
    timecode is relative to its cluster, so long recordings need many)."""
    header = _el(0x1A45DFA3, _el(0x4286, b"\x01") + _el(0x4282, b"webm") + _el(0x4287, b"\x04"))
    info = _el(0x1549A966, _el(0x2AD7B1, (1_000_000).to_bytes(3, "big")))
    track = _el(0xAE, _el(0xD7, b"\x01") + _el(0x83, b"\x02") + _el(0x86, b"A_OPUS"))
    clusters = b""
    for second in range(int(seconds)):
        blocks = b"".join(
            _el(0xA3, b"\x81" + struct.pack(">hB", t, 0x80) + b"\xfc" * 30)
            for t in range(0, 1000, 20)
        )
        base = (second * 1000).to_bytes(4, "big")
        clusters += _el(0x1F43B675, _el(0xE7, base) + blocks, unknown=True)
    return header + _el(0x18538067, info + _el(0x1654AE6B, track) + clusters, unknown=True)


def webm_with_metadata() -> bytes:
    """A WebM/Opus recording carrying a muxing app, a title and a location tag."""
    plain = samples.webm_opus(2.0)
    header = _el(0x1A45DFA3, _el(0x4286, b"\x01") + _el(0x4282, b"webm") + _el(0x4287, b"\x04"))
    info = _el(
        0x1549A966,
        _el(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
        + _el(0x4D80, b"SecretMuxer")
        + _el(0x7BA9, b"Home of Sam"),
    )
    tags = _el(
        0x1254C367, _el(0x7373, _el(0x67C8, _el(0x45A3, b"LOCATION") + _el(0x4487, b"51.5")))
    )
    rest = plain[plain.index(bytes.fromhex("1654AE6B")) :]
    return header + _el(0x18538067, info + tags + rest, unknown=True)


def test_webm_is_kept_as_sound_only_and_still_reads() -> None:
    info = person_recordings.inspect(webm_with_metadata(), 60)
    assert info.audio_format == "webm" and info.duration_ms == 2000
    for secret in (b"SecretMuxer", b"Home of Sam", b"LOCATION", b"51.5"):
        assert secret not in info.body
    assert person_recordings.inspect(info.body, 60).body == info.body  # stable


def test_ogg_tags_are_emptied() -> None:
    from io import BytesIO

    from mutagen.oggopus import OggOpus

    data = BytesIO(samples.ogg_opus(2.0))
    tagged = OggOpus(data)
    tagged.tags["location"] = ["Sam's flat"]
    tagged.save(data)
    info = person_recordings.inspect(data.getvalue(), 60)
    assert info.audio_format == "ogg" and b"Sam's flat" not in info.body


def test_a_long_recording_reads_its_length() -> None:
    assert person_recordings.inspect(long_webm(30), 60).duration_ms == 30000


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "not a sound recording"),
        (samples.mp3(1.0), "not a recording the tablet made"),
        (samples.wav(1.0), "not a recording the tablet made"),
        (samples.webm_opus(2.0)[:-5], "cut short"),
        (samples.ogg_opus(2.0)[:-5], "cut short"),
        (samples.webm_opus(2.0, track_type=1, codec=b"V_VP8"), "not a sound-only"),
        (samples.webm_opus(0.1), "no sound"),
        (long_webm(63), "up to 60 seconds"),
        (b"OggS" + b"\0" * (person_recordings.MAX_BYTES + 1), "too big"),
    ],
)
def test_refused_kindly(data: bytes, words: str) -> None:
    with pytest.raises(AudioProblem) as refused:
        person_recordings.inspect(data, 60)
    assert words in str(refused.value)


def test_the_time_limit_is_the_persons_setting() -> None:
    class P:
        settings: dict = {}

    person = P()
    assert person_recordings.seconds_for(person) == 60  # type: ignore[arg-type]
    person.settings = {"recording_seconds": 90}
    assert person_recordings.seconds_for(person) == 90  # type: ignore[arg-type]
    person.settings = {"recording_seconds": 9999}
    assert person_recordings.seconds_for(person) == 60  # type: ignore[arg-type]
    assert person_recordings.inspect(long_webm(75), 90).duration_ms == 75000
