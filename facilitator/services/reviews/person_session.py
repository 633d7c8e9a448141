"""The person's session on a tablet: started by a facilitator, locked to one review.

While locked, the signed-in session can reach nothing but this review's prompts and the
person's own answers. Leaving needs the facilitator's PIN or password, counted and, after too
many wrong PINs, the password and second step (:mod:`.tablet_unlock`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
    UserSession,
    utcnow,
)
from .. import NotAllowed, ServiceError, audit
from ..accounts import tablet_unlock

FACILITATOR_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN, Role.ADVOCATE})


# The PIN, password or code given to leave person mode was refused (see tablet_unlock).
WrongUnlockSecret = tablet_unlock.UnlockRefused


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
        raise NotAllowed(_l("You cannot start a session for this person."))
    if review.status not in (ReviewStatus.PLANNED, ReviewStatus.PERSON_IN_PROGRESS):
        raise ServiceError(_l("The person's session for this review is already finished."))
    if not review.prompts:
        raise ServiceError(_l("Choose the prompts for this review first."))
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


def _as_try(secret: str | tablet_unlock.UnlockTry, route: str) -> tablet_unlock.UnlockTry:
    """A plain string is what was typed on the PIN-or-password form."""
    if isinstance(secret, tablet_unlock.UnlockTry):
        return secret
    return tablet_unlock.UnlockTry(step=tablet_unlock.Step.PIN.value, secret=secret, route=route)


def unlock(
    session: Session,
    user_session: UserSession,
    secret: str | tablet_unlock.UnlockTry,
    policy: tablet_unlock.UnlockPolicy | None = None,
) -> int | None:
    """Leave person mode (the review stays in progress and can be resumed).

    A refused try is audited and committed by tablet_unlock, whatever the caller does next.
    """
    review_id = user_session.person_mode_review_id
    proof = tablet_unlock.check(session, user_session, _as_try(secret, "break"), policy)
    user_session.person_mode_review_id = None
    review = session.get(Review, review_id) if review_id else None
    audit.record(
        session,
        "person_session.unlocked",
        actor=user_session.user,
        obj=review,
        person_id=review.person_id if review else None,
        detail={"proof": proof},
    )
    return review_id


def confirm(
    session: Session,
    review: Review,
    user_session: UserSession,
    secret: str | tablet_unlock.UnlockTry,
    policy: tablet_unlock.UnlockPolicy | None = None,
) -> None:
    """The person said "Yes, this is right"; the facilitator confirms and unlocks."""
    if review.status != ReviewStatus.PERSON_IN_PROGRESS:
        raise ServiceError(_l("The person's session is not open."))
    if user_session.person_mode_review_id != review.id:
        raise NotAllowed(_l("This tablet is not in this review's session."))
    proof = tablet_unlock.check(session, user_session, _as_try(secret, "done"), policy)
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
        detail={"proof": proof},
    )
