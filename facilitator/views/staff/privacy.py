"""Privacy: a manager's subject access page and download, and recording that care ended.

The page shows an easy-read summary of what is held about the person; the download is a ZIP
with the complete JSON, the easy-read summary as a PDF and copies of the person's photos and
recordings (both made by ``outputs/subject_access.py``, which the command line uses too). Both
are written in the audit log (who, when, which person; never the content).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...auth import GOVERNANCE_ROLES, STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.privacy import CareEndedForm
from ...models import Person
from ...outputs.labels import format_date
from ...outputs.subject_access import export_zip, summary
from ...services import audit
from ...services.data import privacy, retention
from .. import edge
from ..person.screens import picture_url

bp = Blueprint("privacy", __name__, url_prefix="/staff/people")


# --- the manager's page --------------------------------------------------------------------------


@bp.route("/<int:person_id>/subject-access")
@roles_required(*GOVERNANCE_ROLES)
def subject_access(person_id: int) -> str:
    """What is held about the person, in easy read, with the complete download."""
    person = privacy.get_person(db.session, person_id)
    document = privacy.export_document(db.session, person.id)
    audit.record(
        db.session, "person.subject_access_viewed", actor=current_account(),
        object_type="people", object_id=person.id, person_id=person.id,
    )  # fmt: skip
    edge.keep_trace()  # who saw what is held about the person
    counts = [
        (name, len(rows), name in document["third_party_tables"])
        for name, rows in document["tables"].items()
        if rows
    ]
    return render_template(
        "privacy/subject_access.html",
        person=person,
        words=summary(document, person),
        counts=counts,
        files=sum(len(f["files"]) for f in document["files"]),
        audit_entries=len(document["audit_events"]),
        picture=lambda key: picture_url(key, False),
    )


@bp.route("/<int:person_id>/subject-access.zip")
@roles_required(*GOVERNANCE_ROLES)
def subject_access_zip(person_id: int) -> Response:
    """Everything held about the person: JSON, easy-read PDF and their files, in one ZIP."""
    person = privacy.get_person(db.session, person_id)
    data = export_zip(db.session, person, actor=current_account(), actor_label=None, how="web")
    edge.keep_trace()  # who downloaded everything held
    return Response(
        data, mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person.id}-subject-access.zip"',
            "Cache-Control": "no-store",
        },
    )  # fmt: skip


# --- care ended ----------------------------------------------------------------------------------


@bp.route("/<int:person_id>/care-ended", methods=["POST"])
@roles_required(*STAFF_ROLES)
def care_ended(person_id: int) -> Response:
    """Record the day the person's care and support ended (or clear it)."""
    person = privacy.get_person(db.session, person_id)
    form = CareEndedForm()
    # After a mistake the page shows what was typed again, so nothing is lost.
    edge.refusal_returns_to(
        url_for("staff.person", person_id=person.id, care_ended_on=form.typed or None)
        + "#care-ended"
    )
    on = form.day()
    retention.record_care_ended(
        db.session, person, on=on, actor=current_account(), today=date.today()
    )
    if on is None:
        flash(_("%(name)s is shown as supported again.", name=person.preferred_name), "success")
    else:
        flash(_("Care ended on %(date)s is recorded.", date=format_date(on)), "success")
    return redirect(url_for("staff.person", person_id=person.id) + "#care-ended", code=303)


ENDED_LIMIT = 500


@bp.route("/care-ended")
@roles_required(*STAFF_ROLES)
def ended() -> str:
    """People whose care has ended (they leave the other lists) and when each falls due."""
    years = int(current_app.config["RETENTION_YEARS"])
    rows = db.session.execute(
        select(Person.id, Person.preferred_name, Person.full_name, Person.care_ended_on)
        .where(Person.care_ended_on.is_not(None))
        .order_by(Person.care_ended_on.desc(), Person.id)
        .limit(ENDED_LIMIT + 1)
    ).all()
    people = [
        {"id": r.id, "name": r.preferred_name, "full_name": r.full_name, "ended": r.care_ended_on,
         "due": retention.add_years(r.care_ended_on, years)}
        for r in rows[:ENDED_LIMIT]
    ]  # fmt: skip
    return render_template(
        "privacy/ended.html", people=people, more=len(rows) > ENDED_LIMIT, years=years,
        today=date.today(),
    )  # fmt: skip
