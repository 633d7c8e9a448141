"""Family members and friends, by the link staff sent them (phone first).

Opening the link (GET) shows a page and changes nothing. Continuing (POST) starts a session
that holds only the link's id, and redirects to an address without the token. Nothing about
the person is shown until the family member has entered the code sent separately (or their
email address on record). Everything here is reached through that one link, so a family
session can never name another review, another supporter or a staff page.

Tokens in logs: the app never logs a path; ``facilitator/redaction.py`` (one rule, also used
by ``gunicorn.conf.py``) keeps the token out of the request environ once the app has answered
and out of the development server's request log.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from ... import redaction
from ...extensions import db, limiter
from ...forms.family import (
    ConfirmCodeForm,
    ConfirmEmailForm,
    ContinueForm,
    TopicChoice,
    views_form,
)
from ...i18n import LANGUAGES
from ...models import InvitationLink
from ...services import ServiceError, accounts, audit
from ...services.family import links
from ...services.family import sessions as family_sessions
from ...services.family.links import FamilyAccess, LinkProblem
from ...services.reviews import consent, contributions

bp = Blueprint("family", __name__, url_prefix="/family")

SESSION_KEY = "family"  # in the cookie: {"id": the server-side session's public id}


@bp.record_once
def _keep_tokens_out_of_logs(state: Any) -> None:
    """The rule is redaction.py's, shared with gunicorn.conf.py: the environ after the answer
    (what gunicorn's access log reads) and the development server's request log."""
    app = state.app
    app.wsgi_app = redaction.RedactEnviron(app.wsgi_app)
    redaction.add_filter(logging.getLogger("werkzeug"))


# --- the family session --------------------------------------------------------------------------


class NoFamilySession(Exception):
    """This browser has not opened a link (or its session ended)."""


class NotConfirmed(Exception):
    """The link was opened but the code has not been entered yet."""


def _start_session(link: InvitationLink) -> None:
    """A fresh server-side session for the link: nothing carried over, no staff sign-in."""
    language = session.get("lang")
    _end_held_session("replaced")
    if current_user.is_authenticated:
        accounts.end_session(db.session, current_user.record, "family-link-opened")
        logout_user()
    record = family_sessions.start(db.session, link)
    db.session.commit()
    session.clear()
    if language in LANGUAGES:
        session["lang"] = language
    session[SESSION_KEY] = {"id": record.public_id}


def _held_id() -> object:
    held = session.get(SESSION_KEY)
    return held.get("id") if isinstance(held, dict) else None


def _end_held_session(reason: str) -> None:
    """End this browser's family session on the server (any copy of the cookie with it)."""
    record = family_sessions.find(db.session, _held_id())
    if record is not None and record.revoked_at is None:
        family_sessions.end(db.session, record, reason)
        db.session.commit()
    _end_session()


def _end_session() -> None:
    session.pop(SESSION_KEY, None)


def _access(confirmed: bool = True) -> FamilyAccess:
    """The link this browser opened, still active, and (by default) confirmed with the code.

    The session is loaded from the server on every request: finishing, revoking the link, the
    review closing or a time limit ends it for every copy of the cookie.
    """
    public_id = _held_id()
    if public_id is None:
        raise NoFamilySession
    try:
        record, access = family_sessions.load(db.session, public_id)
    except family_sessions.SessionEnded as ended:
        db.session.commit()  # the session's end and its audit entry
        if ended.reason not in family_sessions.TIME_LIMITS:
            _end_session()
        # After a time limit the cookie keeps the (ended) session's id, so a Save that follows
        # a ping is still told kindly why, and given back what was typed.
        raise
    except LinkProblem:
        db.session.commit()  # the session's end and its audit entry
        _end_session()
        raise
    if db.session.is_modified(record):
        db.session.commit()  # last seen now
    g.family_session = record
    if confirmed and record.confirmed_at is None:
        raise NotConfirmed
    if "lang" not in session and access.supporter.language in LANGUAGES:
        g.page_language = access.supporter.language  # the supporter's language where translated
    return access


def _actor_label(access: FamilyAccess) -> str:
    return f"supporter {access.supporter.id} by link {access.link.id}"


PROBLEM_STATUS = {
    "malformed": 404,
    "unknown": 404,
    "expired": 410,
    "revoked": 410,
    "closed": 410,
    "locked": 403,
}


def _problem_text(kind: str) -> tuple[str, str]:
    """A heading and what to do next: never anything about the person or the review."""
    ask = _("Ask the person who sent it to you for a new link.")
    if kind in ("malformed", "unknown"):
        return _("We could not find this link"), _(
            "Check that you used the whole link from the message you were sent. If it still "
            "does not work, ask the person who sent it to you for a new link."
        )
    if kind == "expired":
        return _("This link has expired"), " ".join(
            [_("Links work for a limited time, to keep them safe."), ask]
        )
    if kind == "revoked":
        return _("This link no longer works"), " ".join(
            [
                _(
                    "It has been cancelled or replaced. If you were sent a newer link, please use "
                    "that one."
                ),
                ask,
            ]
        )
    if kind == "closed":
        return _("This link no longer works"), _(
            "The review it was for has finished, so views can no longer be added with it. If "
            "you want to tell us something, please contact the person who sent it to you."
        )
    if kind == "locked":
        return _("This link has been locked"), _(
            "The code was entered wrongly too many times, so for safety the link no longer "
            "works. Ask the person who sent it to you for a new link and a new code."
        )
    return _("Please open your link again"), _(
        "For your security, this page works only after you open the link you were sent. "
        "Please open it again from your message."
    )


def _problem_page(kind: str, status: int | None = None) -> tuple[str, int]:
    """A kind refusal, with anything the family member had just typed given back to copy."""
    title, message = _problem_text(kind)
    page = render_template(
        "family/problem.html",
        title=title,
        message=message,
        typed=_typed_back(),
        typed_closed=kind == "closed",
    )
    return page, status or PROBLEM_STATUS.get(kind, 403)


FAMILY_FIELD_ENDINGS = tuple(f"-{name}" for name in contributions.FAMILY_FIELDS)


def _typed_back() -> str:
    """The views just typed into a refused form (only on a POST), to show back as text."""
    if request.method != "POST":
        return ""
    return "\n\n".join(
        value.strip()
        for name, value in request.form.items(multi=True)
        if name.endswith(FAMILY_FIELD_ENDINGS) and value.strip()
    )


@bp.errorhandler(LinkProblem)
def _link_problem(problem: LinkProblem) -> tuple[str, int]:
    db.session.rollback()
    return _problem_page(problem.kind)


@bp.errorhandler(NoFamilySession)
def _no_session(_error: NoFamilySession) -> tuple[str, int]:
    return _problem_page("no-session", 403)


@bp.errorhandler(family_sessions.SessionEnded)
def _session_ended(ended: family_sessions.SessionEnded) -> tuple[str, int]:
    """A time limit ended the session: say so kindly, and give back anything just typed."""
    if ended.reason not in family_sessions.TIME_LIMITS:
        return _problem_page("no-session", 403)
    page = render_template("family/ended.html", after=ended.reason, typed=_typed_back())
    return page, 403


@bp.errorhandler(NotConfirmed)
def _not_confirmed(_error: NotConfirmed) -> Response:
    return redirect(url_for("family.confirm"))


@bp.after_request
def _no_referrer_token(response: Response) -> Response:
    # Pages under /family send only the origin as Referer: never the token in a link's path.
    response.headers["Referrer-Policy"] = "strict-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_limit() -> str:
    return str(current_app.config["RATELIMIT_LINKS"])


# --- opening the link ---------------------------------------------------------------------------


@bp.route("/link/<token>", methods=["GET"])
@limiter.limit(_link_limit)
def open_link(token: str) -> tuple[str, int] | str:
    """What this link is for, and a button to continue. Changes nothing; shows nobody."""
    try:
        link = links.resolve_token(db.session, token)
    except LinkProblem as problem:
        return _problem_page(problem.kind)
    return render_template(
        "family/link.html", form=ContinueForm(), token=token, kind=links.verifier_kind(link)
    )


@bp.route("/link/<token>", methods=["POST"])
@limiter.limit(_link_limit)
def continue_link(token: str) -> Response | tuple[str, int]:
    """Use the link: start a session for it and move to an address without the token."""
    form = ContinueForm()
    if not form.validate_on_submit():
        return render_template("family/link.html", form=form, token=token, kind="code"), 400
    try:
        link = links.open_link(db.session, token)
    except LinkProblem as problem:
        db.session.commit()  # keep the audit entry of the refusal
        return _problem_page(problem.kind)
    _start_session(link)
    return redirect(url_for("family.confirm"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(_link_limit)
def confirm() -> Response | tuple[str, int] | str:
    """Ask for the code (or email address) sent separately, before anything personal."""
    access = _access(confirmed=False)
    kind = links.verifier_kind(access.link)
    form = ConfirmEmailForm() if kind == "email" else ConfirmCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            links.verify_code(db.session, access.link, form.secret.data or "")
        except links.CodeRefused as refused:
            db.session.commit()
            form.secret.errors = [
                *form.secret.errors,
                _("That does not match what we sent. Please check it and try again."),
                ngettext(
                    "You can try %(num)d more time before the link stops working.",
                    "You can try %(num)d more times before the link stops working.",
                    refused.attempts_left,
                ),
            ]
            status = 400
        except LinkProblem as problem:
            family_sessions.end(db.session, g.family_session, f"link-{problem.kind}")
            db.session.commit()
            _end_session()
            raise
        else:
            family_sessions.confirm(db.session, g.family_session)
            db.session.commit()
            return redirect(url_for("family.review"))
    elif form.is_submitted():
        status = 400
    return render_template("family/confirm.html", form=form, kind=kind), status


# --- the person's summary and the family member's views ----------------------------------------


def _library() -> Any:
    from ...prompts.library import load_library

    return load_library()


def _topic_choices(access: FamilyAccess, language: str) -> list[TopicChoice]:
    library = _library()
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
        "library": _library(),
        "rated": rated,
        "views": contributions.family_views(db.session, review, access.supporter),
    }


@bp.route("/review", methods=["GET", "POST"])
def review() -> Response | tuple[str, int] | str:
    """What the person agreed to share, then the family member's views topic by topic."""
    access = _access()
    from flask_babel import get_locale

    language = str(get_locale() or "en")
    topics = _topic_choices(access, language)
    form = views_form(topics, _views_data(access) if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        views = {
            topic_id: (
                {name: sub[name].data or "" for name in contributions.FAMILY_FIELDS},
                sub.rating.data or None,
            )
            for topic_id, sub in form.topic_forms()
        }
        sending = request.form.get("action") == "send"
        try:
            contributions.save_family_drafts(db.session, access.review, access.supporter, views)
            if sending:
                contributions.submit_family(db.session, access.review, access.supporter)
        except ServiceError as error:
            db.session.rollback()
            form.form_errors.append(_family_message(error))
            status = 400
        else:
            db.session.commit()
            if sending:
                return redirect(url_for("family.sent"))
            flash(
                _(
                    "Your views are saved. To come back to them, open your link again and enter "
                    "your code. The link works until %(date)s.",
                    date=_date(access.link.expires_at),
                ),
                "success",
            )
            return redirect(url_for("family.review"))
    elif form.is_submitted():
        status = 400
    else:
        audit.record(
            db.session,
            "family.review_viewed",
            actor_label=_actor_label(access),
            object_type="reviews",
            object_id=access.review.id,
            person_id=access.review.person_id,
            detail={
                "link_id": access.link.id,
                "shared": consent.may_see(db.session, access.review, access.supporter),
            },
        )
        db.session.commit()
    return render_template("family/review.html", form=form, **_page_context(access)), status


def _family_message(error: ServiceError) -> str:
    if "nothing new" in str(error):
        return _("There is nothing new to send. Write your views in at least one box first.")
    if "5,000" in str(error):
        return _("Please keep each answer to 5,000 characters or fewer.")
    return _("Your views could not be saved. Please check them and try again.")


def _date(value: Any) -> str:
    from ...outputs.labels import format_date

    return format_date(value)


@bp.route("/sent")
def sent() -> str:
    """Thank you, and exactly what was sent (read-only); a change is sent as a new version."""
    access = _access()
    return render_template("family/sent.html", **_page_context(access))


@bp.route("/leave", methods=["POST"])
def leave() -> Response:
    """Finish on this device: the session ends on the server, so no copy of this browser's
    cookie opens anything again (the link itself still works, with the code)."""
    if ContinueForm().validate_on_submit():
        _end_held_session("finished")
    return redirect(url_for("family.left"))


@bp.route("/still-here")
def still_here() -> tuple[str, int, dict[str, str]]:
    """Someone is typing their views: loading the session moves its idle time on.

    app.js asks this now and then while they type (the views page names it), so that writing
    a long view does not end the session under them.
    """
    _access(confirmed=False)
    return "", 204, {"Cache-Control": "no-store"}


@bp.route("/finished")
def left() -> str:
    """Nothing personal: the family member has finished on this device."""
    return render_template("family/left.html")
