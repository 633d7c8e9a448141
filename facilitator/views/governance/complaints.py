"""Complaints about involvement: received, acknowledged within 3 working days, responded to."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _

from ...auth import current_account
from ...extensions import db
from ...models import ComplaintTopic
from ...outputs.labels import format_date
from ...services import NotFound, ServiceError, audit, people
from ...services.governance import complaints, today
from ...services.workdays import holidays_known_for
from . import bp
from .common import form_date, form_int, refused, saved


@bp.route("/complaints")
def complaint_register() -> Any:
    """Open complaints first, overdue ones at the top."""
    try:
        cases = complaints.register(db.session, status=request.args.get("status") or None)
    except ServiceError:
        abort(400)
    return render_template("governance/complaints.html", cases=cases)


@bp.route("/complaints/new", methods=["GET", "POST"])
def complaint_new() -> Any:
    """Record a complaint about involvement."""
    session = db.session
    form = request.form
    error, status = None, 200
    if request.method == "POST":
        person_id = form_int("person_id")
        try:
            person = people.get_person(session, person_id) if person_id else None
            complaint = complaints.receive(
                session,
                actor=current_account(),
                raised_by=form.get("raised_by"),
                raised_by_role=form.get("raised_by_role"),
                about=form.get("about"),
                topic=form.get("topic", ""),
                received_on=form_date("received_on"),
                person=person,
                response_due_on=form_date("response_due_on"),
            )
            return saved(
                _(
                    "The complaint is recorded. Acknowledge it by %(date)s.",
                    date=format_date(complaint.acknowledge_by),
                ),
                "governance.complaint_case",
                complaint_id=complaint.id,
            )
        except ServiceError as problem:
            error, status = refused(problem)
    return render_template(
        "governance/complaint_new.html",
        people=people.all_current_people(session),
        topics=[t.value for t in ComplaintTopic],
        form=form,
        error=error,
        holidays_known=holidays_known_for(today().year),
    ), status


def _page(complaint_id: int, error: str | None = None, status: int = 200) -> Any:
    session = db.session
    try:
        complaint = complaints.get(session, complaint_id)
    except NotFound:
        abort(404)
    return render_template(
        "governance/complaint_case.html",
        case=complaints.case(session, complaint),
        error=error,
    ), status


@bp.route("/complaints/<int:complaint_id>")
def complaint_case(complaint_id: int) -> Any:
    """One complaint with its timings."""
    session = db.session
    try:
        complaint = complaints.get(session, complaint_id)
    except NotFound:
        abort(404)
    audit.record(
        session,
        "complaint.viewed",
        actor=current_account(),
        obj=complaint,
        person_id=complaint.person_id,
    )
    session.commit()
    return _page(complaint_id)


def _change(complaint_id: int, change: Any, message: str) -> Any:
    session = db.session
    try:
        change(complaints.get(session, complaint_id))
    except NotFound:
        abort(404)
    except ServiceError as problem:
        error, status = refused(problem)
        return _page(complaint_id, error, status)
    return saved(message, "governance.complaint_case", complaint_id=complaint_id)


@bp.route("/complaints/<int:complaint_id>/acknowledgement", methods=["POST"])
def complaint_acknowledge(complaint_id: int) -> Any:
    """Record the acknowledgement."""
    return _change(
        complaint_id,
        lambda c: complaints.acknowledge(
            db.session,
            c,
            actor=current_account(),
            version=request.form.get("version"),
            acknowledged_on=form_date("acknowledged_on"),
        ),
        _("The acknowledgement is recorded."),
    )


@bp.route("/complaints/<int:complaint_id>/response-date", methods=["POST"])
def complaint_response_date(complaint_id: int) -> Any:
    """A new response date agreed with the complainant."""
    return _change(
        complaint_id,
        lambda c: complaints.agree_response_date(
            db.session,
            c,
            actor=current_account(),
            version=request.form.get("version"),
            response_due_on=form_date("response_due_on"),
        ),
        _("The new response date is recorded."),
    )


@bp.route("/complaints/<int:complaint_id>/response", methods=["POST"])
def complaint_respond(complaint_id: int) -> Any:
    """Record the response and its outcome."""
    form = request.form
    return _change(
        complaint_id,
        lambda c: complaints.respond(
            db.session,
            c,
            actor=current_account(),
            version=form.get("version"),
            response=form.get("response"),
            outcome=form.get("outcome"),
            responded_on=form_date("responded_on"),
            ombudsman_route_stated=form.get("ombudsman_route_stated") == "yes",
            nation=current_app.config["PROVIDER_NATION"],
        ),
        _("The response is recorded."),
    )
