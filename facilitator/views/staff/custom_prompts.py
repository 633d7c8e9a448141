"""Staff: custom prompts for one person, with a picture or photo and a familiar voice.

The form works without JavaScript (a recording is uploaded as a file); htmx adds the easy-read
advice while the question is typed, and record-voice.js records in the browser into the same
file field. Recordings are served here to staff, and to the person's tablet by person.voice.
The synthetic voice of these prompts is rendered ahead by ``flask custom-prompts
render-speech`` (``cli/custom_prompts.py``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db, limiter
from ...forms.media import CHOICE_ROWS, CustomPromptForm, MovePromptForm
from ...models import CustomPrompt, Person, Photo, Review, ReviewStatus, VoiceRecording
from ...prompts.library import Prompt, load_library
from ...services import people
from ...services.media import custom_prompts, voice_recordings
from ...services.media.prompt_input import language_for
from .. import edge
from .uploads import send_private, upload_limit, uploader_key

bp = Blueprint("custom_prompts", __name__, url_prefix="/staff/people/<int:person_id>/prompts")


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
    return send_private(
        voice_recordings.key_for(recording),
        voice_recordings.MIMETYPES[recording.audio_format],
        f"voice.{recording.audio_format}",
    )


# --- staff pages --------------------------------------------------------------------------------


def _review_of(person: Person, review_id: str | None) -> Review | None:
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


def _form_page(
    person: Person,
    form: CustomPromptForm,
    review: Review | None,
    row: CustomPrompt | None = None,
    error: str | None = None,
) -> str:
    """The prompt's form, as sent (after a refusal, with the message) or as saved."""
    library = load_library()
    lang = language_for(person)
    kept_id = form.kept_recording.data
    return render_template(
        "custom_prompts/form.html",
        person=person,
        review=review,
        row=row,
        answered=row is not None and custom_prompts.has_answers(db.session, row),
        form=form,
        error=error,
        library=library,
        lang=lang,
        pictures=sorted(library.pictures),
        photos=_photos(person),
        kept=voice_recordings.find(db.session, person, kept_id) if kept_id else None,
        choice_rows=CHOICE_ROWS,
        advice=form.advice(lang) if (form.text.data or error) else None,
        typed=form.typed,
        max_megabytes=voice_recordings.MAX_BYTES // (1024 * 1024),
        max_seconds=voice_recordings.MAX_SECONDS,
        flag=people.communication_flag(person),
    )


def _recording(person: Person, form: CustomPromptForm) -> VoiceRecording | None:
    """A recording sent with the form, or the one kept from an earlier try; None for neither.

    A recording sent is checked and kept at once: committed here, before the prompt is
    checked, so that a mistake elsewhere on the form never loses it (the page offers it again).
    """
    if form.recording_sent:
        recording = voice_recordings.save(
            db.session,
            person,
            form.recording.data.stream.read(voice_recordings.MAX_BYTES + 1),
            actor=current_account(),
            speaker=form.speaker.data,
        )
        db.session.commit()  # kept even if the prompt is refused (see above)
        form.kept_recording.data = recording.public_id
        return recording
    kept = form.kept_recording.data
    return voice_recordings.find(db.session, person, kept) if kept else None


def _saved(
    person: Person, row: CustomPrompt, advice: list[str], version: bool = False
) -> WerkzeugResponse:
    """Say the prompt is saved (and whether the easy-read check has advice); back to the list."""
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
    return redirect(url_for("custom_prompts.index", person_id=person.id) + f"#prompt-{row.id}")


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index(person_id: int) -> str:
    """The person's own prompts: for all their reviews, and for one review."""
    person = people.get_person(db.session, person_id)
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
@limiter.limit(upload_limit, key_func=uploader_key, methods=["POST"])
def new(person_id: int) -> str | WerkzeugResponse:
    """Write a prompt for all the person's reviews, or (?review=) for one review."""
    person = people.get_person(db.session, person_id)
    form = CustomPromptForm()
    review = _review_of(person, request.args.get("review", form.review.data))
    if not form.is_submitted():
        form.topic_id.data = request.args.get("topic", "")
        return _form_page(person, form, review)
    edge.on_refusal(lambda error: _form_page(person, form, review, error=str(error)))
    recording = _recording(person, form)
    row = custom_prompts.create(
        db.session,
        person,
        form.to_input(recording.id if recording else None),
        actor=current_account(),
        review=review,
    )
    return _saved(person, row, form.advice(language_for(person)))


@bp.route("/<int:prompt_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
@limiter.limit(upload_limit, key_func=uploader_key, methods=["POST"])
def edit(person_id: int, prompt_id: int) -> str | WerkzeugResponse:
    """Change a prompt; once answered, the change is a new version."""
    person = people.get_person(db.session, person_id)
    row = custom_prompts.get(db.session, person, prompt_id)
    review = db.session.get(Review, row.review_id) if row.review_id else None
    if request.method == "GET":
        recording = db.session.get(VoiceRecording, row.recording_id) if row.recording_id else None
        return _form_page(person, CustomPromptForm.for_prompt(row, recording), review, row)
    form = CustomPromptForm()
    edge.on_refusal(lambda error: _form_page(person, form, review, row, error=str(error)))
    recording = _recording(person, form)
    if form.removes_recording:
        recording = None
        form.kept_recording.data = ""
    saved = custom_prompts.update(
        db.session, row, form.to_input(recording.id if recording else None), actor=current_account()
    )
    return _saved(person, saved, form.advice(language_for(person)), version=saved.id != row.id)


@bp.route("/advice", methods=["POST"])
@roles_required(*STAFF_ROLES)
def advice(person_id: int) -> str:
    """The easy-read advice for the question being typed (the htmx partial)."""
    person = people.get_person(db.session, person_id)
    form = CustomPromptForm()
    return render_template(
        "actions/_advice.html",
        advice=form.advice(language_for(person)),
        typed=form.typed,
    )


def _listed(person_id: int, prompt_id: int) -> CustomPrompt:
    """A prompt changed from the list: a refusal is said on the list."""
    person = people.get_person(db.session, person_id)
    row = custom_prompts.get(db.session, person, prompt_id)
    edge.refusal_returns_to(url_for("custom_prompts.index", person_id=person_id))
    return row


def _back_to_list(person_id: int, message: str) -> WerkzeugResponse:
    flash(message, "success")
    return redirect(url_for("custom_prompts.index", person_id=person_id), code=303)


@bp.route("/<int:prompt_id>/retire", methods=["POST"])
@roles_required(*STAFF_ROLES)
def retire(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Stop asking a prompt (its answers stay)."""
    custom_prompts.retire(db.session, _listed(person_id, prompt_id), actor=current_account())
    return _back_to_list(
        person_id, _("The prompt is retired: it is not asked in reviews still to come.")
    )


@bp.route("/<int:prompt_id>/restore", methods=["POST"])
@roles_required(*STAFF_ROLES)
def restore(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Ask a retired prompt again."""
    custom_prompts.restore(db.session, _listed(person_id, prompt_id), actor=current_account())
    return _back_to_list(person_id, _("The prompt is back: it is asked in reviews still to come."))


@bp.route("/<int:prompt_id>/delete", methods=["POST"])
@roles_required(*STAFF_ROLES)
def delete(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Delete a prompt never answered."""
    custom_prompts.delete(db.session, _listed(person_id, prompt_id), actor=current_account())
    return _back_to_list(person_id, _("The prompt is deleted."))


@bp.route("/<int:prompt_id>/move", methods=["POST"])
@roles_required(*STAFF_ROLES)
def move(person_id: int, prompt_id: int) -> WerkzeugResponse:
    """Move a prompt earlier or later in its topic."""
    row = _listed(person_id, prompt_id)
    custom_prompts.move(db.session, row, MovePromptForm().step, actor=current_account())
    return _back_to_list(person_id, _("The order is saved."))


@bp.route("/voices/<string:public_id>")
@roles_required(*STAFF_ROLES)
def voice(person_id: int, public_id: str) -> WerkzeugResponse:
    """A recording of the person's prompts, for staff to listen to."""
    return send_recording(people.get_person(db.session, person_id), public_id)
