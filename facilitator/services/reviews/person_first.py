"""Rule 1, the person first: nobody else is recorded until the person's views are.

A review is open to other layers once the person has confirmed their session, or once a
facilitator has recorded why the person could not take part, what was tried, and when it
will be tried again.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import NonParticipation, NonParticipationReason, Review, ReviewStatus, User, utcnow
from .. import ServiceError, audit


class PersonNotHeardYet(ServiceError):
    """Someone tried to add to a review before the person's views were captured."""


def person_views_done(session: Session, review: Review) -> bool:
    """True once the person has confirmed, or their non-participation is recorded."""
    if review.person_confirmed_at is not None:
        return True
    return (
        session.scalar(
            select(NonParticipation.id).where(NonParticipation.review_id == review.id).limit(1)
        )
        is not None
    )


def require_person_first(session: Session, review: Review) -> None:
    """Raise PersonNotHeardYet unless the person's views come first on this review."""
    if not person_views_done(session, review):
        raise PersonNotHeardYet(
            _l(
                "The person's own views come first. Capture them, or record why they could not "
                "take part, before anyone else's views are added."
            )
        )


def record_non_participation(
    session: Session,
    review: Review,
    *,
    actor: User,
    reason: NonParticipationReason,
    what_was_tried: str,
    try_again_on: date | None,
    detail: str | None = None,
) -> NonParticipation:
    """Record why the person could not take part; what was tried is required."""
    if review.person_confirmed_at is not None:
        raise ServiceError(_l("The person has already confirmed their views for this review."))
    if not what_was_tried or not what_was_tried.strip():
        raise ServiceError(
            _l("Say what was tried to help the person take part (other times, ways or supporters).")
        )
    if reason == NonParticipationReason.OTHER and not (detail and detail.strip()):
        raise ServiceError(_l("Say what the other reason was."))
    if try_again_on is not None and try_again_on < utcnow().date():
        raise ServiceError(_l("The date to try again cannot be in the past."))
    record = NonParticipation(
        review_id=review.id,
        reason=reason,
        detail=(detail or "").strip() or None,
        what_was_tried=what_was_tried.strip(),
        try_again_on=try_again_on,
        recorded_by_id=actor.id,
    )
    session.add(record)
    if review.status in (ReviewStatus.PLANNED, ReviewStatus.PERSON_IN_PROGRESS):
        review.status = ReviewStatus.PERSON_DONE
    audit.record(
        session,
        "review.non_participation",
        actor=actor,
        obj=record,
        person_id=review.person_id,
        detail={"review_id": review.id, "reason": str(reason)},
    )
    return record
