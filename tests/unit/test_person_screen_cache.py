"""The stamp a kept prompt screen is filed under, and the store that keeps them.

The stamp must change whenever anything a prompt screen is drawn from changes: otherwise a
tablet would show an old screen. Run on SQLite and PostgreSQL (the stamp is one hand-written
statement).
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from facilitator.models import CaptureMethod, Response, ReviewPrompt
from facilitator.services.reviews import person_session, responses
from facilitator.views.person import screen_cache as person_screen_cache
from facilitator.views.person.screen_cache import ScreenCache, stamp

from .factories import cid, person, review, signed_in, user

pytestmark = pytest.mark.db


def test_stamp_changes_with_everything_the_screen_is_drawn_from(session: Session) -> None:
    staff = user(session)
    sam = person(session, staff)
    rev = review(session, staff, sam)
    tablet = signed_in(session, staff)
    person_session.start(session, rev, staff, tablet)
    session.flush()
    seen = [stamp(session, rev.id)]
    assert seen[0] is not None
    assert seen[0].prompts == 3 and seen[0].answers == 0 and seen[0].language == "en"
    assert stamp(session, rev.id) == seen[0]  # nothing changed: the same stamp

    def changed() -> None:
        session.flush()
        now = stamp(session, rev.id)
        assert now not in seen
        seen.append(now)

    first = rev.prompts[0]
    responses.record_choice(
        session, rev, first, client_id=cid(), answer=["good"], facilitator=staff
    )
    changed()
    # A change of mind is a new row, never an edit.
    responses.record_choice(
        session, rev, first, client_id=cid(), answer=["very-good"], facilitator=staff
    )
    changed()
    sam.settings = {**sam.settings, "text_size": "x-large"}
    sam.version += 1
    changed()
    sam.language = "cy"
    changed()
    assert seen[-1].language == "cy"
    session.add(
        ReviewPrompt(review_id=rev.id, position=4, library_prompt_id="feel-safe", topic_id="safety")
    )
    changed()
    assert seen[-1].prompts == 4 and not seen[-1].custom_prompts
    sam.settings = {**sam.settings, "pictures": "photos"}
    changed()
    assert seen[-1].shows_own_photos


def test_an_answer_committed_out_of_order_still_changes_the_stamp(session: Session) -> None:
    """Two tablets (or a batch sent after the wifi came back) may commit in the other order
    from the ids they were given: an answer older than the newest id appears later. The stamp
    counts the answers, so it changes even then."""
    staff = user(session)
    rev = review(session, staff, person(session, staff))
    session.flush()

    def answer(number: int) -> None:
        session.add(
            Response(
                id=number, review_id=rev.id, review_prompt_id=rev.prompts[0].id,
                client_id=cid(), answer=["good"], capture_method=CaptureMethod.TAPPED,
            )
        )  # fmt: skip
        session.flush()

    base = 900_000 + rev.id * 10
    answer(base + 5)
    before = stamp(session, rev.id)
    assert before is not None and before.answers == 1 and before.newest_answer == base + 5
    answer(base + 2)  # given its id earlier, visible only now
    after = stamp(session, rev.id)
    assert after is not None and after.newest_answer == base + 5  # the newest id is the same
    assert after != before and after.answers == 2


def test_no_stamp_for_a_review_that_is_not_there(session: Session) -> None:
    assert stamp(session, 987654) is None


def test_kept_screens_are_bounded_and_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(person_screen_cache.time, "monotonic", lambda: clock[0])
    kept = ScreenCache(size=2, seconds=60)
    kept.put(("a",), "A")
    kept.put(("b",), "B")
    assert kept.get(("a",)) == "A"  # now the most recently used
    kept.put(("c",), "C")  # the least recently used ("b") goes
    assert kept.get(("b",)) is None and kept.get(("a",)) == "A" and len(kept) == 2
    clock[0] += 61
    assert kept.get(("a",)) is None and kept.get(("c",)) is None


def test_each_response_gets_its_own_token_and_client_ids(app) -> None:  # type: ignore[no-untyped-def]
    kept = ScreenCache(size=10, seconds=60)
    page = f"<i>{kept.csrf_marker}</i><b>{kept.client_marker}</b><u>{kept.skip_marker}</u>"
    with app.test_request_context("/"):
        first, second = kept.fill(page), kept.fill(page)
    assert first != second
    for filled in (first, second):
        assert kept.csrf_marker not in filled and kept.client_marker not in filled
        assert kept.skip_marker not in filled
    # The markers are random per process: no one's words can be written to forge one.
    assert ScreenCache(1, 1).csrf_marker != kept.csrf_marker
