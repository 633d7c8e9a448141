"""The current answer (services/reviews/current.py): an entry stands until a later one replaces
it; the same reading as a query, as replaced ids, for loaded rows and for one row."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    CaptureMethod,
    Contribution,
    ContributionStatus,
    CustomPrompt,
    Layer,
    Response,
    Review,
)
from facilitator.services.reviews.current import (
    drop_superseded,
    is_superseded,
    not_superseded,
    superseded_ids,
)

from .factories import cid, person, review, user

pytestmark = pytest.mark.db


def _answer(session: Session, rev: Review, replaces: Response | None = None) -> Response:
    row = Response(
        review_id=rev.id,
        review_prompt_id=rev.prompts[0].id,
        client_id=cid(),
        capture_method=CaptureMethod.TAPPED,
        answer=["good"],
        supersedes_id=replaces.id if replaces else None,
    )
    session.add(row)
    session.flush()
    return row


def _view(
    session: Session,
    rev: Review,
    replaces: Contribution | None = None,
    status: ContributionStatus = ContributionStatus.SUBMITTED,
) -> Contribution:
    row = Contribution(
        review_id=rev.id,
        layer=Layer.STAFF,
        status=status,
        body={"note": "A note"},
        supersedes_id=replaces.id if replaces else None,
    )
    session.add(row)
    session.flush()
    return row


def _ids(session: Session, query) -> set[int]:  # type: ignore[no-untyped-def]
    return set(session.scalars(query))


def test_an_answer_is_current_until_a_correction_replaces_it(session: Session) -> None:
    staff = user(session)
    rev, other = (review(session, staff, person(session, staff, name)) for name in ("Sam", "Jo"))
    first = _answer(session, rev)
    corrected = _answer(session, rev, replaces=first)
    again = _answer(session, rev, replaces=corrected)
    alone = _answer(session, rev)
    elsewhere = _answer(session, other)
    elsewhere_fixed = _answer(session, other, replaces=elsewhere)

    everywhere = _ids(session, select(Response.id).where(not_superseded(Response)))
    assert {again.id, alone.id, elsewhere_fixed.id} <= everywhere
    assert not {first.id, corrected.id, elsewhere.id} & everywhere
    # Narrowed to the reviews asked about: the same answer, from fewer rows.
    for within in (rev.id, [rev.id], [rev.id, other.id]):
        current = select(Response.id).where(
            Response.review_id == rev.id, not_superseded(Response, review_ids=within)
        )
        assert _ids(session, current) == {again.id, alone.id}
    assert _ids(session, superseded_ids(Response, review_ids=rev.id)) == {first.id, corrected.id}
    assert _ids(session, superseded_ids(Response, review_ids=[other.id])) == {elsewhere.id}

    loaded = session.scalars(
        select(Response).where(Response.review_id == rev.id).order_by(Response.id)
    )
    assert drop_superseded(loaded) == [again, alone]  # the query's answer, in the rows' order
    assert [is_superseded(session, row) for row in (first, corrected, again, alone)] == [
        True,
        True,
        False,
        False,
    ]


def test_views_and_custom_prompts_read_the_same_way(session: Session) -> None:
    staff = user(session)
    sam = person(session, staff)
    rev = review(session, staff, sam)
    sent = _view(session, rev)
    draft = _view(session, rev, replaces=sent, status=ContributionStatus.DRAFT)
    views = select(Contribution.id).where(Contribution.review_id == rev.id)
    assert _ids(session, views.where(not_superseded(Contribution))) == {draft.id}
    # Only the rows given are compared: a draft not loaded replaces nothing.
    assert drop_superseded([sent]) == [sent] and drop_superseded([sent, draft]) == [draft]
    assert is_superseded(session, sent) and not is_superseded(session, draft)

    # Staff's own prompts point forward: the old version names its successor.
    old, new = (
        CustomPrompt(
            person_id=sam.id,
            topic_id="where-i-live",
            answer_type="yes-no",
            texts={"en": "Do you like your room?"},
            created_by_id=staff.id,
        )
        for _ in range(2)
    )
    session.add_all([old, new])
    session.flush()
    old.superseded_by_id = new.id
    session.flush()
    prompts = select(CustomPrompt.id).where(CustomPrompt.person_id == sam.id)
    assert _ids(session, prompts.where(not_superseded(CustomPrompt))) == {new.id}
