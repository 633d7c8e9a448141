"""Casework for staff: involvement agreements (and the person's easy-read answer to them),
who was told about decisions, and flagging the person's words as a safety concern.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...auth import STAFF_ROLES, current_account
from ...extensions import db, login_manager
from ...models import (
    CaptureMethod,
    CommunicationMethod,
    CommunicationSubject,
    Person,
    RecipientKind,
    Response,
    Role,
    Supporter,
)
from ...services import NotAllowed, ServiceError
from ...services.governance import agreements, communications, safeguarding, today
from ..governance.common import form_date, form_int, refused, safe_next, saved
from ..lookup import review_or_404  # noqa: E402  (kept beside the blueprint it serves)

bp = Blueprint("casework", __name__, url_prefix="/casework")
# Advocates facilitate sessions too, so they may flag what the person said (if assigned).
ADVOCATE_ENDPOINTS = frozenset({"casework.flag_response"})


@bp.before_request
def _staff_only() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role in STAFF_ROLES:
        return None
    if current_user.role == Role.ADVOCATE and request.endpoint in ADVOCATE_ENDPOINTS:
        return None
    abort(403)


def _supporter_or_404(supporter_id: int) -> tuple[Supporter, Person]:
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None:
        abort(404)
    person = db.session.get(Person, supporter.person_id)
    assert person is not None
    return supporter, person


@bp.route("/supporters/<int:supporter_id>/agreement", methods=["GET", "POST"])
def agreement(supporter_id: int) -> Any:
    """A supporter's involvement agreement: record or change it."""
    supporter, person = _supporter_or_404(supporter_id)
    session = db.session
    current = agreements.current(session, supporter.id)
    error, status = None, 200
    form = request.form
    if request.method == "POST":
        try:
            saved_agreement = agreements.save(
                session,
                supporter,
                actor=current_account(),
                version=form.get("version") or None,
                areas=form.getlist("areas"),
                decisions=(form.get("decisions") or "").splitlines(),
                may_see=form.get("may_see"),
                contact_preference=form.get("contact_preference"),
                escalation_route=form.get("escalation_route"),
                review_on=form_date("review_on"),
            )
            message = _("The agreement is saved.")
            if saved_agreement.person_agreed is None:
                message += " " + _("Ask %(name)s whether they agree.", name=person.preferred_name)
            return saved(message, "casework.agreement", supporter_id=supporter.id)
        except ServiceError as problem:
            error, status = refused(problem)
            current = agreements.current(session, supporter.id)
    return render_template(
        "governance/casework_agreement.html",
        supporter=supporter,
        person=person,
        agreement=current,
        answers=agreements.answers(session, current) if current else [],
        areas=agreements.AREAS,
        methods=[m.value for m in CommunicationMethod],
        form=form if request.method == "POST" else None,
        error=error,
    ), status


@bp.route("/supporters/<int:supporter_id>/agreement/ask", methods=["GET", "POST"])
def ask_person(supporter_id: int) -> Any:
    """Show the agreement to the person in easy read and record their own answer."""
    supporter, person = _supporter_or_404(supporter_id)
    session = db.session
    current = agreements.current(session, supporter.id)
    if current is None:
        flash(_("Record the agreement first."), "error")
        return redirect(url_for("casework.agreement", supporter_id=supporter.id), code=303)
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            agreements.record_person_answer(
                session,
                current,
                actor=current_account(),
                version=form.get("version"),
                answer=form.get("answer", ""),
                method=form.get("method", ""),
                words=form.get("words"),
            )
            return saved(
                _("%(name)s's answer is recorded.", name=person.preferred_name),
                "casework.agreement",
                supporter_id=supporter.id,
            )
        except ServiceError as problem:
            error, status = refused(problem)
            current = agreements.current(session, supporter.id)
    return render_template(
        "governance/casework_ask.html",
        supporter=supporter,
        person=person,
        agreement=current,
        methods=[m.value for m in CaptureMethod],
        error=error,
    ), status


_review_or_404 = review_or_404


@bp.route("/reviews/<int:review_id>/told", methods=["GET", "POST"])
def told(review_id: int) -> Any:
    """Who was told about the review's outcome or a decision, when, how, in what format."""
    review = _review_or_404(review_id)
    person = review.person
    session = db.session
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            communications.record(
                session,
                person,
                actor=current_account(),
                review=review,
                subject=form.get("subject", ""),
                recipient_kind=form.get("recipient_kind", ""),
                supporter_id=form_int("supporter_id"),
                recipient_name=form.get("recipient_name"),
                told_on=form_date("told_on"),
                method=form.get("method", ""),
                formats=form.getlist("formats"),
                note=form.get("note"),
            )
            return saved(_("Recorded."), "casework.told", review_id=review.id)
        except ServiceError as problem:
            error, status = refused(problem)
    supporters = list(
        session.scalars(
            select(Supporter)
            .where(Supporter.person_id == person.id, Supporter.active.is_(True))
            .order_by(Supporter.name)
        )
    )
    return render_template(
        "governance/casework_told.html",
        review=review,
        person=person,
        told_list=communications.for_person(session, person, review=review),
        supporters=supporters,
        agreements=agreements.for_supporters(session, [s.id for s in supporters]),
        subjects=[s.value for s in CommunicationSubject],
        kinds=[k.value for k in RecipientKind],
        methods=[m.value for m in CommunicationMethod],
        formats=communications.FORMATS,
        today=today(),
        error=error,
    ), status


@bp.route("/responses/<int:response_id>/safety-flag", methods=["POST"])
def flag_response(response_id: int) -> Any:
    """A facilitator flags what the person said as a safety concern (raised at once)."""
    session = db.session
    response = session.get(Response, response_id)
    if response is None:
        abort(404)
    try:
        safeguarding.flag_words(session, response, actor=current_account())
    except NotAllowed:
        abort(403)
    except ServiceError as problem:
        message, _status = refused(problem)
        flash(message, "error")
    else:
        session.commit()
        flash(_("The safety flag is raised. The safeguarding lead can see it now."), "success")
    fallback = url_for("staff.review", review_id=response.review_id)
    return redirect(safe_next(request.form.get("next"), fallback), code=303)
