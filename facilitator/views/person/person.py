"""Person mode: the tablet, locked to one review, one prompt per screen.

Every screen is a full page that also works without JavaScript; htmx (hx-boost) swaps the
main region so the next prompt appears without a reload. Like every view, these run inside the
edge (``views/edge.py``): a write is committed when the screen moves on, and a refusal shows
the screen again with the message. The lock itself is in ``lock.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db, limiter
from ...forms.fields import sent
from ...forms.person import SettingsForm, ShareForm, UnlockForm
from ...models import (
    ADVOCATE_ROLES,
    CaptureMethod,
    ConsentDecision,
    Review,
    ReviewPrompt,
    Supporter,
)
from ...services import ServiceError, reviews
from ...services.accounts import tablet_unlock
from ...services.reviews import answering, consent, person_session, responses, you_said
from .. import edge
from ..staff.custom_prompts import send_recording
from . import lock, screen_cache, screens

bp = Blueprint("person", __name__, url_prefix="/person")
bp.before_app_request(lock.keep_person_mode_locked)
bp.before_app_request(lock.tell_of_refused_unlock_tries)

# Requests to the exit routes, per tablet session: enough for the PIN, password and code.
UNLOCK_FLOOD_LIMIT = "30 per 5 minutes"


@bp.before_request
def _load_locked_review() -> WerkzeugResponse | None:
    return lock.load_locked_review("person.start")


def _context(**extra: Any) -> dict[str, Any]:
    return screens.base_context(g.person, lock.locked_review(), **extra)


def _go(endpoint: str, **values: Any) -> WerkzeugResponse:
    return redirect(url_for(endpoint, **values), code=303)


@bp.route("/start/<int:review_id>", methods=["POST"])
def start(review_id: int) -> WerkzeugResponse:
    """A facilitator hands the tablet to the person."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    if current_user.person_mode_review_id:
        return _go("person.welcome")
    review = reviews.get_review(db.session, review_id)
    edge.refusal_returns_to(url_for("staff.review", review_id=review_id), code=302)  # as ever
    person_session.start(db.session, review, current_user.user, current_user.record)
    return _go("person.welcome")


@bp.route("/")
def welcome() -> str:
    """Hello, and how this works; at a later review, first what happened since last time."""
    earlier = len(you_said.earlier_actions(db.session, lock.locked_review()))
    return render_template("person/welcome.html", earlier=earlier, **_context(screen="intro"))


@bp.route("/q/<int:position>", methods=["GET", "POST"])
def prompt(position: int) -> ResponseReturnValue:
    """One prompt: picture, sentence, listen, big answers; POST stores the answer once."""
    kept = screen_cache.cache()
    key = None
    if request.method == "GET" and kept is not None:
        found: screen_cache.Stamp = g.screen_stamp
        if not 1 <= position <= found.prompts:
            abort(404)
        key = screen_cache.key_for(found, position, str(get_locale()))
        html = kept.get(key) if key is not None else None
        if html is not None:
            return kept.fill(html)
    review = lock.locked_review()
    review_prompt = screens.review_prompt_at(review, position)
    if request.method == "POST":
        edge.on_refusal(lambda error: _prompt_page(review, review_prompt, position, str(error)))
        given = answering.TabletAnswer.from_form(position, request.form)
        answered = answering.answer(db.session, review, given, current_user.user)
        return redirect(screens.screen_url(answered.next), code=303)
    if key is not None and kept is not None:
        # Rendered with markers where each response's CSRF token and client ids go.
        context = screens.prompt_context(db.session, review, review_prompt, position, request.args)
        context.update(kept.markers())
        html = render_template("person/prompt.html", error=None, **_context(**context))
        kept.put(key, html)
        return kept.fill(html)
    return _prompt_page(review, review_prompt, position)


def _prompt_page(
    review: Review, review_prompt: ReviewPrompt, position: int, error: str | None = None
) -> str:
    context = screens.prompt_context(db.session, review, review_prompt, position, request.args)
    return render_template("person/prompt.html", error=error, **_context(**context))


@bp.route("/q/<int:position>/words", methods=["GET", "POST"])
def words(position: int) -> ResponseReturnValue:
    """'Tell me more': the person's own words, and how they were captured."""
    review = lock.locked_review()
    review_prompt = screens.review_prompt_at(review, position)
    if request.method == "POST":
        # Refused words are shown again as typed, never lost (the person may have taken a while).
        edge.on_refusal(
            lambda error: _words_page(
                review,
                review_prompt,
                position,
                str(error),
                request.form.get("words", ""),
                request.form.get("method", CaptureMethod.TYPED.value),
            )
        )
        given = answering.TabletAnswer.from_form(position, request.form, own_words=True)
        answered = answering.answer(db.session, review, given, current_user.user)
        return redirect(screens.screen_url(answered.next), code=303)
    return _words_page(review, review_prompt, position)


def _words_page(
    review: Review,
    review_prompt: ReviewPrompt,
    position: int,
    error: str | None = None,
    text: str = "",
    method: str = CaptureMethod.TYPED.value,
) -> str:
    context = screens.prompt_context(db.session, review, review_prompt, position, {})
    return render_template(
        "person/words.html",
        error=error,
        words=text,
        method=method,
        limit=responses.OWN_WORDS_LIMIT,
        **_context(**context),
    )


# --- leaving person mode: the facilitator's PIN, password or code ------------------------------


def _unlock_try(route: str) -> tablet_unlock.UnlockTry:
    """What the facilitator typed on the locked tablet, and on which exit route."""
    return UnlockForm().unlock_try(address=request.remote_addr or "unknown", route=route)


def _unlock_page(template: str, error: str | None = None, **extra: Any) -> str:
    """The screen with the facilitator's form, asking for what unlocking needs now."""
    step = tablet_unlock.step_needed(db.session, current_user.record).value
    return render_template(template, error=error, unlock_step=step, **extra)


def _unlock_refused(template: str, **extra: Any) -> edge.Refusal:
    """A refused try (already recorded, audited and committed by tablet_unlock, so the edge's
    rollback keeps it): the form again with the message, 429 while the tries are paused."""

    def page(error: ServiceError) -> ResponseReturnValue:
        paused = isinstance(error, tablet_unlock.UnlockRefused) and error.reason == "paused"
        return _unlock_page(template, str(error), **extra), (429 if paused else 400)

    return page


@bp.route("/break", methods=["GET", "POST"])
# Only a flood guard (per worker without Redis): the tries are counted by tablet_unlock.
@limiter.limit(UNLOCK_FLOOD_LIMIT, methods=["POST"], key_func=lambda: current_user.get_id())
def take_break() -> ResponseReturnValue:
    """A break; the facilitator can unlock the tablet here with their PIN."""
    extra = {"back": request.args.get("back", type=int), **_context(screen="break")}
    if request.method == "POST":
        edge.on_refusal(_unlock_refused("person/break.html", **extra))
        try:
            review_id = person_session.unlock(db.session, current_user.record, _unlock_try("break"))
        except tablet_unlock.CodeNext:  # not a refusal: the password was right, the code next
            return _unlock_page("person/break.html", **extra)
        flash(_("The tablet is unlocked. The person's answers so far are saved."), "success")
        return redirect(url_for("staff.review", review_id=review_id), code=303)
    return _unlock_page("person/break.html", **extra)


@bp.route("/done", methods=["GET", "POST"])
# Only a flood guard (per worker without Redis): the tries are counted by tablet_unlock.
@limiter.limit(UNLOCK_FLOOD_LIMIT, methods=["POST"], key_func=lambda: current_user.get_id())
def done() -> ResponseReturnValue:
    """Thank you; the facilitator confirms with their PIN and the tablet unlocks."""
    review = lock.locked_review()
    extra = _context(screen="thank-you")
    if request.method == "POST":
        edge.on_refusal(_unlock_refused("person/done.html", **extra))
        try:
            person_session.confirm(db.session, review, current_user.record, _unlock_try("done"))
        except tablet_unlock.CodeNext:  # not a refusal: the password was right, the code next
            return _unlock_page("person/done.html", **extra)
        flash(_("The person's views are confirmed and saved."), "success")
        return redirect(url_for("staff.review", review_id=review.id), code=303)
    return _unlock_page("person/done.html", **extra)


# --- the person's settings, the check and who may see their words ------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> ResponseReturnValue:
    """How the screens look and sound for this person (saved on their record)."""
    if request.method == "POST":
        # A switch setting outside the rules: nothing saved, the form again as it was sent.
        edge.on_refusal(lambda error: _settings_page(str(error), request.form))
        form = SettingsForm()
        screens.save_settings(db.session, g.person, request.form, current_user.user)
        back = form.back.data
        return _go("person.prompt", position=back) if back else _go("person.welcome")
    return _settings_page()


def _settings_page(error: str | None = None, sent_form: Any = None) -> str:
    back = (sent_form or request.args).get("back", type=int)
    return render_template(
        "person/settings.html",
        back=back,
        choices=screens.SETTING_CHOICES,
        access_choices=screens.ACCESS_CHOICES,
        error=error,
        form=sent_form,
        **_context(),
    )


@bp.route("/check", methods=["GET", "POST"])
def check() -> str | WerkzeugResponse:
    """'Is this right?': what the person said, in pictures and words."""
    review = lock.locked_review()
    if request.method == "POST":
        return _go("person.share", number=1)
    return render_template(
        "person/check.html",
        summary=screens.summary(db.session, review, g.person),
        **_context(screen="end"),
    )


def _sharing_supporters() -> list[Supporter]:
    """Family, friends, carers, attorneys and deputies: the person decides who sees their words."""
    return list(
        db.session.scalars(
            select(Supporter)
            .where(
                Supporter.person_id == g.person.id,
                Supporter.active.is_(True),
                Supporter.role.not_in(list(ADVOCATE_ROLES)),
            )
            .order_by(Supporter.name, Supporter.id)
        )
    )


@bp.route("/share/<int:number>", methods=["GET", "POST"])
def share(number: int) -> str | WerkzeugResponse:
    """'Can Alex see what you said?', asked supporter by supporter, in easy read."""
    supporters = _sharing_supporters()
    if number > len(supporters):
        return _go("person.done")
    if number < 1:
        abort(404)
    supporter = supporters[number - 1]
    form = ShareForm()
    if sent(form):
        consent.record_person_choice(
            db.session,
            lock.locked_review(),
            supporter,
            ConsentDecision(form.decision.data),
            CaptureMethod.TAPPED.value,
            current_user.user,
        )
        if number >= len(supporters):
            return _go("person.done")
        return _go("person.share", number=number + 1)
    current = consent.current_consent(db.session, lock.locked_review(), supporter)
    return render_template(
        "person/share.html",
        supporter=supporter,
        number=number,
        count=len(supporters),
        current=current.decision if current and current.basis == "person" else None,
        **_context(),
    )


# --- files: pre-rendered speech and a familiar voice -------------------------------------------


@bp.route("/audio/<string:filename>")
def audio(filename: str) -> WerkzeugResponse:
    """Pre-rendered speech (never synthesised here); cached for a year, named by content."""
    if not screens.AUDIO_NAME.match(filename):
        abort(404)
    directory = Path(current_app.config["SPEECH_CACHE_DIR"])
    if not (directory / filename).is_file():
        abort(404)
    response = send_from_directory(directory, filename, mimetype="audio/mpeg", max_age=31536000)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@bp.route("/voice/<string:public_id>")
def voice(public_id: str) -> WerkzeugResponse:
    """A familiar voice recorded for one of this person's own prompts (nobody else's)."""
    return send_recording(g.person, public_id)
