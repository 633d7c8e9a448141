"""What a WebM/Opus recording holds, read from its EBML elements (the browser's own recordings).

mutagen, which reads the other formats (``audio_formats.py``), has no Matroska support, and
the general Matroska readers refuse what a browser's MediaRecorder writes: a segment and
clusters of unknown size, no seek head, and often no duration (the length then comes from the
last block's timecode). So this small reader stays: it walks every element, refuses a file
that stops early or holds anything but one or more Opus sound tracks, and finds the length.
"""

from __future__ import annotations

import struct

from flask_babel import lazy_gettext as _l

from .audio_formats import AudioProblem, CommonProblem

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
        raise CommonProblem("cut-short")
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or (keep_marker and length > 4):
        raise CommonProblem("not-audio")
    if pos + length > len(data):
        raise CommonProblem("cut-short")
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
                    raise CommonProblem("not-audio")
                yield element_id, body, None
                pos = self._cluster(body, None)
                continue
            if body + size > limit:
                raise CommonProblem("cut-short")
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
                raise CommonProblem("cut-short")
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
            raise CommonProblem("cut-short")
        relative = struct.unpack_from(">h", self.data, pos)[0]
        self.last = max(self.last, base + relative)

    def read(self) -> int:
        data = self.data
        header_id, size, body = _element(data, 0)
        if header_id != _EBML or size is None or body + size > len(data):
            raise CommonProblem("not-audio")
        doctype = b""
        for element_id, child, child_end in self.children(body, body + size):
            if element_id == _DOCTYPE:
                doctype = data[child:child_end]
        if doctype.rstrip(b"\0") != b"webm":
            raise CommonProblem("not-audio")
        segment_id, segment_size, segment = _element(data, body + size)
        if segment_id != _SEGMENT:
            raise CommonProblem("not-audio")
        segment_end = None if segment_size is None else segment + segment_size
        if segment_end is not None and segment_end > len(data):
            raise CommonProblem("cut-short")
        for element_id, child, child_end in self.children(segment, segment_end):
            if element_id == _INFO and child_end is not None:
                self._info(child, child_end)
            elif element_id == _TRACKS and child_end is not None:
                self._tracks(child, child_end)
            elif element_id == _CLUSTER and child_end is not None:
                self._cluster(child, child_end)
        if not self.codecs or any(kind != 2 for kind, _codec in self.codecs):
            raise AudioProblem(
                _l("This WebM file is not a sound-only recording. Please record the voice again.")
            )
        if any(codec != "A_OPUS" for _kind, codec in self.codecs):
            raise AudioProblem(
                _l("This WebM file does not hold Opus sound. Please save it as MP3 or WAV.")
            )
        if self.last < 0:
            raise CommonProblem("no-sound")
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


def webm_opus_ms(data: bytes) -> int:
    """The length of a WebM/Opus recording in milliseconds; every element must be there."""
    return _WebM(data).read()
