"""The person's session on a tablet: started by a facilitator, locked to one review.

While locked, the signed-in session can reach nothing but this review's prompts and the
person's own answers. Leaving needs the facilitator's PIN or password.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from ..models import (
    ADVOCATE_ROLES,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
    UserSession,
    utcnow,
)
from . import NotAllowed, ServiceError, audit

FACILITATOR_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN, Role.ADVOCATE})


class WrongUnlockSecret(ServiceError):
    """The PIN or password given to leave person mode was not right."""


def may_facilitate(session: Session, user: User, review: Review) -> bool:
    """Staff may facilitate any review; an advocate only for a person they are assigned to."""
    if user.role in (Role.STAFF, Role.MANAGER, Role.ADMIN):
        return True
    if user.role != Role.ADVOCATE:
        return False
    assigned = session.scalar(
        select(Supporter.id).where(
            Supporter.person_id == review.person_id,
            Supporter.user_id == user.id,
            Supporter.role.in_(list(ADVOCATE_ROLES)),
            Supporter.active.is_(True),
        )
    )
    return assigned is not None


def start(session: Session, review: Review, facilitator: User, user_session: UserSession) -> None:
    """Hand the tablet to the person: lock this signed-in session to the review."""
    if not may_facilitate(session, facilitator, review):
        raise NotAllowed("You cannot start a session for this person.")
    if review.status not in (ReviewStatus.PLANNED, ReviewStatus.PERSON_IN_PROGRESS):
        raise ServiceError("The person's session for this review is already finished.")
    if not review.prompts:
        raise ServiceError("Choose the prompts for this review first.")
    first_time = review.person_started_at is None
    review.status = ReviewStatus.PERSON_IN_PROGRESS
    review.person_started_at = review.person_started_at or utcnow()
    user_session.person_mode_review_id = review.id
    audit.record(
        session,
        "person_session.started" if first_time else "person_session.resumed",
        actor=facilitator,
        obj=review,
        person_id=review.person_id,
    )


def check_unlock_secret(user: User, secret: str) -> None:
    """The facilitator's PIN, or their password, unlocks the tablet."""
    secret = secret or ""
    if user.pin_hash and check_password_hash(user.pin_hash, secret):
        return
    if secret and check_password_hash(user.password_hash, secret):
        return
    raise WrongUnlockSecret("That PIN or password is not right. Please try again.")


def unlock(session: Session, user_session: UserSession, secret: str) -> int | None:
    """Leave person mode (the review stays in progress and can be resumed)."""
    review_id = user_session.person_mode_review_id
    try:
        check_unlock_secret(user_session.user, secret)
    except WrongUnlockSecret:
        audit.record(
            session,
            "person_session.unlock_refused",
            actor=user_session.user,
            object_type="reviews",
            object_id=review_id,
        )
        raise
    user_session.person_mode_review_id = None
    review = session.get(Review, review_id) if review_id else None
    audit.record(
        session,
        "person_session.unlocked",
        actor=user_session.user,
        obj=review,
        person_id=review.person_id if review else None,
    )
    return review_id


def confirm(session: Session, review: Review, user_session: UserSession, secret: str) -> None:
    """The person said "Yes, this is right"; the facilitator confirms and unlocks."""
    if review.status != ReviewStatus.PERSON_IN_PROGRESS:
        raise ServiceError("The person's session is not open.")
    if user_session.person_mode_review_id != review.id:
        raise NotAllowed("This tablet is not in this review's session.")
    check_unlock_secret(user_session.user, secret)
    review.person_confirmed_at = utcnow()
    review.person_confirmed_by_id = user_session.user_id
    review.status = ReviewStatus.PERSON_DONE
    user_session.person_mode_review_id = None
    audit.record(
        session,
        "person_session.confirmed",
        actor=user_session.user,
        obj=review,
        person_id=review.person_id,
    )
