"""One person's own evidence pack (issue 20): their reviews, what they said and what came of it,
for staff to give them in easy read (``outputs/evidence_pack.person_pdf``).

Counted the dashboard's way (a review is held on the day the person's session took place, or
the day it was recorded that they could not take part), but for one person and every review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    ActionFollowUp,
    ActionStatus,
    Contribution,
    ContributionStatus,
    FollowUpAnswer,
    Layer,
    NonParticipation,
    OutcomeAction,
    Person,
    Response,
    Review,
    Supporter,
    action_responses,
)
from ..reviews.current import not_superseded
from . import dashboard
from .evidence_pack import role_group


@dataclass
class PersonReview:
    """One of the person's reviews, in their own pack."""

    review: Review
    held_on: date | None
    took_part: bool
    spoke_first: bool
    things_said: int
    actions: int
    actions_from_words: int
    actions_done: int
    family_views: int
    advocate_views: int
    # At this review, the person's own "did it happen?" answers about earlier actions.
    said_happened: int = 0
    said_partly: int = 0
    said_did_not: int = 0


def person_reviews(session: Session, person: Person) -> list[PersonReview]:
    """The person's reviews held so far, newest first, with what came of each."""
    out: list[PersonReview] = []
    reviews = session.scalars(
        select(Review).where(Review.person_id == person.id).order_by(Review.id.desc())
    )
    for review in reviews:
        not_taking_part = session.scalar(
            select(func.min(NonParticipation.recorded_at)).where(
                NonParticipation.review_id == review.id
            )
        )
        started = review.person_started_at or not_taking_part
        if started is None:
            continue  # still to come
        first_other = session.scalar(
            select(func.min(Contribution.created_at)).where(Contribution.review_id == review.id)
        )
        confirmed = review.person_confirmed_at
        spoke_first = confirmed is not None and (
            first_other is None or dashboard._aware(first_other) >= dashboard._aware(confirmed)
        )
        said = (
            session.scalar(
                select(func.count(Response.id)).where(
                    Response.review_id == review.id,
                    Response.skipped.is_(False),
                    not_superseded(Response),
                )
            )
            or 0
        )
        actions = list(
            session.scalars(select(OutcomeAction).where(OutcomeAction.review_id == review.id))
        )
        linked = set(
            session.scalars(
                select(action_responses.c.action_id).where(
                    action_responses.c.action_id.in_([a.id for a in actions] or [-1])
                )
            )
        )
        views: Counter[Layer] = Counter(
            Layer(layer)
            for (layer,) in session.execute(
                select(Contribution.layer).where(
                    Contribution.review_id == review.id,
                    Contribution.status == ContributionStatus.SUBMITTED,
                    not_superseded(Contribution),
                )
            )
        )
        answers: Counter[FollowUpAnswer] = Counter(
            FollowUpAnswer(answer)
            for (answer,) in session.execute(
                select(ActionFollowUp.answer).where(
                    ActionFollowUp.review_id == review.id,
                    not_superseded(ActionFollowUp, review_ids=review.id),
                )
            )
        )
        out.append(
            PersonReview(
                review=review,
                held_on=dashboard._aware(started).date(),
                took_part=review.person_started_at is not None,
                spoke_first=spoke_first,
                things_said=said,
                actions=len(actions),
                actions_from_words=len(linked),
                actions_done=sum(1 for a in actions if a.status == ActionStatus.DONE),
                family_views=views[Layer.FAMILY],
                advocate_views=views[Layer.ADVOCATE],
                said_happened=answers[FollowUpAnswer.YES],
                said_partly=answers[FollowUpAnswer.PARTLY],
                said_did_not=answers[FollowUpAnswer.NO],
            )
        )
    out.sort(key=lambda r: (r.held_on or date.min, r.review.id), reverse=True)
    return out


def supporter_count(session: Session, person: Person) -> Counter[str]:
    """The person's active supporters by group (for 'who helps you')."""
    roles = session.scalars(
        select(Supporter.role).where(Supporter.person_id == person.id, Supporter.active.is_(True))
    )
    return Counter(role_group(role) for role in roles)
