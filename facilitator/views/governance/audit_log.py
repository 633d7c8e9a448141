"""The audit log for managers: filter by person, user, action and date; page; export as CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, stream_with_context
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...forms.governance import AuditFilterForm
from ...models import Person
from ...services import ServiceError, audit
from ...services.audit import browse as audit_browse
from ...services.governance import today
from .. import edge
from . import bp


def _filter(asked: AuditFilterForm) -> audit_browse.AuditFilter:
    """The filter asked for in the address (a refusal when a date cannot be read)."""
    asked.read()
    return audit_browse.AuditFilter(
        person_id=asked.person_id.data,
        user_id=asked.user_id.data,
        action=asked.action.data,
        date_from=asked.date_from.data,
        date_to=asked.date_to.data,
    )


@bp.route("/audit")
def audit_log() -> Any:
    """Browse the log, newest first."""
    asked = AuditFilterForm(formdata=request.args)
    # A filter that cannot be read is said, above the unfiltered log.
    edge.on_refusal(lambda error: _log(asked, audit_browse.AuditFilter(), error))
    return _log(asked, _filter(asked))


def _log(
    asked: AuditFilterForm, chosen: audit_browse.AuditFilter, error: ServiceError | None = None
) -> Any:
    session = db.session
    page = audit_browse.page(session, chosen, asked.page.data or 1)
    people = {p.id: p for p in session.scalars(select(Person).order_by(Person.preferred_name))}
    query = {
        k: v
        for k, v in request.args.items()
        if k in ("person_id", "user_id", "action", "from", "to")
    }
    check = audit.verify(session) if asked.verify.data == "1" else None
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
    )


@bp.route("/audit.csv")
def audit_csv() -> Response:
    """The filtered log as CSV, in chain order (the export itself is recorded first)."""
    edge.on_refusal(lambda error: Response(str(error), status=400, mimetype="text/plain"))
    chosen = _filter(AuditFilterForm(formdata=request.args))
    session = db.session
    audit_browse.record_export(session, chosen, actor=current_account())
    edge.keep_trace()  # who exported the log (before it streams)
    name = f"facilitator-audit-{today().isoformat()}.csv"
    return Response(
        stream_with_context(audit_browse.export_csv(session, chosen)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
