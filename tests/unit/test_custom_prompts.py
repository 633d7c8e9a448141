"""Custom prompts: written for one person (or one review), easy-read advice, answered like
library prompts, versioned once answered, retired rather than deleted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import CustomPrompt, Photo, Response, ReviewPrompt, ReviewStatus
from facilitator.services import NotAllowed, ServiceError
from facilitator.services.data import exports
from facilitator.services.media import custom_prompts
from facilitator.services.media.prompt_input import Choice, CustomPromptInput, easy_read_advice
from facilitator.services.reviews import person_session, responses

from .factories import cid, person, review, signed_in

pytestmark = pytest.mark.db


def _data(text: str = "Do you like the new garden?", **extra) -> CustomPromptInput:  # type: ignore[no-untyped-def]
    values = {"answer_type": "yes-no", "topic_id": "where-i-live", "picture": "gardening"}
    values.update(extra)
    return CustomPromptInput(text=text, **values)


def _keys(rev) -> list[str]:  # type: ignore[no-untyped-def]
    return [rp.library_prompt_id for rp in rev.prompts]


WORLD = {"planned": False}


@pytest.fixture
def ellis(session: Session, world):  # type: ignore[no-untyped-def]
    return person(session, world.staff, "Ellis")


def test_easy_read_advice_uses_the_library_check() -> None:
    good = easy_read_advice("Do you like your room?", "en", "bed")
    assert good == []
    advice = easy_read_advice(
        "Regarding your accommodation, do you require additional assistance with three things?",
        "en",
        None,
    )
    text = " ".join(advice)
    assert "'accommodation' is a hard word" in text and "'three'" in text
    assert "Choose a picture or a photo" in text
    two = easy_read_advice("Do you like it? Is it warm?", "en", "sun")
    assert any("1 short sentence" in a for a in two)
    assert easy_read_advice("", "en", "sun")[0].startswith("Write the question")
    assert easy_read_advice("Is it good?", "en", None, photo=True) == []


def test_person_prompt_joins_their_planned_reviews_in_its_topic(
    session: Session, world, ellis
) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    sams = review(session, staff, sam)
    ellis_review = review(session, staff, ellis)
    row = custom_prompts.create(session, sam, _data(), actor=staff)
    session.refresh(sams)
    # After the library prompt of the same topic (where-i-live), before the next topic.
    assert _keys(sams) == ["like-where-you-live", row.key, "who-is-important", "favourite-food"]
    assert [rp.position for rp in sams.prompts] == [1, 2, 3, 4]
    session.refresh(ellis_review)
    assert row.key not in _keys(ellis_review)  # a prompt for Sam never shows in Ellis's review
    # A review planned later gets it too.
    later = review(session, staff, sam, ["favourite-food"])
    assert _keys(later) == [row.key, "favourite-food"]


def test_review_only_prompt_stays_in_that_review(session: Session, world, ellis) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    first = review(session, staff, sam)
    second = review(session, staff, sam)
    row = custom_prompts.create(
        session, sam, _data(topic_id="anything-else"), actor=staff, review=first
    )
    session.refresh(first)
    session.refresh(second)
    assert _keys(first)[-1] == row.key and row.key not in _keys(second)
    ellis_review = review(session, staff, ellis)
    with pytest.raises(NotAllowed):
        custom_prompts.create(session, sam, _data(), actor=staff, review=ellis_review)


def test_answered_and_stored_like_a_library_prompt(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    rev = review(session, staff, sam)
    row = custom_prompts.create(
        session,
        sam,
        _data(
            "Which drink do you like?",
            answer_type="choose-one",
            topic_id="food",
            picture="glass",
            choices=[Choice("Tea", "glass"), Choice("Juice", None), Choice("  ", None)],
        ),
        actor=staff,
    )
    assert [c["id"] for c in row.choices] == ["choice-1", "choice-2"]
    session.refresh(rev)
    rp = next(rp for rp in rev.prompts if rp.custom_prompt_id == row.id)
    prompt = custom_prompts.prompt_for(rp)
    assert prompt.text("en") == "Which drink do you like?"
    assert [o.label("cy", fallback=True) for o in prompt.options] == ["Tea", "Juice"]
    assert prompt.options[1].picture == "glass"  # a choice without a picture takes the prompt's
    person_session.start(session, rev, staff, signed_in(session, staff))
    with pytest.raises(ServiceError, match="not one of the choices"):
        responses.record_choice(
            session, rev, rp, client_id=cid(), answer=["yes"], facilitator=staff
        )
    saved = responses.record_choice(
        session, rev, rp, client_id=cid(), answer=["choice-2"], facilitator=staff
    )
    assert saved.response.answer == ["choice-2"] and saved.response.review_prompt_id == rp.id


def test_edit_after_answers_makes_a_new_version(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    asked = review(session, staff, sam)
    waiting = review(session, staff, sam)
    row = custom_prompts.create(session, sam, _data("Do you like the garden?"), actor=staff)
    # Before any answer, a change edits the same row.
    same = custom_prompts.update(session, row, _data("Do you like your garden?"), actor=staff)
    assert same.id == row.id and row.version == 1
    session.refresh(asked)
    rp = next(rp for rp in asked.prompts if rp.custom_prompt_id == row.id)
    person_session.start(session, asked, staff, signed_in(session, staff))
    responses.record_choice(session, asked, rp, client_id=cid(), answer=["yes"], facilitator=staff)
    assert custom_prompts.has_answers(session, row)

    new = custom_prompts.update(session, row, _data("Do you like the new garden?"), actor=staff)
    assert new.id != row.id and new.version == 2 and new.first_version_id == row.id
    assert row.superseded_by_id == new.id and row.texts == {"en": "Do you like your garden?"}
    # The answer still points at the exact words asked.
    answer = session.scalar(select(Response).where(Response.review_prompt_id == rp.id))
    assert answer is not None
    asked_rp = session.get(ReviewPrompt, answer.review_prompt_id)
    assert custom_prompts.prompt_for(asked_rp).text("en") == "Do you like your garden?"
    # The review still to come asks the new words.
    session.refresh(waiting)
    assert new.key in _keys(waiting) and row.key not in _keys(waiting)
    assert [v.version for v in custom_prompts.versions(session, new)] == [1, 2]
    with pytest.raises(ServiceError, match="changed since"):
        custom_prompts.update(session, row, _data("Old screen"), actor=staff)


def test_retire_never_delete_once_answered(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    asked = review(session, staff, sam)
    waiting = review(session, staff, sam)
    row = custom_prompts.create(session, sam, _data(), actor=staff)
    session.refresh(asked)
    rp = next(rp for rp in asked.prompts if rp.custom_prompt_id == row.id)
    person_session.start(session, asked, staff, signed_in(session, staff))
    responses.record_choice(session, asked, rp, client_id=cid(), answer=["no"], facilitator=staff)
    with pytest.raises(ServiceError, match="retire it instead"):
        custom_prompts.delete(session, row, actor=staff)
    custom_prompts.retire(session, row, actor=staff)
    session.refresh(waiting)
    session.refresh(asked)
    assert row.key not in _keys(waiting)  # not asked in reviews to come
    assert row.key in _keys(asked) and asked.status == ReviewStatus.PERSON_IN_PROGRESS
    custom_prompts.restore(session, row, actor=staff)
    session.refresh(waiting)
    assert row.key in _keys(waiting)


def test_delete_a_prompt_never_answered(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    rev = review(session, staff, sam)
    row = custom_prompts.create(session, sam, _data(), actor=staff)
    row_id = row.id
    custom_prompts.delete(session, row, actor=staff)
    session.refresh(rev)
    assert _keys(rev) == ["like-where-you-live", "who-is-important", "favourite-food"]
    assert [rp.position for rp in rev.prompts] == [1, 2, 3]
    assert session.get(CustomPrompt, row_id) is None


def test_kind_refusals(session: Session, world, ellis) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    with pytest.raises(ServiceError, match="Write the question"):
        custom_prompts.create(session, sam, _data("   "), actor=staff)
    with pytest.raises(ServiceError, match="at least 2 choices"):
        custom_prompts.create(
            session, sam, _data(answer_type="choose-many", choices=[Choice("Tea")]), actor=staff
        )
    with pytest.raises(ServiceError, match="picture set"):
        custom_prompts.create(session, sam, _data(picture="../../etc/passwd"), actor=staff)
    with pytest.raises(ServiceError, match="topic"):
        custom_prompts.create(session, sam, _data(topic_id="nowhere"), actor=staff)
    with pytest.raises(ServiceError, match="answer type"):
        custom_prompts.create(session, sam, _data(answer_type="essay"), actor=staff)
    ellis_photo = Photo(
        person_id=ellis.id, public_id="p" * 32, alt_text="Ellis's flat", label="Flat",
        width=10, height=10, file_stem="s" * 40, file_format="jpeg", byte_size=10,
    )  # fmt: skip
    session.add(ellis_photo)
    session.flush()
    with pytest.raises(ServiceError, match="Sam's own photos"):
        custom_prompts.create(session, sam, _data(photo_id=ellis_photo.id), actor=staff)


def test_move_changes_the_order_in_a_topic(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, sam = world.staff, world.sam
    rev = review(session, staff, sam)
    first = custom_prompts.create(session, sam, _data("Is your room warm?"), actor=staff)
    second = custom_prompts.create(session, sam, _data("Is your bed comfy?"), actor=staff)
    session.refresh(rev)
    assert _keys(rev)[1:3] == [first.key, second.key]
    custom_prompts.move(session, second, -1, actor=staff)
    session.refresh(rev)
    assert _keys(rev)[1:3] == [second.key, first.key]


def test_export_and_import_keep_custom_prompts_and_their_versions(session: Session, world) -> None:  # type: ignore[no-untyped-def]

    staff, sam = world.staff, world.sam
    rev = review(session, staff, sam)
    row = custom_prompts.create(session, sam, _data("Is your room warm?"), actor=staff)
    session.refresh(rev)
    rp = next(rp for rp in rev.prompts if rp.custom_prompt_id == row.id)
    person_session.start(session, rev, staff, signed_in(session, staff))
    responses.record_choice(session, rev, rp, client_id=cid(), answer=["yes"], facilitator=staff)
    custom_prompts.update(session, row, _data("Is your room warm now?"), actor=staff)
    document = json.loads(exports.export_json(session, rev, actor=staff))
    assert [c["texts"] for c in document["custom_prompts"]] == [{"en": "Is your room warm?"}]
    report = exports.import_review(session, document, actor=staff)
    session.flush()
    copied = next(p for p in report.review.prompts if p.custom_prompt_id is not None)
    assert copied.custom_prompt_id != row.id
    assert copied.library_prompt_id == f"custom-{copied.custom_prompt_id}"
    assert custom_prompts.prompt_for(copied).text("en") == "Is your room warm?"
    again = exports.export_review(session, report.review, actor=staff)
    assert exports.comparable(again) == exports.comparable(document)
