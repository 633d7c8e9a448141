"""A supporter hears the person's own voice (issue 24), only if the person chose them.

Routes on ``family.bp`` (the family session, its refusals and the route walker as for every
family page). A recording is served only when the person said yes to keeping their voice on
this review and named this supporter among those who may hear it (``person_recordings.
may_hear``); anyone else gets the same 404 as no such recording. Each listen is audited.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import abort, g, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db
from ...models import InvitationLink, PersonRecording, Review, Supporter
from ...services.media import person_recordings
from .. import edge
from ..staff.uploads import send_private
from .family import bp, load_access


@bp.route("/recordings/<string:public_id>")
def person_recording(public_id: str) -> WerkzeugResponse:
    """The person's recording, for a supporter the person chose to hear it."""
    access = load_access()
    recording = person_recordings.find(db.session, access.review, public_id)
    if recording is None or not person_recordings.may_hear(db.session, recording, access.supporter):
        abort(404)
    person_recordings.heard(db.session, recording, None, f"supporter:{access.supporter.id}")
    edge.keep_trace()
    return send_private(
        person_recordings.key_for(recording),
        person_recordings.MIMETYPES[recording.audio_format],
        f"recording.{recording.audio_format}",
    )


def recordings_heard_here(review: Review) -> dict[int, list[dict[str, Any]]]:
    """For a family page: the recordings this session's supporter may hear, by review prompt."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    record = g.get("family_session")
    link = db.session.get(InvitationLink, record.link_id) if record is not None else None
    supporter = db.session.get(Supporter, link.supporter_id) if link is not None else None
    if supporter is None or link is None or link.review_id != review.id:
        return found
    for recording in person_recordings.for_review(db.session, review):
        if person_recordings.may_hear(db.session, recording, supporter):
            found[recording.review_prompt_id].append(_shown(recording))
    return found


def _shown(recording: PersonRecording) -> dict[str, Any]:
    return {
        "url": url_for("family.person_recording", public_id=recording.public_id),
        "seconds": round(recording.duration_ms / 1000),
        "transcript": recording.transcript,
        "transcript_by_id": recording.transcript_by_id,
    }


@bp.app_context_processor
def _family_voice() -> dict[str, Any]:
    return {"recordings_heard_here": recordings_heard_here}
