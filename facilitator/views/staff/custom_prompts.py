"""Staff: custom prompts for one person, with a picture or photo and a familiar voice.

The form works without JavaScript (a recording is uploaded as a file); htmx adds the easy-read
advice while the question is typed, and record-voice.js records in the browser into the same
file field. Recordings are served here to staff, and to the person's tablet by person.voice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db, limiter
from ...models import CustomPrompt, Person, Photo, Review, ReviewStatus, VoiceRecording
from ...prompts.library import Prompt, load_library
from ...services import NotFound, ServiceError, people
from ...services.media import custom_prompts, voice_recordings
from ...services.media.custom_prompts import Choice, CustomPromptInput

bp = Blueprint(
    "custom_prompts",
    __name__,
    url_prefix="/staff/people/<int:person_id>/prompts",
    cli_group="custom-prompts",
)

CHOICE_ROWS = custom_prompts.MAX_CHOICES


def _upload_limit() -> str:
    return str(current_app.config.get("RATELIMIT_UPLOADS", "20 per 10 minutes"))


def _uploader_key() -> str:
    """Saves with a possible upload are counted per account, like photo uploads."""
    if current_user.is_authenticated:
        return f"uploads:{current_user.user.id}"
    return f"uploads:{request.remote_addr}"


def upload_folder() -> Path:
    """The upload folder (UPLOAD_FOLDER), outside the static folder."""
    folder = current_app.config.get("UPLOAD_FOLDER")
    return Path(folder) if folder else Path(current_app.instance_path) / "uploads"


# --- for the person's screens -------------------------------------------------------------------


def recorded_voice_url(prompt: Prompt) -> str | None:
    """The address of the familiar voice a custom prompt carries, or None (synthetic voice)."""
    recording_id = getattr(prompt, "recording_id", None)
    if not recording_id:
        return None
    recording = db.session.get(VoiceRecording, recording_id)
    if recording is None:
        return None
    if current_user.is_authenticated and current_user.person_mode_review_id:
        return url_for("person.voice", public_id=recording.public_id)
    return url_for(
        "custom_prompts.voice", person_id=recording.person_id, public_id=recording.public_id
    )


def prompt_photo(prompt: Prompt) -> Photo | None:
    """The photo of the person a custom prompt shows instead of a picture, if any."""
    photo_id = getattr(prompt, "photo_id", None)
    photo = db.session.get(Photo, photo_id) if photo_id else None
    return photo if photo is not None and photo.removed_at is None else None


def send_recording(person: Person, public_id: str) -> WerkzeugResponse:
    """One of ``person``'s recordings; 404 for anyone else's (whether it exists is not said)."""
    recording = voice_recordings.find(db.session, person, public_id)
    if recording is None:
        abort(404)
    path = voice_recordings.path_for(upload_folder(), recording)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=voice_recordings.MIMETYPES[recording.audio_format],
        max_age=0,
        conditional=True,
        etag=True,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="voice.{recording.audio_format}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- staff pages --------------------------------------------------------------------------------


def _person_or_404(person_id: int) -> Person:
    try:
        return people.get_person(db.session, person_id)
    except NotFound:
        abort(404)


def _prompt_or_404(person: Person, prompt_id: int) -> CustomPrompt:
    try:
        return custom_prompts.get(db.session, person, prompt_id)
    except NotFound:
        abort(404)


def _review_of(person: Person, review_id: Any) -> Review | None:
    """The person's review named on the form or address, or None; 404 for anyone else's."""
    if not review_id:
        return None
    try:
        review = db.session.get(Review, int(review_id))
    except (TypeError, ValueError):
        abort(404)
    if review is None or review.person_id != person.id:
        abort(404)
    return review


def _photos(person: Person) -> list[Photo]:
    return list(
        db.session.scalars(
            select(Photo)
            .where(Photo.person_id == person.id, Photo.removed_at.is_(None))
            .order_by(Photo.created_at.desc(), Photo.id.desc())
        )
    )


def _input(form: MultiDict[str, str], recording_id: int | None) -> CustomPromptInput:
    photo = (form.get("photo_id") or "").strip()
    return CustomPromptInput(
        text=form.get("text", ""),
        answer_type=form.get("answer_type", ""),
        topic_id=form.get("topic_id", ""),
        picture=form.get("picture") or None,
        alt=form.get("alt", ""),
        photo_id=int(photo) if photo.isdigit() else None,
        choices=[
            Choice(form.get(f"choice-{n}", ""), form.get(f"choice-{n}-picture") or None)
            for n in range(1, CHOICE_ROWS + 1)
        ],
        recording_id=recording_id,
    )


def _form_from(row: CustomPrompt, recording: VoiceRecording | None) -> dict[str, str]:
    """The form's values for an existing prompt."""
    lang = next(iter(row.texts), "en")
    values = {
        "text": row.texts.get(lang, ""),
        "answer_type": row.answer_type,
        "topic_id": row.topic_id,
        "picture": row.picture or "",
        "alt": (row.alt or {}).get(lang, ""),
        "photo_id": str(row.photo_id or ""),
        "kept_recording": recording.public_id if recording else "",
    }
    for number, choice in enumerate(row.choices or [], start=1):
        values[f"choice-{number}"] = next(iter((choice.get("labels") or {}).values()), "")
        values[f"choice-{number}-picture"] = choice.get("picture") or ""
    return values


def _advice(form: Any, lang: str) -> list[str]:
    return custom_prompts.easy_read_advice(
        form.get("text", ""),
        lang,
        form.get("picture") or None,
        photo=bool(form.get("photo_id")),
    )


def _form_page(
    person: Person,
    *,
    form: Any,
    review: Review | None,
    row: CustomPrompt | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    library = load_library()
    lang = custom_prompts.language_for(person)
    kept = None
    if form.get("kept_recording"):
        kept = voice_recordings.find(db.session, person, form.get("kept_recording"))
    answered = row is not None and custom_prompts.has_answers(db.session, row)
    return render_template(
        "custom_prompts/form.html",
        person=person,
        review=review,
        row=row,
        answered=answered,
        form=form,
        error=error,
        library=library,
        lang=lang,
        pictures=sorted(library.pictures),
        photos=_photos(person),
        kept=kept,
        choice_rows=CHOICE_ROWS,
        advice=_advice(form, lang) if (form.get("text") or error) else None,
        typed=bool((form.get("text") or "").strip()),
        max_megabytes=voice_recordings.MAX_BYTES // (1024 * 1024),
        max_seconds=voice_recordings.MAX_SECONDS,
        flag=people.communication_flag(person),
    ), (400 if error else 200)


def _recording_from_request(person: Person) -> VoiceRecording | None:
    """A recording sent with the form (checked and kept at once, so a mistake elsewhere on
    the form never loses it), or the one kept from an earlier try; None for neither."""
    upload = request.files.get("recording")
    if upload is not None and upload.filename:
        data = upload.stream.read(voice_recordings.MAX_BYTES + 1)
        recording = voice_recordings.save(
            db.session,
            person,
            data,
            actor=current_account(),
            upload_folder=upload_folder(),
            speaker=request.form.get("speaker"),
        )
        db.session.commit()
        return recording
    kept = request.form.get("kept_recording")
    return voice_recordings.find(db.session, person, kept) if kept else None


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index(person_id: int) -> str:
    """The person's own prompts: for all their reviews, and for one review."""
    person = _person_or_404(person_id)
    rows = custom_prompts.current_for_person(db.session, person.id)
    reviews = list(
        db.session.scalars(
            select(Review).where(Review.person_id == person.id).order_by(Review.scheduled_for)
        )
    )
    return render_template(
        "custom_prompts/index.html",
        person=person,
        rows=rows,
        reviews={r.id: r for r in reviews},
        planned=[r for r in reviews if r.status == ReviewStatus.PLANNED],
        answered={r.id for r in rows if custom_prompts.lineage_has_answers(db.session, r)},
        recordings=custom_prompts.recordings_for(db.session, rows),
        photos={p.id: p for p in _photos(person)},
        library=load_library(),
        flag=people.communication_flag(person),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
@limiter.limit(_upload_limit, key_func=_uploader_key, methods=["POST"])
def new(person_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    """Write a prompt for all the person's reviews, or (?review=) for one review."""
    person = _person_or_404(person_id)
    review = _review_of(person, request.values.get("review"))
    if request.method == "GET":
        return _form_page(person, form={"topic_id": request.args.get("topic", "")}, review=review)
    form = request.form.copy()
    try:
        recording = _recording_from_request(person)
    except ServiceError as problem:
        db.session.rollback()
        return _form_page(person, form=form, review=review, error=str(problem))
    if recording is not None:
        form["kept_recording"] = recording.public_id
    try:
        row = custom_prompts.create(
            db.session,
            person,
            _input(form, recording.id if recording else None),
            actor=current_account(),
            review=review,
        )
    except ServiceError as problem:
        db.session.rollback()
        return _form_page(person, form=form, review=review, error=str(problem))
    advice = _advice(form, custom_prompts.language_for(person))
    db.session.commit()
    _saved_message(advice)
    return redirect(url_for("custom_prompts.index", person_id=person.id) + f"#prompt-{row.id}")


def _saved_message(advice: list[str], version: bool = False) -> None:
    if version:
        flash(
            _(
                "The prompt is changed. It had answers, so it is saved as a new version: "
                "the answers keep the words that were asked."
            ),
            "success",
        )
    elif advice:
        flash(_("The prompt is saved. The easy-read check has advice on it: change it below."),
              "warning")  # fmt: skip
    else:
        flash(_("The prompt is saved."), "success")


@bp.route("/<int:prompt_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
@limiter.limit(_upload_limit, key_func=_uploader_key, methods=["POST"])
def edit(person_id: int, prompt_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    """Change a prompt; once answered, the change is a new version."""
    person = _person_or_404(person_id)
    row = _prompt_or_404(person, prompt_id)
    review = db.session.get(Review, row.review_id) if row.review_id else None
    if request.method == "GET":
        recording = db.session.get(VoiceRecording, row.recording_id) if row.recording_id else None
        return _form_page(person, form=_form_from(row, recording), review=review, row=row)
    form = request.form.copy()
    try:
        recording = _recording_from_request(person)
    except ServiceError as problem:
        db.session.rollback()
        return _form_page(person, form=form, review=review, row=row, error=str(problem))
    if request.form.get("remove_recording") == "on":
        recording = None
        form["kept_recording"] = ""
    elif recording is not None:
        form["kept_recording"] = recording.public_id
    try:
        saved = custom_prompts.update(
            db.session,
            row,
            _input(form, recording.id if recording else None),
            actor=current_account(),
        )
    except ServiceError as problem:
        db.session.rollback()
        return _form_page(person, form=form, review=review, row=row, error=str(problem))
    advice = _advice(form, custom_prompts.language_for(person))
    db.session.commit()
    _saved_message(advice, version=saved.id != row.id)
    return redirect(url_for("custom_prompts.index", person_id=person.id) + f"#prompt-{saved.id}")


@bp.route("/advice", methods=["POST"])
@roles_required(*STAFF_ROLES)
def advice(person_id: int) -> str:
    """The easy-read advice for the question being typed (the htmx partial)."""
    person = _person_or_404(person_id)
    return render_template(
        "actions/_advice.html",
        advice=_advice(request.form, custom_prompts.language_for(person)),
        typed=bool(request.form.get("text", "").strip()),
    )


def _change(person_id: int, prompt_id: int, what: str) -> WerkzeugResponse:
    person = _person_or_404(person_id)
    row = _prompt_or_404(person, prompt_id)
    actor = current_account()
    try:
        if what == "retire":
            custom_prompts.retire(db.session, row, actor=actor)
            message = _("The prompt is retired: it is not asked in reviews still to come.")
        elif what == "restore":
            custom_prompts.restore(db.session, row, actor=actor)
            message = _("The prompt is back: it is asked in reviews still to come.")
        elif what == "delete":
            custom_prompts.delete(db.session, row, actor=actor)
            message = _("The prompt is deleted.")
        else:
            direction = -1 if request.form.get("direction") == "up" else 1
            custom_prompts.move(db.session, row, direction, actor=actor)
            message = _("The order is saved.")
    except ServiceError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("custom_prompts.index", person_id=person.id), code=303)


@bp.route("/<int:prompt_id>/retire", methods=["POST"])
@roles_required(*STAFF_ROLES)
def retire(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Stop asking a prompt (its answers stay)."""
    return _change(person_id, prompt_id, "retire")


@bp.route("/<int:prompt_id>/restore", methods=["POST"])
@roles_required(*STAFF_ROLES)
def restore(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Ask a retired prompt again."""
    return _change(person_id, prompt_id, "restore")


@bp.route("/<int:prompt_id>/delete", methods=["POST"])
@roles_required(*STAFF_ROLES)
def delete(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Delete a prompt never answered."""
    return _change(person_id, prompt_id, "delete")


@bp.route("/<int:prompt_id>/move", methods=["POST"])
@roles_required(*STAFF_ROLES)
def move(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Move a prompt earlier or later in its topic."""
    return _change(person_id, prompt_id, "move")


@bp.route("/voices/<string:public_id>")
@roles_required(*STAFF_ROLES)
def voice(person_id: int, public_id: str) -> WerkzeugResponse:
    """A recording of the person's prompts, for staff to listen to."""
    return send_recording(_person_or_404(person_id), public_id)


# --- speech, rendered ahead of time -------------------------------------------------------------


def spoken_texts() -> list[tuple[str, str, int]]:
    """(text, language, rate) for every custom prompt still asked, and its choices.

    Rendered at the person's own rate and at every rate they can choose."""
    from ...accessible import speech

    rates = set(speech.RATES.values())
    found: dict[tuple[str, str, int], None] = {}
    rows = db.session.scalars(
        select(CustomPrompt).where(
            CustomPrompt.superseded_by_id.is_(None), CustomPrompt.retired_at.is_(None)
        )
    )
    for row in rows:
        person = db.session.get(Person, row.person_id)
        if person is None:
            continue
        lang = custom_prompts.language_for(person)
        own = int(person.setting("speech_rate") or speech.DEFAULT_RATE)
        prompt = custom_prompts.to_prompt(row)
        texts = [prompt.text(lang)] + [option.label(lang) for option in prompt.choices]
        for rate in sorted(rates | {own}):
            for text in texts:
                found[(text, lang, rate)] = None
    return list(found)


@bp.cli.command("render-speech")
def render_speech() -> None:
    """Render the synthetic voice of every custom prompt still asked (missing files only).

    Pages use the browser's own voice until the audio is rendered; a prompt with a recorded
    familiar voice plays that instead."""
    from ...accessible import speech

    status = speech.speech_status()
    if not status.available:
        click.echo(f"Warning: {status.reason}", err=True)
        return
    cache_dir = Path(current_app.config["SPEECH_CACHE_DIR"])
    by_rate: dict[int, list[tuple[str, str]]] = {}
    for text, lang, rate in spoken_texts():
        by_rate.setdefault(rate, []).append((text, lang))
    failed = 0
    for rate, items in sorted(by_rate.items()):
        report = speech.render_many(cache_dir, items, rate=rate)
        failed += len(report.failed)
        click.echo(
            f"Custom prompts at {rate} words a minute: {report.rendered} rendered, "
            f"{report.cached} cached, {len(report.failed)} failed in {report.seconds:.1f} s"
        )
    if failed:
        raise click.exceptions.Exit(1)
