"""The tablet's answer: one input contract (the plain form and the offline queue's JSON read
into one TabletAnswer) and one function that stores it and says which screen comes next."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from facilitator.models import CaptureMethod
from facilitator.services import NotAllowed, ServiceError
from facilitator.services.reviews import responses
from facilitator.services.reviews.answering import (
    Action,
    NextScreen,
    TabletAnswer,
    answer,
)

from .factories import cid

WORLD = {"started": True}


def test_the_form_and_the_json_read_into_the_same_answer() -> None:
    client_id = cid()
    from_form = TabletAnswer.from_form(
        2, MultiDict([("client_id", client_id), ("answer", "good"), ("answer", "yes")])
    )
    from_json = TabletAnswer.from_json(
        {"client_id": client_id, "position": 2, "answer": ["good", "yes"]}, locked_to=7
    )
    assert from_form == from_json
    assert from_form.action is Action.ANSWER and from_form.choices == ("good", "yes")


def test_skip_and_own_words_from_either_road() -> None:
    skip = TabletAnswer.from_form(1, MultiDict({"client_id": "a", "action": "skip"}))
    assert skip == TabletAnswer.from_json(
        {"client_id": "a", "position": 1, "action": "skip"}, locked_to=1
    )
    words = TabletAnswer.from_form(
        1, MultiDict({"client_id": "b", "words": "hi", "method": "scribed"}), own_words=True
    )
    assert words == TabletAnswer.from_json(
        {"client_id": "b", "position": 1, "action": "words", "words": "hi", "method": "scribed"},
        locked_to=1,
    )
    assert words.method is CaptureMethod.SCRIBED


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (None, ServiceError),
        ([], ServiceError),
        ({"review_id": 8, "position": "x"}, NotAllowed),  # another review's, checked first
        ({"position": "1"}, ServiceError),
        ({"position": True}, ServiceError),
        ({"position": 1, "action": "jump"}, ServiceError),
        ({"position": 1, "answer": "good"}, ServiceError),
        ({"position": 1, "answer": [1]}, ServiceError),
        ({"position": 1, "words": ["hi"]}, ServiceError),
        ({"position": 1, "action": "words", "words": "hi", "method": "guessed"}, ServiceError),
    ],
)
def test_json_that_is_not_an_answer_is_refused(data: Any, refusal: type) -> None:
    with pytest.raises(refusal):
        TabletAnswer.from_json(data, locked_to=7)


def test_an_answer_stays_on_its_prompt_and_a_skip_moves_on(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    last = len(rev.prompts)
    chosen = answer(session, rev, TabletAnswer(1, Action.ANSWER, cid(), choices=("good",)), staff)
    assert chosen.next == NextScreen(1, answered=True) and not chosen.saved.replay
    assert answer(session, rev, TabletAnswer(1, Action.SKIP, cid()), staff).next == NextScreen(2)
    end = answer(session, rev, TabletAnswer(last, Action.SKIP, cid()), staff)
    assert end.next == NextScreen(None)  # "Is this right?"
    words = answer(session, rev, TabletAnswer(1, Action.WORDS, cid(), words="Sunny"), staff)
    assert words.next == NextScreen(1, answered=True)
    assert words.saved.response.own_words == "Sunny"


def test_the_same_id_is_one_answer(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    rev, staff = world.review, world.staff
    given = TabletAnswer(1, Action.ANSWER, cid(), choices=("good",))
    first = answer(session, rev, given, staff)
    again = answer(session, rev, given, staff)
    assert again.saved.replay and again.saved.response.id == first.saved.response.id
    with pytest.raises(responses.DuplicateAnswer):
        answer(session, rev, TabletAnswer(1, Action.ANSWER, given.client_id, ("not-good",)), staff)


@pytest.mark.parametrize("position", [0, 99])
def test_a_position_outside_the_review_is_refused(session: Session, world, position: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError, match="not in this review"):
        answer(session, world.review, TabletAnswer(position, Action.SKIP, cid()), world.staff)
