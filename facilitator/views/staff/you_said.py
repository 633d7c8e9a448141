"""'You said, we did' for staff: the page, the print version and the easy-read PDF, each in the
person's language. The person sees it on the tablet (``views/person/you_said.py``); the words
both use are in ``outputs/you_said.py``.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...models import Review
from ...outputs import pdf
from ...outputs.pictures import pictures_dir
from ...outputs.you_said import answer_label, fixed_texts, ideas
from ...services import audit, people
from ...services.reviews import you_said
from .. import edge
from ..lookup import review_or_404
from .photos import photo_files, picture_context

bp = Blueprint("you_said", __name__, url_prefix="/staff/reviews/<int:review_id>/you-said")


def _staff_context(review: Review) -> dict[str, Any]:
    lang = you_said.person_language(review)
    items = you_said.items_for_review(db.session, review, lang)
    with force_locale(lang):
        texts = fixed_texts(review.person.preferred_name)
        rows = [(item, ideas(item)) for item in items]
    return {
        "review": review,
        "person": review.person,
        "flag": people.communication_flag(review.person),
        "lang": lang,
        "texts": texts,
        "rows": rows,
        "follow_ups": you_said.follow_ups_about(db.session, review),
        "asked_here": [e for e in you_said.earlier_actions(db.session, review) if e.answer],
        "answer_label": answer_label,
        "answer_picture": you_said.ANSWER_PICTURES,
        # With the person's "photos" setting, their own photo where one stands for the key.
        **picture_context(review.person),
    }


@bp.route("/")
@roles_required(*STAFF_ROLES)
def page(review_id: int) -> str:
    """What the person will see and hear, and what they said about it later."""
    review = review_or_404(review_id)
    audit.record(db.session, "you_said.viewed", actor=current_account(), obj=review,
                 person_id=review.person_id)  # fmt: skip
    edge.keep_trace()  # who looked
    return render_template("you_said/staff.html", **_staff_context(review))


@bp.route("/print")
@roles_required(*STAFF_ROLES)
def print_page(review_id: int) -> str:
    """The easy-read version for paper, in the person's language."""
    review = review_or_404(review_id)
    context = _staff_context(review)
    g.page_language = context["lang"]
    with force_locale(context["lang"]):
        return render_template("you_said/print.html", **context)


@bp.route("/you-said.pdf")
@roles_required(*STAFF_ROLES)
def pdf_file(review_id: int) -> Response:
    """The easy-read PDF: large type, a picture beside each idea."""
    review = review_or_404(review_id)
    context = _staff_context(review)
    audit.record(db.session, "you_said.pdf", actor=current_account(), obj=review,
                 person_id=review.person_id)  # fmt: skip
    edge.keep_trace()  # who made the PDF
    started = time.perf_counter()
    with force_locale(context["lang"]):
        data = easy_read_pdf(review, context["texts"], context["rows"])
    current_app.logger.info(
        "easy-read PDF: %d bytes in %.2f s", len(data), time.perf_counter() - started
    )
    response = Response(data, mimetype="application/pdf", headers={"Cache-Control": "no-store"})
    # Saved by default (the person or their family keep it); ?view=1 opens it on screen.
    names = file_names(f"{context['texts']['title']} - {review.person.preferred_name}.pdf",
                       fallback=f"you-said-we-did-{review.id}.pdf")  # fmt: skip
    shown = "inline" if request.args.get("view") == "1" else "attachment"
    response.headers.set("Content-Disposition", shown, **names)
    return response


def file_names(name: str, *, fallback: str) -> dict[str, str]:
    """A download's name for Content-Disposition (RFC 6266): as it is when plain ASCII; else
    in UTF-8 (RFC 5987 ``filename*``), with ``fallback`` for software that knows no better.
    Characters no file name may hold (slashes, quotes, controls ...) become hyphens."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "-", name).strip() or fallback
    if name.isascii():
        return {"filename": name}
    return {"filename": fallback, "filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")}


def easy_read_pdf(review: Review, texts: dict[str, str], rows: list[tuple[Any, Any]]) -> bytes:
    """The blocks of the easy-read PDF, rendered (call inside the person's locale)."""
    name = review.person.preferred_name
    blocks: list[pdf.Block] = [
        pdf.Heading(texts["title"]),
        pdf.Idea(
            "speech-bubble",
            [
                pdf.Para(_("%(name)s, this is what you told us.", name=name)),
                pdf.Para(_("And this is what we will do.")),
            ],
        ),  # fmt: skip
    ]
    if not rows:
        blocks.append(pdf.Para(texts["none"]))
    for number, (_item, idea_rows) in enumerate(rows, start=1):
        blocks.append(pdf.Heading(_("Thing %(n)s of %(total)s", n=number, total=len(rows)), 2))
        for row in idea_rows:
            style = "quote" if row["kind"] == "said" else "body"
            blocks.append(pdf.Idea(row["picture"], [pdf.Heading(row["label"], 3),
                                                    pdf.Para(row["text"], style)],
                                   boxed=row["kind"] == "will"))  # fmt: skip
    high_contrast = bool(review.person.setting("high_contrast"))
    return pdf.render(
        blocks, title=texts["title"], author=current_account().name,
        subject=_("%(name)s's review", name=name), pictures_dir=pictures_dir(high_contrast),
        easy_read=True, footer=_("%(name)s's review", name=name),
        photos=photo_files(review.person),
    )  # fmt: skip
