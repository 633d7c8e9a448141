"""The monthly record audit (issue 20): start one, check its sample, track its findings.

Managers and administrators only (the blueprint's guard); an audit is seen by those who see
every one of its services (``record_audit.get``: 404 otherwise), a sampled review's check page
by those who may see the review's person (``views/lookup.py`` checks ``review_id``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from ...auth import current_account
from ...extensions import db
from ...forms.record_audits import (
    AssignFindingForm,
    CheckForm,
    FindingDoneForm,
    StartAuditForm,
    field_name,
)
from ...models import User
from ...services import ServiceError, audit, scope
from ...services.governance import record_audit, today
from .. import edge
from . import bp
from .common import done, step


def _list_page(form: StartAuditForm, error: ServiceError | None = None) -> Any:
    session = db.session
    viewer = current_account()
    last_month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    return render_template(
        "governance/record_audits.html",
        audits=record_audit.listing(session, viewer),
        services=scope.services_for(session, viewer, active_only=False),
        form=form,
        error=error,
        default_month=form.typed("month") or last_month.strftime("%Y-%m"),
        this_month=today().strftime("%Y-%m"),
    )


@bp.route("/record-audits", methods=["GET", "POST"])
def record_audits() -> Any:
    """The audits the manager may see, and the form that starts one."""
    if request.method == "GET":
        return _list_page(StartAuditForm(formdata=None))
    form = StartAuditForm()
    step(form, lambda error: _list_page(form, error))
    made = record_audit.start(db.session, current_account(), **form.arguments())
    return done(
        ngettext(
            "The audit is started: %(num)d review drawn at random.",
            "The audit is started: %(num)d reviews drawn at random.",
            made.sample_size,
        ),
        "governance.record_audit_page",
        record_audit_id=made.id,
    )


def _audit_page(
    record_audit_id: int, error: ServiceError | None = None, typed: tuple[int, str] | None = None
) -> Any:
    """The audit's page; ``typed``: a finding's id and the note typed for it, kept on a refusal."""
    session = db.session
    viewer = current_account()
    record = record_audit.get(session, viewer, record_audit_id)
    found = record_audit.findings(session, record)
    names = {
        u.id: u.name
        for u in session.query(User).filter(
            User.id.in_(
                {f.owner_user_id for f in found if f.owner_user_id}
                | {record.started_by_id or -1, record.completed_by_id or -1}
            )
        )
    }
    return render_template(
        "governance/record_audit.html",
        record=record,
        services=record_audit.service_names(session, list(record.service_ids)),
        sample=record_audit.sampled(session, record),
        reproduces=record_audit.sample_reproduces(session, record),
        results=record_audit.results(session, [record.id]),
        findings=found,
        owners=record_audit.owners(session, record),
        names=names,
        items=record_audit.ITEMS,
        item_words=record_audit.item_words,
        started_by_me=record.started_by_id == viewer.id,
        error=error,
        today=today(),
        typed=typed or (None, ""),
    )


@bp.route("/record-audits/<int:record_audit_id>")
def record_audit_page(record_audit_id: int) -> Any:
    """One audit: its sample (and how to draw it again), results and findings."""
    session = db.session
    record = record_audit.get(session, current_account(), record_audit_id)
    audit.record(session, "record_audit.viewed", actor=current_account(), obj=record)
    edge.keep_trace()  # who looked at the sample (it names people)
    return _audit_page(record_audit_id)


def _check_page(record_audit_id: int, review_id: int, form: CheckForm, error: Any = None) -> Any:
    session = db.session
    viewer = current_account()
    record = record_audit.get(session, viewer, record_audit_id)
    check = record_audit.check_for(session, record, review_id)
    review = scope.require_review(session, viewer, review_id)
    answers = {row.check.id: row.answers for row in record_audit.sampled(session, record)}.get(
        check.id, {}
    )
    return render_template(
        "governance/record_audit_check.html",
        record=record,
        check=check,
        review=review,
        says=record_audit.record_says(session, review),
        answers=answers,
        items=record_audit.ITEMS,
        choices=record_audit.ANSWERS,
        field_name=field_name,
        started_by_me=record.started_by_id == viewer.id,
        form=form,
        error=error,
    )


@bp.route("/record-audits/<int:record_audit_id>/reviews/<int:review_id>", methods=["GET", "POST"])
def record_audit_check(record_audit_id: int, review_id: int) -> Any:
    """Check one sampled review against the checklist (a second manager)."""
    session = db.session
    viewer = current_account()
    if request.method == "GET":
        record = record_audit.get(session, viewer, record_audit_id)
        record_audit.check_for(session, record, review_id)
        review = scope.require_review(session, viewer, review_id)
        audit.record(
            session, "record_audit.review_opened", actor=viewer, obj=record,
            person_id=review.person_id, detail={"review_id": review_id},
        )  # fmt: skip
        edge.keep_trace()
        return _check_page(record_audit_id, review_id, CheckForm(formdata=None))
    form = CheckForm()
    step(form, lambda error: _check_page(record_audit_id, review_id, form, error))
    record = record_audit.get(session, viewer, record_audit_id)
    made = record_audit.check_review(
        session, record, review_id, viewer, **form.answers_and_notes(record_audit.ITEM_KEYS)
    )
    if made:
        message = ngettext(
            "The review is checked. %(num)d finding: give it an owner and a due date.",
            "The review is checked. %(num)d findings: give each an owner and a due date.",
            len(made),
        )
    else:
        message = _("The review is checked. Every item is met or not applicable.")
    return done(message, "governance.record_audit_page", record_audit_id=record_audit_id)


@bp.route("/record-audits/<int:record_audit_id>/findings/<int:finding_id>/owner", methods=["POST"])
def record_audit_finding_owner(record_audit_id: int, finding_id: int) -> Any:
    """Give a finding its owner and due date."""
    session = db.session
    record = record_audit.get(session, current_account(), record_audit_id)
    finding = record_audit.finding_of(session, record, finding_id)
    form = step(AssignFindingForm(), lambda error: _audit_page(record_audit_id, error))
    record_audit.assign(session, record, finding, current_account(), **form.arguments())
    return done(
        _("The finding has an owner and a due date."),
        "governance.record_audit_page",
        record_audit_id=record_audit_id,
    )


@bp.route("/record-audits/<int:record_audit_id>/findings/<int:finding_id>/done", methods=["POST"])
def record_audit_finding_done(record_audit_id: int, finding_id: int) -> Any:
    """Record what was done to put a finding right."""
    session = db.session
    record = record_audit.get(session, current_account(), record_audit_id)
    finding = record_audit.finding_of(session, record, finding_id)
    form = FindingDoneForm()
    step(form, lambda error: _audit_page(record_audit_id, error, (finding_id, form.typed("note"))))
    record_audit.mark_done(session, record, finding, current_account(), **form.arguments())
    return done(
        _("The finding is marked done."),
        "governance.record_audit_page",
        record_audit_id=record_audit_id,
    )


@bp.route("/record-audits/<int:record_audit_id>/finish", methods=["POST"])
def record_audit_finish(record_audit_id: int) -> Any:
    """Finish the audit (the second manager, once everything is checked and owned)."""
    session = db.session
    record = record_audit.get(session, current_account(), record_audit_id)
    edge.on_refusal(lambda error: _audit_page(record_audit_id, error))
    record_audit.finish(session, record, current_account())
    return done(
        _("The audit is finished. Its results are on the dashboard."),
        "governance.record_audit_page",
        record_audit_id=record_audit_id,
    )
