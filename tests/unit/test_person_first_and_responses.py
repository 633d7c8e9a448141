"""The person first, answers stored once, never edited, corrections as new entries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    NonParticipationReason,
    Response,
    ReviewStatus,
    Role,
    SupporterRole,
)
from facilitator.services import NotAllowed, ServiceError, audit, people
from facilitator.services.reviews import person_first, person_session, responses

from .factories import cid, person, signed_in, user

pytestmark = pytest.mark.db


def test_session_locks_and_confirms(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    assert not person_first.person_views_done(session, rev)
    person_session.start(session, rev, staff, tablet)
    assert tablet.person_mode_review_id == rev.id and rev.status == ReviewStatus.PERSON_IN_PROGRESS
    with pytest.raises(person_session.WrongUnlockSecret):
        person_session.confirm(session, rev, tablet, "0000")
    person_session.confirm(session, rev, tablet, "2468")
    assert rev.status == ReviewStatus.PERSON_DONE and tablet.person_mode_review_id is None
    assert person_first.person_views_done(session, rev)
    with pytest.raises(ServiceError):
        person_session.start(session, rev, staff, tablet)


def test_unlock_with_password_or_pin(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    with pytest.raises(person_session.WrongUnlockSecret):
        person_session.unlock(session, tablet, "")
    assert person_session.unlock(session, tablet, "a-long-password-1") == rev.id
    assert tablet.person_mode_review_id is None
    assert rev.status == ReviewStatus.PERSON_IN_PROGRESS  # can be resumed


def test_advocate_may_facilitate_only_for_their_person(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, sam, rev = world.staff, world.sam, world.review
    advocate = user(session, Role.ADVOCATE, "Jo Patel")
    other = person(session, staff, "Ellis")
    people.add_supporter(
        session,
        other,
        actor=staff,
        name="Jo",
        relationship="advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
        user=advocate,
    )
    session.flush()
    with pytest.raises(NotAllowed):
        person_session.start(session, rev, advocate, signed_in(session, advocate))
    people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Jo",
        relationship="advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
        user=advocate,
    )
    session.flush()
    person_session.start(session, rev, advocate, signed_in(session, advocate))


def test_answers_only_while_the_session_is_open(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev = world.staff, world.review
    with pytest.raises(NotAllowed):
        responses.record_choice(
            session, rev, rev.prompts[0], client_id=cid(), answer=["good"], facilitator=staff
        )


def test_answer_stored_once_per_client_id(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    client_id = cid()
    first = responses.record_choice(
        session, rev, rev.prompts[0], client_id=client_id, answer=["good"], facilitator=staff
    )
    again = responses.record_choice(
        session,
        rev,
        rev.prompts[0],
        client_id=client_id,
        answer=["good", "good"],
        facilitator=staff,
    )
    assert again.replay and again.response.id == first.response.id
    with pytest.raises(responses.DuplicateAnswer):
        responses.record_choice(
            session,
            rev,
            rev.prompts[0],
            client_id=client_id,
            answer=["not-good"],
            facilitator=staff,
        )
    assert session.scalar(select(func.count(Response.id))) == 1


def test_change_of_mind_supersedes_and_keeps_history(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    first = responses.record_choice(
        session, rev, rev.prompts[0], client_id=cid(), answer=["good"], facilitator=staff
    ).response
    second = responses.record_choice(
        session, rev, rev.prompts[0], client_id=cid(), answer=["very-good"], facilitator=staff
    ).response
    assert second.supersedes_id == first.id
    current = responses.answers_for_prompt(session, rev.prompts[0])
    assert current.choice is not None and current.choice.id == second.id
    assert [r.id for r in responses.history(session, second)] == [first.id]


def test_invalid_answers_refused(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    scale, many, words = rev.prompts
    with pytest.raises(ServiceError, match="not one of the choices"):
        responses.record_choice(
            session, rev, scale, client_id=cid(), answer=["purple"], facilitator=staff
        )
    with pytest.raises(ServiceError, match="only 1"):
        responses.record_choice(
            session, rev, scale, client_id=cid(), answer=["good", "not-good"], facilitator=staff
        )
    assert responses.record_choice(
        session, rev, many, client_id=cid(), answer=["family", "pets"], facilitator=staff
    ).response.answer == ["family", "pets"]
    with pytest.raises(ServiceError, match="own words"):
        responses.record_choice(
            session, rev, words, client_id=cid(), answer=["good"], facilitator=staff
        )
    with pytest.raises(ServiceError, match="malformed"):
        responses.record_choice(
            session, rev, scale, client_id="x", answer=["good"], facilitator=staff
        )


@pytest.mark.parametrize(
    "text",
    [
        "Fish 🐟 and chips 🍟",
        "Dw i'n hoffi bwyd — ŵ ŷ â ê î ô û",
        "مجھے اپنا گھر پسند ہے",
        "a" * 5000,
        "  spaces kept  \n and new lines\n",
        "<script>alert('x')</script> & ampersands",
        "\u202eright-to-left override",
    ],
)
def test_own_words_kept_exactly(session: Session, world, text: str) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    saved = responses.record_words(
        session,
        rev,
        rev.prompts[2],
        client_id=cid(),
        words=text,
        method=CaptureMethod.TYPED,
        facilitator=staff,
    )
    session.expire_all()
    assert session.get(Response, saved.response.id).own_words == text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a" * 5001, "Up to 5,000"),
        ("bad\x00byte", "control characters"),
        ("bad\x85byte", "control characters"),  # a C1 control: text.py's one set of characters
        ("   ", "no words"),
    ],
)
def test_own_words_refused_with_a_clear_message(
    session: Session, world, text: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    with pytest.raises(ServiceError, match=message):
        responses.record_words(
            session,
            rev,
            rev.prompts[2],
            client_id=cid(),
            words=text,
            method=CaptureMethod.TYPED,
            facilitator=staff,
        )


def test_scribed_and_interpreted_words_need_a_named_facilitator(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    for method in (CaptureMethod.SCRIBED, CaptureMethod.INTERPRETED):
        with pytest.raises(ServiceError, match="facilitator's name"):
            responses.record_words(
                session,
                rev,
                rev.prompts[2],
                client_id=cid(),
                words="x",
                method=method,
                facilitator=None,
            )
    with pytest.raises(ServiceError, match="how the words"):
        responses.record_words(
            session,
            rev,
            rev.prompts[2],
            client_id=cid(),
            words="x",
            method=CaptureMethod.TAPPED,
            facilitator=staff,
        )


def test_correction_is_a_new_attributed_entry(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    original = responses.record_words(
        session,
        rev,
        rev.prompts[2],
        client_id=cid(),
        words="pizza",
        method=CaptureMethod.TYPED,
        facilitator=None,
    ).response
    with pytest.raises(NotAllowed):
        responses.correct(
            session, original, actor=staff, reason="x", client_id=cid(), words="pasta"
        )
    person_session.confirm(session, rev, tablet, "2468")
    with pytest.raises(ServiceError, match="why"):
        responses.correct(
            session, original, actor=staff, reason=" ", client_id=cid(), words="pasta"
        )
    fixed = responses.correct(
        session,
        original,
        actor=staff,
        reason="Sam told me later it was pasta",
        client_id=cid(),
        words="pasta",
    )
    assert (
        original.own_words == "pizza"
        and fixed.supersedes_id == original.id
        and fixed.captured_by_id == staff.id
    )
    with pytest.raises(ServiceError, match="already been replaced"):
        responses.correct(
            session, original, actor=staff, reason="again", client_id=cid(), words="soup"
        )
    assert [w.own_words for w in responses.answers_for_prompt(session, rev.prompts[2]).words] == [
        "pasta"
    ]


def test_non_participation_needs_what_was_tried(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev = world.staff, world.review
    with pytest.raises(person_first.PersonNotHeardYet):
        person_first.require_person_first(session, rev)
    with pytest.raises(ServiceError, match="what was tried"):
        person_first.record_non_participation(
            session,
            rev,
            actor=staff,
            reason=NonParticipationReason.UNWELL,
            what_was_tried="  ",
            try_again_on=None,
        )
    with pytest.raises(ServiceError, match="other reason"):
        person_first.record_non_participation(
            session,
            rev,
            actor=staff,
            reason=NonParticipationReason.OTHER,
            what_was_tried="x",
            try_again_on=None,
        )
    with pytest.raises(ServiceError, match="past"):
        person_first.record_non_participation(
            session,
            rev,
            actor=staff,
            reason=NonParticipationReason.UNWELL,
            what_was_tried="x",
            try_again_on=date.today() - timedelta(days=2),
        )
    person_first.record_non_participation(
        session,
        rev,
        actor=staff,
        reason=NonParticipationReason.ASLEEP,
        what_was_tried="Came back after lunch",
        try_again_on=date.today() + timedelta(days=7),
    )
    person_first.require_person_first(session, rev)
    assert rev.status == ReviewStatus.PERSON_DONE


def test_every_step_is_audited_and_the_chain_holds(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, tablet = world.staff, world.review, world.tablet
    person_session.start(session, rev, staff, tablet)
    responses.record_choice(
        session, rev, rev.prompts[0], client_id=cid(), answer=["good"], facilitator=staff
    )
    person_session.confirm(session, rev, tablet, "2468")
    session.commit()
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"person_session.started", "response.recorded", "person_session.confirmed"} <= set(
        actions
    )
    assert audit.verify(session).ok
    # The log refers to the answer; it never copies what the person said.
    details = session.scalars(select(AuditEvent.detail)).all()
    assert not any("good" in str(d.values()) for d in details if d)
