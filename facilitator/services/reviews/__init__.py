"""Planning reviews and choosing their prompts."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from ...models import Person, Review, ReviewKind, ReviewPrompt, ReviewStatus, User
from ...prompts.library import load_library
from .. import NotFound, ServiceError, audit, scope
from ..media import custom_prompts
from . import frozen  # noqa: F401  (registers the guard: a closed review refuses every write)


def _library():  # type: ignore[no-untyped-def]
    return load_library()


def plan_review(
    session: Session,
    person: Person,
    *,
    actor: User | None,
    kind: ReviewKind,
    scheduled_for: date,
    facilitator: User | None,
    prompt_ids: list[str] | None = None,
) -> Review:
    """Plan a review with prompts from the library, in the order given (default set if none)."""
    library = _library()
    chosen = list(prompt_ids) if prompt_ids else library.default_prompt_ids()
    if not chosen:
        raise ServiceError(_l("Choose at least one prompt for the review."))
    if len(set(chosen)) != len(chosen):
        raise ServiceError(_l("Each prompt can be chosen only once."))
    review = Review(
        person_id=person.id,
        kind=kind,
        status=ReviewStatus.PLANNED,
        scheduled_for=scheduled_for,
        facilitator_id=facilitator.id if facilitator else None,
        created_by_id=actor.id if actor else None,
    )
    # The service it is held in stays with it when the person moves on (issue 25).
    held_in = scope.current_service(session, person.id)
    review.service_id = held_in.id if held_in is not None else None
    session.add(review)
    session.flush()
    set_prompts(session, review, chosen, actor=actor, audit_it=False)
    audit.record(
        session,
        "review.planned",
        actor=actor,
        obj=review,
        person_id=person.id,
        detail={"prompts": len(chosen), "kind": str(kind)},
    )
    return review


def set_prompts(
    session: Session,
    review: Review,
    prompt_ids: list[str],
    *,
    actor: User | None,
    audit_it: bool = True,
) -> None:
    """Replace the review's prompts (only before the person's session has started)."""
    if review.status != ReviewStatus.PLANNED:
        raise ServiceError(_l("The prompts cannot change once the person's session has started."))
    library = _library()
    for prompt_id in prompt_ids:
        if prompt_id.startswith("custom-"):  # the person's own prompts are added below
            raise KeyError(prompt_id)
        library.prompt(prompt_id)  # raises for an unknown id
    for old in list(review.prompts):
        session.delete(old)
    session.flush()
    for position, prompt_id in enumerate(prompt_ids, start=1):
        prompt = library.prompt(prompt_id)
        session.add(
            ReviewPrompt(
                review_id=review.id,
                position=position,
                library_prompt_id=prompt_id,
                topic_id=prompt.topic_id,
            )
        )
    session.flush()
    session.expire(review, ["prompts"])
    custom_prompts.sync_review(session, review)
    if audit_it:
        audit.record(
            session, "review.prompts_set", actor=actor, obj=review, person_id=review.person_id
        )


def get_review(session: Session, review_id: int) -> Review:
    """The review with its person and prompts, or NotFound."""
    # One query (the person and the prompts joined): person mode loads it on every screen.
    review = (
        session.scalars(
            select(Review)
            .where(Review.id == review_id)
            .options(joinedload(Review.prompts), joinedload(Review.person))
        )
        .unique()
        .one_or_none()
    )
    if review is None:
        raise NotFound(_l("We could not find that review."))
    return review


def upcoming_reviews(session: Session, limit: int = 50) -> list[Review]:
    """Reviews not yet closed, soonest first.

    Asked status by status (each the first ``limit`` by date, from the status-and-date index),
    then merged: "status is not closed, by date" walks the date index through every closed
    review first, which grew with the years of reviews behind a provider (195 ms at 100,000).
    """
    open_statuses = [s for s in ReviewStatus if s != ReviewStatus.CLOSED]
    firsts = [
        select(Review.id)
        .where(Review.status == status)
        .order_by(Review.scheduled_for, Review.id)
        .limit(limit)
        .subquery()
        for status in open_statuses
    ]
    candidates = union_all(*(select(first.c.id) for first in firsts))
    return list(
        session.scalars(
            select(Review)
            .where(Review.id.in_(candidates))
            .options(selectinload(Review.person))
            .order_by(Review.scheduled_for, Review.id)
            .limit(limit)
        )
    )
