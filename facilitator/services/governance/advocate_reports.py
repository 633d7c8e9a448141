"""An advocate's formal report, filed in Facilitator, and staff's written response (issue 17).

Rules:

- Only the advocate assigned to the person files one (anyone else: NotFound, so that the
  review's existence is not confirmed either), about the review and, if they choose, one
  differing view of that review they are a party to. It is kept as theirs: their account and
  their name as it stood, the words exactly as typed (cleaned of control characters only).
- A report is never overwritten. More words while it waits for its response are a new row, an
  addendum to it; after the response, more words are a new report with a clock of its own.
- Filing starts the written-response clock. The due date is the one already on the differing
  view when staff set the route to "the advocate's formal report" with a date; otherwise the
  house's one written-response rule (``complaints.RESPOND_WITHIN_WORKING_DAYS`` working days,
  counted by ``workdays.add_working_days``). For a report about an open differing view whose
  route is not chosen (or is already the advocate's report), the view's own clock in the
  register is started too (route, date received, date due), so the register, its figures and
  the advocate's outcomes page agree; writing the response stops both clocks.
- A closed review still takes a report: the report is governance about the review, not part
  of its frozen record (``frozen.NOT_FROZEN``), like a complaint. The frozen differing view
  is then left as it was; the report keeps its own clock.
- Staff write the response once; it is dated, attributed, and marked late when written after
  the due date. Both steps are audited and tell someone (``messages.notices``).
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    AdvocateReport,
    AdvocateReportResponse,
    CaseStatus,
    DifferingRoute,
    DifferingView,
    DifferingViewDetail,
    PartyKind,
    Review,
    ReviewStatus,
    Supporter,
    User,
    utcnow,
)
from .. import NotFound, ServiceError, audit
from ..media import storage
from ..messages import notices
from ..reviews import contributions
from ..workdays import add_working_days
from . import clean, today
from .complaints import RESPOND_WITHIN_WORKING_DAYS
from .differing import record_written_response
from .differing_parties import change_open, detail_for, materialise, parties

REPORT_LIMIT = 20000
MAX_FILE_BYTES = 5 * 1024 * 1024
PDF = "application/pdf"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_TYPES = {".pdf": PDF, ".txt": TEXT, ".docx": DOCX}


@dataclass(frozen=True)
class Upload:
    """A file sent with a report: its name as sent and its bytes."""

    name: str
    body: bytes


@dataclass
class ReportCase:
    """A report with its addenda and its response, as the pages show it."""

    report: AdvocateReport
    addenda: list[AdvocateReport] = field(default_factory=list)
    response: AdvocateReportResponse | None = None
    overdue: bool = False
    # A response sent outside Facilitator, dated in the register of differing views (the
    # report's clock is stopped; its words can still be written here for the advocate).
    register_response_on: date | None = None


def _not_found() -> NotFound:
    return NotFound(_l("We could not find that review."))


def assignment(session: Session, review: Review, user: User) -> Supporter:
    """The advocate's supporter row for the review's person, or NotFound."""
    supporter = contributions.advocate_assignment(session, review, user)
    if supporter is None:
        raise _not_found()
    return supporter


def _is_party(session: Session, view: DifferingView, supporter: Supporter, user: User) -> bool:
    return any(
        (p.row.kind == PartyKind.SUPPORTER and p.row.supporter_id == supporter.id)
        or (p.row.user_id is not None and p.row.user_id == user.id)
        for p in parties(session, view)
    )


def views_for(
    session: Session, review: Review, supporter: Supporter, user: User
) -> list[DifferingView]:
    """The differing views of this review the advocate is a party to (what a report may be
    about besides the review)."""
    views = session.scalars(
        select(DifferingView).where(DifferingView.review_id == review.id).order_by(DifferingView.id)
    )
    return [v for v in views if _is_party(session, v, supporter, user)]


def check_file(upload: Upload, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's type when it is one we keep (PDF, Word .docx or plain text) and not too big;
    otherwise a kind refusal saying what is accepted."""
    name = upload.name.lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    kind = FILE_TYPES.get(extension)
    if kind is None:
        raise ServiceError(
            _l("Attach a PDF, a Word document (.docx) or a plain text file (.txt), or no file.")
        )
    if not upload.body:
        raise ServiceError(_l("The attached file is empty. Choose the file again, or no file."))
    if len(upload.body) > max_bytes:
        raise ServiceError(
            _l(
                "The attached file is larger than %(size)s MB. Attach a smaller copy, or paste "
                "the report into the box instead.",
                size=f"{max_bytes / (1024 * 1024):g}",
            )
        )
    if not _looks_like(kind, upload.body):
        raise ServiceError(
            _l("The attached file is not the kind its name says. Save it again and attach it.")
        )
    return kind


def _looks_like(kind: str, body: bytes) -> bool:
    if kind == PDF:
        return body.startswith(b"%PDF-")
    if kind == DOCX:
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                return "word/document.xml" in archive.namelist()
        except zipfile.BadZipFile:
            return False
    try:
        return b"\x00" not in body and bool(body.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _safe_name(name: str) -> str:
    kept = "".join(c if c.isalnum() or c in "-_. " else "-" for c in name.rsplit("/", 1)[-1])
    return kept.strip(" .")[:120] or "report"


def _waiting_report(
    session: Session, review: Review, view_id: int | None, supporter: Supporter
) -> AdvocateReport | None:
    """This advocate's report on the same subject still waiting for its response, if any."""
    answered = select(AdvocateReportResponse.report_id)
    return session.scalar(
        select(AdvocateReport)
        .where(
            AdvocateReport.review_id == review.id,
            AdvocateReport.addendum_to_id.is_(None),
            AdvocateReport.supporter_id == supporter.id,
            AdvocateReport.differing_view_id.is_(None)
            if view_id is None
            else AdvocateReport.differing_view_id == view_id,
            AdvocateReport.id.not_in(answered),
        )
        .order_by(AdvocateReport.id.desc())
        .limit(1)
    )


def _mirrors(session: Session, review: Review, view: DifferingView | None) -> bool:
    """Whether the differing view's own clock in the register follows this report."""
    return (
        view is not None
        and review.status != ReviewStatus.CLOSED
        and view.status == CaseStatus.OPEN
        and view.route in (None, DifferingRoute.ADVOCATE_REPORT)
    )


def file_report(
    session: Session,
    review: Review,
    user: User,
    *,
    body: str | None,
    differing_view_id: int | None = None,
    upload: Upload | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> AdvocateReport:
    """File the advocate's formal report (or an addendum to the one still waiting)."""
    supporter = assignment(session, review, user)
    text = clean(
        body,
        required=ServiceError(_l("Write your report, or paste it into the box.")),
        limit=REPORT_LIMIT,
        what=_l("report"),
    )
    view = None
    if differing_view_id is not None:
        view = session.get(DifferingView, differing_view_id)
        if (
            view is None
            or view.review_id != review.id
            or not _is_party(session, view, supporter, user)
        ):
            raise ServiceError(_l("Choose a differing view you are a party to, or the review."))
    kind = check_file(upload, max_bytes) if upload is not None else None
    filed_on = today()
    waiting = _waiting_report(session, review, differing_view_id, supporter)
    report = AdvocateReport(
        review_id=review.id,
        person_id=review.person_id,
        differing_view_id=differing_view_id,
        addendum_to_id=waiting.id if waiting is not None else None,
        supporter_id=supporter.id,
        author_user_id=user.id,
        author_name=user.name,
        body=text,
        filed_at=utcnow(),
        filed_on=filed_on,
    )
    if upload is not None and kind is not None:
        report.file_stem = f"advocate-report-{uuid.uuid4().hex}"
        report.upload_name = _safe_name(upload.name)
        report.upload_type = kind
        storage.put(session, report.file_stem, upload.body, kind)
    if waiting is None:
        report.response_due_on = _start_clock(session, review, view, user, filed_on)
    session.add(report)
    session.flush()
    audit.record(
        session,
        "advocate_report.filed",
        actor=user,
        obj=report,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "differing_view_id": differing_view_id,
            "addendum_to": report.addendum_to_id,
            "file": report.file_stem is not None,
            "due": report.response_due_on.isoformat() if report.response_due_on else None,
        },
    )
    notices.advocate_report_filed(session, review, report)
    return report


def _start_clock(
    session: Session, review: Review, view: DifferingView | None, user: User, filed_on: date
) -> date:
    """The response's due date; the differing view's clock is started with it when it follows."""
    if (
        view is not None
        and view.response_due_on is not None
        and view.route == (DifferingRoute.ADVOCATE_REPORT)
    ):
        due = view.response_due_on
    else:
        due = add_working_days(filed_on, RESPOND_WITHIN_WORKING_DAYS)
    if view is not None and _mirrors(session, review, view):
        with change_open(
            session, view, view.version, actor=user, action="differing_view.route_set"
        ) as step:
            detail = materialise(session, view)
            previous = view.route
            view.route = DifferingRoute.ADVOCATE_REPORT
            view.response_due_on = due
            if detail.report_received_on is None:
                detail.report_received_on = filed_on
            detail.route_set_at = utcnow()
            step.detail.update(
                route=str(DifferingRoute.ADVOCATE_REPORT),
                previous=str(previous) if previous else None,
                by="advocate-report-filed",
            )
    return due


def get_report(session: Session, review: Review, report_id: int) -> AdvocateReport:
    """One report (not an addendum) of this review, or NotFound."""
    report = session.get(AdvocateReport, report_id)
    if report is None or report.review_id != review.id or report.addendum_to_id is not None:
        raise NotFound(_l("We could not find that report."))
    return report


def response_for(session: Session, report: AdvocateReport) -> AdvocateReportResponse | None:
    return session.scalar(
        select(AdvocateReportResponse).where(AdvocateReportResponse.report_id == report.id)
    )


def write_response(
    session: Session,
    report: AdvocateReport,
    actor: User,
    *,
    body: str | None,
    written_on: date | None,
) -> AdvocateReportResponse:
    """Staff's written response to the report; it stops the clock (late if past the due date)."""
    if response_for(session, report) is not None:
        raise ServiceError(
            _l("The written response to this report is already recorded. It is kept as written.")
        )
    text = clean(
        body,
        required=ServiceError(_l("Write the response to the advocate's report.")),
        limit=REPORT_LIMIT,
        what=_l("response"),
    )
    if written_on is None or written_on > today():
        raise ServiceError(_l("Enter the date the response was written (not in the future)."))
    if written_on < report.filed_on:
        raise ServiceError(_l("The response cannot be dated before the report was filed."))
    late = report.response_due_on is not None and written_on > report.response_due_on
    response = AdvocateReportResponse(
        report_id=report.id,
        body=text,
        written_on=written_on,
        written_at=utcnow(),
        written_by_id=actor.id,
        author_name=actor.name,
        late=late,
    )
    session.add(response)
    review = session.get(Review, report.review_id)
    assert review is not None
    view = (
        session.get(DifferingView, report.differing_view_id) if report.differing_view_id else None
    )
    if (
        view is not None
        and review.status != ReviewStatus.CLOSED
        and view.route == DifferingRoute.ADVOCATE_REPORT
        and detail_for(session, view).written_response_on is None
    ):
        record_written_response(
            session, view, actor=actor, version=view.version, sent_on=written_on
        )
    session.flush()
    audit.record(
        session,
        "advocate_report.responded",
        actor=actor,
        obj=report,
        person_id=report.person_id,
        detail={"review_id": report.review_id, "late": late, "written_on": written_on.isoformat()},
    )
    notices.advocate_report_answered(session, review, report)
    return response


def _overdue(report: AdvocateReport, response: AdvocateReportResponse | None, as_of: date) -> bool:
    return (
        response is None and report.response_due_on is not None and report.response_due_on < as_of
    )


def _cases(session: Session, reports: list[AdvocateReport], as_of: date) -> list[ReportCase]:
    if not reports:
        return []
    ids = [r.id for r in reports]
    addenda: dict[int, list[AdvocateReport]] = {}
    for row in session.scalars(
        select(AdvocateReport)
        .where(AdvocateReport.addendum_to_id.in_(ids))
        .order_by(AdvocateReport.id)
    ):
        addenda.setdefault(row.addendum_to_id or 0, []).append(row)
    responses = {
        r.report_id: r
        for r in session.scalars(
            select(AdvocateReportResponse).where(AdvocateReportResponse.report_id.in_(ids))
        )
    }
    cases = []
    for r in reports:
        case = ReportCase(
            report=r,
            addenda=addenda.get(r.id, []),
            response=responses.get(r.id),
            overdue=_overdue(r, responses.get(r.id), as_of),
        )
        if case.response is None and r.differing_view_id is not None:
            detail = session.get(DifferingViewDetail, r.differing_view_id)
            if detail is not None and detail.written_response_on is not None:
                case.register_response_on = detail.written_response_on
                case.overdue = False
        cases.append(case)
    return cases


def for_review(session: Session, review: Review, *, as_of: date | None = None) -> list[ReportCase]:
    """Every report filed about the review, oldest first, with addenda and responses."""
    reports = list(
        session.scalars(
            select(AdvocateReport)
            .where(AdvocateReport.review_id == review.id, AdvocateReport.addendum_to_id.is_(None))
            .order_by(AdvocateReport.id)
        )
    )
    return _cases(session, reports, as_of or today())


def for_advocate(
    session: Session, review: Review, user: User, *, as_of: date | None = None
) -> list[ReportCase]:
    """The reports this advocate filed about the review (NotFound if not assigned)."""
    supporter = assignment(session, review, user)
    return [
        c
        for c in for_review(session, review, as_of=as_of)
        if c.report.supporter_id == supporter.id or c.report.author_user_id == user.id
    ]


def waiting(session: Session, *, as_of: date | None = None, limit: int = 200) -> list[ReportCase]:
    """Reports waiting for their written response, the soonest due first (the session's need
    to know limits them to the viewer's people, through their reviews)."""
    answered = select(AdvocateReportResponse.report_id)
    reports = list(
        session.scalars(
            select(AdvocateReport)
            .join(Review, Review.id == AdvocateReport.review_id)
            .where(AdvocateReport.addendum_to_id.is_(None), AdvocateReport.id.not_in(answered))
            .order_by(AdvocateReport.response_due_on, AdvocateReport.id)
            .limit(limit)
        )
    )
    return _cases(session, reports, as_of or today())


def file_of(session: Session, report: AdvocateReport) -> storage.Blob | None:
    """The report's attached file, if it has one."""
    return storage.get(session, report.file_stem) if report.file_stem else None
