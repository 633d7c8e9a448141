"""Rule 4, every action traces back: statements, reasons, versions, figures, follow-ups, export."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from facilitator.models import (
    ActionFollowUp,
    ActionStatus,
    AuditEvent,
    CaptureMethod,
    ConsentDecision,
    FollowUpAnswer,
    NonParticipationReason,
    Review,
    ReviewKind,
    SupporterRole,
    UserSession,
)
from facilitator.outputs import pdf
from facilitator.services import (
    NotAllowed,
    NotFound,
    ServiceError,
    StaleVersion,
    audit,
    people,
    reviews,
)
from facilitator.services.data import exports
from facilitator.services.reviews import (
    actions,
    consent,
    contributions,
    person_first,
    person_session,
    responses,
    you_said,
)
from facilitator.services.reviews.actions import ActionInput, ConflictError
from facilitator.services.reviews.person_first import PersonNotHeardYet

from .factories import cid, person, review, signed_in, user

pytestmark = pytest.mark.db


def capture(session: Session, staff, rev, *, confirm: bool = True):  # type: ignore[no-untyped-def]
    """The person's session: a tapped answer, several choices and their own words."""
    tablet = signed_in(session, staff)
    person_session.start(session, rev, staff, tablet)
    scale, many, words = rev.prompts
    good = responses.record_choice(
        session, rev, scale, client_id=cid(), answer=["good"], facilitator=staff
    ).response
    chosen = responses.record_choice(
        session, rev, many, client_id=cid(), answer=["family", "pets"], facilitator=staff
    ).response
    said = responses.record_words(
        session,
        rev,
        words,
        client_id=cid(),
        words="Fish and chips on Friday",
        method=CaptureMethod.TYPED,
        facilitator=staff,
    ).response
    if confirm:
        person_session.confirm(session, rev, tablet, "2468")
    session.flush()
    return good, chosen, said


@pytest.fixture
def answers(session: Session, world):  # type: ignore[no-untyped-def]
    """Sam's answers in the world's review, the person's session confirmed."""
    return capture(session, world.staff, world.review)


def _input(*ids: int, **extra) -> ActionInput:  # type: ignore[no-untyped-def]
    values = {
        "statement_ids": list(ids),
        "plain_text": "Arrange a weekly fish supper at the local café.",
        "easy_read_text": "We will go to the café for fish and chips on Fridays.",
        "picture": "knife-and-fork",
        "owner_name": "Tom Okafor",
        "due_on": date(2027, 4, 30),
    }
    values.update(extra)
    return ActionInput(**values)


def test_actions_wait_for_the_persons_views(session: Session) -> None:
    staff = user(session)
    rev = review(session, staff, person(session, staff))
    capture(session, staff, rev, confirm=False)
    with pytest.raises(PersonNotHeardYet):
        actions.create_action(session, rev, _input(no_link_reason="A legal duty"), actor=staff)


def test_action_links_the_persons_current_statements(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, chosen, said) = world.staff, world.review, answers
    action = actions.create_action(session, rev, _input(said.id, good.id, said.id), actor=staff)
    assert [r.id for r in action.responses] == [said.id, good.id]  # repeats dropped, order kept
    assert action.no_link_reason is None and action.status == ActionStatus.PLANNED
    assert action.version == 1
    assert [s.id for s in actions.unanswered_statements(session, rev)] == [chosen.id]


def test_statements_from_another_review_or_superseded_are_refused(
    session: Session, world, answers
) -> None:  # type: ignore[no-untyped-def]
    staff, sam, rev, (good, _chosen, said) = world.staff, world.sam, world.review, answers
    other = reviews.plan_review(
        session,
        sam,
        actor=staff,
        kind=ReviewKind.UNPLANNED,
        scheduled_for=date(2027, 6, 1),
        facilitator=staff,
        prompt_ids=["like-where-you-live", "who-is-important", "favourite-food"],
    )
    session.flush()
    session.refresh(other)
    elsewhere, _c, _w = capture(session, staff, other)
    with pytest.raises(NotAllowed, match="not from this review"):
        actions.create_action(session, rev, _input(elsewhere.id), actor=staff)
    with pytest.raises(NotAllowed):
        actions.create_action(session, rev, _input(999_999), actor=staff)
    newer = responses.correct(
        session,
        said,
        actor=staff,
        reason="Sam said chips, not fish",
        client_id=cid(),
        words="Chips on Friday",
    )
    session.flush()
    with pytest.raises(ServiceError, match="corrected since"):
        actions.create_action(session, rev, _input(said.id), actor=staff)
    assert actions.create_action(session, rev, _input(newer.id, good.id), actor=staff).responses


def test_no_link_needs_a_reason_and_a_link_drops_it(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, _chosen, _said) = world.staff, world.review, answers
    with pytest.raises(ServiceError, match="legal duty"):
        actions.create_action(session, rev, _input(), actor=staff)
    with pytest.raises(ServiceError, match="legal duty"):
        actions.create_action(session, rev, _input(no_link_reason="   "), actor=staff)
    duty = actions.create_action(
        session, rev, _input(no_link_reason="Annual fire safety check: a legal duty"), actor=staff
    )
    assert duty.responses == [] and duty.no_link_reason.startswith("Annual")
    linked = actions.create_action(
        session, rev, _input(good.id, no_link_reason="ignored"), actor=staff
    )
    assert linked.no_link_reason is None


def test_required_fields_pictures_and_owners(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, _c, _s) = world.staff, world.review, answers
    for bad, message in [
        ({"plain_text": " "}, "for the record"),
        ({"easy_read_text": ""}, "easy-read"),
        ({"owner_name": ""}, "owner"),
        ({"picture": "not-a-picture"}, "picture"),
        ({"easy_read_text": "bad \x00 text"}, "control characters"),
        ({"easy_read_text": "bad \ufffe text"}, "control characters"),
        ({"plain_text": "x" * 4001}, "4,000"),
        ({"owner_user_id": 999_999}, "owner"),
    ]:
        with pytest.raises(ServiceError, match=message):
            actions.create_action(session, rev, _input(good.id, **bad), actor=staff)
    keyworker = user(session, name="Tom Okafor")
    action = actions.create_action(
        session, rev, _input(good.id, owner_name="", owner_user_id=keyworker.id), actor=staff
    )
    assert action.owner_name == "Tom Okafor" and action.owner_user_id == keyworker.id


def test_status_changes_and_not_done_needs_a_reason(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, _c, _s) = world.staff, world.review, answers
    action = actions.create_action(session, rev, _input(good.id), actor=staff)
    actions.set_status(session, action, "in-progress", actor=staff, version=1)
    assert action.status == ActionStatus.IN_PROGRESS and action.version == 2
    with pytest.raises(ServiceError, match="why"):
        actions.set_status(session, action, ActionStatus.NOT_DONE, actor=staff, version=2)
    actions.set_status(
        session, action, ActionStatus.NOT_DONE, actor=staff, version=2, reason="The café closed"
    )
    assert action.not_done_reason == "The café closed"
    actions.set_status(session, action, ActionStatus.DONE, actor=staff, version=3)
    assert action.not_done_reason is None
    with pytest.raises(ServiceError, match="status"):
        actions.set_status(session, action, "finished", actor=staff, version=4)


def test_a_save_from_an_old_version_keeps_both(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, chosen, _s) = world.staff, world.review, answers
    action = actions.create_action(session, rev, _input(good.id), actor=staff)
    actions.update_action(
        session, action, _input(good.id, chosen.id, owner_name="Sian Jones"), actor=staff, version=1
    )
    assert action.version == 2 and action.owner_name == "Sian Jones"
    with pytest.raises(ConflictError) as clash:
        actions.update_action(
            session, action, _input(good.id, owner_name="Someone else"), actor=staff, version=1
        )
    assert clash.value.mine["owner_name"] == "Someone else"
    assert clash.value.theirs["owner_name"] == "Sian Jones" and clash.value.current_version == 2
    # A stale version, answered 409 at the edge with both versions.
    assert isinstance(clash.value, StaleVersion)
    assert (clash.value.stored, clash.value.sent) == (2, 1)
    assert action.owner_name == "Sian Jones"
    with pytest.raises(ConflictError):
        actions.set_status(session, action, "done", actor=staff, version=1)
    actions.update_action(
        session, action, _input(good.id, owner_name="Someone else"), actor=staff, version=2
    )
    assert action.owner_name == "Someone else" and action.version == 3


def test_every_change_is_audited_without_the_words(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, _c, said) = world.staff, world.review, answers
    action = actions.create_action(session, rev, _input(good.id, said.id), actor=staff)
    actions.update_action(session, action, _input(good.id), actor=staff, version=1)
    actions.set_status(session, action, "done", actor=staff, version=2)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "outcome_actions")
    ).all()
    assert [e.action for e in events] == [
        "action.created",
        "action.updated",
        "action.status_changed",
    ]
    dumped = json.dumps([e.detail for e in events])
    assert "Fish" not in dumped and "café" not in dumped and "Tom" not in dumped
    assert events[0].detail["statements"] == 2 and events[0].detail["linked"] is True
    assert audit.verify(session).ok


def test_get_action_only_from_its_review(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, sam, rev, (good, _c, _s) = world.staff, world.sam, world.review, answers
    action = actions.create_action(session, rev, _input(good.id), actor=staff)
    other = review(session, staff, sam)
    with pytest.raises(NotFound):
        actions.get_action(session, other, action.id)
    assert actions.get_action(session, rev, action.id) is action


def test_overdue_actions(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, _c, _s) = world.staff, world.review, answers
    late = actions.create_action(
        session, rev, _input(good.id, due_on=date(2027, 4, 1)), actor=staff
    )
    later = actions.create_action(
        session, rev, _input(good.id, due_on=date(2027, 5, 1)), actor=staff
    )
    done = actions.create_action(
        session, rev, _input(good.id, due_on=date(2027, 3, 1)), actor=staff
    )
    actions.create_action(session, rev, _input(good.id, due_on=None), actor=staff)
    actions.set_status(session, done, "done", actor=staff, version=1)
    assert actions.overdue_actions(session, date(2027, 4, 1)) == []
    assert actions.overdue_actions(session, date(2027, 4, 2)) == [late]
    assert actions.overdue_actions(session, date(2027, 6, 1)) == [late, later]


def test_figures_per_review_and_across(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, sam, rev, (good, _chosen, said) = world.staff, world.sam, world.review, answers
    empty = actions.figures_for_review(session, rev)
    assert (
        empty.actions == 0 and empty.linked_share is None and empty.median_to_first_action is None
    )
    assert empty.statements == 3 and empty.answered_share == 0
    actions.create_action(session, rev, _input(said.id), actor=staff)
    actions.create_action(session, rev, _input(good.id), actor=staff)
    actions.create_action(session, rev, _input(no_link_reason="A legal duty"), actor=staff)
    figures = actions.figures_for_review(session, rev)
    assert (figures.actions, figures.linked, figures.no_link, figures.linked_to_words) == (
        3,
        2,
        1,
        1,
    )
    assert figures.linked_share == pytest.approx(2 / 3) and figures.words_share == pytest.approx(
        1 / 3
    )
    assert figures.answered == 2 and figures.answered_share == pytest.approx(2 / 3)
    assert (
        figures.median_to_first_action is not None
        and figures.median_to_first_action < timedelta(minutes=5)
    )
    # A second review whose person could not take part, with one action a day... later.
    other = review(session, staff, sam)
    person_first.record_non_participation(
        session,
        other,
        actor=staff,
        reason=NonParticipationReason.UNWELL,
        what_was_tried="Another day, at home",
        try_again_on=None,
    )
    late = actions.create_action(
        session, other, _input(no_link_reason="Safety requirement"), actor=staff
    )
    late.created_at = datetime(2027, 3, 14, 12, tzinfo=UTC)  # the review was on 12 March 2027
    session.flush()
    assert actions.figures_for_review(session, other).to_first_action == [
        timedelta(days=2, hours=12)
    ]
    across = actions.figures_across(session)
    assert (across.reviews, across.actions, across.linked, across.statements) == (2, 4, 2, 3)
    assert across.median_to_first_action is not None
    assert actions.figures_across(session, since=date(2030, 1, 1)).reviews == 0


def test_easy_read_advice_is_advice_not_a_block(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, rev, (good, _c, _s) = world.staff, world.review, answers
    assert (
        actions.easy_read_advice("We will go to the café on Fridays.", "en", "knife-and-fork") == []
    )
    advice = actions.easy_read_advice(
        "We will facilitate three visits on the fifth of May.", "en", None
    )
    joined = " ".join(advice)
    assert "'facilitate'" in joined and "digits" in joined and "(3)" in joined
    assert "'fifth'" in joined and "picture" in joined
    long = "We will go. " * 4
    assert any("3 short sentences" in a for a in actions.easy_read_advice(long, "en", "house"))
    assert actions.easy_read_advice("", "en", "house") == [
        "Write what will happen in short, everyday sentences."
    ]
    assert any(
        "digits" in a
        for a in actions.easy_read_advice("Byddwn ni'n mynd dair gwaith.", "cy", "house")
    )
    # Saving never depends on the advice.
    action = actions.create_action(
        session,
        rev,
        _input(good.id, easy_read_text="We will facilitate accommodation.", picture=None),
        actor=staff,
    )
    assert action.id is not None


def test_you_said_items_in_the_persons_language(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, sam, rev, (_good, chosen, said) = world.staff, world.sam, world.review, answers
    actions.create_action(session, rev, _input(said.id, chosen.id, picture=None), actor=staff)
    [item] = you_said.items_for_review(session, rev)
    assert item.when == "30 April 2027" and item.who == "Tom Okafor"
    assert item.picture == "knife-and-fork" or item.picture  # the first statement's picture
    picked, words = item.said  # in the order of the prompts
    assert words.words == "Fish and chips on Friday" and not words.interpreted
    assert picked.words is None and [c[0] for c in picked.choices] == ["Family", "Pets"]
    sam.language = "cy"
    session.flush()
    [welsh] = you_said.items_for_review(session, rev)
    assert welsh.when == "30 Ebrill 2027"
    assert welsh.said[0].choices[0][0] != "Family"  # the library's Welsh label
    assert welsh.said[1].words == "Fish and chips on Friday"  # their words stay exactly theirs


def test_follow_up_at_the_next_review(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, sam, rev, (good, _c, said) = world.staff, world.sam, world.review, answers
    first = actions.create_action(session, rev, _input(said.id), actor=staff)
    second = actions.create_action(session, rev, _input(good.id), actor=staff)
    later = reviews.plan_review(
        session,
        sam,
        actor=staff,
        kind=ReviewKind.PLANNED,
        scheduled_for=date(2028, 3, 12),
        facilitator=staff,
        prompt_ids=["like-where-you-live", "who-is-important", "favourite-food"],
    )
    session.flush()
    session.refresh(later)
    assert you_said.earlier_actions(session, rev) == []  # nothing before the first review
    asked = you_said.earlier_actions(session, later)
    assert [e.item.action.id for e in asked] == [first.id, second.id] and asked[0].answer is None
    client_id = cid()
    answer = you_said.record_follow_up(
        session, later, first, client_id=client_id, answer="partly", facilitator=staff
    )
    again = you_said.record_follow_up(
        session, later, first, client_id=client_id, answer="partly", facilitator=staff
    )
    assert again.id == answer.id  # a double tap stores it once
    with pytest.raises(ServiceError):
        you_said.record_follow_up(
            session, later, first, client_id=client_id, answer="no", facilitator=staff
        )
    changed = you_said.record_follow_up(
        session,
        later,
        first,
        client_id=cid(),
        answer=FollowUpAnswer.YES,
        facilitator=staff,
        words="We go every week now",
        method="scribed",
    )
    assert changed.supersedes_id == answer.id and changed.capture_method == CaptureMethod.SCRIBED
    assert you_said.earlier_actions(session, later)[0].answer.id == changed.id
    assert you_said.follow_ups_about(session, rev)[first.id].answer == FollowUpAnswer.YES
    with pytest.raises(ServiceError, match="answers"):
        you_said.record_follow_up(
            session, later, second, client_id=cid(), answer="maybe", facilitator=staff
        )
    with pytest.raises(NotAllowed):
        you_said.record_follow_up(
            session, rev, first, client_id=cid(), answer="yes", facilitator=staff
        )
    assert session.scalar(select(func.count(ActionFollowUp.id))) == 2
    # Asked once: a review after that does not ask about the same action again.
    third = review(session, staff, sam)
    third.scheduled_for = date(2029, 3, 12)
    session.flush()
    assert [e.item.action.id for e in you_said.earlier_actions(session, third)] == [second.id]


def test_showing_you_said_locks_the_tablet_without_reopening(
    session: Session, world, answers
) -> None:  # type: ignore[no-untyped-def]
    staff, rev = world.staff, world.review
    tablet = signed_in(session, staff)
    you_said.start_showing(session, rev, staff, tablet)
    assert tablet.person_mode_review_id == rev.id and rev.status == "person-done"
    fresh = review(session, staff, person(session, staff, "Ellis"))
    with pytest.raises(PersonNotHeardYet):
        you_said.start_showing(session, fresh, staff, signed_in(session, staff))


def _full_review(session: Session, world, answers):  # type: ignore[no-untyped-def]
    """A review with every kind of row: correction, layers, consent, differing view, actions."""
    staff, sam, rev, (good, _chosen, said) = world.staff, world.sam, world.review, answers
    alex = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Alex Carter",
        relationship="brother",
        role=SupporterRole.FAMILY,
        email="alex@example.org",
    )
    session.flush()
    consent.record_person_choice(session, rev, alex, ConsentDecision.YES, "tapped", staff)
    correction = responses.correct(
        session,
        said,
        actor=staff,
        reason="Sam added the day",
        client_id=cid(),
        words="Fish and chips on Friday 🐟 — ŵ <b>",
        method=CaptureMethod.SCRIBED,
    )
    note = contributions.add_staff_note(
        session, rev, staff, None, {"note": "Sam was relaxed and chatty."}
    )
    session.flush()
    view = contributions.open_differing_view(
        session, rev, None, note, staff, "Staff see Friday differently"
    )
    first = actions.create_action(session, rev, _input(correction.id, good.id), actor=staff)
    actions.create_action(
        session, rev, _input(no_link_reason="A legal duty", due_on=None, picture=None), actor=staff
    )
    actions.set_status(session, first, "not-done", actor=staff, version=1, reason="Café shut")
    session.flush()
    return staff, sam, rev, view


def test_export_round_trips_every_field(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, _sam, rev, _view = _full_review(session, world, answers)
    document = exports.export_review(session, rev, actor=staff)
    text = json.dumps(document, ensure_ascii=False)  # JSON-ready all the way down
    assert document["format"] == "facilitator.review"
    assert len(document["responses"]) == 4 and len(document["actions"]) == 2
    assert document["contributions"] and document["consents"] and document["differing_views"]
    assert "password_hash" not in text and "pin_hash" not in text and "token_hash" not in text
    # every column of the review is there
    assert set(document["review"]) == {c.key for c in Review.__table__.columns}
    report = exports.import_review(session, json.loads(text), actor=staff)
    session.flush()
    assert (
        report.review.id != rev.id
        and report.person.id != rev.person_id
        and not report.unmatched_users
    )
    copy = exports.export_review(session, report.review, actor=staff)
    assert exports.comparable(copy) == exports.comparable(document)
    # ... and the copy's rules still hold: its actions answer the copy's statements.
    copied = exports.review_record(session, report.review)
    assert copied.figures.linked == 1 and copied.actions[0].statements
    assert {
        e.action
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("review.%port%")))
    } == {"review.exported", "review.imported"}


def test_import_refuses_other_files_and_reports_unknown_accounts(
    session: Session, world, answers
) -> None:  # type: ignore[no-untyped-def]
    staff, rev = world.staff, world.review
    with pytest.raises(ServiceError, match="not a Facilitator"):
        exports.import_review(session, {"format": "something"}, actor=staff)
    document = exports.export_review(session, rev, actor=staff)
    with pytest.raises(ServiceError, match="version"):
        exports.import_review(session, {**document, "format_version": 99}, actor=staff)
    document["users"] = [{**u, "email": "gone@example.org"} for u in document["users"]]
    report = exports.import_review(session, document, actor=staff)
    assert report.unmatched_users == ["gone@example.org"]
    assert report.review.facilitator_id is None


def test_review_record_puts_the_person_first(session: Session, world, answers) -> None:  # type: ignore[no-untyped-def]
    staff, _sam, rev, view = _full_review(session, world, answers)
    record = exports.review_record(session, rev)
    assert record.person_done and [a.answered for a in record.answers] == [True, True, True]
    assert record.layers and record.differing_views == [view]
    assert [e.action.status for e in record.actions] == ["not-done", "planned"]
    assert record.unanswered and record.figures.actions == 2


def test_pdf_renders_text_and_pictures(tmp_path: Path) -> None:
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "house.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
        '<rect x="4" y="10" width="24" height="18" fill="#f3c07b"/>'
        '<path d="M2 12 16 2l14 10z" fill="#8c5543"/></svg>'
    )
    blocks = [
        pdf.Heading("You said, we did"),
        pdf.Idea(
            "house",
            [pdf.Heading("You said", 3), pdf.Para("“I like my <b>garden</b> & ŵ”", "quote")],
        ),
    ] * 3
    data = pdf.render(
        blocks,
        title="Sam",
        author="Tom",
        subject="Review",
        pictures_dir=pictures,
        easy_read=True,
        footer="Sam",
    )
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "I like my <b>garden</b> & ŵ" in text  # typed mark-up stays text
    assert "/FormXob.Pic-house" in reader.pages[0]["/Resources"]["/XObject"]
    assert reader.metadata.title == "Sam"


def _figures_tuple(f: actions.Figures):  # type: ignore[no-untyped-def]
    return (
        f.reviews,
        f.actions,
        f.linked,
        f.linked_to_words,
        f.no_link,
        f.statements,
        f.answered,
        sorted(f.to_first_action),
    )


def rev_tablet(session: Session, rev: Review):  # type: ignore[no-untyped-def]
    """The tablet session locked to a review."""
    locked = select(UserSession).where(UserSession.person_mode_review_id == rev.id)
    return session.scalars(locked).one()


def test_figures_across_add_up_per_review_figures_in_few_queries(session: Session) -> None:
    staff = user(session)
    heard = []
    for n in range(3):
        sam = person(session, staff, name=f"Sam {n}")
        rev = review(session, staff, sam)
        good, chosen, said = capture(session, staff, rev, confirm=n != 2)
        heard.append(rev)
        if n == 2:  # a choice changed to a skip, then the person confirms: no statement there
            responses.record_choice(
                session,
                rev,
                rev.prompts[0],
                client_id=cid(),
                answer=[],
                facilitator=staff,
                skipped=True,
            )
            person_session.confirm(session, rev, rev_tablet(session, rev), "2468")
        if n == 0:  # words and a choice answered, one action with a reason only
            actions.create_action(session, rev, _input(said.id, good.id), actor=staff)
            actions.create_action(session, rev, _input(no_link_reason="A legal duty"), actor=staff)
        if n == 1:  # a correction supersedes the choice an action already answered
            actions.create_action(session, rev, _input(chosen.id), actor=staff)
            responses.correct(
                session,
                chosen,
                actor=staff,
                reason="Sam meant friends, not pets",
                client_id=cid(),
                answer=["family", "friends"],
            )
    # Not heard yet: its answers count for nothing.
    waiting = review(session, staff, person(session, staff, name="Ali"))
    capture(session, staff, waiting, confirm=False)
    # Could not take part: counted as a review, with its action.
    absent = review(session, staff, person(session, staff, name="Jo"))
    person_first.record_non_participation(
        session,
        absent,
        actor=staff,
        reason=NonParticipationReason.UNWELL,
        what_was_tried="Another day, at home",
        try_again_on=None,
    )
    actions.create_action(session, absent, _input(no_link_reason="Safety"), actor=staff)
    session.flush()

    expected = actions.Figures()
    for rev in [*heard, absent]:
        expected.add(actions.figures_for_review(session, rev))
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", listener)
    try:
        across = actions.figures_across(session)  # nothing stored yet: every review counted
        cold = len(statements)
        again = actions.figures_across(session)  # each review's figures stored: added up
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert _figures_tuple(across) == _figures_tuple(expected) == _figures_tuple(again)
    assert across.reviews == 4 and across.actions == 4 and across.linked == 2
    assert across.linked_to_words == 1 and across.no_link == 2
    assert across.statements == 3 + 3 + 2  # the third review's first prompt ended as a skip
    # A handful of queries, not one or more per review; once stored, two.
    assert cold <= 12
    assert len(statements) - cold == 2
    since = actions.figures_across(session, since=date(2030, 1, 1))
    assert _figures_tuple(since) == _figures_tuple(actions.Figures())
