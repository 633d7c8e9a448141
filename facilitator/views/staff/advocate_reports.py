"""Staff: advocates' formal reports waiting for their written response, and writing it
(issue 17). Staff of the person's service only (need to know: another service's review is a
404 before the view runs, and the waiting list finds only the viewer's people).

The rules are in ``services/governance/advocate_reports.py``.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.advocate_reports import ReportResponseForm
from ...forms.fields import sent
from ...models import AdvocateReport, Person, Review
from ...services import NotFound, audit, people
from ...services.governance import advocate_reports, today
from .. import edge
from ..advocate.reports import attachment
from ..lookup import review_or_404

bp = Blueprint("advocate_reports", __name__, url_prefix="/staff")


@bp.route("/advocate-reports")
@roles_required(*STAFF_ROLES)
def waiting() -> str:
    """Reports waiting for their written response, the soonest due first; late ones marked."""
    cases = advocate_reports.waiting(db.session)
    ids = {c.report.person_id for c in cases}
    found = list(db.session.scalars(select(Person).where(Person.id.in_(ids or {-1}))))
    return render_template(
        "advocate_reports/waiting.html",
        cases=cases,
        names={p.id: p.preferred_name for p in found},
    )


def _page(review: Review, form: ReportResponseForm | None = None, error: str | None = None,
          answering: int | None = None) -> str:  # fmt: skip
    form = form or ReportResponseForm(formdata=None)
    if error:
        form.form_errors.append(error)
    return render_template(
        "advocate_reports/review.html",
        review=review,
        person=review.person,
        flag=people.communication_flag(review.person),
        cases=advocate_reports.for_review(db.session, review),
        form=form,
        answering=answering,
        today=today(),
    )


@bp.route("/reviews/<int:review_id>/advocate-reports")
@roles_required(*STAFF_ROLES)
def review(review_id: int) -> str:
    """Every formal report filed about the review, with addenda and responses (audited)."""
    record = review_or_404(review_id)
    audit.record(
        db.session,
        "review.viewed",
        actor=current_account(),
        obj=record,
        person_id=record.person_id,
        detail={"page": "advocate-reports"},
    )
    edge.keep_trace()
    return _page(record)


@bp.route("/reviews/<int:review_id>/advocate-reports/<int:number>/response", methods=["POST"])
@roles_required(*STAFF_ROLES)
def respond(review_id: int, number: int) -> ResponseReturnValue:
    """Write the response to one report: it stops the clock; late if past the due date."""
    record = review_or_404(review_id)
    report = advocate_reports.get_report(db.session, record, number)
    form = ReportResponseForm()
    edge.on_refusal(lambda refusal: _page(record, form, str(refusal), answering=report.id))
    if sent(form):
        written = advocate_reports.write_response(
            db.session,
            report,
            current_account(),
            body=form.body.data,
            written_on=form.written_on.data,
        )
        if written.late:
            flash(_("The response is recorded. It was written after its due date."), "success")
        else:
            flash(_("The response is recorded. The advocate is told it is ready."), "success")
    return redirect(url_for(".review", review_id=record.id), code=303)


@bp.route("/reviews/<int:review_id>/advocate-reports/<int:number>/file")
@roles_required(*STAFF_ROLES)
def file(review_id: int, number: int) -> Response:
    """The file an advocate attached to a report or addendum of this review (a download)."""
    record = review_or_404(review_id)
    found = db.session.get(AdvocateReport, number)
    if found is None or found.review_id != record.id or found.file_stem is None:
        raise NotFound(_("We could not find that file."))
    return attachment(found)
