"""Managers: oversight of involvement, disagreements, complaints and the audit trail."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..auth import GOVERNANCE_ROLES, roles_required
from ..extensions import db
from ..models import AuditEvent, Person, Review, ReviewStatus
from ..services import people

bp = Blueprint("governance", __name__, url_prefix="/governance")


@bp.route("/")
@roles_required(*GOVERNANCE_ROLES)
def dashboard() -> str:
    """Headline figures; the full dashboard is built on this page."""
    session = db.session
    figures = {
        "people": session.scalar(select(func.count(Person.id)).where(Person.care_ended_on.is_(None))),
        "reviews_planned": session.scalar(
            select(func.count(Review.id)).where(Review.status == ReviewStatus.PLANNED)
        ),
        "reviews_person_done": session.scalar(
            select(func.count(Review.id)).where(
                Review.status.in_([ReviewStatus.PERSON_DONE, ReviewStatus.CLOSED])
            )
        ),
        "audit_entries": session.scalar(select(func.count(AuditEvent.id))),
    }
    return render_template(
        "governance/dashboard.html",
        figures=figures,
        needing_advocate=people.people_needing_advocate_without_one(session),
    )
