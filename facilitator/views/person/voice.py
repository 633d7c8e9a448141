"""Person mode, "Say it": the person's own voice, recorded on the tablet (issue 24).

Routes on ``person.bp`` (so the lock, the locked review and the route walker treat them like
every person screen):

- ``/person/my-voice`` and ``/person/my-voice/hear/<number>``: before the first recording in a
  review, "Can we keep your voice?" and, supporter by supporter, "Can Alex hear it?", in easy
  read with pictures and speech. "No" leaves every other way of answering as it was.
- ``/person/q/<position>/say``: the recorder (static/js/person/say-it.js), and without
  JavaScript a plain file field that sends the same recording the same way.
- ``/person/api/recordings``: one recording from the tablet's queue (IndexedDB), kept once per
  client id; JSON.
- ``/person/my-voice/<public_id>``: the person hears their own recording of this review.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db, limiter
from ...services.media import person_recordings
from .. import edge
from ..staff.uploads import send_private, upload_limit, uploader_key
from . import lock, screens, sync
from .person import bp

YES, NO = person_recordings.YES, person_recordings.NO


def _context(**extra: Any) -> dict[str, Any]:
    return screens.base_context(g.person, lock.locked_review(), **extra)


def _back() -> int | None:
    value = request.values.get("back", type=int)
    review = lock.locked_review()
    return value if value is not None and 1 <= value <= len(review.prompts) else None


def _after_consent(back: int | None) -> WerkzeugResponse:
    if back is None:
        return redirect(url_for("person.welcome"), code=303)
    return redirect(url_for("person.say", position=back), code=303)


def limit_texts(seconds: int) -> dict[str, str]:
    """The time limit, said in easy read."""
    return {
        "limit": ngettext(
            "You can talk for up to %(num)s second.",
            "You can talk for up to %(num)s seconds.",
            seconds,
        ),
    }


@bp.route("/my-voice", methods=["GET", "POST"])
def voice_consent() -> ResponseReturnValue:
    """'Can we keep your voice?': yes, no; the person can ask for it to be deleted later."""
    review = lock.locked_review()
    back = _back()
    if request.method == "POST":
        edge.refusal_returns_to(url_for("person.voice_consent", back=back))
        decision = request.form.get("decision", "")
        current = person_recordings.current_consent(db.session, review)
        keep = list(current.hear_supporter_ids) if current is not None else []
        person_recordings.record_consent(db.session, review, decision, keep, current_user.user)
        supporters = person_recordings.voice_supporters(db.session, g.person)
        if decision == YES and supporters:
            return redirect(url_for("person.voice_hear", number=1, back=back), code=303)
        return _after_consent(back)
    current = person_recordings.current_consent(db.session, review)
    return render_template(
        "person/voice_consent.html",
        back=back,
        current=current.decision if current is not None else None,
        **_context(),
    )


@bp.route("/my-voice/hear/<int:number>", methods=["GET", "POST"])
def voice_hear(number: int) -> ResponseReturnValue:
    """'Can Alex hear your voice?', asked supporter by supporter (the same people, in the same
    order, as 'Can Alex see what you said?')."""
    review = lock.locked_review()
    back = _back()
    supporters = person_recordings.voice_supporters(db.session, g.person)
    current = person_recordings.current_consent(db.session, review)
    if current is None or current.decision != YES:
        return redirect(url_for("person.voice_consent", back=back), code=303)
    if number > len(supporters):
        return _after_consent(back)
    if number < 1:
        abort(404)
    supporter = supporters[number - 1]
    if request.method == "POST":
        edge.refusal_returns_to(url_for("person.voice_hear", number=number, back=back))
        chosen = set(current.hear_supporter_ids)
        if request.form.get("decision") == YES:
            chosen.add(supporter.id)
        else:
            chosen.discard(supporter.id)
        person_recordings.record_consent(db.session, review, YES, chosen, current_user.user)
        if number >= len(supporters):
            return _after_consent(back)
        return redirect(url_for("person.voice_hear", number=number + 1, back=back), code=303)
    return render_template(
        "person/voice_hear.html",
        supporter=supporter,
        number=number,
        count=len(supporters),
        back=back,
        current=YES if supporter.id in current.hear_supporter_ids else None,
        **_context(),
    )


@bp.route("/q/<int:position>/say", methods=["GET", "POST"])
@limiter.limit(upload_limit, methods=["POST"], key_func=uploader_key)
def say(position: int) -> ResponseReturnValue:
    """'Say it': record, play back, keep or try again. Asks first if the voice may be kept."""
    review = lock.locked_review()
    review_prompt = screens.review_prompt_at(review, position)
    consent = person_recordings.current_consent(db.session, review)
    if consent is None:
        return redirect(url_for("person.voice_consent", back=position), code=303)
    if request.method == "POST":  # without JavaScript: the recording as a file
        edge.refusal_returns_to(url_for("person.say", position=position))
        upload = request.files.get("recording")
        data = upload.stream.read(person_recordings.MAX_BYTES + 1) if upload else b""
        person_recordings.save(
            db.session, review, position, request.form.get("client_id", ""), data, current_user.user
        )
        flash(_("Your voice is kept. Thank you."), "success")
        return redirect(url_for("person.say", position=position), code=303)
    context = screens.prompt_context(db.session, review, review_prompt, position, {})
    seconds = person_recordings.seconds_for(g.person)
    kept = [
        r
        for r in person_recordings.for_review(db.session, review)
        if r.review_prompt_id == review_prompt.id
    ]
    return render_template(
        "person/say.html",
        allowed=consent.decision == YES,
        seconds=seconds,
        texts=limit_texts(seconds),
        kept=kept,
        **_context(**context),
    )


@bp.route("/api/recordings", methods=["POST"])
@limiter.limit(upload_limit, key_func=uploader_key)
def send_recording() -> ResponseReturnValue:
    """One recording from the tablet's queue: {ok, id, replay} or {error} (JSON)."""
    review = lock.locked_review()
    if request.form.get("review_id", type=int) != review.id:
        return jsonify(
            {"ok": False, "error": _("This recording belongs to another review's session.")}
        ), 400
    upload = request.files.get("recording")
    data = upload.stream.read(person_recordings.MAX_BYTES + 1) if upload else b""
    kept = person_recordings.save(
        db.session,
        review,
        request.form.get("position", 0, type=int),
        request.form.get("client_id", ""),
        data,
        current_user.user,
    )
    return jsonify({"ok": True, "id": kept.recording.public_id, "replay": kept.replay}), 200


@bp.route("/my-voice/<string:public_id>")
def my_recording(public_id: str) -> WerkzeugResponse:
    """The person hears their own recording (this review's only)."""
    recording = person_recordings.find(db.session, lock.locked_review(), public_id)
    if recording is None:
        abort(404)
    return send_private(
        person_recordings.key_for(recording),
        person_recordings.MIMETYPES[recording.audio_format],
        f"recording.{recording.audio_format}",
    )


def voice_waiting_messages() -> dict[str, str]:
    """ "N recordings are waiting", once per plural category of the page's language (the
    tablet picks one with Intl.PluralRules and puts the number in for {n})."""
    locale = get_locale()
    samples = sync._plural_samples(locale.plural_form if locale else None, str(locale))  # noqa: SLF001
    return {
        tag: ngettext(
            "%(count)s recording is waiting to be sent. Keep the tablet on and near the wifi.",
            "%(count)s recordings are waiting to be sent. Keep the tablet on and near the wifi.",
            n,
            count="{n}",
        )
        for tag, n in samples.items()
    }


@bp.app_context_processor
def _voice_strings() -> dict[str, Any]:
    return {"voice_waiting_messages": voice_waiting_messages}
