"""Staff: the person's own recordings on a review (issue 24): hear, add a transcript, delete.

Routes on ``staff.bp`` (staff, managers and administrators who may see the person: need to
know checks the review named in the address). Each listen is audited. The sound is served
privately (``uploads.send_private``: no-store, nosniff, sandboxed).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...models import OutcomeAction, PersonRecording, Review, User
from ...outputs import pdf
from ...services.media import person_recordings
from .. import edge
from ..lookup import review_or_404
from .staff import bp
from .uploads import send_private


def _recording(review_id: int, public_id: str) -> tuple[Review, PersonRecording]:
    review = review_or_404(review_id)
    recording = person_recordings.find(db.session, review, public_id)
    if recording is None:
        abort(404)
    return review, recording


def _back(review: Review, recording: PersonRecording) -> str:
    return url_for("staff.review", review_id=review.id) + f"#recording-{recording.public_id}"


@bp.route("/reviews/<int:review_id>/recordings/<string:public_id>")
@roles_required(*STAFF_ROLES)
def person_recording(review_id: int, public_id: str) -> WerkzeugResponse:
    """The person's recording, to hear (audited)."""
    _review, recording = _recording(review_id, public_id)
    person_recordings.heard(db.session, recording, current_account(), "staff")
    edge.keep_trace()
    return send_private(
        person_recordings.key_for(recording),
        person_recordings.MIMETYPES[recording.audio_format],
        f"recording.{recording.audio_format}",
    )


@bp.route("/reviews/<int:review_id>/recordings/<string:public_id>/transcript", methods=["POST"])
@roles_required(*STAFF_ROLES)
def recording_transcript(review_id: int, public_id: str) -> WerkzeugResponse:
    """A facilitator's transcript of the recording: shown as theirs, never as the person's."""
    review, recording = _recording(review_id, public_id)
    edge.refusal_returns_to(_back(review, recording))
    person_recordings.add_transcript(
        db.session, recording, request.form.get("transcript", ""), current_account()
    )
    return redirect(_back(review, recording), code=303)


@bp.route("/reviews/<int:review_id>/recordings/<string:public_id>/delete", methods=["POST"])
@roles_required(*STAFF_ROLES)
def recording_delete(review_id: int, public_id: str) -> WerkzeugResponse:
    """Delete the recording (the person asked): the sound goes, the record says it existed."""
    review, recording = _recording(review_id, public_id)
    edge.refusal_returns_to(_back(review, recording))
    person_recordings.delete(
        db.session, recording, request.form.get("reason", ""), current_account()
    )
    return redirect(url_for("staff.review", review_id=review.id), code=303)


@bp.route("/reviews/<int:review_id>/recordings/<string:public_id>/actions", methods=["POST"])
@roles_required(*STAFF_ROLES)
def recording_action(review_id: int, public_id: str) -> WerkzeugResponse:
    """An action of this review answers the recording, as it would any statement."""
    review, recording = _recording(review_id, public_id)
    edge.refusal_returns_to(_back(review, recording))
    person_recordings.link_action(
        db.session, recording, request.form.get("action_id", type=int), current_account()
    )
    return redirect(_back(review, recording), code=303)


def review_actions(review: Review) -> list[OutcomeAction]:
    """The review's actions, for choosing the one that answers a recording."""
    return list(
        db.session.scalars(
            select(OutcomeAction)
            .where(OutcomeAction.review_id == review.id)
            .order_by(OutcomeAction.id)
        )
    )


def recordings_by_prompt(review: Review) -> dict[int, list[PersonRecording]]:
    """The review's kept recordings, by review prompt id (for the person's panel)."""
    found: dict[int, list[PersonRecording]] = defaultdict(list)
    for recording in person_recordings.for_review(db.session, review):
        found[recording.review_prompt_id].append(recording)
    return found


def deleted_by_prompt(review: Review) -> dict[int, list[PersonRecording]]:
    """The review's recordings deleted on the person's request, by review prompt id: the
    record still says each existed, when and by whom it was deleted, and why."""
    found: dict[int, list[PersonRecording]] = defaultdict(list)
    for recording in db.session.scalars(
        select(PersonRecording)
        .where(PersonRecording.review_id == review.id, PersonRecording.deleted_at.is_not(None))
        .order_by(PersonRecording.id)
    ):
        found[recording.review_prompt_id].append(recording)
    return found


def recording_lines(record: Any, recordings: list[PersonRecording]) -> list[pdf.Para]:
    """For the record's PDF: that each recording exists, and its transcript as the writer's."""
    name = record.person.preferred_name
    lines: list[pdf.Para] = []
    for recording in recordings:
        lines.append(
            pdf.Para(
                ngettext(
                    "A recording of %(name)s's own voice, %(num)s second: said by %(name)s, "
                    "recorded.",
                    "A recording of %(name)s's own voice, %(num)s seconds: said by %(name)s, "
                    "recorded.",
                    round(recording.duration_ms / 1000),
                    name=name,
                )
            )
        )
        if recording.transcript:
            writer = db.session.get(User, recording.transcript_by_id)
            lines.append(
                pdf.Para(
                    _(
                        "Transcript by %(name)s (not %(person)s's own words):",
                        name=writer.name if writer is not None else _("a member of staff"),
                        person=name,
                    ),
                    "muted",
                )
            )
            lines.append(pdf.Para(recording.transcript))
    return lines


def voice_choice(review: Review) -> dict[str, Any] | None:
    """What the person chose about keeping their voice on this review, and who may hear it."""
    found = person_recordings.current_consent(db.session, review)
    if found is None:
        return None
    names = [
        s.name
        for s in person_recordings.voice_supporters(db.session, review.person)
        if s.id in found.hear_supporter_ids
    ]
    return {"decision": found.decision, "names": names, "at": found.created_at}


@bp.app_context_processor
def _recording_helpers() -> dict[str, Any]:
    return {
        "person_recordings_by_prompt": recordings_by_prompt,
        "person_recordings_deleted_by_prompt": deleted_by_prompt,
        "voice_choice": voice_choice,
        "recording_actions": lambda r: person_recordings.actions_for(db.session, r),
        "review_actions": review_actions,
    }
