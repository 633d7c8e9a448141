"""Complaints about involvement: received, acknowledged within 3 working days, responded to."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request
from flask_babel import gettext as _

from ...auth import current_account
from ...extensions import db
from ...forms.governance import (
    AcknowledgementForm,
    ComplaintForm,
    ComplaintResponseForm,
    RegisterFilterForm,
    ResponseDateForm,
)
from ...models import ComplaintTopic
from ...outputs.labels import format_date
from ...services import ServiceError, audit, people
from ...services.governance import complaints, today
from ...services.workdays import holidays_known_for
from .. import edge
from . import bp
from .common import done, step


@bp.route("/complaints")
def complaint_register() -> Any:
    """Open complaints first, overdue ones at the top (a status not on the list is a 400)."""
    chosen = RegisterFilterForm(formdata=request.args)
    cases = complaints.register(db.session, status=chosen.status.data)
    return render_template("governance/complaints.html", cases=cases)


def _new_page(form: ComplaintForm, error: ServiceError | None = None) -> Any:
    return render_template(
        "governance/complaint_new.html",
        people=people.all_current_people(db.session),
        topics=[t.value for t in ComplaintTopic],
        form=form,
        error=error,
        holidays_known=holidays_known_for(today().year),
    )


@bp.route("/complaints/new", methods=["GET", "POST"])
def complaint_new() -> Any:
    """Record a complaint about involvement."""
    if request.method == "GET":
        return _new_page(ComplaintForm())
    form = ComplaintForm()
    step(form, lambda error: _new_page(form, error))
    session = db.session
    person_id = form.person_id.data
    complaint = complaints.receive(
        session,
        actor=current_account(),
        person=people.get_person(session, person_id) if person_id else None,
        **form.arguments("person_id"),
    )
    return done(
        _(
            "The complaint is recorded. Acknowledge it by %(date)s.",
            date=format_date(complaint.acknowledge_by),
        ),
        "governance.complaint_case",
        complaint_id=complaint.id,
    )


def _page(complaint_id: int, error: ServiceError | None = None) -> Any:
    session = db.session
    complaint = complaints.get(session, complaint_id)
    return render_template(
        "governance/complaint_case.html", case=complaints.case(session, complaint), error=error
    )


@bp.route("/complaints/<int:complaint_id>")
def complaint_case(complaint_id: int) -> Any:
    """One complaint with its timings."""
    session = db.session
    complaint = complaints.get(session, complaint_id)
    audit.record(
        session,
        "complaint.viewed",
        actor=current_account(),
        obj=complaint,
        person_id=complaint.person_id,
    )
    edge.keep_trace()  # who opened the complaint
    return _page(complaint_id)


def _refused(complaint_id: int) -> Any:
    return lambda error: _page(complaint_id, error)


@bp.route("/complaints/<int:complaint_id>/acknowledgement", methods=["POST"])
def complaint_acknowledge(complaint_id: int) -> Any:
    """Record the acknowledgement."""
    complaint = complaints.get(db.session, complaint_id)
    form = step(AcknowledgementForm(), _refused(complaint_id))
    complaints.acknowledge(db.session, complaint, actor=current_account(), **form.arguments())
    return done(
        _("The acknowledgement is recorded."),
        "governance.complaint_case",
        complaint_id=complaint_id,
    )


@bp.route("/complaints/<int:complaint_id>/response-date", methods=["POST"])
def complaint_response_date(complaint_id: int) -> Any:
    """A new response date agreed with the complainant."""
    complaint = complaints.get(db.session, complaint_id)
    form = step(ResponseDateForm(), _refused(complaint_id))
    complaints.agree_response_date(
        db.session, complaint, actor=current_account(), **form.arguments()
    )
    return done(
        _("The new response date is recorded."),
        "governance.complaint_case",
        complaint_id=complaint_id,
    )


@bp.route("/complaints/<int:complaint_id>/response", methods=["POST"])
def complaint_respond(complaint_id: int) -> Any:
    """Record the response and its outcome."""
    complaint = complaints.get(db.session, complaint_id)
    form = step(ComplaintResponseForm(), _refused(complaint_id))
    complaints.respond(
        db.session,
        complaint,
        actor=current_account(),
        nation=current_app.config["PROVIDER_NATION"],
        **form.arguments(),
    )
    return done(
        _("The response is recorded."), "governance.complaint_case", complaint_id=complaint_id
    )
