"""The person's own voice, kept (issue 24): consent, recordings, transcripts, who may hear.

Rules:

- Nothing is recorded until the person has said "yes" to keeping their voice on this review
  (:func:`record_consent`, asked in easy read on the tablet before the first recording). "No"
  changes nothing else: every other way of answering stays.
- A recording is checked by what its bytes hold, the same readers as the familiar voices of
  custom prompts (``audio_formats``, ``webm``): only the sound the tablet records (WebM/Opus,
  Ogg/Opus), complete, within a size and the person's time limit. It is then rewritten to
  hold sound only (:func:`sound_only`: a WebM keeps its header, tracks and clusters, with a new
  Info holding just the time scale and length; an Ogg's tags are emptied), so nothing the
  browser or a file wrote about where, when or with what survives. Anything else is refused.
- Kept through the file store (``storage.py``) in the same transaction as its row, once per
  client id (the tablet's offline queue may send it again).
- Heard by staff who may see the person, by the person on their own tablet, and by the
  supporters the person chose for their voice (:func:`may_hear`), never by anyone else.
- Attributed as "said by the person, recorded". A transcript is the facilitator's, shown as
  theirs. Deleting removes the sound and keeps the row, marked deleted.
"""

from __future__ import annotations

import io
import secrets
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from mutagen import MutagenError
from mutagen.oggopus import OggOpus
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    OutcomeAction,
    Person,
    PersonRecording,
    RecordingConsent,
    Review,
    ReviewPrompt,
    ReviewStatus,
    Role,
    Supporter,
    User,
    action_recordings,
    utcnow,
)
from .. import NotAllowed, ServiceError, audit
from . import storage
from .audio_formats import AudioProblem, CommonProblem, ogg_opus_ms
from .webm import _CLUSTER, _INFO, _SEGMENT, _TRACKS, _element, _WebM, webm_opus_ms

__all__ = [
    "AudioProblem",
    "Kept",
    "add_transcript",
    "current_consent",
    "delete",
    "for_review",
    "inspect",
    "may_hear",
    "record_consent",
    "save",
    "seconds_for",
    "sound_only",
]

# The person's time limit: a setting of theirs (``recording_seconds``), 60 seconds unless set.
SECONDS_CHOICES = (30, 60, 90, 120)
DEFAULT_SECONDS = 60
# A recording stopped by the tablet's timer may run a little past it.
GRACE_MS = 2000
# Opus at the browser's usual rate is about 4 KB a second; 120 seconds fit well within this.
MAX_BYTES = 4 * 1024 * 1024
MIN_MS = 300
TRANSCRIPT_LIMIT = 5000
REASON_LIMIT = 1000
SUBFOLDER = "person-voices"
MIMETYPES = {"ogg": "audio/ogg", "webm": "audio/webm"}
STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
YES, NO = "yes", "no"

NOT_TABLET_SOUND = _l(
    "This is not a recording the tablet made. Please use Say it on the tablet to record."
)
NEEDS_CONSENT = _l(
    "The person has not said yes to keeping their voice, so nothing was recorded. Ask them "
    "first, on the tablet."
)


# --- consent ------------------------------------------------------------------------------------


def current_consent(session: Session, review: Review) -> RecordingConsent | None:
    """The person's latest answer about keeping their voice on this review (None: not asked)."""
    return session.scalar(
        select(RecordingConsent)
        .where(RecordingConsent.review_id == review.id)
        .order_by(RecordingConsent.id.desc())
        .limit(1)
    )


def voice_supporters(session: Session, person: Person) -> list[Supporter]:
    """The supporters the person is asked about: family, friends, carers, attorneys, deputies
    (the same people, in the same order, as "Can Alex see what you said?")."""
    return list(
        session.scalars(
            select(Supporter)
            .where(
                Supporter.person_id == person.id,
                Supporter.active.is_(True),
                Supporter.role.not_in(list(ADVOCATE_ROLES)),
            )
            .order_by(Supporter.name, Supporter.id)
        )
    )


def record_consent(
    session: Session,
    review: Review,
    decision: str,
    hear: Iterable[int],
    actor: User | None,
    *,
    capture_method: str = "tapped",
) -> RecordingConsent:
    """Record the person's own answer (a new row each time; the latest applies)."""
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is closed, so its choices cannot change."))
    if decision not in (YES, NO):
        raise ServiceError(_l("Choose yes or no."))
    allowed = {s.id for s in voice_supporters(session, review.person)}
    chosen = sorted({int(i) for i in hear})
    if not set(chosen) <= allowed:
        raise NotAllowed(_l("That supporter is not in this person's circle."))
    row = RecordingConsent(
        review_id=review.id,
        person_id=review.person_id,
        decision=decision,
        hear_supporter_ids=chosen if decision == YES else [],
        capture_method=capture_method,
        recorded_by_id=actor.id if actor is not None else None,
    )
    session.add(row)
    audit.record(
        session,
        "recording_consent.person_choice",
        actor=actor,
        obj=row,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "decision": row.decision,
            "hear_supporter_ids": row.hear_supporter_ids,
            "method": capture_method,
        },
    )
    return row


def may_record(session: Session, review: Review) -> bool:
    found = current_consent(session, review)
    return found is not None and found.decision == YES


def may_hear(session: Session, recording: PersonRecording, supporter: Supporter) -> bool:
    """Whether a supporter may hear this recording: the person chose them, by name, for their
    voice on this review (only a clear yes counts), and they are still in the circle."""
    if recording.deleted or supporter.person_id != recording.person_id or not supporter.active:
        return False
    review = session.get(Review, recording.review_id)
    found = current_consent(session, review) if review is not None else None
    return found is not None and found.decision == YES and supporter.id in found.hear_supporter_ids


# --- the time limit ---------------------------------------------------------------------------


def seconds_for(person: Person) -> int:
    """The person's time limit for one recording, in seconds."""
    value = (person.settings or {}).get("recording_seconds", DEFAULT_SECONDS)
    try:
        value = int(value)
    except (TypeError, ValueError):
        return DEFAULT_SECONDS
    return value if value in SECONDS_CHOICES else DEFAULT_SECONDS


# --- checking and cleaning the bytes ----------------------------------------------------------


@dataclass(frozen=True)
class SoundInfo:
    audio_format: str
    duration_ms: int
    body: bytes  # sound only: what is kept

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.audio_format]


def _read(data: bytes) -> tuple[str, int]:
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm", webm_opus_ms(data)
    if data[:4] == b"OggS":
        return "ogg", ogg_opus_ms(data)
    if data[:4] == b"RIFF" or data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF):
        raise AudioProblem(NOT_TABLET_SOUND)  # WAV or MP3: a file, not the tablet's recording
    raise CommonProblem("not-audio")


def inspect(data: bytes, max_seconds: int = DEFAULT_SECONDS) -> SoundInfo:
    """What the recording holds, rewritten to sound only; AudioProblem says kindly what is
    wrong (the person's recording is never lost on the tablet: they can try again)."""
    if not data:
        raise AudioProblem(_l("The recording is empty. Please try again."))
    if len(data) > MAX_BYTES:
        raise AudioProblem(
            _l(
                "The recording is too big (%(size)s MB; up to %(most)s MB). Please record it "
                "again, a little shorter.",
                size=f"{len(data) / 1024 / 1024:.1f}",
                most=MAX_BYTES // 1024 // 1024,
            )
        )
    audio_format, duration_ms = _read(data)
    if duration_ms < MIN_MS:
        raise CommonProblem("no-sound")
    if duration_ms > max_seconds * 1000 + GRACE_MS:
        raise AudioProblem(
            _l(
                "The recording is %(length)s seconds long. It can be up to %(seconds)s "
                "seconds. Please record it again, a little shorter.",
                length=f"{duration_ms / 1000:.0f}",
                seconds=max_seconds,
            )
        )
    body = sound_only(data, audio_format)
    # The rewritten file is read again: what is kept is checked, not only what was sent.
    kept_format, kept_ms = _read(body)
    if kept_format != audio_format or abs(kept_ms - duration_ms) > 100:
        raise CommonProblem("not-audio")  # pragma: no cover - the rewrite keeps every block
    return SoundInfo(audio_format, duration_ms, body)


def sound_only(data: bytes, audio_format: str) -> bytes:
    """The recording with nothing but its sound (and what is needed to play it)."""
    if audio_format == "ogg":
        stream = io.BytesIO(data)
        try:
            OggOpus(stream).delete(stream)
        except MutagenError as error:
            raise CommonProblem("not-audio") from error
        return stream.getvalue()
    return _webm_sound_only(data)


def _ebml_size(size: int) -> bytes:
    """An EBML size in 8 bytes (always long enough)."""
    return bytes([0x01]) + size.to_bytes(7, "big")


def _el(element_id: int, body: bytes) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big") + _ebml_size(len(body))


def _webm_sound_only(data: bytes) -> bytes:
    """Keep the EBML header, the tracks and the clusters; a new Info with the time scale and
    length only. Tags, titles, the muxing and writing apps, dates, chapters, attachments,
    seek heads and cues (whose positions would be wrong) are left out."""
    reader = _WebM(data)
    _header_id, header_size, header_body = _element(data, 0)
    assert header_size is not None  # checked by webm_opus_ms before
    header = data[: header_body + header_size]
    _segment_id, segment_size, pos = _element(data, header_body + header_size)
    end = len(data) if segment_size is None else pos + segment_size
    kept: list[bytes] = []
    while pos < end:
        element_id, size, body = _element(data, pos)
        if size is None:  # a cluster of unknown size (what MediaRecorder writes)
            stop = reader._cluster(body, None)  # noqa: SLF001
            kept.append(data[pos:stop])
            pos = stop
            continue
        if element_id == _INFO:
            reader._info(body, body + size)  # noqa: SLF001
        elif element_id in (_TRACKS, _CLUSTER):
            kept.append(data[pos : body + size])
        pos = body + size
    scale = reader.scale.to_bytes(4, "big")
    info_body = _el(0x2AD7B1, scale) + scale
    if reader.duration:
        duration = struct.pack(">d", reader.duration)
        info_body += _el(0x4489, duration) + duration
    info = _el(_INFO, info_body) + info_body
    segment_body = info + b"".join(kept)
    return header + _el(_SEGMENT, segment_body) + segment_body


# --- keeping ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    recording: PersonRecording
    replay: bool


def key_for(recording: PersonRecording) -> str:
    return f"{SUBFOLDER}/{recording.file_name}"


def _review_prompt(review: Review, position: int) -> ReviewPrompt:
    if not 1 <= position <= len(review.prompts):
        raise ServiceError(_l("That question is not in this review."))
    return review.prompts[position - 1]


def save(
    session: Session,
    review: Review,
    position: int,
    client_id: str,
    data: bytes,
    actor: User | None,
) -> Kept:
    """Keep one recording the person made on the prompt at ``position``, once per client id."""
    client_id = (client_id or "").strip()
    if not 8 <= len(client_id) <= 64 or not client_id.replace("-", "").isalnum():
        raise ServiceError(_l("The recording could not be read. Nothing was saved."))
    existing = session.scalar(select(PersonRecording).where(PersonRecording.client_id == client_id))
    if existing is not None:
        if existing.review_id != review.id:
            raise NotAllowed(_l("This recording belongs to another review's session."))
        return Kept(existing, replay=True)  # sent again from the tablet's queue: kept once
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is closed, so nothing more can be added."))
    if not may_record(session, review):
        raise NotAllowed(NEEDS_CONSENT)
    review_prompt = _review_prompt(review, position)
    info = inspect(data, seconds_for(review.person))
    recording = PersonRecording(
        person_id=review.person_id,
        review_id=review.id,
        review_prompt_id=review_prompt.id,
        public_id=secrets.token_urlsafe(18),
        client_id=client_id,
        kind="audio",
        file_name=f"{secrets.token_hex(20)}.{info.audio_format}",
        audio_format=info.audio_format,
        byte_size=len(info.body),
        duration_ms=info.duration_ms,
        sha256=storage.sha256_of(info.body),
        captured_with_id=actor.id if actor is not None else None,
    )
    session.add(recording)
    storage.put(session, key_for(recording), info.body, info.mimetype)
    session.flush()
    audit.record(
        session,
        "person_recording.kept",
        actor=actor,
        obj=recording,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "position": position,
            "format": info.audio_format,
            "seconds": round(info.duration_ms / 1000, 1),
            "bytes": len(info.body),
        },
    )
    return Kept(recording, replay=False)


# --- finding ----------------------------------------------------------------------------------


def for_review(session: Session, review: Review) -> list[PersonRecording]:
    """The review's recordings still kept (not deleted), in the order they were made."""
    return list(
        session.scalars(
            select(PersonRecording)
            .where(PersonRecording.review_id == review.id, PersonRecording.deleted_at.is_(None))
            .order_by(PersonRecording.id)
        )
    )


def find(session: Session, review: Review, public_id: str) -> PersonRecording | None:
    """One of this review's recordings by its public id (None for anyone else's or deleted)."""
    found = session.scalar(
        select(PersonRecording).where(PersonRecording.public_id == str(public_id)[:32])
    )
    if found is None or found.review_id != review.id or found.deleted:
        return None
    return found


def heard(session: Session, recording: PersonRecording, actor: User | None, by: str) -> None:
    """A look at a sensitive record leaves an audit entry: who listened, and as whom."""
    audit.record(
        session,
        "person_recording.heard",
        actor=actor,
        actor_label=None if actor is not None else by,
        obj=recording,
        person_id=recording.person_id,
        detail={"review_id": recording.review_id, "by": by},
    )


# --- staff: transcript and deleting -------------------------------------------------------------


def _staff(actor: User | None) -> User:
    if actor is None or actor.role not in STAFF_ROLES:
        raise NotAllowed(_l("Only staff can do this."))
    return actor


def add_transcript(
    session: Session, recording: PersonRecording, text: str, actor: User | None
) -> PersonRecording:
    """A facilitator's transcript (or translation) of a recording: theirs, never the person's."""
    actor = _staff(actor)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_l("Write what you heard in the recording."))
    if len(text) > TRANSCRIPT_LIMIT:
        raise ServiceError(
            _l(
                "Keep the transcript to %(limit)s characters or fewer.",
                limit=f"{TRANSCRIPT_LIMIT:,}",
            )
        )
    if recording.deleted:
        raise ServiceError(_l("This recording was deleted."))
    before = recording.transcript
    recording.transcript = text
    recording.transcript_by_id = actor.id
    recording.transcript_at = utcnow()
    audit.record(
        session,
        "person_recording.transcript",
        actor=actor,
        obj=recording,
        person_id=recording.person_id,
        detail={"review_id": recording.review_id, "replaced": before is not None},
    )
    return recording


def delete(
    session: Session, recording: PersonRecording, reason: str, actor: User | None
) -> PersonRecording:
    """Delete a recording (the person asked): the sound goes; the row says it existed."""
    actor = _staff(actor)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ServiceError(_l("Say why the recording is being deleted (the person asked, ...)."))
    if len(reason) > REASON_LIMIT:
        raise ServiceError(
            _l("Keep the reason to %(limit)s characters or fewer.", limit=f"{REASON_LIMIT:,}")
        )
    if recording.deleted:
        return recording
    storage.delete_files(session, [key_for(recording)])
    recording.deleted_at = utcnow()
    recording.deleted_by_id = actor.id
    recording.deleted_reason = reason
    recording.transcript = None
    audit.record(
        session,
        "person_recording.deleted",
        actor=actor,
        obj=recording,
        person_id=recording.person_id,
        detail={"review_id": recording.review_id},
    )
    return recording


# --- actions answer recordings, as they answer any statement ------------------------------------


def actions_for(session: Session, recording: PersonRecording) -> list[OutcomeAction]:
    """The actions that answer this recording."""
    return list(
        session.scalars(
            select(OutcomeAction)
            .join(action_recordings, action_recordings.c.action_id == OutcomeAction.id)
            .where(action_recordings.c.recording_id == recording.id)
            .order_by(OutcomeAction.id)
        )
    )


def link_action(
    session: Session, recording: PersonRecording, action_id: int | None, actor: User | None
) -> OutcomeAction:
    """Say that an action of the same review answers this recording (audited, once)."""
    actor = _staff(actor)
    action = session.get(OutcomeAction, action_id) if action_id else None
    if action is None or action.review_id != recording.review_id:
        raise ServiceError(_l("Choose an action of this review."))
    if recording.deleted:
        raise ServiceError(_l("This recording was deleted."))
    if action.id in {a.id for a in actions_for(session, recording)}:
        return action
    session.execute(
        action_recordings.insert().values(action_id=action.id, recording_id=recording.id)
    )
    audit.record(
        session,
        "person_recording.action_linked",
        actor=actor,
        obj=recording,
        person_id=recording.person_id,
        detail={"review_id": recording.review_id, "action_id": action.id},
    )
    return action
