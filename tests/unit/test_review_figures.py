"""Stored figures per review: always the same as counting again, whatever changed and how.

Each check compares the figures across reviews with :func:`actions.figures_for_review` added up
over the eligible reviews, and every stored row that claims to be fresh with that review's own
count: a change that forgot to mark its review stale fails here.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from facilitator.models import (
    CaptureMethod,
    NonParticipationReason,
    OutcomeAction,
    Review,
    ReviewFigures,
    invalidate_figures,
)
from facilitator.services.data import retention
from facilitator.services.reporting import figures
from facilitator.services.reviews import actions, person_first, person_session, responses

from .factories import cid, person, review, user
from .test_actions import _figures_tuple, _input, capture, rev_tablet


def eligible(
    session: Session, since: date | None = None, until: date | None = None
) -> list[Review]:
    query = figures.eligible_reviews(since, until).order_by(Review.id)
    return [session.get(Review, i) for i in session.scalars(query)]  # type: ignore[misc]


def expected(
    session: Session, since: date | None = None, until: date | None = None
) -> actions.Figures:
    total = actions.Figures()
    for rev in eligible(session, since, until):
        total.add(actions.figures_for_review(session, rev))
    return total


def check(
    session: Session, since: date | None = None, until: date | None = None
) -> actions.Figures:
    """The figures across reviews are right, and so is every stored row that says it is fresh."""
    session.flush()
    across = actions.figures_across(session, since=since, until=until)
    assert _figures_tuple(across) == _figures_tuple(expected(session, since, until))
    for row in session.scalars(select(ReviewFigures).where(ReviewFigures.computed_at.is_not(None))):
        session.refresh(row)
        if row.computed_at is None:
            continue
        own = actions.figures_for_review(session, session.get(Review, row.review_id))  # type: ignore[arg-type]
        stored = (row.actions, row.linked, row.linked_to_words, row.no_link, row.statements,
                  row.answered, row.to_first_action_s)  # fmt: skip
        seconds = own.to_first_action[0].total_seconds() if own.to_first_action else None
        assert stored == (own.actions, own.linked, own.linked_to_words, own.no_link,
                          own.statements, own.answered, seconds), f"review {row.review_id}"  # noqa: E501  # fmt: skip
    return across


def fresh(session: Session, rev: Review) -> bool:
    session.flush()
    return (
        session.scalar(
            select(ReviewFigures.computed_at.is_not(None)).where(ReviewFigures.review_id == rev.id)
        )
        is True
    )


@pytest.fixture
def varied(session: Session):  # type: ignore[no-untyped-def]
    """Choices, a skip, a correction, own words typed, scribed and interpreted, actions with and
    without links, a person who could not take part, a review not confirmed yet."""
    staff = user(session)
    revs = []
    for n in range(3):
        rev = review(session, staff, person(session, staff, name=f"Sam {n}"))
        good, chosen, said = capture(session, staff, rev, confirm=n != 2)
        if n == 2:  # a choice changed to a skip; interpreted words; then the person confirms
            responses.record_choice(session, rev, rev.prompts[0], client_id=cid(), answer=[],
                                    facilitator=staff, skipped=True)  # fmt: skip
            responses.record_words(session, rev, rev.prompts[1], client_id=cid(), words="Smiled",
                                   method=CaptureMethod.INTERPRETED, facilitator=staff)  # fmt: skip
            person_session.confirm(session, rev, rev_tablet(session, rev), "2468")
        if n == 0:
            actions.create_action(session, rev, _input(said.id, good.id), actor=staff)
            actions.create_action(session, rev, _input(no_link_reason="A legal duty"), actor=staff)
        if n == 1:  # a correction supersedes the choice an action already answered
            actions.create_action(session, rev, _input(chosen.id), actor=staff)
            responses.correct(session, chosen, actor=staff, reason="Sam meant friends",
                              client_id=cid(), answer=["family", "friends"])  # fmt: skip
        revs.append(rev)
    waiting = review(session, staff, person(session, staff, name="Ali"))
    capture(session, staff, waiting, confirm=False)
    absent = review(session, staff, person(session, staff, name="Jo"))
    person_first.record_non_participation(
        session, absent, actor=staff, reason=NonParticipationReason.UNWELL,
        what_was_tried="Another day, at home", try_again_on=None)  # fmt: skip
    actions.create_action(session, absent, _input(no_link_reason="Safety"), actor=staff)
    planned = review(session, staff, person(session, staff, name="Kit"))
    session.flush()
    return {"staff": staff, "revs": revs, "waiting": waiting, "absent": absent,
            "planned": planned}  # fmt: skip


@pytest.mark.db
def test_stored_figures_follow_every_change(session: Session, varied) -> None:  # type: ignore[no-untyped-def]
    staff, (first, second, third) = varied["staff"], varied["revs"]
    waiting, absent, planned = varied["waiting"], varied["absent"], varied["planned"]
    check(session)  # nothing stored yet
    stored = select(func.count()).where(ReviewFigures.computed_at.is_not(None))
    assert session.scalar(stored) == 4  # the four heard (Ali's answers left a stale row)
    check(session)  # all stored
    # Every review counted and stored, even those not heard yet, so each change below must
    # mark its own review stale.
    assert figures.rebuild(session) == 6
    assert all(fresh(session, r) for r in (first, second, third, waiting, absent, planned))

    # A new answer (the Core INSERT of the answer service) on a review not confirmed yet.
    said = responses.record_words(session, waiting, waiting.prompts[2], client_id=cid(),
                                  words="Chips", method=CaptureMethod.SCRIBED,
                                  facilitator=staff).response  # fmt: skip
    assert not fresh(session, waiting)
    check(session)
    # Confirming it makes it count; an action on its scribed words.
    person_session.confirm(session, waiting, rev_tablet(session, waiting), "2468")
    assert not fresh(session, waiting)
    check(session)
    actions.create_action(session, waiting, _input(said.id), actor=staff)
    assert not fresh(session, waiting)
    check(session)
    # A correction of words an action answers: the action no longer answers a statement.
    words = next(s for s in actions.statements(session, first) if s.is_own_words)
    responses.correct(session, words.response, actor=staff, reason="Sam said it differently",
                      client_id=cid(), words="Fish on Fridays", method=CaptureMethod.TYPED)  # noqa: E501  # fmt: skip
    assert not fresh(session, first)
    check(session)
    # A link added to an action with a reason only, then removed again.
    unlinked = next(a for a in actions.actions_for_review(session, first) if not a.responses)
    statement = actions.statements(session, first)[0]
    actions.update_action(session, unlinked, _input(statement.id), actor=staff, version=1)
    assert not fresh(session, first)
    check(session)
    actions.update_action(session, unlinked, _input(no_link_reason="A legal duty"), actor=staff,
                          version=2)  # fmt: skip
    assert not fresh(session, first)
    check(session)
    # A status change counts for nothing: the stored figures stay.
    actions.set_status(session, unlinked, "done", actor=staff, version=3)
    assert fresh(session, first)
    check(session)
    # An action deleted (the services never do; the hook still sees it).
    session.delete(unlinked)
    assert not fresh(session, first)
    check(session)
    # Could not take part, on a review that was stored with nothing; then an action.
    person_first.record_non_participation(
        session, planned, actor=staff, reason=NonParticipationReason.DECLINED,
        what_was_tried="Asked twice", try_again_on=None)  # fmt: skip
    assert not fresh(session, planned)
    check(session)
    actions.create_action(session, planned, _input(no_link_reason="Safety"), actor=staff)
    check(session)
    # The date of a review counts for the time to its first action when nobody confirmed it.
    absent.scheduled_for = absent.scheduled_for - timedelta(days=3)
    assert not fresh(session, absent)
    across = check(session)
    assert across.reviews == 6 and across.actions == 5  # one of the six was deleted


@pytest.mark.db
def test_figures_across_by_review_date(session: Session, varied) -> None:  # type: ignore[no-untyped-def]
    first, second, _third = varied["revs"]
    first.scheduled_for = date(2026, 1, 10)
    second.scheduled_for = date(2028, 6, 1)
    session.flush()
    for since, until in ((None, None), (date(2027, 1, 1), None), (None, date(2027, 12, 31)),
                         (date(2027, 3, 12), date(2027, 3, 12)), (date(2030, 1, 1), None)):  # noqa: E501  # fmt: skip
        check(session, since, until)  # some stored by an earlier round, some not
    assert check(session, date(2027, 3, 12), date(2027, 3, 12)).reviews == 2
    assert check(session, until=date(2026, 12, 31)).reviews == 1


@pytest.mark.db
def test_figures_counted_before_a_concurrent_change_are_not_stored(
    session: Session, varied
) -> None:  # type: ignore[no-untyped-def]
    first, second = varied["revs"][:2]
    invalidate_figures(session, [second.id])  # a stale row, generation 1
    seen = {first.id: None, second.id: 1}  # what a first instance read: no row, and generation 1
    counted = figures.compute(session, [first.id, second.id])
    # Meanwhile an answer or action (committed by another instance) marks both stale.
    invalidate_figures(session, [first.id, second.id])
    figures.store(session, counted, seen)
    assert not fresh(session, first) and not fresh(session, second)
    # Without a change in between, they are stored; a second instance storing too is harmless.
    seen = {
        i: g for i, g in session.execute(select(ReviewFigures.review_id, ReviewFigures.generation))
    }
    figures.store(session, counted, seen)
    figures.store(session, counted, {first.id: None, second.id: None})
    assert fresh(session, first) and fresh(session, second)
    check(session)


@pytest.mark.db
def test_erasure_removes_the_stored_figures(session: Session, varied) -> None:  # type: ignore[no-untyped-def]
    first, second = varied["revs"][:2]
    check(session)
    gone = first.person
    gone.care_ended_on = date(2020, 1, 1)
    session.flush()
    (item,) = retention.due(session, years=1, today=date(2030, 1, 1), person_id=gone.id)
    assert "review_figures" not in item.counts  # not part of the person's record: derived
    retention.erase_person(session, item, years=1, today=date(2030, 1, 1), actor=None,
                           actor_label="test")  # fmt: skip
    session.flush()
    left = set(session.scalars(select(ReviewFigures.review_id)))
    assert first.id not in left and second.id in left
    check(session)


@pytest.mark.db
def test_the_cascade_removes_them_too(session: Session, varied) -> None:  # type: ignore[no-untyped-def]
    first = varied["revs"][0]
    check(session)
    session.execute(delete(OutcomeAction).where(OutcomeAction.review_id == first.id))
    session.execute(delete(Review.__table__).where(Review.id == first.id))  # type: ignore[arg-type]
    assert (
        session.scalar(select(ReviewFigures.review_id).where(ReviewFigures.review_id == first.id))
        is None
    )


# Tables whose rows the figures count: Core statements on them bypass the session hook.
WATCHED = r"(Response|OutcomeAction|NonParticipation|action_responses)\b"
CORE_WRITE = re.compile(r"\b(?:insert|update|delete)\(\s*" + WATCHED)


def test_core_writes_to_counted_tables_mark_figures_stale() -> None:
    """Every module writing answers, actions, links or non-participation with Core statements
    marks the figures stale itself (or, like erasure, deletes the reviews they belong to)."""
    root = Path(__file__).resolve().parents[2] / "facilitator"
    found = {}
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if CORE_WRITE.search(text) or re.search(r"_insert_for\(session\)\(" + WATCHED, text):
            found[path.relative_to(root).as_posix()] = "invalidate_figures" in text
    assert found == {"services/reviews/responses.py": True}, found


def test_migration_up_and_down(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from facilitator.db import alembic_config, make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0008_privacy")
    upgrade(url)
    engine = make_engine(url)
    assert "review_figures" in inspect(engine).get_table_names()
    command.downgrade(alembic_config(url), "0008_privacy")
    assert "review_figures" not in inspect(engine).get_table_names()
    engine.dispose()
