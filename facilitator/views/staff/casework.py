"""Casework for staff: involvement agreements (and the person's easy-read answer to them),
who was told about decisions, and flagging the person's words as a safety concern.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...auth import STAFF_ROLES, current_account
from ...extensions import db, login_manager
from ...forms.fields import sent
from ...forms.staff import (
    AgreementForm,
    PersonAnswerForm,
    SafetyFlagForm,
    ToldForm,
    as_sent,
)
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
from ...services.governance import agreements, communications, safeguarding, today
from .. import edge
from ..governance.common import done, safe_next
from ..lookup import review_or_404

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
def agreement(supporter_id: int) -> ResponseReturnValue:
    """A supporter's involvement agreement: record or change it."""
    supporter, person = _supporter_or_404(supporter_id)
    session = db.session
    form = AgreementForm()

    def page(error: str | None) -> str:
        current = agreements.current(session, supporter.id)
        return render_template(
            "governance/casework_agreement.html",
            supporter=supporter,
            person=person,
            agreement=current,
            answers=agreements.answers(session, current) if current else [],
            areas=agreements.AREAS,
            methods=[m.value for m in CommunicationMethod],
            form=as_sent(form) if form.is_submitted() else None,
            error=error,
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        saved_agreement = agreements.save(
            session,
            supporter,
            actor=current_account(),
            version=form.version.data or None,
            areas=form.areas.data or [],
            decisions=form.decision_lines(),
            may_see=form.may_see.data,
            contact_preference=form.contact_preference.data,
            escalation_route=form.escalation_route.data,
            review_on=form.review_on.data,
        )
        message = _("The agreement is saved.")
        if saved_agreement.person_agreed is None:
            message += " " + _("Ask %(name)s whether they agree.", name=person.preferred_name)
        return done(message, "casework.agreement", supporter_id=supporter.id)
    return page(None)


@bp.route("/supporters/<int:supporter_id>/agreement/ask", methods=["GET", "POST"])
def ask_person(supporter_id: int) -> ResponseReturnValue:
    """Show the agreement to the person in easy read and record their own answer."""
    supporter, person = _supporter_or_404(supporter_id)
    session = db.session
    current = agreements.current(session, supporter.id)
    if current is None:
        flash(_("Record the agreement first."), "error")
        return redirect(url_for("casework.agreement", supporter_id=supporter.id), code=303)
    form = PersonAnswerForm()

    def page(error: str | None) -> str:
        return render_template(
            "governance/casework_ask.html",
            supporter=supporter,
            person=person,
            agreement=agreements.current(session, supporter.id),
            methods=[m.value for m in CaptureMethod],
            error=error,
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        agreements.record_person_answer(
            session,
            current,
            actor=current_account(),
            version=form.version.data,
            answer=form.answer.data,
            method=form.method.data,
            words=form.words.data,
        )
        return done(
            _("%(name)s's answer is recorded.", name=person.preferred_name),
            "casework.agreement",
            supporter_id=supporter.id,
        )
    return page(None)


@bp.route("/reviews/<int:review_id>/told", methods=["GET", "POST"])
def told(review_id: int) -> ResponseReturnValue:
    """Who was told about the review's outcome or a decision, when, how, in what format."""
    review = review_or_404(review_id)
    person = review.person
    session = db.session
    form = ToldForm()

    def page(error: str | None) -> str:
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
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        communications.record(
            session,
            person,
            actor=current_account(),
            review=review,
            subject=form.subject.data,
            recipient_kind=form.recipient_kind.data,
            supporter_id=form.supporter_id.data,
            recipient_name=form.recipient_name.data,
            told_on=form.told_on.data,
            method=form.method.data,
            formats=form.formats.data or [],
            note=form.note.data,
        )
        return done(_("Recorded."), "casework.told", review_id=review.id)
    return page(None)


@bp.route("/responses/<int:response_id>/safety-flag", methods=["POST"])
def flag_response(response_id: int) -> ResponseReturnValue:
    """A facilitator flags what the person said as a safety concern (raised at once)."""
    response = db.session.get(Response, response_id)
    if response is None:
        abort(404)
    form = SafetyFlagForm()
    back = safe_next(form.next.data, url_for("staff.review", review_id=response.review_id))
    edge.refusal_returns_to(back)
    if sent(form):
        safeguarding.flag_words(db.session, response, actor=current_account())
        flash(_("The safety flag is raised. The safeguarding lead can see it now."), "success")
    return redirect(back, code=303)
