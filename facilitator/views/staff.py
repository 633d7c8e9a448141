"""Staff: people, reviews and the review record."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..auth import STAFF_ROLES, current_account, roles_required
from ..extensions import db
from ..models import Review, Supporter
from ..services import NotFound, audit, people, reviews

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@roles_required(*STAFF_ROLES)
def home() -> str:
    """Upcoming reviews and the people supported."""
    return render_template(
        "staff/home.html",
        reviews=reviews.upcoming_reviews(db.session),
        people=people.people_for_staff(db.session),
        needing_advocate=people.people_needing_advocate_without_one(db.session),
    )


@bp.route("/people/<int:person_id>")
@roles_required(*STAFF_ROLES)
def person(person_id: int) -> str:
    """One person: communication needs, supporters and authority, reviews."""
    try:
        record = people.get_person(db.session, person_id)
    except NotFound:
        abort(404)
    supporters = db.session.scalars(
        select(Supporter).where(Supporter.person_id == record.id).order_by(Supporter.name)
    ).all()
    person_reviews = db.session.scalars(
        select(Review).where(Review.person_id == record.id).order_by(Review.scheduled_for.desc())
    ).all()
    audit.record(db.session, "person.viewed", actor=current_account(), obj=record, person_id=record.id)
    db.session.commit()
    return render_template(
        "staff/person.html",
        person=record,
        supporters=supporters,
        reviews=person_reviews,
        flag=people.communication_flag(record),
    )


@bp.route("/reviews/<int:review_id>")
@roles_required(*STAFF_ROLES)
def review(review_id: int) -> str:
    """The review record (the layers come with later work)."""
    try:
        record = reviews.get_review(db.session, review_id)
    except NotFound:
        abort(404)
    audit.record(
        db.session, "review.viewed", actor=current_account(), obj=record, person_id=record.person_id
    )
    db.session.commit()
    from ..prompts.library import load_library

    return render_template(
        "staff/review.html",
        review=record,
        person=record.person,
        flag=people.communication_flag(record.person),
        library=load_library(),
    )
