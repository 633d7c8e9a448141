"""Recordings of a familiar voice reading a custom prompt, checked by what the file holds.

A file is accepted only when its own bytes are a complete WAV, MP3, Ogg/Opus or WebM/Opus
recording (the name and the browser's content type are never trusted), within a size and a
length limit. The formats are read by ``audio_formats`` (mutagen) and ``webm``. A file is
refused, never re-encoded. It is kept in the file store (``storage.py``: the database by
default) under a random name, in the same transaction as its row, and served only to those
allowed to see the person (see the views).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Person, User, VoiceRecording
from .. import audit
from . import storage
from .audio_formats import AudioProblem, CommonProblem, mp3_ms, ogg_opus_ms, wav_ms
from .webm import webm_opus_ms

__all__ = ["AudioInfo", "AudioProblem", "find", "inspect", "key_for", "save"]

MAX_BYTES = 2 * 1024 * 1024
MAX_SECONDS = 30
MIN_MS = 200
SPEAKER_LIMIT = 120
SUBFOLDER = "voices"
MIMETYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "webm": "audio/webm"}


@dataclass(frozen=True)
class AudioInfo:
    """What the file holds, found from its bytes."""

    audio_format: str
    duration_ms: int

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.audio_format]


# --- checking the bytes ---------------------------------------------------------------------------


def _format_of(data: bytes) -> tuple[str, Callable[[bytes], int]]:
    """The format the file's first bytes announce, and its reader (never the name's)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav", wav_ms
    if data[:4] == b"OggS":
        return "ogg", ogg_opus_ms
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm", webm_opus_ms
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3", mp3_ms
    raise CommonProblem("not-audio")


def inspect(data: bytes) -> AudioInfo:
    """The format and length of a recording, or AudioProblem saying what is wrong with it."""
    if not data:
        raise AudioProblem(_l("The file is empty. Please choose the recording again."))
    if len(data) > MAX_BYTES:
        raise AudioProblem(
            _l(
                "The recording is %(size)s MB. Up to %(most)s MB can be used: record just the "
                "question, in %(seconds)s seconds or less.",
                size=f"{len(data) / 1024 / 1024:.1f}",
                most=MAX_BYTES // 1024 // 1024,
                seconds=MAX_SECONDS,
            )
        )
    audio_format, read_ms = _format_of(data)
    info = AudioInfo(audio_format, read_ms(data))
    if info.duration_ms < MIN_MS:
        raise CommonProblem("no-sound")
    if info.duration_ms > MAX_SECONDS * 1000:
        raise AudioProblem(
            _l(
                "The recording is %(length)s seconds long. Keep it to %(seconds)s seconds or "
                "less: just the question, read slowly.",
                length=f"{info.duration_ms / 1000:.0f}",
                seconds=MAX_SECONDS,
            )
        )
    return info


# --- storing -------------------------------------------------------------------------------------


def key_for(recording: VoiceRecording) -> str:
    """The name of a recording in the file store."""
    return f"{SUBFOLDER}/{recording.file_name}"


def save(
    session: Session,
    person: Person,
    data: bytes,
    *,
    actor: User,
    speaker: str | None = None,
) -> VoiceRecording:
    """Check a recording by its content and keep it under a random name for ``person``."""
    info = inspect(data)
    speaker = (speaker or "").strip()[:SPEAKER_LIMIT] or None
    file_name = f"{secrets.token_hex(20)}.{info.audio_format}"
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
    storage.put(session, key_for(recording), data, info.mimetype)
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
    recording = session.scalar(select(VoiceRecording).where(VoiceRecording.public_id == public_id))
    if recording is None or recording.person_id != person.id:
        return None
    return recording
