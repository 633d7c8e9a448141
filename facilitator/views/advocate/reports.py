"""Advocates file their formal report about a review (or a differing view they are a party to)
and fetch the file they attached (issue 17). Routes on the advocate's review blueprint.

Anyone but the advocate assigned to the person gets the same 404 as a review that does not
exist. The rules are in ``services/governance/advocate_reports.py``.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ...auth import current_account, roles_required
from ...errors import render_error
from ...extensions import db
from ...forms.advocate_reports import AdvocateReportForm
from ...forms.fields import sent
from ...models import AdvocateReport, Review, Role
from ...services import NotFound, audit, people, reviews
from ...services.governance import advocate_reports
from ...services.governance.advocate_reports import Upload
from .. import edge
from ..staff.uploads import send_private
from .layer import bp


def _page(review: Review, form: AdvocateReportForm, error: str | None = None) -> str:
    user = current_account()
    supporter = advocate_reports.assignment(db.session, review, user)
    if error:
        form.form_errors.append(error)
    return render_template(
        "advocate_layer/report.html",
        review=review,
        person=review.person,
        flag=people.communication_flag(review.person),
        form=form,
        views=advocate_reports.views_for(db.session, review, supporter, user),
        mine=advocate_reports.for_advocate(db.session, review, user),
        max_mb=f"{advocate_reports.MAX_FILE_BYTES / (1024 * 1024):g}",
    )


@bp.route("/<int:review_id>/report", methods=["GET", "POST"])
@roles_required(Role.ADVOCATE)
def report(review_id: int) -> ResponseReturnValue:
    """The advocate's formal report: write it (and attach a file), kept as theirs."""
    review = reviews.get_review(db.session, review_id)  # NotFound: a 404 at the edge
    advocate_reports.assignment(db.session, review, current_account())
    form = AdvocateReportForm()

    def refused(refusal: Exception) -> str:
        message = str(refusal)
        if form.file_chosen:
            message += " " + _("For your safety the file is not kept: choose it again.")
        return _page(review, form, message)

    edge.on_refusal(refused)
    if sent(form):
        chosen = form.attachment.data
        upload = Upload(name=chosen.filename, body=chosen.read()) if form.file_chosen else None
        filed = advocate_reports.file_report(
            db.session,
            review,
            current_account(),
            body=form.body.data,
            differing_view_id=form.about.data,
            upload=upload,
        )
        if filed.addendum_to_id is not None:
            flash(
                _(
                    "Your addendum is filed with your report. Your report is kept as you "
                    "wrote it; the written response is still due by %(date)s.",
                    date=_due_of(filed),
                ),
                "success",
            )
        else:
            flash(
                _(
                    "Your report is filed as yours. A written response is due by %(date)s.",
                    date=_due_of(filed),
                ),
                "success",
            )
        return redirect(url_for("advocate_layer.outcomes", review_id=review.id), code=303)
    return _page(review, form)


def _due_of(filed: AdvocateReport) -> str:
    root = (
        filed
        if filed.addendum_to_id is None
        else db.session.get(AdvocateReport, filed.addendum_to_id)
    )
    due = root.response_due_on if root is not None else None
    return format_date(due) if due else ""


@bp.route("/<int:review_id>/report/<int:number>/file")
@roles_required(Role.ADVOCATE)
def report_file(review_id: int, number: int) -> Response:
    """The file the advocate attached to one of their reports (never shown inline)."""
    review = reviews.get_review(db.session, review_id)
    user = current_account()
    supporter = advocate_reports.assignment(db.session, review, user)
    found = db.session.get(AdvocateReport, number)
    if (
        found is None
        or found.review_id != review.id
        or found.file_stem is None
        or (found.supporter_id != supporter.id and found.author_user_id != user.id)
    ):
        raise NotFound(_("We could not find that file."))
    return attachment(found)


def attachment(found: AdvocateReport) -> Response:
    """A report's file as a download, private and never sniffed; opening it is audited."""
    audit.record(
        db.session,
        "advocate_report.file_opened",
        actor=current_account(),
        obj=found,
        person_id=found.person_id,
        detail={"review_id": found.review_id},
    )
    edge.keep_trace()
    extension = {v: k for k, v in advocate_reports.FILE_TYPES.items()}.get(
        found.upload_type or "", ".bin"
    )
    response = send_private(
        found.file_stem or "", found.upload_type or "application/octet-stream", "report"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="advocate-report-{found.id}{extension}"'
    )
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A request past MAX_CONTENT_LENGTH is refused before it is read: say so on the page."""
    review = db.session.get(Review, (request.view_args or {}).get("review_id", 0))
    if review is None or request.endpoint != "advocate_layer.report":
        return render_error(413)
    try:
        form = AdvocateReportForm(formdata=None)
        message = _(
            "The file is larger than %(size)s MB. Attach a smaller copy, or paste the report "
            "into the box instead.",
            size=f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}",
        )
        message += " " + _("Please type your report again: it could not be read with the file.")
        return _page(review, form, message), 413
    except NotFound:
        return render_error(404)
