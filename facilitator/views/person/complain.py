"""On the tablet's help: the person can complain, and read the privacy notice, in easy read.

Both are person-mode screens on the help blueprint (``person_help``), so the lock keeps the
tablet inside the review. Each sentence has a picture from the set the tablet uses and a Listen
button, as on every easy-read screen.

Complaining is three parts on one screen, then a thank-you: what is wrong (big pictures), who
can help, and Send. The complaint lands in the register with its 3-working-day
acknowledgement clock, raised by the person on the tablet (``complaints_sent.from_person``);
a second tap of Send finds the complaint already made.
"""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...extensions import db
from ...forms.fields import sent
from ...forms.published import PersonComplaintForm
from ...outputs import spoken
from ...services import ServiceError, published
from ...services.governance import complaints_sent
from .. import edge
from .. import published as published_views
from . import screens
from .help import bp


def _context(**extra: Any) -> dict[str, Any]:
    return screens.base_context(g.person, g.review, **extra)


def _complain_page(form: PersonComplaintForm, error: ServiceError | None = None) -> str:
    context = _context()
    say = context["say"]
    if not form.token.data:
        form.token.data = complaints_sent.new_token()
    choices = [
        {"value": value, "picture": key, "speech": say(str(text))}
        for value, key, text in complaints_sent.PERSON_CHOICES
    ]
    return render_template(
        "published/person_complain.html",
        form=form,
        error=str(error) if error is not None else None,
        question=say(str(spoken.COMPLAINT_QUESTION)),
        choices=choices,
        helpers=[{"picture": k, "speech": say(str(t))} for k, t in spoken.WHO_CAN_HELP],
        helpers_title=say(str(spoken.COMPLAINT_HELPERS_TITLE)),
        send=say(str(spoken.COMPLAINT_SEND)),
        **context,
    )


@bp.route("/complain", methods=["GET", "POST"])
def complain() -> ResponseReturnValue:
    """What is wrong, who can help, and Send."""
    form = PersonComplaintForm()
    edge.on_refusal(lambda error: _complain_page(form, error))
    if not sent(form):
        return _complain_page(form)
    complaints_sent.from_person(
        db.session,
        g.review,
        topic=form.topic.data,
        words=form.words.data,
        token=form.token.data,
        tablet_user=current_user.user,
    )
    return redirect(url_for("person_help.complaint_sent"), code=303)


@bp.route("/complain/sent")
def complaint_sent() -> str:
    """Thank you: what happens next."""
    context = _context()
    say = context["say"]
    return render_template(
        "published/person_sent.html",
        thanks=say(str(spoken.COMPLAINT_THANKS)),
        steps=[{"picture": k, "speech": say(str(t))} for k, t in spoken.WHAT_HAPPENS],
        **context,
    )


@bp.route("/privacy")
def privacy() -> str:
    """The privacy notice in easy read: a picture, a sentence and Listen for each line."""
    context = _context()
    say = context["say"]
    lang = context["lang"]
    text = published.page(db.session, published.PRIVACY_EASY_READ, lang, published_views.facts())
    lines = [
        {
            "picture": context["picture"](block.picture) if block.picture else None,
            "speech": say(block.text),
        }
        for block in published.blocks(text.body, published_views.picture_names())
        if block.kind in ("picture", "paragraph", "heading")
    ]
    return render_template(
        "published/person_privacy.html",
        lines=lines,
        title=say(str(published.TITLES[published.PRIVACY_EASY_READ])),
        all_words=say(" ".join(line["speech"]["text"] for line in lines)),
        **context,
    )
