"""A review's lifecycle: its stages, closing it, reopening it, and the next one (issue 17).

A review moves planned -> the person's views -> others' views -> actions agreed -> closed. The
stages are derived from what is recorded, never stored twice. Closing is a deliberate act by
staff: a summary of what was agreed and who agreed it, refused while a statement of the person
has no action and no reason, while "You said, we did" has not been shared with the person and
no reason is given, and until someone has been recorded as told the outcome. Closing revokes
the review's open family links, freezes it (``frozen.py`` refuses every later write), keeps the
SHA-256 of the record's content, plans the next review by the person's interval (or the
provider's) and is audited. Reopening needs a manager and a reason, and is audited.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from ...models import (
    AuditEvent,
    Communication,
    CommunicationSubject,
    Contribution,
    DifferingView,
    InvitationLink,
    LifecycleEvent,
    NonParticipation,
    OutcomeAction,
    Person,
    RecipientKind,
    Response,
    Review,
    ReviewClosure,
    ReviewKind,
    ReviewPrompt,
    ReviewStatus,
    Role,
    User,
    action_responses,
    utcnow,
)
from .. import NotAllowed, ServiceError, audit
from ..data.exports.rows import row_to_dict
from ..family import links
from ..governance import clean
from . import actions, frozen, person_first, plan_review

STAGES = ("planned", "person", "others", "actions", "closed")
CLOSERS = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
REOPENERS = frozenset({Role.MANAGER, Role.ADMIN})
DUE_WITHIN = timedelta(weeks=8)
PAGE_SIZE = 20
SHOWN_TO_PERSON = ("you_said.shown_to_person", "person_session.you_said_shown")


@dataclass(frozen=True)
class Stage:
    key: str
    done: bool
    current: bool


def current_stage(session: Session, review: Review) -> str:
    """Where the review stands: one of ``STAGES``."""
    if review.status == ReviewStatus.CLOSED:
        return "closed"
    if not person_first.person_views_done(session, review):
        return "planned" if review.status == ReviewStatus.PLANNED else "person"
    has_action = session.scalar(
        select(OutcomeAction.id).where(OutcomeAction.review_id == review.id).limit(1)
    )
    return "actions" if has_action is not None else "others"


def stages(session: Session, review: Review) -> list[Stage]:
    """Each stage in order: done before the current one, the current one marked."""
    now = STAGES.index(current_stage(session, review))
    closed = STAGES[now] == "closed"
    return [Stage(key, i < now or closed, i == now) for i, key in enumerate(STAGES)]


# --- what closing needs ------------------------------------------------------------------------


@dataclass
class Readiness:
    """What closing checks, for the page that asks for it."""

    person_done: bool
    unanswered: list[actions.Statement] = field(default_factory=list)
    shared_with_person: bool = False
    outcome_told: bool = False


def readiness(session: Session, review: Review) -> Readiness:
    done = person_first.person_views_done(session, review)
    told = select(Communication.id).where(
        Communication.review_id == review.id,
        Communication.subject == CommunicationSubject.REVIEW_OUTCOME,
    )
    shown = session.scalar(
        select(
            exists().where(
                AuditEvent.action.in_(SHOWN_TO_PERSON),
                AuditEvent.object_type == Review.__tablename__,
                AuditEvent.object_id == str(review.id),
            )
        )
    )
    told_person = session.scalar(
        select(exists(told.where(Communication.recipient_kind == RecipientKind.PERSON)))
    )
    return Readiness(
        person_done=done,
        unanswered=actions.unanswered_statements(session, review) if done else [],
        shared_with_person=bool(shown or told_person),
        outcome_told=bool(session.scalar(select(exists(told)))),
    )


@dataclass(frozen=True)
class Closing:
    """What staff write when they close a review."""

    summary: str | None
    agreed_by: str | None
    unanswered_reason: str | None = None
    not_shared_reason: str | None = None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it has fewer days)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def interval_months(review: Review, provider_months: int) -> int:
    """The person's own interval, where staff set one, else the provider's."""
    return review.person.review_interval_months or provider_months


def content_hash(session: Session, review: Review, closing: Closing | None = None) -> str:
    """SHA-256 of the record's content: the review, its prompts, the person's answers, the
    non-participation records, every layer, the differing views, the actions with the
    statements they answer, and what was agreed at closing. All of it is frozen once closed,
    so the same hash can be worked out again from the stored rows at any time."""
    if closing is None:
        closing = _last_closing(session, review)

    def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
        return [
            row_to_dict(r) for r in session.scalars(select(model).where(*where).order_by(model.id))
        ]  # noqa: E501

    answered = session.execute(
        select(action_responses.c.action_id, action_responses.c.response_id)
        .join(OutcomeAction, OutcomeAction.id == action_responses.c.action_id)
        .where(OutcomeAction.review_id == review.id)
        .order_by(action_responses.c.action_id, action_responses.c.response_id)
    ).all()
    content = {
        "review": {k: row_to_dict(review)[k] for k in
                   ("id", "person_id", "kind", "scheduled_for", "person_confirmed_at")},
        "prompts": rows(ReviewPrompt, ReviewPrompt.review_id == review.id),
        "responses": rows(Response, Response.review_id == review.id),
        "non_participation": rows(NonParticipation, NonParticipation.review_id == review.id),
        "contributions": rows(Contribution, Contribution.review_id == review.id),
        "differing_views": rows(DifferingView, DifferingView.review_id == review.id),
        "actions": rows(OutcomeAction, OutcomeAction.review_id == review.id),
        "actions_answer": [list(pair) for pair in answered],
        "closing": {"summary": getattr(closing, "summary", None),
                    "agreed_by": getattr(closing, "agreed_by", None)},
    }  # fmt: skip
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TEXT_LIMIT = 4000


def _text(value: str | None, message: Any, what: Any) -> str:
    cleaned = clean(value, required=ServiceError(message), limit=TEXT_LIMIT, what=what)
    assert cleaned is not None
    return cleaned


def close_review(
    session: Session,
    review: Review,
    actor: User,
    data: Closing,
    *,
    provider_months: int = 12,
) -> ReviewClosure:
    """Close the review, or refuse saying what is missing first. Plans the next review."""
    if actor.role not in CLOSERS:
        raise NotAllowed(_l("Only staff can close a review."))
    # What was typed is read first, so a text over its limit hears about the limit.
    summary = _text(data.summary, _l("Write a summary of what was agreed."), _l("summary"))
    agreed_by = _text(data.agreed_by, _l("Write who agreed it."), _l("list of who agreed it"))
    unanswered_reason = clean(data.unanswered_reason, limit=TEXT_LIMIT, what=_l("reason"))
    not_shared_reason = clean(data.not_shared_reason, limit=TEXT_LIMIT, what=_l("reason"))
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is already closed."))
    ready = readiness(session, review)
    if not ready.person_done:
        raise ServiceError(
            _l(
                "The person's own views come first: capture them, or record why they could not "
                "take part, before the review is closed."
            )
        )
    if ready.unanswered and not unanswered_reason:
        raise ServiceError(
            _l("Some of the person's statements have no action. Write an action for each, or "
               "say why there is none, before closing.")
        )  # fmt: skip
    if not ready.shared_with_person and not not_shared_reason:
        raise ServiceError(
            _l("\"You said, we did\" has not been shared with the person. Show it to them, or "
               "say why not, before closing.")
        )  # fmt: skip
    if not ready.outcome_told:
        raise ServiceError(
            _l("Nobody is recorded as told of the decisions yet. Record who was told of the "
               "review's outcome, and how, before closing.")
        )  # fmt: skip
    closing = Closing(summary, agreed_by, unanswered_reason, not_shared_reason)
    now = utcnow()
    with frozen.changing(session, review):
        revoked = 0
        for link in session.scalars(
            select(InvitationLink).where(
                InvitationLink.review_id == review.id, InvitationLink.revoked_at.is_(None)
            )
        ):
            links.revoke_link(session, link, actor, now=now, reason="review-closed")
            revoked += 1
        links.end_family_sessions(session, review=review, reason="review-closed", now=now)
        review.status = ReviewStatus.CLOSED
        review.closed_at = now
        review.version = (review.version or 1) + 1
        row = ReviewClosure(
            review_id=review.id,
            event=LifecycleEvent.CLOSED,
            at=now,
            actor_id=actor.id,
            summary=summary,
            agreed_by=agreed_by,
            unanswered_reason=unanswered_reason if ready.unanswered else None,
            not_shared_reason=not_shared_reason if not ready.shared_with_person else None,
            content_hash=content_hash(session, review, closing),
        )
        session.add(row)
        session.flush()
        row.next_review_id = _plan_next(session, review, actor, provider_months)
        session.flush()
    audit.record(
        session,
        "review.closed",
        actor=actor,
        obj=review,
        person_id=review.person_id,
        detail={
            "links_revoked": revoked,
            "unanswered": len(ready.unanswered),
            "shared_with_person": ready.shared_with_person,
            "content_hash": row.content_hash,
            "next_review_id": row.next_review_id,
        },
    )
    return row


def _plan_next(session: Session, review: Review, actor: User, provider_months: int) -> int | None:
    """The person's next review, planned by their interval with this review's prompts; the
    person's own prompts and settings come with them, and this review's actions are asked
    about there ("did it happen?", ``you_said.earlier_actions``). None if their care has
    ended. A later review already planned (closed before, then reopened) is kept."""
    person = review.person
    if person.care_ended_on is not None:
        return None
    later = session.scalar(
        select(Review.id)
        .where(
            Review.person_id == person.id,
            Review.id != review.id,
            Review.status != ReviewStatus.CLOSED,
            Review.scheduled_for > review.scheduled_for,
        )
        .order_by(Review.scheduled_for)
        .limit(1)
    )
    if later is not None:
        return int(later)
    due = add_months(review.scheduled_for, interval_months(review, provider_months))
    prompt_ids = [rp.library_prompt_id for rp in review.prompts if rp.library_prompt_id]
    facilitator = session.get(User, review.facilitator_id) if review.facilitator_id else None
    if facilitator is not None and not facilitator.active:
        facilitator = None
    nxt = plan_review(
        session,
        person,
        actor=actor,
        kind=ReviewKind.PLANNED,
        scheduled_for=due,
        facilitator=facilitator,
        prompt_ids=prompt_ids or None,
    )
    return nxt.id


def reopen_review(
    session: Session, review: Review, actor: User, reason: str | None
) -> ReviewClosure:
    """Reopen a closed review: a manager, with a reason. Links stay revoked (issue new ones)."""
    if actor.role not in REOPENERS:
        raise NotAllowed(_l("Only a manager can reopen a review."))
    why = _text(reason, _l("Write why the review is being reopened."), _l("reason"))
    if review.status != ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is not closed."))
    with frozen.changing(session, review):
        review.status = ReviewStatus.PERSON_DONE
        review.closed_at = None
        review.version = (review.version or 1) + 1
        row = ReviewClosure(
            review_id=review.id, event=LifecycleEvent.REOPENED, actor_id=actor.id, reason=why
        )
        session.add(row)
        session.flush()
    audit.record(
        session, "review.reopened", actor=actor, obj=review, person_id=review.person_id,
        detail={"closure_id": row.id},
    )  # fmt: skip
    return row


def history(session: Session, review: Review) -> list[ReviewClosure]:
    """Every closing and reopening of the review, oldest first."""
    return list(
        session.scalars(
            select(ReviewClosure)
            .where(ReviewClosure.review_id == review.id)
            .order_by(ReviewClosure.id)
        )
    )


def _last_closing(session: Session, review: Review) -> ReviewClosure | None:
    return session.scalar(
        select(ReviewClosure)
        .where(ReviewClosure.review_id == review.id, ReviewClosure.event == LifecycleEvent.CLOSED)
        .order_by(ReviewClosure.id.desc())
        .limit(1)
    )


def final(session: Session, review: Review) -> ReviewClosure | None:
    """The closing that makes the record final, or None while the review is open."""
    return _last_closing(session, review) if review.status == ReviewStatus.CLOSED else None


# --- reviews due ------------------------------------------------------------------------------


def due_reviews(
    session: Session, today: date, page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[list[Review], int]:
    """Reviews not closed that are overdue or due in the next 8 weeks, soonest due first,
    one page at a time, and how many there are in all."""
    open_statuses = [s for s in ReviewStatus if s != ReviewStatus.CLOSED]
    where = (Review.status.in_(open_statuses), Review.scheduled_for <= today + DUE_WITHIN)
    total = int(session.scalar(select(func.count(Review.id)).where(*where)) or 0)
    found = session.scalars(
        select(Review)
        .where(*where)
        .options(selectinload(Review.person))
        .order_by(Review.scheduled_for, Review.id)
        .offset((max(1, page) - 1) * page_size)
        .limit(page_size)
    )
    return list(found), total


def set_interval(session: Session, person: Person, actor: User, months: int | None) -> None:
    """The person's own months from one review to the next (None: the provider's); audited."""
    if actor.role not in CLOSERS:
        raise NotAllowed(_l("Only staff can set when a person's reviews come round."))
    if months is not None and not 1 <= months <= 36:
        raise ServiceError(_l("Choose from 1 to 36 months, or leave it empty for the usual."))
    was = person.review_interval_months
    person.review_interval_months = months
    person.version = (person.version or 1) + 1
    audit.record(
        session, "person.review_interval_set", actor=actor, obj=person, person_id=person.id,
        detail={"was": was, "now": months},
    )  # fmt: skip
