"""Safety flags: raised at once for worrying answers, cleared only by a recorded decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, FlagSource, FlagStatus, Response, Role, SafetyFlag
from facilitator.prompts.library import load_library
from facilitator.services import NotAllowed, ServiceError
from facilitator.services.governance import StaleRecord, safeguarding, today
from facilitator.services.reviews import responses

from .factories import cid, user

SAFE_PROMPTS = ["safe-at-home", "safe-going-out", "anyone-hurting-you", "who-to-tell",
                "what-makes-you-scared", "like-where-you-live"]  # fmt: skip


def test_every_safeguarding_yes_no_prompt_says_which_answers_worry() -> None:
    """Whether 'yes' or 'no' is the worrying answer depends on the question: no default."""
    library = load_library()
    for topic in library.topics:
        for prompt in library.prompts_for_topic(topic.id):
            if not (prompt.safeguarding or topic.safeguarding):
                continue
            if prompt.answer_type_id == "yes-no":
                # listed in the library's data, never a default
                assert prompt.listed_concerns is not None, prompt.id
            options = {o.id for o in prompt.options}
            assert safeguarding.concern_options(prompt.id) <= options


def test_concern_options_follow_the_wording() -> None:
    assert safeguarding.concern_options("safe-at-home") == {"no"}
    assert safeguarding.concern_options("anyone-hurting-you") == {"yes", "not-sure"}
    assert safeguarding.concern_options("who-to-tell") == frozenset()
    assert safeguarding.concern_options("like-where-you-live") == frozenset()  # no marker
    assert safeguarding.concern_options(None) == frozenset()
    assert safeguarding.concern_options("what-makes-you-scared") == frozenset()  # own words


def test_a_scale_raises_a_flag_at_its_negative_end() -> None:
    """A safeguarding prompt on a scale with no list of its own: the options marked in the
    library's answer types ("raises_concern") raise a flag."""
    library = load_library()
    marked = {
        answer_type.id: {o.id for o in answer_type.options if o.raises_concern}
        for answer_type in library.answer_types
    }
    assert marked["feelings-5"] == {"not-good", "very-bad"}
    assert marked["feelings-3"] == {"not-good"}
    assert marked["yes-no"] == set()


WORLD = {"prompt_ids": SAFE_PROMPTS, "started": True}


@pytest.fixture
def lead(session: Session):  # type: ignore[no-untyped-def]
    made = user(session, Role.STAFF, name="Lee Lead")
    made.is_safeguarding_lead = True
    return made


def _answer(session: Session, world, prompt_id: str, answer: str) -> Response:  # type: ignore[no-untyped-def]
    staff, rev, prompts = world.staff, world.review, world.prompts
    return responses.record_choice(
        session, rev, prompts[prompt_id], client_id=cid(), answer=[answer], facilitator=staff
    ).response


@pytest.mark.db
@pytest.mark.parametrize(
    ("prompt_id", "answer", "flagged"),
    [
        ("safe-at-home", "no", True),
        ("safe-at-home", "yes", False),
        ("safe-at-home", "not-sure", False),
        ("safe-going-out", "no", True),
        ("anyone-hurting-you", "yes", True),
        ("anyone-hurting-you", "not-sure", True),
        ("anyone-hurting-you", "no", False),
        ("who-to-tell", "no", False),
        ("like-where-you-live", "very-bad", False),
    ],
)
def test_answers_raise_a_flag_at_once(
    session: Session, world, prompt_id: str, answer: str, flagged: bool
) -> None:  # type: ignore[no-untyped-def]
    response = _answer(session, world, prompt_id, answer)
    flag = safeguarding.check_response(session, response)
    assert (flag is not None) is flagged
    if flag:
        assert flag.status == FlagStatus.OPEN and flag.source == FlagSource.ANSWER
        assert flag.person_id == world.sam.id and flag.review_id == world.review.id
        assert safeguarding.open_flags_for_review(session, world.review.id) == [flag]
        assert [v.flag for v in safeguarding.open_flags(session)] == [flag]


@pytest.mark.db
def test_check_is_idempotent_and_skips_raise_nothing(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    response = _answer(session, world, "safe-at-home", "no")
    first = safeguarding.check_response(session, response)
    assert safeguarding.check_response(session, response) is first
    assert len(session.scalars(select(SafetyFlag)).all()) == 1
    staff, rev, prompts = world.staff, world.review, world.prompts
    skipped = responses.record_choice(
        session,
        rev,
        prompts["safe-going-out"],
        client_id=cid(),
        answer=None,
        facilitator=staff,
        skipped=True,
    ).response
    assert safeguarding.check_response(session, skipped) is None
    assert safeguarding.check_response(session, None) is None


@pytest.mark.db
def test_words_flagged_by_a_facilitator(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    staff, rev, prompts = world.staff, world.review, world.prompts
    words = responses.record_words(
        session,
        rev,
        prompts["what-makes-you-scared"],
        client_id=cid(),
        words="the night staff shout",
        method="typed",
        facilitator=staff,
    ).response
    assert safeguarding.check_response(session, words) is None  # words alone raise nothing
    flag = safeguarding.flag_words(session, words, actor=staff)
    assert flag.source == FlagSource.FACILITATOR and flag.raised_by_id == staff.id
    assert safeguarding.flag_words(session, words, actor=staff) is flag
    advocate = user(session, Role.ADVOCATE, name="Jo Patel")
    with pytest.raises(NotAllowed):
        safeguarding.flag_words(session, words, actor=advocate)  # not assigned to Sam


@pytest.mark.db
def test_response_marked_for_safety_when_stored_raises_a_facilitator_flag(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    response = _answer(session, world, "like-where-you-live", "good")
    response.flagged_for_safety = (
        True  # as the person-mode path sets it when a facilitator ticks it
    )
    flag = safeguarding.check_response(session, response)
    assert flag is not None and flag.source == FlagSource.FACILITATOR


@pytest.mark.db
def test_a_flag_clears_only_with_a_recorded_decision_by_a_lead(
    session: Session, world, lead, manager
) -> None:  # type: ignore[no-untyped-def]
    staff = world.staff
    flag = safeguarding.check_response(session, _answer(session, world, "safe-at-home", "no"))
    assert flag is not None
    with pytest.raises(NotAllowed):
        safeguarding.record_decision(
            session,
            flag,
            actor=staff,
            version=flag.version,
            action="no-further-action",
            detail="x",
            acted_on=today(),
        )
    with pytest.raises(ServiceError, match="why no further action"):
        safeguarding.record_decision(
            session,
            flag,
            actor=lead,
            version=flag.version,
            action="no-further-action",
            detail="  ",
            acted_on=today(),
        )
    with pytest.raises(ServiceError, match="who the referral"):
        safeguarding.record_decision(
            session,
            flag,
            actor=lead,
            version=flag.version,
            action="safeguarding-referral",
            detail="Referred",
            acted_on=today(),
        )
    with pytest.raises(ServiceError, match="not in the future"):
        safeguarding.record_decision(
            session,
            flag,
            actor=lead,
            version=flag.version,
            action="spoke-with-person",
            detail="Talked",
            acted_on=today() + timedelta(days=1),
        )
    with pytest.raises(ServiceError, match="before the flag"):
        safeguarding.record_decision(
            session,
            flag,
            actor=lead,
            version=flag.version,
            action="spoke-with-person",
            detail="Talked",
            acted_on=today() - timedelta(days=3),
        )
    safeguarding.record_decision(
        session,
        flag,
        actor=lead,
        version=flag.version,
        action="spoke-with-person",
        detail="Sam told me about the night shift.",
        acted_on=today(),
        clears=False,
    )
    assert flag.status == FlagStatus.OPEN
    with pytest.raises(StaleRecord):
        safeguarding.record_decision(
            session,
            flag,
            actor=manager,
            version=1,
            action="safeguarding-referral",
            detail="Referred",
            acted_on=today(),
            referral_to="Council safeguarding team",
        )
    safeguarding.record_decision(
        session,
        flag,
        actor=manager,
        version=flag.version,
        action="safeguarding-referral",
        detail="Referred",
        acted_on=today(),
        referral_to="Council safeguarding team",
        referral_reference="SG-1",
    )
    assert flag.status == FlagStatus.CLEARED and flag.cleared_at is not None
    assert [d.action for d in safeguarding.decisions(session, flag)] == [
        "spoke-with-person",
        "safeguarding-referral",
    ]
    assert safeguarding.open_flags(session) == []
    with pytest.raises(ServiceError, match="already been cleared"):
        safeguarding.record_decision(
            session,
            flag,
            actor=manager,
            version=flag.version,
            action="no-further-action",
            detail="x",
            acted_on=today(),
        )


@pytest.mark.db
def test_audit_entries_reference_and_never_copy_what_was_said(
    session: Session, world, lead
) -> None:  # type: ignore[no-untyped-def]
    flag = safeguarding.check_response(session, _answer(session, world, "safe-at-home", "no"))
    assert flag is not None
    safeguarding.record_decision(
        session,
        flag,
        actor=lead,
        version=flag.version,
        action="spoke-with-person",
        detail="Private words about the night staff",
        acted_on=today(),
    )
    entries = session.scalars(
        select(AuditEvent).where(AuditEvent.action.startswith("safety_flag."))
    ).all()
    assert [e.action for e in entries] == ["safety_flag.raised", "safety_flag.decision"]
    assert entries[0].actor_label == "system" and entries[0].object_id == str(flag.id)
    for entry in entries:
        assert "night" not in str(entry.detail) and "no" not in entry.detail.values()
