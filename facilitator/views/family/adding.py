"""The family member's page: what the person agreed to share, then their own views topic by
topic, saved as a draft or sent; what was sent; finishing on this device.

Every page loads the session (``family.load_access``), so nothing here is reached without the
link, the code and a live session. Only what the person agreed to share is even loaded.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms.family import ContinueForm, FamilyViewsForm, TopicChoice, views_form
from ...outputs.labels import format_date
from ...prompts.library import load_library
from ...services import ServiceError
from ...services.family import sessions as family_sessions
from ...services.family.links import FamilyAccess
from ...services.reviews import consent, contributions
from .. import edge
from .family import bp, end_held_session, load_access


def _topic_choices(access: FamilyAccess, language: str) -> list[TopicChoice]:
    library = load_library()
    choices = []
    for topic_id in contributions.review_topics(access.review):
        rated = contributions.rating_prompt(access.review, topic_id)
        options: tuple[tuple[str, str], ...] = ()
        if rated is not None and rated.library_prompt_id:
            prompt = library.prompt(rated.library_prompt_id)
            options = tuple((o.id, o.label(language, fallback=True)) for o in prompt.options)
        choices.append(
            TopicChoice(topic_id, library.topic(topic_id).title(language, fallback=True), options)
        )
    return choices


def _views_data(access: FamilyAccess) -> dict[str, dict[str, Any]]:
    data = {}
    for topic in contributions.family_views(db.session, access.review, access.supporter):
        current = topic.current
        if current is not None:
            body = current.body or {}
            data[topic.topic_id] = {
                **{name: body.get(name, "") for name in contributions.FAMILY_FIELDS},
                "rating": current.rating or "",
            }
    return data


def _page_context(access: FamilyAccess) -> dict[str, Any]:
    shared = consent.may_see(db.session, access.review, access.supporter)
    review = access.review
    rated = {
        topic_id: contributions.rating_prompt(review, topic_id)
        for topic_id in contributions.review_topics(review)
    }
    return {
        "access": access,
        "person": review.person,
        "review": review,
        "shared": shared,
        # Only what the person agreed to share is even loaded for the page.
        "answers": contributions.shareable_answers(db.session, review) if shared else [],
        "library": load_library(),
        "rated": rated,
        "views": contributions.family_views(db.session, review, access.supporter),
    }


def _review_page(form: FamilyViewsForm, access: FamilyAccess, refusal: str = "") -> str:
    if refusal:
        form.form_errors.append(refusal)
    return render_template("family/review.html", form=form, **_page_context(access))


def _family_message(error: ServiceError) -> str:
    """The family page's own words for a refusal (read by its msgid, in any language)."""
    said = str(error)
    msgid = getattr(said, "msgid", said)
    if "nothing new" in msgid:
        return _("There is nothing new to send. Write your views in at least one box first.")
    if "characters or fewer" in msgid:
        return _("Please keep each answer to 5,000 characters or fewer.")
    return _("Your views could not be saved. Please check them and try again.")


@bp.route("/review", methods=["GET", "POST"])
def review() -> ResponseReturnValue:
    """What the person agreed to share, then the family member's views topic by topic."""
    access = load_access()
    topics = _topic_choices(access, str(get_locale() or "en"))
    form = views_form(topics, _views_data(access) if request.method == "GET" else None)
    if not form.is_submitted():
        family_sessions.record_viewed(db.session, access)
        return _review_page(form, access)
    if not form.validate_on_submit():
        return _review_page(form, access), 400
    edge.on_refusal(lambda error: _review_page(form, access, _family_message(error)))
    contributions.save_family_drafts(db.session, access.review, access.supporter, form.views())
    if form.sending:
        contributions.submit_family(db.session, access.review, access.supporter)
        return redirect(url_for("family.sent"))
    flash(
        _(
            "Your views are saved. To come back to them, open your link again and enter "
            "your code. The link works until %(date)s.",
            date=format_date(access.link.expires_at),
        ),
        "success",
    )
    return redirect(url_for("family.review"))


@bp.route("/sent")
def sent() -> str:
    """Thank you, and exactly what was sent (read-only); a change is sent as a new version."""
    access = load_access()
    return render_template("family/sent.html", **_page_context(access))


@bp.route("/leave", methods=["POST"])
def leave() -> Response:
    """Finish on this device: the session ends on the server, so no copy of this browser's
    cookie opens anything again (the link itself still works, with the code)."""
    if ContinueForm().validate_on_submit():
        end_held_session("finished")
    return redirect(url_for("family.left"))


@bp.route("/still-here")
def still_here() -> tuple[str, int, dict[str, str]]:
    """Someone is typing their views: loading the session moves its idle time on.

    app.js asks this now and then while they type (the views page names it), so that writing
    a long view does not end the session under them.
    """
    load_access(confirmed=False)
    return "", 204, {"Cache-Control": "no-store"}


@bp.route("/finished")
def left() -> str:
    """Nothing personal: the family member has finished on this device."""
    return render_template("family/left.html")
