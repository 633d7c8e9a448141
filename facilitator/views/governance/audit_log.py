"""The audit log for managers: filter by person, user, action and date; page; export as CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, stream_with_context
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...models import Person
from ...services import ServiceError, audit
from ...services.audit import browse as audit_browse
from ...services.governance import today
from . import bp
from .common import form_date, form_int


def _filter() -> audit_browse.AuditFilter:
    args = request.args
    return audit_browse.AuditFilter(
        person_id=form_int("person_id", args),
        user_id=form_int("user_id", args),
        action=(args.get("action") or "").strip() or None,
        date_from=form_date("from", args),
        date_to=form_date("to", args),
    )


@bp.route("/audit")
def audit_log() -> Any:
    """Browse the log, newest first."""
    session = db.session
    error = None
    try:
        chosen = _filter()
    except ServiceError as problem:
        chosen, error = audit_browse.AuditFilter(), str(problem)
    page = audit_browse.page(session, chosen, form_int("page", request.args) or 1)
    people = {p.id: p for p in session.scalars(select(Person).order_by(Person.preferred_name))}
    query = {
        k: v
        for k, v in request.args.items()
        if k in ("person_id", "user_id", "action", "from", "to")
    }
    check = audit.verify(session) if request.args.get("verify") == "1" else None
    return render_template(
        "governance/audit_log.html",
        page=page,
        chosen=chosen,
        error=error,
        people=people,
        users=audit_browse.actors(session),
        actions=audit_browse.actions(session),
        query=query,
        check=check,
    ), (400 if error else 200)


@bp.route("/audit.csv")
def audit_csv() -> Response:
    """The filtered log as CSV, in chain order (the export itself is recorded first)."""
    try:
        chosen = _filter()
    except ServiceError as problem:
        return Response(str(problem), status=400, mimetype="text/plain")
    session = db.session
    audit_browse.record_export(session, chosen, actor=current_account())
    session.commit()
    name = f"facilitator-audit-{today().isoformat()}.csv"
    return Response(
        stream_with_context(audit_browse.export_csv(session, chosen)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
