"""Recordings of a familiar voice reading a custom prompt, checked by what the file holds.

A file is accepted only when its own bytes are a complete WAV, MP3, Ogg/Opus or WebM/Opus
recording (the name and the browser's content type are never trusted), within a size and a
length limit. It is stored in the upload folder, outside the static folder, under a random
name, and served only to those allowed to see the person (see the views).
"""

from __future__ import annotations

import os
import secrets
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ...models import Person, User, VoiceRecording
from .. import ServiceError, audit

MAX_BYTES = 2 * 1024 * 1024
MAX_SECONDS = 30
MIN_MS = 200
SPEAKER_LIMIT = 120
SUBFOLDER = "voices"
MIMETYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "webm": "audio/webm"}

NOT_AUDIO = (
    "This file is not a sound recording we can use. Please use a WAV, MP3, Ogg or WebM "
    "recording, or record the voice here instead."
)
CUT_SHORT = (
    "This recording seems to be cut short: the file is not complete. Please record or save "
    "it again."
)
NO_SOUND = "There is no sound in this recording. Please record the question again."


class AudioProblem(ServiceError):
    """The file is not a recording we accept; the message says kindly what to do."""


@dataclass(frozen=True)
class AudioInfo:
    """What the file holds, found from its bytes."""

    audio_format: str
    duration_ms: int

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.audio_format]


# --- checking the bytes ---------------------------------------------------------------------------


def inspect(data: bytes) -> AudioInfo:
    """The format and length of a recording, or AudioProblem saying what is wrong with it."""
    if not data:
        raise AudioProblem("The file is empty. Please choose the recording again.")
    if len(data) > MAX_BYTES:
        raise AudioProblem(
            f"The recording is {len(data) / 1024 / 1024:.1f} MB. Up to "
            f"{MAX_BYTES // 1024 // 1024} MB can be used: record just the question, "
            f"in {MAX_SECONDS} seconds or less."
        )
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        info = AudioInfo("wav", _wav_ms(data))
    elif data[:4] == b"OggS":
        info = AudioInfo("ogg", _ogg_ms(data))
    elif data[:4] == b"\x1a\x45\xdf\xa3":
        info = AudioInfo("webm", _webm_ms(data))
    elif data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        info = AudioInfo("mp3", _mp3_ms(data))
    else:
        raise AudioProblem(NOT_AUDIO)
    if info.duration_ms < MIN_MS:
        raise AudioProblem(NO_SOUND)
    if info.duration_ms > MAX_SECONDS * 1000:
        raise AudioProblem(
            f"The recording is {info.duration_ms / 1000:.0f} seconds long. Keep it to "
            f"{MAX_SECONDS} seconds or less: just the question, read slowly."
        )
    return info


def _wav_ms(data: bytes) -> int:
    pos = 12
    byte_rate = 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if chunk == b"fmt ":
            if size < 16 or body + size > len(data):
                raise AudioProblem(CUT_SHORT)
            kind, channels, rate, byte_rate = struct.unpack_from("<HHII", data, body)
            if kind not in (1, 3, 0xFFFE) or not 1 <= channels <= 2 or not 8000 <= rate <= 96000:
                raise AudioProblem(
                    "This WAV file uses a kind of sound the tablet may not play. Please save it "
                    "as plain (PCM) WAV or MP3."
                )
        elif chunk == b"data":
            if not byte_rate:
                raise AudioProblem(NOT_AUDIO)
            if size > len(data) - body:
                raise AudioProblem(CUT_SHORT)
            return int(size * 1000 / byte_rate)
        pos = body + size + (size & 1)
    raise AudioProblem(CUT_SHORT if byte_rate else NOT_AUDIO)


# fmt: off
_MP3_BITRATES = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
# fmt: on


def _mp3_frame(header: int) -> tuple[int, int, int] | None:
    """(frame bytes, samples, sample rate) for an MPEG audio frame header, else None."""
    if (header >> 21) & 0x7FF != 0x7FF:
        return None
    version, layer_bits = (header >> 19) & 3, (header >> 17) & 3
    bitrate_index, rate_index, padding = (header >> 12) & 0xF, (header >> 10) & 3, (header >> 9) & 1
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer = 4 - layer_bits
    kbps = _MP3_BITRATES[(1 if version == 3 else 2, layer)][bitrate_index]
    rate = _MP3_RATES[version][rate_index]
    if layer == 1:
        return (12 * kbps * 1000 // rate + padding) * 4, 384, rate
    if layer == 3 and version != 3:
        return 72 * kbps * 1000 // rate + padding, 576, rate
    return 144 * kbps * 1000 // rate + padding, 1152, rate


def _mp3_ms(data: bytes) -> int:
    pos = 0
    if data[:3] == b"ID3":
        if len(data) < 10:
            raise AudioProblem(CUT_SHORT)
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
        if pos > len(data):
            raise AudioProblem(CUT_SHORT)
    frames = 0
    seconds = 0.0
    while pos < len(data):
        rest = data[pos:]
        if frames and (
            (rest[:3] == b"TAG" and len(rest) == 128)
            or rest[:8] == b"APETAGEX"
            or rest[:11] == b"LYRICSBEGIN"
        ):
            break  # tags after the sound
        frame = _mp3_frame(int.from_bytes(rest[:4], "big")) if len(rest) >= 4 else None
        if frame is None:
            raise AudioProblem(NOT_AUDIO if frames < 2 else CUT_SHORT)
        length, samples, rate = frame
        if pos + length > len(data):
            raise AudioProblem(CUT_SHORT)
        frames += 1
        seconds += samples / rate
        pos += length
    if frames < 2:
        raise AudioProblem(NO_SOUND if data[:3] == b"ID3" else NOT_AUDIO)
    return int(seconds * 1000)


def _ogg_ms(data: bytes) -> int:
    pos = 0
    pages = 0
    pre_skip = 0
    last = 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise AudioProblem(CUT_SHORT if pages else NOT_AUDIO)
        if pos + 27 > len(data):
            raise AudioProblem(CUT_SHORT)
        granule = struct.unpack_from("<q", data, pos + 6)[0]
        segments = data[pos + 26]
        body = pos + 27 + segments
        if body > len(data):
            raise AudioProblem(CUT_SHORT)
        end = body + sum(data[pos + 27 : body])
        if end > len(data):
            raise AudioProblem(CUT_SHORT)
        if pages == 0:
            if data[body : body + 8] != b"OpusHead" or end - body < 19:
                raise AudioProblem(
                    "This Ogg file does not hold Opus sound. Please save it as Ogg Opus, "
                    "MP3 or WAV."
                )
            pre_skip = struct.unpack_from("<H", data, body + 10)[0]
        if granule >= 0:
            last = granule
        pages += 1
        pos = end
    return max(0, int((last - pre_skip) * 1000 / 48000))


# EBML element ids (with their length marker bits, as written in the file).
_EBML, _DOCTYPE, _SEGMENT = 0x1A45DFA3, 0x4282, 0x18538067
_INFO, _SCALE, _DURATION = 0x1549A966, 0x2AD7B1, 0x4489
_TRACKS, _TRACK, _TRACK_TYPE, _CODEC = 0x1654AE6B, 0xAE, 0x83, 0x86
_CLUSTER, _TIMECODE, _SIMPLE_BLOCK, _BLOCK_GROUP, _BLOCK = 0x1F43B675, 0xE7, 0xA3, 0xA0, 0xA1
_SEGMENT_CHILDREN = frozenset(
    {_INFO, _TRACKS, _CLUSTER, 0x114D9B74, 0x1C53BB6B, 0x1254C367, 0x1043A770, 0x1941A469, 0xEC}
)


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length number at ``pos``: (value or None when unknown, next pos)."""
    if pos >= len(data):
        raise AudioProblem(CUT_SHORT)
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or (keep_marker and length > 4):
        raise AudioProblem(NOT_AUDIO)
    if pos + length > len(data):
        raise AudioProblem(CUT_SHORT)
    raw = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:
        return raw, pos + length
    value = raw & ((1 << (7 * length)) - 1)
    unknown = value == (1 << (7 * length)) - 1
    return (None if unknown else value), pos + length


def _element(data: bytes, pos: int) -> tuple[int, int | None, int]:
    """(id, size or None when unknown, where the body starts)."""
    element_id, pos = _vint(data, pos, keep_marker=True)
    assert element_id is not None
    size, pos = _vint(data, pos, keep_marker=False)
    return element_id, size, pos


def _uint(body: bytes) -> int:
    return int.from_bytes(body, "big") if body else 0


class _WebM:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.scale = 1_000_000
        self.duration = 0.0
        self.codecs: list[tuple[int, str]] = []
        self.last = -1

    def children(self, start: int, end: int | None, stop: frozenset[int] = frozenset()):  # type: ignore[no-untyped-def]
        """Yield (id, body start, body end) of the elements in [start, end)."""
        pos = start
        limit = len(self.data) if end is None else end
        while pos < limit:
            element_id, size, body = _element(self.data, pos)
            if end is None and element_id in stop:
                return
            if size is None:
                if element_id != _CLUSTER:
                    raise AudioProblem(NOT_AUDIO)
                yield element_id, body, None
                pos = self._cluster(body, None)
                continue
            if body + size > limit:
                raise AudioProblem(CUT_SHORT)
            yield element_id, body, body + size
            pos = body + size

    def _cluster(self, start: int, end: int | None) -> int:
        """Read a cluster's blocks; returns where it ends (an unknown size ends at the next
        top-level element, or at the end of the file)."""
        base = 0
        pos = start
        limit = len(self.data) if end is None else end
        while pos < limit:
            element_id, size, body = _element(self.data, pos)
            if end is None and element_id in _SEGMENT_CHILDREN:
                return pos
            if size is None or body + size > limit:
                raise AudioProblem(CUT_SHORT)
            if element_id == _TIMECODE:
                base = _uint(self.data[body : body + size])
            elif element_id == _SIMPLE_BLOCK:
                self._block(body, body + size, base)
            elif element_id == _BLOCK_GROUP:
                for child, child_body, child_end in self.children(body, body + size):
                    if child == _BLOCK and child_end is not None:
                        self._block(child_body, child_end, base)
            pos = body + size
        return pos

    def _block(self, start: int, end: int, base: int) -> None:
        _track, pos = _vint(self.data, start, keep_marker=False)
        if pos + 3 > end:
            raise AudioProblem(CUT_SHORT)
        relative = struct.unpack_from(">h", self.data, pos)[0]
        self.last = max(self.last, base + relative)

    def read(self) -> int:
        data = self.data
        header_id, size, body = _element(data, 0)
        if header_id != _EBML or size is None or body + size > len(data):
            raise AudioProblem(NOT_AUDIO)
        doctype = b""
        for element_id, child, child_end in self.children(body, body + size):
            if element_id == _DOCTYPE:
                doctype = data[child:child_end]
        if doctype.rstrip(b"\0") != b"webm":
            raise AudioProblem(NOT_AUDIO)
        segment_id, segment_size, segment = _element(data, body + size)
        if segment_id != _SEGMENT:
            raise AudioProblem(NOT_AUDIO)
        segment_end = None if segment_size is None else segment + segment_size
        if segment_end is not None and segment_end > len(data):
            raise AudioProblem(CUT_SHORT)
        for element_id, child, child_end in self.children(segment, segment_end):
            if element_id == _INFO and child_end is not None:
                self._info(child, child_end)
            elif element_id == _TRACKS and child_end is not None:
                self._tracks(child, child_end)
            elif element_id == _CLUSTER and child_end is not None:
                self._cluster(child, child_end)
        if not self.codecs or any(kind != 2 for kind, _codec in self.codecs):
            raise AudioProblem(
                "This WebM file is not a sound-only recording. Please record the voice again."
            )
        if any(codec != "A_OPUS" for _kind, codec in self.codecs):
            raise AudioProblem(
                "This WebM file does not hold Opus sound. Please save it as MP3 or WAV."
            )
        if self.last < 0:
            raise AudioProblem(NO_SOUND)
        # The last block starts at ``last``; an Opus packet lasts 20 ms.
        from_blocks = (self.last * self.scale) / 1_000_000 + 20
        from_info = self.duration * self.scale / 1_000_000
        return int(max(from_blocks, from_info))

    def _info(self, start: int, end: int) -> None:
        for element_id, child, child_end in self.children(start, end):
            body = self.data[child:child_end]
            if element_id == _SCALE:
                self.scale = _uint(body) or 1_000_000
            elif element_id == _DURATION and len(body) in (4, 8):
                self.duration = struct.unpack(">f" if len(body) == 4 else ">d", body)[0]

    def _tracks(self, start: int, end: int) -> None:
        for element_id, child, child_end in self.children(start, end):
            if element_id != _TRACK or child_end is None:
                continue
            kind, codec = 0, ""
            for inner, inner_body, inner_end in self.children(child, child_end):
                value = self.data[inner_body:inner_end]
                if inner == _TRACK_TYPE:
                    kind = _uint(value)
                elif inner == _CODEC:
                    codec = value.rstrip(b"\0").decode("ascii", "replace")
            self.codecs.append((kind, codec))


def _webm_ms(data: bytes) -> int:
    return _WebM(data).read()


# --- storing -------------------------------------------------------------------------------------


def folder_for(upload_folder: Path) -> Path:
    """Where recordings are kept: a folder of the upload folder (outside the static folder)."""
    return Path(upload_folder) / SUBFOLDER


def path_for(upload_folder: Path, recording: VoiceRecording) -> Path:
    """The file of a recording."""
    return folder_for(upload_folder) / recording.file_name


def save(
    session: Session,
    person: Person,
    data: bytes,
    *,
    actor: User,
    upload_folder: Path,
    speaker: str | None = None,
) -> VoiceRecording:
    """Check a recording by its content and keep it under a random name for ``person``."""
    info = inspect(data)
    speaker = (speaker or "").strip()[:SPEAKER_LIMIT] or None
    folder = folder_for(upload_folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    file_name = f"{secrets.token_hex(20)}.{info.audio_format}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, folder / file_name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    recording = VoiceRecording(
        person_id=person.id,
        public_id=secrets.token_urlsafe(18),
        file_name=file_name,
        audio_format=info.audio_format,
        byte_size=len(data),
        duration_ms=info.duration_ms,
        speaker=speaker,
        created_by_id=actor.id,
    )
    session.add(recording)
    session.flush()
    audit.record(
        session,
        "voice_recording.added",
        actor=actor,
        obj=recording,
        person_id=person.id,
        detail={"format": info.audio_format, "seconds": round(info.duration_ms / 1000, 1)},
    )
    return recording


def find(session: Session, person: Person, public_id: str) -> VoiceRecording | None:
    """One of this person's recordings by its public id (None for anyone else's)."""
    from sqlalchemy import select

    recording = session.scalar(select(VoiceRecording).where(VoiceRecording.public_id == public_id))
    if recording is None or recording.person_id != person.id:
        return None
    return recording
