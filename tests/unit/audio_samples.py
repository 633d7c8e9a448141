"""Small recordings made in code for the voice tests: WAV, MP3, Ogg/Opus and WebM/Opus.

The Ogg and WebM files carry the containers' real structure (pages, EBML elements, blocks
with timecodes) around placeholder packets: the checks read structure and length, not sound.
"""

from __future__ import annotations

import io
import math
import struct
import wave

import lameenc


def wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    frames = int(seconds * rate)
    pcm = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def mp3(seconds: float = 1.0) -> bytes:
    rate = 16000
    frames = int(seconds * rate)
    pcm = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(frames)
    )
    encoder = lameenc.Encoder()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(rate)
    encoder.set_bit_rate(32)
    return bytes(encoder.encode(pcm) + encoder.flush())


def _ogg_page(body: bytes, granule: int, sequence: int, header_type: int = 0) -> bytes:
    segments = []
    rest = len(body)
    while rest >= 255:
        segments.append(255)
        rest -= 255
    segments.append(rest)
    return (
        b"OggS"
        + bytes([0, header_type])
        + struct.pack("<qIII", granule, 1234, sequence, 0)
        + bytes([len(segments)])
        + bytes(segments)
        + body
    )


def ogg_opus(seconds: float = 1.0, head: bytes = b"OpusHead") -> bytes:
    pre_skip = 312
    opus_head = head + bytes([1, 1]) + struct.pack("<HIhB", pre_skip, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    pages = [_ogg_page(opus_head, 0, 0, 2), _ogg_page(tags, 0, 1)]
    packets = int(seconds * 50)
    granule = pre_skip
    for number in range(0, packets, 25):
        count = min(25, packets - number)
        granule += count * 960
        last = number + count >= packets
        pages.append(_ogg_page(b"\xfc" * (40 * count), granule, len(pages), 4 if last else 0))
    return b"".join(pages)


def _vint_size(size: int | None) -> bytes:
    if size is None:
        return b"\x01\xff\xff\xff\xff\xff\xff\xff"  # unknown size
    return bytes([0x10]) + size.to_bytes(3, "big") if size >= 127 else bytes([0x80 | size])


def _el(element_id: int, body: bytes, unknown: bool = False) -> bytes:
    length = (element_id.bit_length() + 7) // 8
    return element_id.to_bytes(length, "big") + _vint_size(None if unknown else len(body)) + body


def webm_opus(seconds: float = 1.0, track_type: int = 2, codec: bytes = b"A_OPUS") -> bytes:
    header = _el(0x1A45DFA3, _el(0x4286, b"\x01") + _el(0x4282, b"webm") + _el(0x4287, b"\x04"))
    info = _el(0x1549A966, _el(0x2AD7B1, (1_000_000).to_bytes(3, "big")))
    track = _el(0xAE, _el(0xD7, b"\x01") + _el(0x83, bytes([track_type])) + _el(0x86, codec))
    tracks = _el(0x1654AE6B, track)
    blocks = b"".join(
        _el(0xA3, b"\x81" + struct.pack(">hB", t, 0x80) + b"\xfc" * 30)
        for t in range(0, int(seconds * 1000) - 19, 20)
    )
    cluster = _el(0x1F43B675, _el(0xE7, b"\x00") + blocks, unknown=True)
    return header + _el(0x18538067, info + tracks + cluster, unknown=True)
