"""Joint problem-solving meetings (issue 17): arranged from a differing view or a review with
the person (and their advocate) always invited; the person's view first, as rows never
overwritten and honestly attributed; the record (options, what each party said, the way
forward and who decided) resolving the differing view and linking its actions; the advocate
only for a meeting they are invited to; refusals; frozen with a closed review; audited
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    CaseStatus,
    DifferingRoute,
    MeetingStatus,
    ReviewStatus,
    Role,
    SupporterRole,
    utcnow,
)
from facilitator.services import NotAllowed, NotFound, ServiceError, people, scope
from facilitator.services.governance import differing, differing_parties
from facilitator.services.governance import joint_meetings as jm
from facilitator.services.reviews import actions, responses
from facilitator.services.reviews.frozen import ReviewClosed

from .factories import World, cid, signed_in, user

pytestmark = pytest.mark.db

WORLD = {"prompt_ids": ["like-where-you-live", "want-to-move", "favourite-food"], "started": True}


@pytest.fixture
def w(world: World, session: Session, manager):  # type: ignore[no-untyped-def]
    """Sam, his brother Alex, his advocate Jo (with an account), his answers, his views done,
    and a differing view about where he lives."""
    staff, sam, rev = world.staff, world.sam, world.review
    alex = people.add_supporter(session, sam, actor=staff, name="Alex Carter",
                                relationship="brother", role=SupporterRole.FAMILY)  # fmt: skip
    jo_account = user(session, Role.ADVOCATE, name="Jo Patel")
    jo = people.add_supporter(session, sam, actor=staff, name="Jo Patel", relationship="other",
                              relationship_note="advocate", role=SupporterRole.CARE_ACT_ADVOCATE,
                              user=jo_account)  # fmt: skip
    said = responses.record_words(
        session, rev, world.prompts["favourite-food"], client_id=cid(),
        words="I want to stay at Oak House", method="typed", facilitator=staff,
    ).response  # fmt: skip
    rev.status = ReviewStatus.PERSON_DONE
    rev.person_confirmed_at = utcnow()
    session.flush()
    view = differing.open_view(session, rev, actor=manager, summary="Alex worries about stairs",
                               response_ids=[said.id])  # fmt: skip
    # Alex is a party to it, so he may be invited (his agreement does not cover reviews).
    differing_parties.add_party(session, view, actor=manager, version=view.version,
                                kind="supporter", supporter_id=alex.id,
                                position="Worried about the stairs")  # fmt: skip
    return {"staff": staff, "manager": manager, "sam": sam, "review": rev, "alex": alex,
            "jo": jo, "jo_account": jo_account, "said": said, "view": view,
            "tablet": world.tablet}  # fmt: skip


def _plan(when: date | None = None, **changes):  # type: ignore[no-untyped-def]
    values = {"question": "Where will you sleep when the stairs are hard?",
              "on": when or date.today(), "starts_at": time(10, 30), "at_home": False,
              "place": "Oak House lounge", "invitees": []}  # fmt: skip
    values.update(changes)
    return jm.Arrangement(**values)


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_arranged_from_a_differing_view_with_the_person_and_advocate(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"],
                         _plan(invitees=[f"supporter:{w['alex'].id}"]), view=w["view"])  # fmt: skip
    # The person always, their advocate always, then who staff chose.
    assert meeting.invitees == ["person", f"supporter:{w['jo'].id}", f"supporter:{w['alex'].id}"]
    assert meeting.person_id == w["sam"].id and meeting.differing_view_id == w["view"].id
    assert w["view"].route == DifferingRoute.JOINT_MEETING  # the register shows the route
    assert jm.names(session, meeting)["person"] == "Sam"
    assert "joint_meeting.arranged" in _actions(session)
    assert "differing_view.route_set" in _actions(session)
    assert jm.meetings_for(session, view=w["view"]) == [meeting]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"question": "  "}, "question the meeting will answer"),
        ({"question": " ".join(["word"] * 21)}, "20 words or fewer"),
        ({"on": None}, "day and the time"),
        ({"starts_at": None}, "day and the time"),
        ({"place": ""}, "where the meeting is"),
        ({"invitees": ["user:999999"]}, "from the list"),
    ],
)
def test_arranging_refuses_what_is_missing(session, w, changes, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError, match=message):
        jm.arrange(session, w["review"], w["staff"], _plan(**changes))


def test_arranging_refuses_the_past_advocates_and_resolved_views(session, w) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError, match="day that has passed"):
        jm.arrange(session, w["review"], w["staff"], _plan(date.today() - timedelta(days=1)))
    with pytest.raises(NotAllowed):
        jm.arrange(session, w["review"], w["jo_account"], _plan())
    w["view"].status = CaseStatus.RESOLVED
    with pytest.raises(ServiceError, match="resolved already"):
        jm.arrange(session, w["review"], w["staff"], _plan(), view=w["view"])


def test_the_persons_view_first_never_overwritten_and_honestly_attributed(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"], _plan(), view=w["view"])
    feel, want, helpers = jm.PROMPTS
    with pytest.raises(ServiceError, match="Tap an answer"):
        jm.record_view(session, meeting, feel, answers=[], words=" ", method=None,
                       facilitator=w["staff"])  # fmt: skip
    with pytest.raises(ServiceError, match="not one of the choices"):
        jm.record_view(session, meeting, feel, answers=["good", "not-good"], words=None,
                       method=None, facilitator=w["staff"])  # fmt: skip
    with pytest.raises(ServiceError, match="how the words were captured"):
        jm.record_view(session, meeting, want, answers=[], words="Stay", method="tapped",
                       facilitator=w["staff"])  # fmt: skip
    tapped = jm.record_view(session, meeting, feel, answers=["not-good"], words=None,
                            method="typed", facilitator=w["staff"])  # fmt: skip
    assert tapped.capture_method == "tapped" and tapped.words is None
    first = jm.record_view(session, meeting, want, answers=[], words="I want my room",
                           method="scribed", facilitator=w["staff"])  # fmt: skip
    again = jm.record_view(session, meeting, want, answers=[], words="Smiled at the garden",
                           method="interpreted", facilitator=w["staff"])  # fmt: skip
    jm.record_view(session, meeting, helpers, answers=["advocate", "family"], words=None,
                   method=None, facilitator=w["staff"])  # fmt: skip
    views = jm.person_views(session, meeting)
    assert views["want"] == [again, first]  # the latest first, the earlier one kept
    assert first.words == "I want my room" and first.capture_method == "scribed"
    assert views["help"][0].answer == "advocate,family"


def test_the_record_and_the_way_forward_resolve_the_differing_view(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"],
                         _plan(invitees=[f"supporter:{w['alex'].id}"]), view=w["view"])  # fmt: skip
    outcome = jm.WayForward("Sam moves to the downstairs room", "Sam wants to stay; stairs",
                            "Sam, with Alex and the manager", resolves_view=True,
                            outcome_code="agreed-way")  # fmt: skip
    with pytest.raises(ServiceError, match="person's view first"):
        jm.record_outcome(session, meeting, w["staff"], meeting.version, outcome)
    with pytest.raises(ServiceError, match="how the person's words"):
        jm.add_note(session, meeting, w["staff"], "person", "I like my room", None)
    with pytest.raises(ServiceError, match="from the people invited"):
        jm.add_note(session, meeting, w["staff"], "user:999999", "Hello")
    with pytest.raises(ServiceError, match="Write what they said"):
        jm.add_note(session, meeting, w["staff"], f"supporter:{w['alex'].id}", "  ")
    with pytest.raises(ServiceError, match="Write the option"):
        jm.add_option(session, meeting, w["staff"], "", None)
    mine = jm.add_note(session, meeting, w["staff"], "person", "I like my room", "typed")
    alexs = jm.add_note(session, meeting, w["staff"], f"supporter:{w['alex'].id}",
                        "The stairs worry me")  # fmt: skip
    assert alexs.party_name == "Alex Carter" and alexs.capture_method == "scribed"
    jm.add_option(session, meeting, w["staff"], "A room downstairs", "Alex Carter")
    with pytest.raises(ServiceError, match="who made the decision"):
        jm.record_outcome(session, meeting, w["staff"], meeting.version,
                          jm.WayForward("A plan", "Because", " ", True))  # fmt: skip
    with pytest.raises(ServiceError, match="Someone else changed"):
        jm.record_outcome(session, meeting, w["staff"], meeting.version - 1, outcome)
    jm.record_outcome(session, meeting, w["staff"], meeting.version, outcome)
    assert meeting.status == MeetingStatus.HELD and meeting.decided_by.startswith("Sam")
    view = w["view"]
    assert view.status == CaseStatus.RESOLVED and view.outcome == meeting.way_forward
    record = jm.record_of(session, meeting)
    assert record.person_notes == [mine] and record.other_notes == [alexs]
    assert record.notes[0].said == "I like my room"  # the person's words as they were
    with pytest.raises(ServiceError, match="record of the meeting is final"):
        jm.add_note(session, meeting, w["staff"], "person", "More", "typed")
    with pytest.raises(ServiceError, match="recorded already"):
        jm.record_outcome(session, meeting, w["staff"], meeting.version, outcome)
    # The actions it produced trace back to it (and, through it, to the differing view).
    action = actions.create_action(
        session, w["review"], actions.ActionInput(
            statement_ids=[w["said"].id], plain_text="Move Sam's room downstairs",
            easy_read_text="Your room will be downstairs.", owner_name="Sian Jones",
            owner_user_id=w["staff"].id, due_on=date.today() + timedelta(days=30),
        ), actor=w["staff"],
    )  # fmt: skip
    with pytest.raises(ServiceError, match="from the list"):
        jm.link_action(session, meeting, w["staff"], "999999")
    jm.link_action(session, meeting, w["staff"], action.id)
    with pytest.raises(ServiceError, match="already"):
        jm.link_action(session, meeting, w["staff"], action.id)
    assert jm.meetings_for(session, action=action) == [meeting]
    assert jm.record_of(session, meeting).actions == [action]
    assert {"joint_meeting.note_added", "joint_meeting.option_added",
            "joint_meeting.way_forward", "differing_view.resolved",
            "joint_meeting.action_linked"} <= set(_actions(session))  # fmt: skip


def test_not_before_its_day_and_not_once_cancelled(session, w) -> None:  # type: ignore[no-untyped-def]
    later = jm.arrange(session, w["review"], w["staff"], _plan(date.today() + timedelta(days=7)))
    jm.add_note(session, later, w["staff"], "person", "No", "scribed")
    with pytest.raises(ServiceError, match="has not come yet"):
        jm.record_outcome(session, later, w["staff"], later.version,
                          jm.WayForward("A", "B", "C"))  # fmt: skip
    with pytest.raises(ServiceError, match="why the meeting is cancelled"):
        jm.cancel(session, later, w["staff"], later.version, " ")
    jm.cancel(session, later, w["staff"], later.version, "Sam is unwell")
    assert later.status == MeetingStatus.CANCELLED and later.cancel_reason == "Sam is unwell"
    with pytest.raises(ServiceError, match="was cancelled"):
        jm.add_option(session, later, w["staff"], "Anything", None)
    with pytest.raises(NotFound):
        jm.calendar_file(session, later, "person", "Meeting")


def test_the_calendar_file_for_each_invitee(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"], _plan())
    with pytest.raises(ServiceError, match="from the list"):  # not a party, not in reviews
        jm.arrange(session, w["review"], w["staff"],
                   _plan(invitees=[f"supporter:{w['alex'].id}"]))  # fmt: skip
    data = jm.calendar_file(session, meeting, f"supporter:{w['jo'].id}", "Joint meeting")
    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    assert str(event["location"]) == "Oak House lounge"
    assert event["dtstart"].dt.time() == time(10, 30)
    with pytest.raises(NotFound):
        jm.calendar_file(session, meeting, f"supporter:{w['alex'].id}", "Not invited")


def test_the_advocate_sees_only_meetings_they_are_invited_to(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"], _plan())
    assert jm.for_advocate(session, meeting.id, w["jo_account"]) is meeting
    assert jm.for_advocate_list(session, w["jo_account"]) == [meeting]
    stranger = user(session, Role.ADVOCATE, name="Kim Other")
    with pytest.raises(NotFound):
        jm.for_advocate(session, meeting.id, stranger)
    with pytest.raises(NotFound):
        jm.for_advocate(session, meeting.id, w["staff"])
    assert jm.for_advocate_list(session, stranger) == []
    w["jo"].active = False  # no longer assigned: nothing
    with pytest.raises(NotFound):
        jm.for_advocate(session, meeting.id, w["jo_account"])


def test_need_to_know_a_meeting_names_its_person(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"], _plan())
    assert scope.person_named_by(session, "meeting_id", meeting.id) == w["sam"].id


def test_the_tablet_for_the_meeting_and_a_closed_review_freezes_it(session, w) -> None:  # type: ignore[no-untyped-def]
    meeting = jm.arrange(session, w["review"], w["staff"], _plan())
    tablet = signed_in(session, w["staff"])
    jm.start_tablet(session, meeting, w["staff"], tablet)
    assert tablet.person_mode_review_id == w["review"].id
    assert w["review"].status == ReviewStatus.PERSON_DONE  # the review's stage is untouched
    stranger = user(session, Role.ADVOCATE, name="Kim Other")
    with pytest.raises(NotAllowed):
        jm.start_tablet(session, meeting, stranger, signed_in(session, stranger))
    w["review"].status = ReviewStatus.CLOSED
    session.flush()
    with pytest.raises(ReviewClosed):
        jm.add_option(session, meeting, w["staff"], "A room downstairs", None)
    with pytest.raises(ReviewClosed):
        jm.record_view(session, meeting, jm.PROMPTS[0], answers=["good"], words=None,
                       method=None, facilitator=w["staff"])  # fmt: skip
    with pytest.raises(ReviewClosed):
        jm.arrange(session, w["review"], w["staff"], _plan())


# --- migration 0023: up and down, on SQLite and PostgreSQL ---------------------------------------

TABLES = {
    "joint_meetings", "joint_meeting_views", "joint_meeting_notes", "joint_meeting_options",
    "joint_meeting_actions",
}  # fmt: skip


def _check_migration(url: str) -> None:
    """0022 -> 0023 adds the five tables (with their keys and indexes); 0023 -> 0022 removes
    them and nothing else; up again works."""
    from alembic import command
    from sqlalchemy import inspect

    from facilitator.db import alembic_config, make_engine, upgrade

    engine = make_engine(url)
    try:
        before = set(inspect(engine).get_table_names())
        assert not before & TABLES
        upgrade(url, "0023_joint_meetings")
        found = inspect(engine)
        assert TABLES <= set(found.get_table_names())
        assert {c["name"] for c in found.get_columns("joint_meetings")} >= {
            "person_id", "review_id", "differing_view_id", "question", "held_on", "starts_at",
            "invitees", "status", "way_forward", "reasoning", "decided_by", "version",
        }  # fmt: skip
        keys = {fk["referred_table"] for fk in found.get_foreign_keys("joint_meeting_actions")}
        assert keys == {"joint_meetings", "outcome_actions"}
        assert "ix_joint_meeting_views_meeting_id" in {
            i["name"] for i in found.get_indexes("joint_meeting_views")
        }
        command.downgrade(alembic_config(url), "0022_data_moves")
        assert set(inspect(engine).get_table_names()) == before
        upgrade(url, "0023_joint_meetings")
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_0023_up_and_down_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from facilitator.db import upgrade

    url = f"sqlite:///{tmp_path / 'joint.sqlite3'}"
    upgrade(url, "0022_data_moves")
    _check_migration(url)


def test_migration_0023_up_and_down_on_postgresql() -> None:
    from alembic import command

    from facilitator.db import alembic_config

    from ..conftest import own_postgres_database

    with own_postgres_database("joint") as url:
        command.downgrade(alembic_config(url), "0022_data_moves")
        _check_migration(url)


def test_invitees_with_an_address_are_emailed_with_the_calendar_file(session, w, app) -> None:  # type: ignore[no-untyped-def]
    """Arranged and cancelled: each invitee with an email (here Jo, the advocate, in Welsh)
    gets the calendar file; never the person; never the question or the reason."""
    from facilitator.models import OutboxMessage

    w["jo"].email, w["jo"].language = "jo@advocacy.example", "cy"
    session.flush()
    with app.app_context():
        meeting = jm.arrange(session, w["review"], w["staff"], _plan(question="Secret-Q-7781?"))
        jm.cancel(session, meeting, w["staff"], meeting.version, "Reason-Heron-5521")
        sent = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(m.kind, m.to, m.language) for m in sent] == [
        ("joint-meeting-arranged", "jo@advocacy.example", "cy"),
        ("joint-meeting-cancelled", "jo@advocacy.example", "cy"),
    ]
    for message, method in zip(sent, ("REQUEST", "CANCEL"), strict=True):
        assert message.attachment_name == "joint-meeting.ics"
        cal = Calendar.from_ical(message.attachment)
        assert str(cal["method"]) == method
        event = next(iter(cal.walk("VEVENT")))
        assert event["uid"] == f"joint-meeting-{meeting.id}-supporter-{w['jo'].id}@facilitator"
        for text in (message.text, message.html or "", message.subject):
            assert "Secret-Q-7781" not in text and "Reason-Heron-5521" not in text


def test_the_fixed_sentences_are_rendered_ahead_by_flask_speech(app) -> None:  # type: ignore[no-untyped-def]
    from facilitator.outputs.joint_meetings import spoken_meeting_texts

    with app.app_context():
        said = list(spoken_meeting_texts(["en", "cy"]))
    english = {text for text, lang in said if lang == "en"}
    assert {"How do you feel about this?", "My advocate", "We agree what to do next."} <= english
    assert len([t for t, lang in said if lang == "cy"]) == len(english)


def test_speech_render_includes_the_meetings_sentences(app) -> None:  # type: ignore[no-untyped-def]
    from facilitator.cli.speech import _library_by_language

    with app.app_context():
        english = {text for text, _lang in _library_by_language()["en"]}
    assert {"What would you like to happen?", "I can do it on my own"} <= english
