"""A review's lifecycle (issue 17): stages, closing and what it needs, the freeze, reopening,
the next review 12 months on, and the reviews due (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    Contribution,
    Layer,
    Review,
    ReviewClosure,
    ReviewKind,
    ReviewStatus,
    Role,
)
from facilitator.services import NotAllowed, ServiceError, reviews
from facilitator.services.family import links
from facilitator.services.governance import communications
from facilitator.services.reviews import actions, lifecycle, you_said
from facilitator.services.reviews.frozen import ReviewClosed

from .factories import user
from .test_actions import _input, capture
from .test_consent_links_contributions import _person_done, _world

pytestmark = pytest.mark.db

CLOSING = lifecycle.Closing(
    summary="Sam will go to the café on Fridays.", agreed_by="Sam, Alex and Sian"
)


def _tell(session: Session, review: Review, actor, kind: str = "person") -> None:  # type: ignore[no-untyped-def]
    communications.record(
        session, review.person, actor=actor, subject="review-outcome", recipient_kind=kind,
        told_on=date.today(), method="in-person", formats=["easy-read"], review=review,
    )  # fmt: skip


def _ready(session: Session, world) -> tuple:  # type: ignore[no-untyped-def]
    """Sam's review with answers, an action for each, and the outcome told to Sam."""
    good, chosen, said = capture(session, world.staff, world.review)
    actions.create_action(
        session, world.review, _input(good.id, chosen.id, said.id), actor=world.staff
    )
    _tell(session, world.review, world.staff)
    session.flush()
    return good, chosen, said


def test_stages_follow_the_review(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev = world.review
    assert lifecycle.current_stage(session, rev) == "planned"
    good, chosen, said = capture(session, world.staff, rev)
    assert lifecycle.current_stage(session, rev) == "others"
    actions.create_action(session, rev, _input(good.id), actor=world.staff)
    stages = lifecycle.stages(session, rev)
    assert [s.key for s in stages if s.done] == ["planned", "person", "others"]
    assert [s.key for s in stages if s.current] == ["actions"]


def test_closing_refuses_an_unanswered_statement_without_a_reason(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    good, chosen, said = capture(session, world.staff, world.review)
    actions.create_action(session, world.review, _input(good.id), actor=world.staff)
    _tell(session, world.review, world.staff)
    with pytest.raises(ServiceError, match="statements have no action"):
        lifecycle.close_review(session, world.review, world.staff, CLOSING)
    assert world.review.status != ReviewStatus.CLOSED
    with_reason = lifecycle.Closing(
        CLOSING.summary, CLOSING.agreed_by, unanswered_reason="Talked through; nothing to do."
    )
    row = lifecycle.close_review(session, world.review, world.staff, with_reason)
    assert row.unanswered_reason == "Talked through; nothing to do."
    assert world.review.status == ReviewStatus.CLOSED


def test_closing_needs_the_person_first_a_summary_sharing_and_telling(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError, match="own views come first"):
        lifecycle.close_review(session, world.review, world.staff, CLOSING)
    good, chosen, said = capture(session, world.staff, world.review)
    actions.create_action(
        session, world.review, _input(good.id, chosen.id, said.id), actor=world.staff
    )
    with pytest.raises(ServiceError, match="summary"):
        lifecycle.close_review(session, world.review, world.staff, lifecycle.Closing(" ", "Sam"))
    with pytest.raises(ServiceError, match="who agreed"):
        lifecycle.close_review(session, world.review, world.staff, lifecycle.Closing("Agreed", ""))
    with pytest.raises(ServiceError, match="has not been shared"):
        lifecycle.close_review(session, world.review, world.staff, CLOSING)
    not_shared = lifecycle.Closing(
        CLOSING.summary, CLOSING.agreed_by, not_shared_reason="In hospital"
    )
    with pytest.raises(ServiceError, match="told of the decisions"):
        lifecycle.close_review(session, world.review, world.staff, not_shared)
    communications.record(
        session, world.sam, actor=world.staff, subject="review-outcome", recipient_kind="other",
        recipient_name="Social worker", told_on=date.today(), method="phone",
        formats=["standard-print"], review=world.review,
    )  # fmt: skip
    row = lifecycle.close_review(session, world.review, world.staff, not_shared)
    assert row.not_shared_reason == "In hospital"
    advocate = user(session, Role.ADVOCATE, name="Jo")
    with pytest.raises(NotAllowed):
        lifecycle.close_review(session, world.review, advocate, CLOSING)


def test_showing_you_said_on_the_tablet_counts_as_shared(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    _ready(session, world)
    session.flush()
    assert lifecycle.readiness(session, world.review).shared_with_person  # told Sam in person
    other = reviews.plan_review(
        session, world.sam, actor=world.staff, kind=ReviewKind.UNPLANNED,
        scheduled_for=date(2027, 6, 1), facilitator=world.staff,
        prompt_ids=["like-where-you-live", "who-is-important", "favourite-food"],
    )  # fmt: skip
    session.flush()
    session.refresh(other)
    capture(session, world.staff, other)
    assert not lifecycle.readiness(session, other).shared_with_person
    you_said.start_showing(session, other, world.staff, world.tablet)
    assert lifecycle.readiness(session, other).shared_with_person


def test_a_closed_review_refuses_every_write(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    good, chosen, said = _ready(session, world)
    action = actions.actions_for_review(session, world.review)[0]
    lifecycle.close_review(session, world.review, world.staff, CLOSING)
    session.commit()
    rev = world.review
    attempts = [
        lambda: actions.create_action(session, rev, _input(good.id), actor=world.staff),
        lambda: setattr(action, "owner_name", "Someone else"),
        lambda: session.add(Contribution(review_id=rev.id, layer=Layer.STAFF, body={"note": "x"})),
        lambda: setattr(rev, "scheduled_for", date(2030, 1, 1)),
        lambda: _tell(session, rev, world.staff),
    ]
    for attempt in attempts:
        with pytest.raises(ServiceError):
            attempt()
            session.flush()
        session.rollback()
    assert session.get(Review, rev.id).status == ReviewStatus.CLOSED  # type: ignore[union-attr]
    with pytest.raises(ReviewClosed):
        session.delete(action)
        session.flush()
    session.rollback()


def test_closing_revokes_links_and_their_holders_hear_it_finished(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review, {"like-where-you-live": "good"})
    issued = links.issue_link(session, w.review, w.brother, w.staff)
    statements = actions.statements(session, w.review)
    actions.create_action(session, w.review, _input(*[s.id for s in statements]), actor=w.staff)
    _tell(session, w.review, w.staff)
    lifecycle.close_review(session, w.review, w.staff, CLOSING)
    session.commit()
    assert issued.link.revoked_at is not None
    assert links.link_state(issued.link) == "closed"
    with pytest.raises(links.LinkProblem) as problem:
        links.resolve_token(session, issued.token)
    assert problem.value.kind == "closed"


def test_reopen_needs_a_manager_and_a_reason(session: Session, world, manager) -> None:  # type: ignore[no-untyped-def]
    _ready(session, world)
    lifecycle.close_review(session, world.review, world.staff, CLOSING)
    with pytest.raises(NotAllowed):
        lifecycle.reopen_review(session, world.review, world.staff, "A mistake in an action")
    with pytest.raises(ServiceError, match="why"):
        lifecycle.reopen_review(session, world.review, manager, "  ")
    assert world.review.status == ReviewStatus.CLOSED
    lifecycle.reopen_review(session, world.review, manager, "A mistake in an action")
    assert world.review.status == ReviewStatus.PERSON_DONE and world.review.closed_at is None
    events = [(c.event, c.reason) for c in lifecycle.history(session, world.review)]
    assert events == [("closed", None), ("reopened", "A mistake in an action")]
    audited = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert "review.closed" in audited and audited[-1] == "review.reopened"
    actions.create_action(
        session, world.review, _input(no_link_reason="A legal duty"), actor=world.staff
    )
    with pytest.raises(ServiceError, match="not closed"):
        lifecycle.reopen_review(session, world.review, manager, "Again")
    # Closed again: the next review planned the first time is kept, not planned twice.
    first_next = lifecycle.history(session, world.review)[0].next_review_id
    again = lifecycle.close_review(session, world.review, world.staff, CLOSING)
    assert again.next_review_id == first_next


def test_next_review_is_planned_12_months_on_with_actions_to_follow_up(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    _ready(session, world)
    sam_actions = actions.actions_for_review(session, world.review)
    row = lifecycle.close_review(session, world.review, world.staff, CLOSING)
    nxt = session.get(Review, row.next_review_id)
    assert nxt is not None and nxt.person_id == world.sam.id
    assert nxt.scheduled_for == date(2028, 3, 12)  # the review was on 12 March 2027
    assert nxt.status == ReviewStatus.PLANNED and nxt.facilitator_id == world.staff.id
    assert [p.library_prompt_id for p in nxt.prompts] == [
        p.library_prompt_id for p in world.review.prompts
    ]
    earlier = you_said.earlier_actions(session, nxt)
    assert [e.item.action.id for e in earlier] == [a.id for a in sam_actions]
    # A person's own interval comes first.
    world.sam.review_interval_months = 6
    assert lifecycle.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert lifecycle.interval_months(world.review, 12) == 6


def test_the_content_hash_is_the_records_and_stays_the_same(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    _ready(session, world)
    before = lifecycle.content_hash(session, world.review, CLOSING)
    row = lifecycle.close_review(session, world.review, world.staff, CLOSING)
    session.commit()
    assert len(row.content_hash or "") == 64
    assert row.content_hash == before == lifecycle.content_hash(session, world.review)
    other = lifecycle.Closing("Something else agreed", CLOSING.agreed_by)
    assert lifecycle.content_hash(session, world.review, other) != row.content_hash


def test_due_and_overdue_reviews_sorted_by_due_date_and_paged(session: Session) -> None:
    staff = user(session)
    from .factories import person

    today = date(2027, 1, 10)
    made = {}
    for name, days in [("Late", -30), ("Soon", 10), ("Today", 0), ("Edge", 56), ("Far", 57)]:
        who = person(session, staff, name=name)
        made[name] = reviews.plan_review(
            session, who, actor=staff, kind=ReviewKind.PLANNED,
            scheduled_for=today + timedelta(days=days), facilitator=staff,
        )  # fmt: skip
    done = made["Late"]
    session.flush()
    closed_old = reviews.plan_review(
        session, done.person, actor=staff, kind=ReviewKind.PLANNED,
        scheduled_for=today - timedelta(days=400), facilitator=staff,
    )  # fmt: skip
    closed_old.status = ReviewStatus.CLOSED
    session.flush()
    mine = [r.id for r in made.values()]
    found, total = lifecycle.due_reviews(session, today, page=1, page_size=100)
    found = [r for r in found if r.id in mine or r.id == closed_old.id]
    assert [r.person.preferred_name for r in found] == ["Late", "Today", "Soon", "Edge"]
    first, total = lifecycle.due_reviews(session, today, page=1, page_size=2)
    second, _ = lifecycle.due_reviews(session, today, page=2, page_size=2)
    assert len(first) == 2 and total >= 4
    assert first[-1].scheduled_for <= second[0].scheduled_for
    assert not {r.id for r in first} & {r.id for r in second}


def test_closures_are_kept_and_counted(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    _ready(session, world)
    lifecycle.close_review(session, world.review, world.staff, CLOSING)
    rows = session.scalars(select(ReviewClosure)).all()
    assert len(rows) == 1 and rows[0].summary == CLOSING.summary
    assert lifecycle.final(session, world.review) is rows[0]


def test_a_closed_review_exports_and_imports_whole(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    from facilitator.services.data import exports

    _ready(session, world)
    lifecycle.close_review(session, world.review, world.staff, CLOSING)
    document = exports.export_review(session, world.review, actor=world.staff)
    report = exports.import_review(session, document, actor=world.staff)
    assert report.review.status == ReviewStatus.CLOSED
    assert len(actions.actions_for_review(session, report.review)) == 1
    with pytest.raises(ReviewClosed):
        actions.create_action(
            session, report.review, _input(no_link_reason="A legal duty"), actor=world.staff
        )
        session.flush()
