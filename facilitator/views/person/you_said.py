"""'You said, we did' on the person's tablet, locked to one review (blueprint ``person_outputs``).

The screens show only that review's actions and, at the next review, ask about the earlier
actions: did they happen? Staff see the same in ``views/staff/you_said.py``; the words both use
are in ``outputs/you_said.py``.

Speech: fixed interface text and every action's sentences are spoken with the same pipeline
as the prompts. Audio is never made inside a request: ``flask outputs render-speech`` renders
whatever is missing (run it after writing actions, or from cron); until then the Listen
button carries the text and the browser's own voice reads it (``data-say``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, abort, current_app, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...accessible import speech
from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.person import FollowUpForm
from ...models import CaptureMethod, OutcomeAction, Review
from ...outputs.you_said import (
    ANSWER_ORDER,
    answer_label,
    fixed_texts,
    ideas,
    spoken,
    spoken_texts_for,
)
from ...services import audit, reviews
from ...services.accounts import tablet_unlock
from ...services.reviews import you_said
from .. import edge
from ..lookup import review_or_404
from . import screens
from .lock import load_locked_review

bp = Blueprint("person_outputs", __name__, url_prefix="/person/you-said", cli_group="outputs")


@bp.route("/start/<int:review_id>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def start(review_id: int) -> WerkzeugResponse:
    """A facilitator hands the tablet over to show the person 'You said, we did'."""
    if current_user.person_mode_review_id:
        return redirect(url_for("person_outputs.index"), code=303)  # never switch reviews
    review = review_or_404(review_id)
    edge.refusal_returns_to(url_for("you_said.page", review_id=review.id))
    you_said.start_showing(db.session, review, current_account(), current_user.record)
    return redirect(url_for("person_outputs.index"), code=303)


@bp.before_request
def _locked_review() -> WerkzeugResponse | None:
    """Every screen but 'start' needs the tablet locked, and shows only that review."""
    return load_locked_review("person_outputs.start")


def _person_context(**extra: Any) -> dict[str, Any]:
    review: Review = g.review
    context = screens.base_context(g.person, review)
    context.update(texts=fixed_texts(g.person.preferred_name),
                   outputs_css=url_for("static", filename="css/outputs.css"))  # fmt: skip
    context.update(extra)
    return context


@bp.route("/")
def index() -> str:
    """'You said, we did' on the tablet: this review's actions only."""
    review: Review = g.review
    items = you_said.items_for_review(db.session, review)
    rows = [(item, ideas(item)) for item in items]
    audit.record(db.session, "you_said.shown_to_person", actor=current_account(), obj=review,
                 person_id=review.person_id)  # fmt: skip
    edge.keep_trace()  # the person was shown their actions
    return render_template("you_said/person.html", rows=rows, spoken=spoken, **_person_context())


def _earlier() -> list[you_said.EarlierAction]:
    return you_said.earlier_actions(db.session, g.review)


@bp.route("/earlier")
def earlier_intro() -> str:
    """At the next review: the things we said we would do. Did they happen?"""
    return render_template("you_said/earlier_intro.html", count=len(_earlier()),
                           **_person_context())  # fmt: skip


@bp.route("/earlier/<int:position>", methods=["GET", "POST"])
def earlier(position: int) -> ResponseReturnValue:
    """One earlier action: you said, we said we would, did it happen? The answer is stored."""
    entries = _earlier()
    if not 1 <= position <= len(entries):
        abort(404)
    entry = entries[position - 1]
    form = FollowUpForm()
    # Refused words are shown again, never lost (the person may have taken a while).
    edge.on_refusal(lambda error: _earlier_page(entry, position, len(entries), form, str(error)))
    if sent(form):
        you_said.record_follow_up(
            db.session, g.review, entry.item.action,
            client_id=form.client_id.data or "",
            answer=form.answer.data or "",
            facilitator=current_account(),
            words=form.words.data or None,
            method=form.method.data or CaptureMethod.TYPED.value,
        )  # fmt: skip
        if position < len(entries):
            return redirect(url_for("person_outputs.earlier", position=position + 1), code=303)
        return redirect(url_for("person_outputs.earlier_done"), code=303)
    return _earlier_page(entry, position, len(entries))


def _earlier_page(
    entry: you_said.EarlierAction,
    position: int,
    count: int,
    form: FollowUpForm | None = None,
    error: str | None = None,
) -> str:
    typed = form is not None and error is not None
    return render_template(
        "you_said/earlier.html", entry=entry, idea_rows=ideas(entry.item, earlier=True),
        position=position, count=count, answers=ANSWER_ORDER, answer_label=answer_label,
        answer_picture=you_said.ANSWER_PICTURES, client_id=uuid.uuid4().hex, error=error,
        spoken=spoken,
        typed_words=(form.words.data or "") if typed and form else "",
        typed_method=(form.method.data or "typed") if typed and form else "typed",
        **_person_context(),
    )  # fmt: skip


@bp.route("/finish")
def finish() -> str:
    """The end of showing 'You said, we did': the facilitator unlocks the tablet.

    The form asks for what unlocking needs now: the PIN, or the password (then the code) after
    too many wrong PINs on this tablet (services/accounts/tablet_unlock.py).
    """
    step = tablet_unlock.step_needed(db.session, current_user.record).value
    return render_template("you_said/finish.html", unlock_step=step, **_person_context())


@bp.route("/earlier/done")
def earlier_done() -> str:
    """Thank you; back to the person's own session."""
    return render_template("you_said/earlier_done.html", **_person_context())


# --- speech, rendered ahead of time ------------------------------------------------------------


@bp.cli.command("render-speech")
@click.option("--review", "review_id", type=int, default=None, help="Only this review.")
def render_speech(review_id: int | None) -> None:
    """Render the audio of 'You said, we did' for reviews with actions (missing files only)."""
    status = speech.speech_status()
    if not status.available:
        click.echo(f"Warning: {status.reason}", err=True)
        return
    query = select(OutcomeAction.review_id).distinct()
    if review_id is not None:
        query = query.where(OutcomeAction.review_id == review_id)
    cache_dir = Path(current_app.config["SPEECH_CACHE_DIR"])
    failed = 0
    for rid in sorted(db.session.scalars(query)):
        review = reviews.get_review(db.session, rid)
        lang = you_said.person_language(review)
        with current_app.test_request_context(), force_locale(lang):
            texts = spoken_texts_for(db.session, review)
        report = speech.render_many(
            cache_dir, [(t, lang) for t in texts], rate=screens.speech_rate(review.person)
        )
        failed += len(report.failed)
        click.echo(
            f"Review {rid} ({lang}): {report.rendered} rendered, {report.cached} cached, "
            f"{len(report.failed)} failed in {report.seconds:.1f} s"
        )
    if failed:
        raise click.exceptions.Exit(1)
