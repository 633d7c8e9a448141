"""What a WAV, MP3 or Ogg/Opus file holds, read with mutagen, and whether all of it is there.

mutagen reads each format's header and length. It does not notice a file that stops early (it
trusts the lengths the headers promise), so each reader here also checks that the bytes reach
as far as the container says: the WAV's RIFF size and sound data, every MPEG frame from the
first byte (after an ID3 tag) to the last, every Ogg page. A file that is a recording only in
part (a recording with a web page after it) is refused the same way.

WebM has its own reader (``webm.py``): mutagen has no Matroska support.
"""

from __future__ import annotations

import io
import struct

from flask_babel import lazy_gettext as _l
from mutagen import MutagenError, StreamInfo
from mutagen.mp3 import MP3, HeaderNotFoundError, MPEGFrame
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from mutagen.wave import WaveStreamInfo

from .. import ServiceError

NOT_AUDIO = _l(
    "This file is not a sound recording we can use. Please use a WAV, MP3, Ogg or WebM "
    "recording, or record the voice here instead."
)
CUT_SHORT = _l(
    "This recording seems to be cut short: the file is not complete. Please record or save "
    "it again."
)
NO_SOUND = _l("There is no sound in this recording. Please record the question again.")
WAV_KIND = _l(
    "This WAV file uses a kind of sound the tablet may not play. Please save it as plain (PCM) "
    "WAV or MP3."
)
NOT_OPUS = _l("This Ogg file does not hold Opus sound. Please save it as Ogg Opus, MP3 or WAV.")

# PCM, floating point, and the extensible header that carries either.
WAV_KINDS = (1, 3, 0xFFFE)
# Tags that may follow the last MPEG frame: ID3v1 (128 bytes), APEv2, Lyrics3.
MP3_TRAILERS = (b"APETAGEX", b"LYRICSBEGIN")


class AudioProblem(ServiceError):
    """The file is not a recording we accept; the message says kindly what to do."""


COMMON = {
    "not-audio": NOT_AUDIO,
    "cut-short": CUT_SHORT,
    "no-sound": NO_SOUND,
}


class CommonProblem(AudioProblem):
    """A problem every format's reader may find, by name (``COMMON``): the readers in other
    modules (webm.py, voice_recordings.py) raise these, so each message is written once."""

    def __init__(self, kind: str) -> None:
        super().__init__(COMMON[kind])


def wav_ms(data: bytes) -> int:
    """The length of a WAV recording in milliseconds (PCM or float, mono or stereo)."""
    if len(data) < 12 or 8 + struct.unpack_from("<I", data, 4)[0] > len(data):
        raise AudioProblem(CUT_SHORT)  # the RIFF header promises more than the file holds
    try:
        info = WaveStreamInfo(io.BytesIO(data))
    except MutagenError as error:
        raise AudioProblem(NOT_AUDIO) from error
    if (
        info.audio_format not in WAV_KINDS
        or not 1 <= info.channels <= 2
        or not 8000 <= info.sample_rate <= 96000
    ):
        raise AudioProblem(WAV_KIND)
    if info.bitrate * info.length / 8 > len(data):
        raise AudioProblem(CUT_SHORT)  # the sound data is longer than the file
    return int(info.length * 1000)


def mp3_ms(data: bytes) -> int:
    """The length of an MP3 recording in milliseconds; every frame must be there."""
    stream = io.BytesIO(data)
    tagged = data[:3] == b"ID3"
    try:
        audio = MP3(stream)
    except HeaderNotFoundError as error:
        # A tag with no sound after it, or no MPEG sound at all.
        raise AudioProblem(NO_SOUND if tagged else NOT_AUDIO) from error
    except MutagenError as error:
        raise AudioProblem(CUT_SHORT if tagged else NOT_AUDIO) from error
    start = 0
    if tagged and audio.tags is not None:
        start = audio.tags.size + (10 if data[5] & 0x10 else 0)  # an ID3v2.4 footer
    _frames_fill(data, stream, start)
    return _ms(audio.info)


def _frames_fill(data: bytes, stream: io.BytesIO, start: int) -> None:
    """Refuse the file unless MPEG frames run from ``start`` to the end (tags aside)."""
    stream.seek(start)
    frames = 0
    while stream.tell() < len(data):
        rest = data[stream.tell() :]
        if frames and ((rest[:3] == b"TAG" and len(rest) == 128) or rest.startswith(MP3_TRAILERS)):
            break
        try:
            MPEGFrame(stream)  # reads one frame header and moves to the next frame
        except MutagenError as error:
            raise AudioProblem(NOT_AUDIO if frames < 2 else CUT_SHORT) from error
        frames += 1
    if stream.tell() > len(data):
        raise AudioProblem(CUT_SHORT)  # the last frame stops early
    if frames < 2:
        raise AudioProblem(NOT_AUDIO)


def ogg_opus_ms(data: bytes) -> int:
    """The length of an Ogg/Opus recording in milliseconds; every page must be there."""
    stream = io.BytesIO(data)
    pages = 0
    while stream.tell() < len(data):
        try:
            page = OggPage(stream)
        except MutagenError as error:
            raise AudioProblem(CUT_SHORT if pages else NOT_AUDIO) from error
        if pages == 0 and not (page.packets and page.packets[0].startswith(b"OpusHead")):
            raise AudioProblem(NOT_OPUS)
        pages += 1
    try:
        audio = OggOpus(io.BytesIO(data))
    except MutagenError as error:
        raise AudioProblem(NOT_OPUS) from error
    return _ms(audio.info)


def _ms(info: StreamInfo | None) -> int:
    """A stream's length in whole milliseconds (0 when mutagen found none)."""
    seconds: float = getattr(info, "length", 0.0)  # each format's info has it; the base does not
    return max(0, int(seconds * 1000))
