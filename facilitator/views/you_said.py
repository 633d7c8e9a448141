"""'You said, we did': for staff (page, print, easy-read PDF) and for the person on the tablet.

Two blueprints. ``you_said`` is the staff side under the review. ``person_outputs`` holds the
person-mode screens: the tablet is locked to one review, and these screens show only that
review's actions (and, at the next review, the earlier actions to ask about).

Speech: fixed interface text and every action's sentences are spoken with the same pipeline
as the prompts. Audio is never made inside a request: ``flask outputs render-speech`` renders
whatever is missing (run it after writing actions, or from cron); until then the Listen
button carries the text and the browser's own voice reads it (``data-say``).
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..accessible import speech
from ..auth import STAFF_ROLES, current_account, roles_required
from ..extensions import db
from ..models import ActionStatus, CaptureMethod, FollowUpAnswer, Review
from ..outputs import pdf
from ..services import NotAllowed, ServiceError, audit, people, reviews
from ..services.accounts import tablet_unlock
from ..services.reviews import you_said
from .lookup import review_or_404  # noqa: E402  (kept beside the blueprint it serves)
from .staff.photos import photo_files, picture_context
from .staff.review_record import pictures_dir

bp = Blueprint("you_said", __name__, url_prefix="/staff/reviews/<int:review_id>/you-said")
person_bp = Blueprint(
    "person_outputs", __name__, url_prefix="/person/you-said", cli_group="outputs"
)

ANSWER_ORDER = (
    FollowUpAnswer.YES,
    FollowUpAnswer.PARTLY,
    FollowUpAnswer.NO,
    FollowUpAnswer.NOT_SURE,
)


# --- the words, in the person's language (call inside force_locale) -----------------------------


def answer_label(answer: FollowUpAnswer | str) -> str:
    """Did it happen? Yes / Partly / No / Not sure."""
    labels = {
        FollowUpAnswer.YES: _("Yes"),
        FollowUpAnswer.PARTLY: _("Partly"),
        FollowUpAnswer.NO: _("No"),
        FollowUpAnswer.NOT_SURE: _("Not sure"),
    }
    return labels[FollowUpAnswer(answer)]


def said_text(said: you_said.Said) -> str:
    """What the person said, as shown and spoken: their words quoted, or their answer."""
    if said.words is not None:
        return said.words if said.interpreted else f"“{said.words}”"
    return said.text


def ideas(item: you_said.Item, *, earlier: bool = False) -> list[dict[str, Any]]:
    """One action as easy-read ideas, each with its picture: said, will, who, when, status."""
    rows: list[dict[str, Any]] = []
    for said in item.said:
        rows.append({
            "kind": "interpreted" if said.interpreted else "said",
            "picture": said.prompt_picture,
            "label": _("We understood") if said.interpreted else _("You said"),
            "text": said_text(said),
            "choices": said.choices,
        })  # fmt: skip
    rows.append({
        "kind": "will", "picture": item.picture or "next",
        "label": _("We said we would") if earlier else _("We will"), "text": item.will_happen,
    })  # fmt: skip
    rows.append({"kind": "who", "picture": "staff", "label": _("Who will help"), "text": item.who})
    rows.append({
        "kind": "when", "picture": "calendar", "label": _("When"),
        "text": item.when or _("We will tell you when."),
    })  # fmt: skip
    if not earlier:
        status = {
            ActionStatus.IN_PROGRESS: ("next", _("We have started.")),
            ActionStatus.DONE: ("tick", _("This is done.")),
            ActionStatus.NOT_DONE: ("stop", _("This did not happen.")),
        }.get(item.status)
        if status:
            rows.append(
                {"kind": "status", "picture": status[0], "label": _("Now"), "text": status[1]}
            )
    return rows


def spoken(rows: list[dict[str, Any]], question: str | None = None) -> str:
    """The sentences read out for one action (the same text the audio is rendered from)."""
    parts = [f"{row['label']}: {row['text'].strip('“”')}." for row in rows]
    if question:
        parts.append(question)
    return " ".join(p.replace("..", ".").replace("?.", "?").replace("!.", "!") for p in parts)


def fixed_texts(name: str) -> dict[str, str]:
    """Interface sentences of the person's screens, spoken too."""
    return {
        "title": _("You said, we did"),
        "intro": _("This is what you told us, and what we will do."),
        "earlier_title": _("Did it happen?"),
        "earlier_intro": _("Last time, we said we would do some things. Did they happen?"),
        "question": _("Did it happen?"),
        "thanks": _("Thank you for telling us."),
        "none": _("There is nothing to show yet."),
        "name": name,
    }


def _rate(person: Any) -> int:
    rate = int(person.setting("speech_rate") or speech.DEFAULT_RATE)
    return rate if speech.MIN_RATE <= rate <= speech.MAX_RATE else speech.DEFAULT_RATE


# --- staff side ---------------------------------------------------------------------------------


_review_or_404 = review_or_404


def _staff_context(review: Review) -> dict[str, Any]:
    lang = you_said.person_language(review)
    items = you_said.items_for_review(db.session, review, lang)
    with force_locale(lang):
        texts = fixed_texts(review.person.preferred_name)
        rows = [(item, ideas(item)) for item in items]
    return {
        "review": review,
        "person": review.person,
        "flag": people.communication_flag(review.person),
        "lang": lang,
        "texts": texts,
        "rows": rows,
        "follow_ups": you_said.follow_ups_about(db.session, review),
        "asked_here": [e for e in you_said.earlier_actions(db.session, review) if e.answer],
        "answer_label": answer_label,
        "answer_picture": you_said.ANSWER_PICTURES,
        # With the person's "photos" setting, their own photo where one stands for the key.
        **picture_context(review.person),
    }


@bp.route("/")
@roles_required(*STAFF_ROLES)
def page(review_id: int) -> str:
    """What the person will see and hear, and what they said about it later."""
    review = _review_or_404(review_id)
    audit.record(db.session, "you_said.viewed", actor=current_account(), obj=review,
                 person_id=review.person_id)  # fmt: skip
    db.session.commit()
    return render_template("you_said/staff.html", **_staff_context(review))


@bp.route("/print")
@roles_required(*STAFF_ROLES)
def print_page(review_id: int) -> str:
    """The easy-read version for paper, in the person's language."""
    review = _review_or_404(review_id)
    context = _staff_context(review)
    g.page_language = context["lang"]
    with force_locale(context["lang"]):
        return render_template("you_said/print.html", **context)


@bp.route("/you-said.pdf")
@roles_required(*STAFF_ROLES)
def pdf_file(review_id: int) -> Response:
    """The easy-read PDF: large type, a picture beside each idea."""
    review = _review_or_404(review_id)
    context = _staff_context(review)
    audit.record(db.session, "you_said.pdf", actor=current_account(), obj=review,
                 person_id=review.person_id)  # fmt: skip
    db.session.commit()
    started = time.perf_counter()
    with force_locale(context["lang"]):
        data = easy_read_pdf(review, context["texts"], context["rows"])
    current_app.logger.info(
        "easy-read PDF: %d bytes in %.2f s", len(data), time.perf_counter() - started
    )
    response = Response(data, mimetype="application/pdf", headers={"Cache-Control": "no-store"})
    # Saved by default (the person or their family keep it); ?view=1 opens it on screen.
    names = file_names(f"{context['texts']['title']} - {review.person.preferred_name}.pdf",
                       fallback=f"you-said-we-did-{review.id}.pdf")  # fmt: skip
    shown = "inline" if request.args.get("view") == "1" else "attachment"
    response.headers.set("Content-Disposition", shown, **names)
    return response


def file_names(name: str, *, fallback: str) -> dict[str, str]:
    """A download's name for Content-Disposition (RFC 6266): as it is when plain ASCII; else
    in UTF-8 (RFC 5987 ``filename*``), with ``fallback`` for software that knows no better.
    Characters no file name may hold (slashes, quotes, controls ...) become hyphens."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "-", name).strip() or fallback
    if name.isascii():
        return {"filename": name}
    return {"filename": fallback, "filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")}


def easy_read_pdf(review: Review, texts: dict[str, str], rows: list[tuple[Any, Any]]) -> bytes:
    """The blocks of the easy-read PDF, rendered (call inside the person's locale)."""
    name = review.person.preferred_name
    blocks: list[pdf.Block] = [
        pdf.Heading(texts["title"]),
        pdf.Idea(
            "speech-bubble",
            [
                pdf.Para(_("%(name)s, this is what you told us.", name=name)),
                pdf.Para(_("And this is what we will do.")),
            ],
        ),  # fmt: skip
    ]
    if not rows:
        blocks.append(pdf.Para(texts["none"]))
    for number, (_item, idea_rows) in enumerate(rows, start=1):
        blocks.append(pdf.Heading(_("Thing %(n)s of %(total)s", n=number, total=len(rows)), 2))
        for row in idea_rows:
            style = "quote" if row["kind"] == "said" else "body"
            blocks.append(pdf.Idea(row["picture"], [pdf.Heading(row["label"], 3),
                                                    pdf.Para(row["text"], style)],
                                   boxed=row["kind"] == "will"))  # fmt: skip
    high_contrast = bool(review.person.setting("high_contrast"))
    return pdf.render(
        blocks, title=texts["title"], author=current_account().name,
        subject=_("%(name)s's review", name=name), pictures_dir=pictures_dir(high_contrast),
        easy_read=True, footer=_("%(name)s's review", name=name),
        photos=photo_files(review.person),
    )  # fmt: skip


# --- person mode --------------------------------------------------------------------------------


@person_bp.route("/start/<int:review_id>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def start(review_id: int) -> WerkzeugResponse:
    """A facilitator hands the tablet over to show the person 'You said, we did'."""
    if current_user.person_mode_review_id:
        return redirect(url_for("person_outputs.index"), code=303)  # never switch reviews
    review = _review_or_404(review_id)
    try:
        you_said.start_showing(db.session, review, current_account(), current_user.record)
    except NotAllowed:
        abort(403)
    except ServiceError as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for("you_said.page", review_id=review.id), code=303)
    db.session.commit()
    return redirect(url_for("person_outputs.index"), code=303)


@person_bp.before_request
def _locked_review() -> WerkzeugResponse | None:
    """Every screen but 'start' needs the tablet locked, and shows only that review."""
    from .person.person import load_locked_review

    return load_locked_review("person_outputs.start")


def _person_context(**extra: Any) -> dict[str, Any]:
    from .person import screens as person_screens

    review: Review = g.review
    context = person_screens.base_context(g.person, review)
    context.update(texts=fixed_texts(g.person.preferred_name),
                   outputs_css=url_for("static", filename="css/outputs.css"))  # fmt: skip
    context.update(extra)
    return context


@person_bp.route("/")
def index() -> str:
    """'You said, we did' on the tablet: this review's actions only."""
    review: Review = g.review
    items = you_said.items_for_review(db.session, review)
    rows = [(item, ideas(item)) for item in items]
    audit.record(db.session, "you_said.shown_to_person", actor=current_account(), obj=review,
                 person_id=review.person_id)  # fmt: skip
    db.session.commit()
    return render_template("you_said/person.html", rows=rows, spoken=spoken, **_person_context())


def _earlier() -> list[you_said.EarlierAction]:
    return you_said.earlier_actions(db.session, g.review)


@person_bp.route("/earlier")
def earlier_intro() -> str:
    """At the next review: the things we said we would do. Did they happen?"""
    return render_template("you_said/earlier_intro.html", count=len(_earlier()),
                           **_person_context())  # fmt: skip


@person_bp.route("/earlier/<int:position>", methods=["GET", "POST"])
def earlier(position: int) -> str | WerkzeugResponse | tuple[str, int]:
    """One earlier action: you said, we said we would, did it happen? The answer is stored."""
    entries = _earlier()
    if not 1 <= position <= len(entries):
        abort(404)
    entry = entries[position - 1]
    error = None
    if request.method == "POST":
        try:
            you_said.record_follow_up(
                db.session, g.review, entry.item.action,
                client_id=request.form.get("client_id", ""),
                answer=request.form.get("answer", ""),
                facilitator=current_account(),
                words=request.form.get("words") or None,
                method=request.form.get("method") or CaptureMethod.TYPED.value,
            )  # fmt: skip
        except ServiceError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            if position < len(entries):
                return redirect(url_for("person_outputs.earlier", position=position + 1), code=303)
            return redirect(url_for("person_outputs.earlier_done"), code=303)
    rows = ideas(entry.item, earlier=True)
    return render_template(
        "you_said/earlier.html", entry=entry, idea_rows=rows, position=position, count=len(entries),
        answers=ANSWER_ORDER, answer_label=answer_label, answer_picture=you_said.ANSWER_PICTURES,
        client_id=uuid.uuid4().hex, error=error, spoken=spoken,
        # Refused words are shown again, never lost (the person may have taken a while).
        typed_words=request.form.get("words", "") if error else "",
        typed_method=request.form.get("method", "typed") if error else "typed",
        **_person_context(),
    ), (400 if error else 200)  # fmt: skip


@person_bp.route("/finish")
def finish() -> str:
    """The end of showing 'You said, we did': the facilitator unlocks the tablet.

    The form asks for what unlocking needs now: the PIN, or the password (then the code) after
    too many wrong PINs on this tablet (services/accounts/tablet_unlock.py).
    """
    step = tablet_unlock.step_needed(db.session, current_user.record).value
    return render_template("you_said/finish.html", unlock_step=step, **_person_context())


@person_bp.route("/earlier/done")
def earlier_done() -> str:
    """Thank you; back to the person's own session."""
    return render_template("you_said/earlier_done.html", **_person_context())


# --- speech, rendered ahead of time ------------------------------------------------------------


def spoken_texts_for(review: Review) -> list[str]:
    """Every sentence the person's screens speak for this review (call in their locale)."""
    texts = fixed_texts(review.person.preferred_name)
    found = [
        texts[k] for k in ("title", "intro", "earlier_title", "earlier_intro", "thanks", "none")
    ]
    question = texts["question"]
    for item in you_said.items_for_review(db.session, review):
        found.append(spoken(ideas(item)))
        found.append(spoken(ideas(item, earlier=True), question))
    for answer in ANSWER_ORDER:
        found.append(answer_label(answer))
    return found


@person_bp.cli.command("render-speech")
@click.option("--review", "review_id", type=int, default=None, help="Only this review.")
def render_speech(review_id: int | None) -> None:
    """Render the audio of 'You said, we did' for reviews with actions (missing files only)."""
    from sqlalchemy import select

    from ..models import OutcomeAction

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
            texts = spoken_texts_for(review)
        report = speech.render_many(
            cache_dir, [(t, lang) for t in texts], rate=_rate(review.person)
        )
        failed += len(report.failed)
        click.echo(
            f"Review {rid} ({lang}): {report.rendered} rendered, {report.cached} cached, "
            f"{len(report.failed)} failed in {report.seconds:.1f} s"
        )
    if failed:
        raise click.exceptions.Exit(1)
