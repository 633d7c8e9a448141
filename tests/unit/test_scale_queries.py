"""Query shapes chosen for scale (issue 10): the same answers as the plain queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import Review, ReviewStatus
from facilitator.services import reviews

from .factories import person, review, user

pytestmark = pytest.mark.db


def test_upcoming_reviews_are_every_open_status_soonest_first(session: Session) -> None:
    staff = user(session)
    sam = person(session, staff)
    made = []
    statuses = [
        ReviewStatus.CLOSED,
        ReviewStatus.PLANNED,
        ReviewStatus.PERSON_DONE,
        ReviewStatus.PERSON_IN_PROGRESS,
        ReviewStatus.CLOSED,
        ReviewStatus.PLANNED,
    ]
    for n, status in enumerate(statuses * 3):
        rev = review(session, staff, sam)
        rev.status = status
        rev.scheduled_for = date(2027, 3, 1) + timedelta(days=(7 * n) % 11)  # ties on some days
        made.append(rev)
    session.flush()
    plain = list(
        session.scalars(
            select(Review.id)
            .where(Review.status != ReviewStatus.CLOSED, Review.id.in_([r.id for r in made]))
            .order_by(Review.scheduled_for, Review.id)
        )
    )
    assert len(plain) == 12
    for limit in (1, 3, 5, 12, 50):
        got = [r.id for r in reviews.upcoming_reviews(session, limit=limit)]
        assert got == plain[:limit]
    assert {r.status for r in reviews.upcoming_reviews(session)} == {
        ReviewStatus.PLANNED,
        ReviewStatus.PERSON_DONE,
        ReviewStatus.PERSON_IN_PROGRESS,
    }
    # Each is returned with its person loaded.
    assert all(r.person.preferred_name == "Sam" for r in reviews.upcoming_reviews(session))
