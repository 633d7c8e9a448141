"""The review record for the file: what the record page, its print version and its PDF show,
in the order the product requires: the person's views first, then each layer, then differing
views, then the actions with the statements they answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ....models import (
    DifferingView,
    NonParticipation,
    OutcomeAction,
    Person,
    Response,
    Review,
    User,
)
from ...reviews import person_first, responses
from ...reviews.actions import Figures, Statement, actions_for_review, figures_for_review
from ...reviews.actions import unanswered_statements as _unanswered
from ...reviews.current import superseded_ids
from ...reviews.layers import TopicLayers, layers_for_review


@dataclass
class ActionEntry:
    """One action with the statements it answers (corrected-since ones marked)."""

    action: OutcomeAction
    statements: list[Response]
    corrected_since: set[int] = field(default_factory=set)


@dataclass
class ReviewRecord:
    """Everything the record shows, in the order it is shown."""

    review: Review
    person: Person
    person_done: bool
    answers: list[responses.PromptAnswers]
    non_participation: list[NonParticipation]
    # contributions.TopicLayers (Any: views/staff/review_record.py reuses one loop name for
    # these entries and the actions)
    layers: list[Any]
    differing_views: list[DifferingView]
    actions: list[ActionEntry]
    unanswered: list[Statement]
    figures: Figures
    users: dict[int, User]


def _layers(session: Session, review: Review) -> list[TopicLayers]:
    """The advocate's, family's and staff layers, topics with nothing in them left out."""
    return [t for t in layers_for_review(session, review) if not t.empty]


def review_record(session: Session, review: Review) -> ReviewRecord:
    """The review record: person first, then layers, differing views and actions."""
    superseded = set(session.scalars(superseded_ids(Response, review_ids=review.id)))
    entries = [
        ActionEntry(a, list(a.responses), {r.id for r in a.responses if r.id in superseded})
        for a in actions_for_review(session, review)
    ]
    return ReviewRecord(
        review=review,
        person=review.person,
        person_done=person_first.person_views_done(session, review),
        answers=responses.answers_for_review(session, review),
        non_participation=list(
            session.scalars(
                select(NonParticipation)
                .where(NonParticipation.review_id == review.id)
                .order_by(NonParticipation.id)
            )
        ),
        layers=_layers(session, review),
        differing_views=list(
            session.scalars(
                select(DifferingView)
                .where(DifferingView.review_id == review.id)
                .order_by(DifferingView.id)
            )
        ),
        actions=entries,
        unanswered=_unanswered(session, review),
        figures=figures_for_review(session, review),
        users={u.id: u for u in session.scalars(select(User))},
    )
