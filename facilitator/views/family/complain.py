"""A family member's complaint, in easy words, from the page their link opens.

It lands in the complaints register with its 3-working-day acknowledgement clock, raised by
the supporter the link was sent to, through that link (``complaints_sent.from_family``). A
second tap of Send finds the complaint already made. Like every family page, nothing is
reached without the link, the code and a live session (``family.load_access``).
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from ...extensions import db
from ...forms.fields import sent
from ...forms.published import FamilyComplaintForm
from ...services import ServiceError
from ...services.family.links import FamilyAccess
from ...services.governance import complaints_sent
from .. import edge
from .family import bp, load_access


def _page(
    form: FamilyComplaintForm, access: FamilyAccess, error: ServiceError | None = None
) -> str:
    if not form.token.data:
        form.token.data = complaints_sent.new_token()
    if error is not None:
        form.form_errors.append(str(error))
    return render_template(
        "published/family_complain.html",
        form=form,
        choices=complaints_sent.FAMILY_CHOICES,
        person=access.review.person,
        access=access,
    )


@bp.route("/complain", methods=["GET", "POST"])
def complain() -> ResponseReturnValue:
    """What is wrong, who can help, and Send."""
    access = load_access()
    form = FamilyComplaintForm()
    edge.on_refusal(lambda error: _page(form, access, error))
    if not sent(form):
        return _page(form, access)
    complaints_sent.from_family(
        db.session,
        access.review,
        access.supporter,
        link_id=access.link.id,
        topic=form.topic.data,
        words=form.words.data,
        token=form.token.data,
    )
    return redirect(url_for("family.complaint_sent"), code=303)


@bp.route("/complain/sent")
def complaint_sent() -> str:
    """Thank you: what happens next."""
    access = load_access()
    return render_template("published/family_sent.html", person=access.review.person)
