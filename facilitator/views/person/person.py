"""Person mode: the tablet, locked to one review, one prompt per screen.

Every screen is a full page that also works without JavaScript; htmx (hx-boost) swaps the
main region so the next prompt appears without a reload.
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
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...extensions import db, limiter
from ...models import ADVOCATE_ROLES, CaptureMethod, ConsentDecision, Review, Supporter
from ...services import NotAllowed, ServiceError, reviews
from ...services.accounts import tablet_unlock
from ...services.reviews import consent, person_session, responses
from . import screen_cache as person_screen_cache
from . import screens

bp = Blueprint("person", __name__, url_prefix="/person")

# Reachable while a tablet is locked to a review; every other endpoint refuses.
OPEN_WHILE_LOCKED = frozenset({"static", "main.favicon", "main.health", "main.choose_language"})
LOCKED_PREFIXES = ("person.", "person_outputs.", "person_sync.", "person_help.")


@bp.before_app_request
def _keep_person_mode_locked() -> WerkzeugResponse | None:
    """A locked tablet reaches nothing but its own review's person screens."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WHILE_LOCKED:  # first: a picture or a script needs no session look-up
        return None
    if not (current_user.is_authenticated and current_user.person_mode_review_id):
        return None
    if endpoint.startswith(LOCKED_PREFIXES):
        return None
    if request.method == "GET":
        return redirect(url_for("person.welcome"))
    abort(403)


# Requests to the exit routes, per tablet session: enough for the PIN, password and code.
UNLOCK_FLOOD_LIMIT = "30 per 5 minutes"

# The sign-in session whose account has been told of refused tries on its tablets.
TOLD_OF_TRIES = "told_of_unlock_tries"


@bp.before_app_request
def _tell_of_refused_unlock_tries() -> None:
    """The first page after a sign-in tells the account of refused tries to unlock its
    tablets (a wrong PIN may be someone guessing it), once; they are then marked seen.

    Only a sign-in proves it is the facilitator reading: whoever typed a right PIN is not told.
    """
    if request.method != "GET" or request.endpoint in OPEN_WHILE_LOCKED:
        return
    if not current_user.is_authenticated or current_user.person_mode_review_id:
        return
    if request.headers.get("HX-Request") or session.get(TOLD_OF_TRIES) == current_user.get_id():
        return
    session[TOLD_OF_TRIES] = current_user.get_id()
    tries = tablet_unlock.unseen_tries(db.session, current_user.user)
    for found in tries:
        at = format_datetime(found.last_at, "d MMMM y, HH:mm")
        name = found.person_name or _("a person")
        flash(
            ngettext(
                "%(num)d wrong PIN or password try on the tablet in the review for %(name)s, "
                "the last at %(at)s UTC. If this was not you, tell your manager.",
                "%(num)d wrong PIN or password tries on the tablet in the review for %(name)s, "
                "the last at %(at)s UTC. If this was not you, tell your manager.",
                found.count,
                name=name,
                at=at,
            ),
            "warning",
        )
    if tries:
        db.session.commit()


def load_locked_review(start_endpoint: str) -> WerkzeugResponse | None:
    """For a person-mode blueprint: the locked review on ``g``, or where to go instead.

    Every screen but the one that starts a session needs the tablet locked, and shows only
    that review, in the person's language.
    """
    if request.endpoint == start_endpoint:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    review_id = current_user.person_mode_review_id
    if not review_id:
        return redirect(url_for("main.home"))
    if (
        request.endpoint == "person.prompt"
        and request.method == "GET"
        and person_screen_cache.cache() is not None
    ):
        # The screen a tablet asks for most: first a stamp of everything it is drawn from,
        # which may find it already rendered; the review is loaded only if it is not.
        found = person_screen_cache.stamp(db.session, review_id)
        if found is None:
            abort(404)
        g.screen_stamp = found
        g.review_id = review_id
        g.page_language = found.language  # the person's language, whatever the account's
        return None
    _load_review(review_id)
    return None


def _load_review(review_id: int) -> None:
    g.review = reviews.get_review(db.session, review_id)
    g.person = g.review.person
    g.page_language = g.person.language  # the person's language, whatever the account's


@bp.before_request
def _load_locked_review() -> WerkzeugResponse | None:
    return load_locked_review("person.start")


def _review() -> Review:
    if "review" not in g:  # the prompt screen loads it only when it has to render
        _load_review(g.review_id)
    return g.review  # type: ignore[no-any-return]


def _context(**extra: Any) -> dict[str, Any]:
    person = g.person
    return screens.base_context(person, _review(), **extra)


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
    try:
        person_session.start(db.session, review, current_user.user, current_user.record)
    except NotAllowed:
        abort(403)
    except ServiceError as error:
        flash(str(error), "error")
        return redirect(url_for("staff.review", review_id=review_id))
    db.session.commit()
    return _go("person.welcome")


@bp.route("/")
def welcome() -> str:
    """Hello, and how this works; at a later review, first what happened since last time."""
    from ...services.reviews import you_said

    earlier = len(you_said.earlier_actions(db.session, _review()))
    return render_template("person/welcome.html", earlier=earlier, **_context(screen="intro"))


@bp.route("/q/<int:position>", methods=["GET", "POST"])
def prompt(position: int) -> str | WerkzeugResponse | tuple[str, int]:
    """One prompt: picture, sentence, listen, big answers; POST stores the answer once."""
    kept = person_screen_cache.cache()
    key = None
    if request.method == "GET" and kept is not None:
        found: person_screen_cache.Stamp = g.screen_stamp
        if not 1 <= position <= found.prompts:
            abort(404)
        key = person_screen_cache.key_for(found, position, str(get_locale()))
        html = kept.get(key) if key is not None else None
        if html is not None:
            return kept.fill(html)
    review = _review()
    review_prompt = screens.review_prompt_at(review, position)
    error = None
    if request.method == "POST":
        action = request.form.get("action", "answer")
        try:
            responses.record_choice(
                db.session,
                review,
                review_prompt,
                client_id=request.form.get("client_id", ""),
                answer=request.form.getlist("answer"),
                facilitator=current_user.user,
                skipped=action == "skip",
            )
        except ServiceError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            if action == "skip":
                return (
                    _go("person.prompt", position=position + 1)
                    if position < len(review.prompts)
                    else _go("person.check")
                )
            return _go("person.prompt", position=position, answered=1)
    context = screens.prompt_context(db.session, review, review_prompt, position, request.args)
    if key is not None and kept is not None:
        # Rendered with markers where each response's CSRF token and client ids go.
        context.update(kept.markers())
        html = render_template("person/prompt.html", error=None, **_context(**context))
        kept.put(key, html)
        return kept.fill(html)
    status = 400 if error else 200
    return render_template("person/prompt.html", error=error, **_context(**context)), status


@bp.route("/q/<int:position>/words", methods=["GET", "POST"])
def words(position: int) -> str | WerkzeugResponse | tuple[str, int]:
    """'Tell me more': the person's own words, and how they were captured."""
    review = _review()
    review_prompt = screens.review_prompt_at(review, position)
    error = None
    text = ""
    method = CaptureMethod.TYPED.value
    if request.method == "POST":
        text = request.form.get("words", "")
        method = request.form.get("method", CaptureMethod.TYPED.value)
        try:
            responses.record_words(
                db.session,
                review,
                review_prompt,
                client_id=request.form.get("client_id", ""),
                words=text,
                method=_capture_method(method),
                facilitator=current_user.user,
            )
        except ServiceError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            return _go("person.prompt", position=position, answered=1)
    context = screens.prompt_context(db.session, review, review_prompt, position, {})
    return render_template(
        "person/words.html",
        error=error,
        words=text,
        method=method,
        limit=responses.OWN_WORDS_LIMIT,
        **_context(**context),
    ), (400 if error else 200)


def _capture_method(value: str) -> CaptureMethod:
    """The capture method chosen on the form (the service refuses anything but words methods)."""
    try:
        return CaptureMethod(value)
    except ValueError:
        return CaptureMethod.TAPPED  # refused by record_words with a clear message


def _unlock_try(route: str) -> tablet_unlock.UnlockTry:
    """What the facilitator typed on the locked tablet, and on which form."""
    return tablet_unlock.UnlockTry(
        step=request.form.get("step", tablet_unlock.Step.PIN.value),
        secret=request.form.get("secret", ""),
        code=request.form.get("code", ""),
        address=request.remote_addr or "unknown",
        route=route,
    )


def _unlock_refusal(problem: ServiceError) -> tuple[str, int]:
    """A refused try to unlock, in the page's language, and its status."""
    if isinstance(problem, tablet_unlock.CodeNext):
        return "", 200
    if not isinstance(problem, tablet_unlock.UnlockRefused):
        return str(problem), 400
    if problem.reason == "paused":
        return ngettext(
            "Too many tries. For safety, please wait %(num)d minute and try again.",
            "Too many tries. For safety, please wait %(num)d minutes and try again.",
            problem.minutes,
        ), 429
    if problem.reason == "locked":
        return _(
            "Too many wrong PINs. For safety, the PIN no longer unlocks this tablet. "
            "Type your password."
        ), 400
    if problem.reason == "expired":
        return _("That took too long. Please type your password again."), 400
    if problem.reason == "changed":
        return _("Please try again."), 400
    if problem.step is tablet_unlock.Step.CODE:
        return _(
            "That code is not right. Type the newest code from your app, or a recovery code."
        ), 400
    if problem.step is tablet_unlock.Step.PASSWORD:
        return _("That password is not right. Please try again."), 400
    return ngettext(
        "That PIN or password is not right. %(num)d more try, then the password is needed.",
        "That PIN or password is not right. %(num)d more tries, then the password is needed.",
        problem.left or 0,
    ), 400


def _unlock_context(error: str | None) -> dict[str, Any]:
    """What the facilitator's form on the locked tablet asks for now."""
    return {
        "error": error,
        "unlock_step": tablet_unlock.step_needed(db.session, current_user.record).value,
    }


@bp.route("/break", methods=["GET", "POST"])
# Only a flood guard (per worker without Redis): the tries are counted by tablet_unlock.
@limiter.limit(UNLOCK_FLOOD_LIMIT, methods=["POST"], key_func=lambda: current_user.get_id())
def take_break() -> str | WerkzeugResponse | tuple[str, int]:
    """A break; the facilitator can unlock the tablet here with their PIN."""
    error = None
    status = 200
    if request.method == "POST":
        try:
            review_id = person_session.unlock(db.session, current_user.record, _unlock_try("break"))
        except ServiceError as problem:  # a refused try is already audited and committed
            db.session.rollback()
            error, status = _unlock_refusal(problem)
        else:
            db.session.commit()
            flash(_("The tablet is unlocked. The person's answers so far are saved."), "success")
            return redirect(url_for("staff.review", review_id=review_id), code=303)
    back = request.args.get("back", type=int)
    return render_template(
        "person/break.html", back=back, **_unlock_context(error), **_context(screen="break")
    ), status


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> WerkzeugResponse | tuple[str, int]:
    """How the screens look and sound for this person (saved on their record)."""
    person = g.person
    error = None
    if request.method == "POST":
        try:
            screens.save_settings(db.session, person, request.form, current_user.user)
        except ServiceError as problem:  # a switch setting outside the rules: nothing saved
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            back = request.form.get("back", type=int)
            return _go("person.prompt", position=back) if back else _go("person.welcome")
    return render_template(
        "person/settings.html",
        back=request.values.get("back", type=int),
        choices=screens.SETTING_CHOICES,
        access_choices=screens.ACCESS_CHOICES,
        error=error,
        form=request.form if error else None,
        **_context(),
    ), (400 if error else 200)


@bp.route("/check", methods=["GET", "POST"])
def check() -> str | WerkzeugResponse:
    """'Is this right?': what the person said, in pictures and words."""
    review = _review()
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
    if request.method == "POST":
        try:
            consent.record_person_choice(
                db.session,
                _review(),
                supporter,
                ConsentDecision(request.form.get("decision", "")),
                CaptureMethod.TAPPED.value,
                current_user.user,
            )
        except (ServiceError, ValueError):
            db.session.rollback()
            abort(400)
        db.session.commit()
        if number >= len(supporters):
            return _go("person.done")
        return _go("person.share", number=number + 1)
    current = consent.current_consent(db.session, _review(), supporter)
    return render_template(
        "person/share.html",
        supporter=supporter,
        number=number,
        count=len(supporters),
        current=current.decision if current and current.basis == "person" else None,
        **_context(),
    )


@bp.route("/done", methods=["GET", "POST"])
# Only a flood guard (per worker without Redis): the tries are counted by tablet_unlock.
@limiter.limit(UNLOCK_FLOOD_LIMIT, methods=["POST"], key_func=lambda: current_user.get_id())
def done() -> str | WerkzeugResponse | tuple[str, int]:
    """Thank you; the facilitator confirms with their PIN and the tablet unlocks."""
    review = _review()
    error = None
    status = 200
    if request.method == "POST":
        try:
            person_session.confirm(db.session, review, current_user.record, _unlock_try("done"))
        except ServiceError as problem:  # a refused try is already audited and committed
            db.session.rollback()
            error, status = _unlock_refusal(problem)
        else:
            db.session.commit()
            flash(_("The person's views are confirmed and saved."), "success")
            return redirect(url_for("staff.review", review_id=review.id), code=303)
    return render_template(
        "person/done.html", **_unlock_context(error), **_context(screen="thank-you")
    ), status


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
    from ..staff.custom_prompts import send_recording

    return send_recording(g.person, public_id)
