"""The review record for the file: a page, a print-ready page, a PDF and a JSON export.

The order is the product's: the person's views first, then each layer, then differing
views, then the actions with the statements they answer. Opening the record is audited.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...models import CaseStatus, DifferingRoute, Review
from ...outputs import pdf
from ...outputs.labels import (
    CAPTURE,
    NON_PARTICIPATION,
    REVIEW_KIND,
    author_description,
    format_date,
)
from ...outputs.pictures import pictures_dir
from ...prompts.library import load_library
from ...services import audit, people
from ...services.data import exports
from ...services.data.exports import fhir
from ...services.reviews import lifecycle
from .. import edge
from ..lookup import review_or_404
from .actions import action_status_label
from .photos import photo_files, picture_context
from .recordings import recording_lines, recordings_by_prompt

bp = Blueprint("review_record", __name__, url_prefix="/staff/reviews/<int:review_id>/record")

LAYER_FIELDS = {
    "working": _l("What is working?"),
    "not_working": _l("What is not working?"),
    "see_differently": _l("Is there anything you see differently?"),
    "would_like": _l("What would you like to happen?"),
    "how_obtained": _l("How the person's views were obtained"),
    "observations": _l("Observations"),
    "represents": _l("Where they represent the person's wishes"),
    "challenges": _l("Where they challenge a proposal or a supporter's view"),
    "concerns": _l("Concerns"),
    "note": _l("Note"),
}
ROUTES = {
    DifferingRoute.DISCUSSION: _l("discussion"),
    DifferingRoute.JOINT_MEETING: _l("joint problem-solving meeting"),
    DifferingRoute.BEST_INTERESTS: _l("best-interests process"),
    DifferingRoute.MANAGER_ESCALATION: _l("escalated to a manager"),
    DifferingRoute.ADVOCATE_REPORT: _l("advocate's report"),
    DifferingRoute.SAFEGUARDING: _l("safeguarding"),
}
CASE_STATUS = {
    CaseStatus.OPEN: _l("open"),
    CaseStatus.RESOLVED: _l("resolved"),
    CaseStatus.CLOSED: _l("closed"),
}


def _record(review: Review, what: str) -> exports.ReviewRecord:
    audit.record(
        db.session, f"review.record_{what}", actor=current_account(), obj=review,
        person_id=review.person_id,
    )  # fmt: skip
    edge.keep_trace()  # opening the record is audited
    return exports.review_record(db.session, review)


def _context(record: exports.ReviewRecord) -> dict[str, Any]:
    return {
        "record": record,
        "review": record.review,
        "person": record.person,
        "flag": people.communication_flag(record.person),
        "library": load_library(),
        "users": record.users,
        "layer_fields": LAYER_FIELDS,
        "route_label": lambda v: str(ROUTES.get(DifferingRoute(v), v)) if v else "",
        "case_label": lambda v: str(CASE_STATUS.get(CaseStatus(v), v)),
        "today": date.today(),
        # Each closing (with the record's content hash) and reopening, shown on the record.
        "closures": (closures := lifecycle.history(db.session, record.review)),
        "names": {
            c.actor_id: record.users[c.actor_id].name
            for c in closures
            if c.actor_id in record.users
        },  # fmt: skip
        # With the person's "photos" setting, their own photo where one stands for the key.
        **picture_context(record.person),
    }


@bp.route("/")
@roles_required(*STAFF_ROLES)
def page(review_id: int) -> str:
    """The record as a page."""
    record = _record(review_or_404(review_id), "viewed")
    return render_template("actions/record.html", **_context(record))


@bp.route("/print")
@roles_required(*STAFF_ROLES)
def print_page(review_id: int) -> str:
    """The record laid out for paper: no navigation, print styles."""
    record = _record(review_or_404(review_id), "printed")
    return render_template("actions/record_print.html", **_context(record))


@bp.route("/record.pdf")
@roles_required(*STAFF_ROLES)
def pdf_file(review_id: int) -> Response:
    """The record as a PDF, for the file."""
    record = _record(review_or_404(review_id), "pdf")
    started = time.perf_counter()
    data = pdf.render(
        lifecycle_blocks(record.review) + record_blocks(record),
        title=_("Review record: %(name)s, %(date)s", name=record.person.full_name,
                date=_date(record.review.scheduled_for)),
        author=current_account().name,
        subject=_("Care Act review record"),
        pictures_dir=pictures_dir(),
        photos=photo_files(record.person),
        footer=_("%(name)s's review record", name=record.person.preferred_name),
    )  # fmt: skip
    current_app.logger.info(
        "record PDF: %d bytes in %.2f s", len(data), time.perf_counter() - started
    )
    name = f"review-{record.review.id}-record.pdf"
    return Response(
        data, mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )  # fmt: skip


@bp.route("/export.json")
@roles_required(*STAFF_ROLES)
def export(review_id: int) -> Response:
    """Everything about the review as JSON (see services.exports for the format)."""
    review = review_or_404(review_id)
    text = exports.export_json(db.session, review, actor=current_account())
    edge.keep_trace()  # the export is audited
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(
        text, mimetype="application/json",
        headers={
            "Content-Disposition": f'{disposition}; filename="review-{review.id}.json"',
            "Cache-Control": "no-store",
        },
    )  # fmt: skip


def _fhir_response(document: dict[str, Any], name: str) -> Response:
    edge.keep_trace()  # the export is audited
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(
        fhir.as_json(document), mimetype="application/fhir+json",
        headers={"Content-Disposition": f'{disposition}; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@bp.route("/fhir-answers.json")
@roles_required(*STAFF_ROLES)
def fhir_answers(review_id: int) -> Response:
    """The person's own answers as a FHIR R4 QuestionnaireResponse (services/data/exports/fhir)."""
    review = review_or_404(review_id)
    document = fhir.export_questionnaire_response(db.session, review, actor=current_account())
    return _fhir_response(document, f"review-{review.id}-answers.fhir.json")


@bp.route("/fhir-bundle.json")
@roles_required(*STAFF_ROLES)
def fhir_bundle(review_id: int) -> Response:
    """The review record as a FHIR R4 Bundle; ``?supporter=<id>``: the one for that supporter,
    holding only what the person agreed they may see."""
    review = review_or_404(review_id)
    supporter_id = request.args.get("supporter", type=int)
    document = fhir.bundle_for(
        db.session, review, actor=current_account(), supporter_id=supporter_id
    )
    suffix = f"-for-supporter-{supporter_id}" if supporter_id else ""
    return _fhir_response(document, f"review-{review.id}{suffix}.fhir.json")


def _page_lang() -> str:
    lang = str(get_locale() or "en")
    return lang if lang in load_library().languages else "en"


def _date(value: Any) -> str:
    return format_date(value)


# --- the record as PDF blocks -----------------------------------------------------------------


def lifecycle_blocks(review: Review) -> list[pdf.Block]:
    """Whether the record is final (closed, with its content hash), and each reopening."""
    blocks: list[pdf.Block] = []
    final = lifecycle.final(db.session, review)
    if final is not None:
        blocks.append(pdf.Para(_("This record is final: the review was closed on %(date)s.",
                                 date=_date(final.at)), "strong"))  # fmt: skip
        blocks.append(pdf.Para(_("Content hash (SHA-256):"), "small"))
        blocks.append(pdf.Para(final.content_hash or "", "small"))
        blocks.append(pdf.Para(_("What was agreed: %(text)s", text=final.summary or "")))
        blocks.append(pdf.Para(_("Who agreed it: %(text)s", text=final.agreed_by or "")))
    for event in lifecycle.history(db.session, review):
        if event.event == "reopened":
            said = _("Reopened on %(date)s. Why: %(reason)s", date=_date(event.at),
                     reason=event.reason or "")  # fmt: skip
            blocks.append(pdf.Para(said, "muted"))
    return blocks


def _said_lines(record: exports.ReviewRecord, response: Any, lang: str) -> list[pdf.Para]:
    library = load_library()
    prompt = library.prompt(response.review_prompt.library_prompt_id)
    how = str(CAPTURE.get(response.capture_method, response.capture_method))
    if response.capture_method == "tapped":
        labels = ", ".join(prompt.option(o).label(lang, fallback=True) for o in response.answer)
        return [pdf.Para(f"{labels} ({how})", "strong")]
    if response.capture_method == "interpreted":
        return [pdf.Para(_("A facilitator's reading, not the person's own words:"), "muted"),
                pdf.Para(response.own_words or "", "body")]  # fmt: skip
    return [pdf.Para(f"“{response.own_words}”", "quote"), pdf.Para(how, "small")]


def record_blocks(record: exports.ReviewRecord) -> list[pdf.Block]:  # noqa: C901 - one document
    """The record, in the order the product requires, as blocks for the PDF."""
    library = load_library()
    lang = _page_lang()
    review, person = record.review, record.person
    name = person.preferred_name
    blocks: list[pdf.Block] = [
        pdf.Heading(_("%(name)s's review, %(date)s", name=name, date=_date(review.scheduled_for))),
        pdf.Para(
            _(
                "%(full)s. %(kind)s.",
                full=person.full_name,
                kind=str(REVIEW_KIND.get(review.kind, review.kind)).capitalize(),
            )
        ),  # fmt: skip
    ]
    flag = people.communication_flag(person)
    if flag:
        blocks.append(pdf.Para(_("Communication: %(needs)s", needs=flag), "muted"))
    blocks.append(pdf.Heading(_("What %(name)s said", name=name), 2))
    for np in record.non_participation:
        blocks.append(pdf.Para(_(
            "%(name)s could not take part: %(reason)s. What was tried: %(tried)s",
            name=name, reason=NON_PARTICIPATION.get(np.reason, np.reason), tried=np.what_was_tried,
        )))  # fmt: skip
    voice = recordings_by_prompt(review)  # the person's own recordings (issue 24)
    for answers in record.answers:
        prompt = library.prompt(answers.review_prompt.library_prompt_id or "")
        lines: list[Any] = [pdf.Para(prompt.text(lang, fallback=True), "strong")]
        if answers.choice is not None:
            if answers.choice.skipped:
                lines.append(pdf.Para(_("Skipped"), "muted"))
            else:
                lines += _said_lines(record, answers.choice, lang)
        for words in answers.words:
            lines += _said_lines(record, words, lang)
        lines += recording_lines(record, voice.get(answers.review_prompt.id, []))
        if not answers.answered:
            lines.append(pdf.Para(_("No answer."), "muted"))
        blocks.append(pdf.Idea(prompt.picture, lines))
    for topic in record.layers or []:
        title = (library.topic(topic.topic_id).title(lang, fallback=True) if topic.topic_id
                 else _("The whole review"))  # fmt: skip
        blocks.append(pdf.Heading(_("Other views: %(topic)s", topic=title), 2))
        for entry in [*topic.advocate, *topic.family, *topic.staff]:
            blocks.append(pdf.Para(author_description(entry.author), "strong"))
            if entry.differs:
                blocks.append(pdf.Para(_("This view differs from %(name)s's.", name=name), "muted"))
            for key, label in LAYER_FIELDS.items():
                if entry.body.get(key):
                    blocks.append(pdf.Para(str(label), "muted"))
                    blocks.append(pdf.Para(str(entry.body[key])))
    if record.differing_views:
        blocks.append(pdf.Heading(_("Differing views"), 2))
        for view in record.differing_views:
            blocks.append(pdf.Para(view.summary or "", "strong"))
            route = str(ROUTES.get(view.route, "")) if view.route else _("not chosen yet")
            status = CASE_STATUS.get(view.status, view.status)
            blocks.append(pdf.Para(_("Route: %(route)s. Status: %(status)s.", route=route,
                                     status=status)))  # fmt: skip
            if view.outcome:
                blocks.append(pdf.Para(_("Outcome: %(text)s", text=view.outcome)))
            if view.reasoning:
                blocks.append(pdf.Para(_("Reasoning: %(text)s", text=view.reasoning)))
    blocks.append(pdf.Heading(_("Actions"), 2))
    if not record.actions:
        blocks.append(pdf.Para(_("No actions yet."), "muted"))
    for entry in record.actions:
        action = entry.action
        lines = [
            pdf.Para(action.plain_text, "strong"),
            pdf.Para(_("Easy read: %(text)s", text=action.easy_read_text)),
            pdf.Para(
                _(
                    "Who: %(owner)s. By when: %(due)s. Status: %(status)s.",
                    owner=action.owner_name,
                    due=_date(action.due_on) if action.due_on else _("no date"),
                    status=action_status_label(action.status),
                ),
                "muted",
            ),  # fmt: skip
        ]
        if action.not_done_reason:
            lines.append(pdf.Para(_("Not done because: %(reason)s", reason=action.not_done_reason)))
        if entry.statements:
            lines.append(pdf.Para(_("Answers what %(name)s said:", name=name), "small"))
            for response in entry.statements:
                lines += _said_lines(record, response, lang)
        else:
            lines.append(pdf.Para(_(
                "Not linked to what %(name)s said. The reason: %(reason)s",
                name=name, reason=action.no_link_reason or "",
            ), "strong"))  # fmt: skip
        blocks.append(pdf.Idea(action.picture, lines, boxed=True))
    figures = record.figures
    blocks.append(pdf.Heading(_("How the actions trace back"), 2))
    blocks.append(pdf.Para(" ".join((
        ngettext("Linked to what %(name)s said: %(linked)s of %(num)d action.",
                 "Linked to what %(name)s said: %(linked)s of %(num)d actions.",
                 figures.actions, linked=figures.linked, name=name),
        ngettext("With an action: %(answered)s of %(num)d statement.",
                 "With an action: %(answered)s of %(num)d statements.",
                 figures.statements, answered=figures.answered),
    ))))  # fmt: skip
    if record.unanswered:
        blocks.append(pdf.Heading(_("Statements no action answers yet"), 3))
        for statement in record.unanswered:
            blocks += _said_lines(record, statement.response, lang)
    return blocks
