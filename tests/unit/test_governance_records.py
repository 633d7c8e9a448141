"""Involvement agreements, the register of differing views, capacity and best interests,
complaints and decisions communicated: the rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    AuthorityKind,
    CapacityOutcome,
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingView,
    Layer,
    PartyKind,
    ReviewStatus,
    SupporterRole,
    User,
    utcnow,
)
from facilitator.services import NotAllowed, ServiceError, people
from facilitator.services.governance import (
    StaleRecord,
    agreements,
    best_interests,
    capacity,
    communications,
    complaints,
    differing,
    differing_parties,
    today,
)
from facilitator.services.reviews import responses
from facilitator.services.workdays import add_working_days

from .factories import World, cid, person

pytestmark = pytest.mark.db


WORLD = {"prompt_ids": ["like-where-you-live", "want-to-move", "favourite-food"], "started": True}


@pytest.fixture
def world(world: World, session: Session, manager: User):  # type: ignore[no-untyped-def]
    """The shared world (tests/unit/conftest.py) with Sam's brother and mother (an attorney)
    and two of Sam's answers, Sam's views done: as a dict, by name."""
    staff, sam, rev, prompts = world.staff, world.sam, world.review, world.prompts
    alex = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Alex Carter",
        relationship="brother",
        role=SupporterRole.FAMILY,
    )
    mary = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Mary Carter",
        relationship="mother",
        role=SupporterRole.ATTORNEY,
    )
    session.flush()
    liked = responses.record_choice(
        session,
        rev,
        prompts["like-where-you-live"],
        client_id=cid(),
        answer=["very-good"],
        facilitator=staff,
    ).response
    stay = responses.record_words(
        session,
        rev,
        prompts["favourite-food"],
        client_id=cid(),
        words="I want to stay at Oak House",
        method="typed",
        facilitator=staff,
    ).response
    rev.status = ReviewStatus.PERSON_DONE
    rev.person_confirmed_at = utcnow()
    session.flush()
    return {
        "staff": staff,
        "manager": manager,
        "sam": sam,
        "alex": alex,
        "mary": mary,
        "review": rev,
        "liked": liked,
        "stay": stay,
    }


def _agreement(session: Session, w, **changes):  # type: ignore[no-untyped-def]
    values = {
        "areas": ["reviews"],
        "decisions": ["Moving home"],
        "may_see": "What Sam agrees to share",
        "contact_preference": "email",
        "escalation_route": "Talk with Sam first, then the manager",
        "review_on": today() + timedelta(days=365),
    }
    values.update(changes)
    return agreements.save(
        session, w["alex"], actor=w["staff"], version=values.pop("version", None), **values
    )


# --- involvement agreements ------------------------------------------------------------------


def test_agreement_needs_its_parts(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    for changes, message in [
        ({"areas": [], "decisions": []}, "involved in"),
        ({"areas": ["everything"]}, "from the list"),
        ({"may_see": " "}, "may see"),
        ({"contact_preference": "pigeon"}, "contacted"),
        ({"escalation_route": ""}, "differs"),
        ({"review_on": None}, "review"),
        ({"review_on": today() - timedelta(days=1)}, "past"),
        ({"review_on": today() + timedelta(days=4 * 365)}, "3 years"),
    ]:
        with pytest.raises(ServiceError, match=message):
            _agreement(session, world, **changes)


def test_agreement_versions_and_the_person_is_asked_again_when_terms_change(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    a = _agreement(session, world)
    assert (
        a.involved_in == ["reviews", "Moving home"] and a.version == 1 and a.person_agreed is None
    )
    answer = agreements.record_person_answer(
        session, a, actor=world["staff"], version=1, answer="yes", method="tapped"
    )
    assert (
        a.person_agreed is True and a.person_agreed_on == today() and answer.agreement_version == 1
    )
    assert a.version == 2
    with pytest.raises(StaleRecord, match="Someone else changed"):
        _agreement(session, world, version=1, may_see="Everything")
    _agreement(session, world, version=2, review_on=today() + timedelta(days=200))  # date only
    assert a.person_agreed is True and a.version == 3
    _agreement(session, world, version=3, may_see="Everything Sam says")
    assert a.person_agreed is None and a.person_agreed_on is None and a.version == 4
    agreements.record_person_answer(
        session,
        a,
        actor=world["staff"],
        version=4,
        answer="no",
        method="scribed",
        words="No, not everything",
    )
    assert a.person_agreed is False
    assert [x.answer for x in agreements.answers(session, a)] == ["no", "yes"]
    with pytest.raises(ServiceError):
        agreements.record_person_answer(
            session, a, actor=world["staff"], version=a.version, answer="maybe", method="tapped"
        )
    assert agreements.for_supporters(session, [world["alex"].id, world["mary"].id]) == {
        world["alex"].id: a
    }
    details = [
        e.detail
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("agreement."))
        )
    ]
    assert not any("everything" in str(d).lower() for d in details)


def test_agreements_due_and_missing(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    a = _agreement(session, world, review_on=today() + timedelta(days=10))
    due = agreements.due_for_review(session)
    assert [d.agreement for d in due] == [a] and not due[0].overdue
    a.review_on = today() - timedelta(days=1)
    assert agreements.due_for_review(session)[0].overdue
    assert agreements.due_for_review(session, service="Elsewhere") == []
    assert [s.id for s, _p in agreements.supporters_without_agreement(session)] == [
        world["mary"].id
    ]


# --- differing views -------------------------------------------------------------------------


def _contribution(
    session: Session, w, supporter, text: str = "Worried about the stairs"
) -> Contribution:  # type: ignore[no-untyped-def]
    c = Contribution(
        review_id=w["review"].id,
        layer=Layer.FAMILY,
        topic_id="where-i-live",
        supporter_id=supporter.id,
        status=ContributionStatus.SUBMITTED,
        body={"see_differently": text},
        submitted_at=utcnow(),
    )
    session.add(c)
    session.flush()
    return c


def test_a_view_opened_from_a_contribution_shows_both_parties_without_writing(
    session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    c = _contribution(session, world, world["alex"])
    view = DifferingView(
        review_id=world["review"].id,
        topic_id="where-i-live",
        response_id=world["liked"].id,
        contribution_id=c.id,
        summary="Alex thinks Sam should move",
        opened_by_id=world["staff"].id,
    )
    session.add(view)
    session.flush()
    case = differing.case(session, view)
    assert [p.row.kind for p in case.parties] == [PartyKind.PERSON, PartyKind.SUPPORTER]
    assert case.parties[0].responses == [world["liked"]] and case.parties[1].contributions == [c]
    assert case.parties[0].row.id is None  # read only: nothing stored yet
    differing.set_route(session, view, actor=world["manager"], version=1, route="discussion")
    stored = differing_parties.parties(session, view)
    assert all(p.row.id for p in stored) and stored[1].supporter == world["alex"]


def test_register_rules(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    view = differing.open_view(
        session,
        w["review"],
        actor=w["manager"],
        summary="Where Sam lives",
        topic_id="where-i-live",
        response_ids=[w["stay"].id],
    )
    assert view.response_id == w["stay"].id
    person_party = differing_parties.parties(session, view)[0]
    assert person_party.row.kind == PartyKind.PERSON and person_party.responses == [w["stay"]]
    with pytest.raises(ServiceError, match="always one of the parties"):
        differing_parties.remove_party(
            session, view, person_party.row.id, actor=w["manager"], version=view.version
        )
    c = _contribution(session, w, w["alex"])
    other = _contribution(session, w, w["mary"], "Mary's view")
    with pytest.raises(NotAllowed, match="someone else"):
        differing_parties.add_party(
            session,
            view,
            actor=w["manager"],
            version=view.version,
            kind="supporter",
            supporter_id=w["alex"].id,
            contribution_ids=[other.id],
        )
    differing_parties.add_party(
        session,
        view,
        actor=w["manager"],
        version=view.version,
        kind="supporter",
        supporter_id=w["alex"].id,
        position="Sam should move",
        contribution_ids=[c.id],
    )
    with pytest.raises(ServiceError, match="already"):
        differing_parties.add_party(
            session,
            view,
            actor=w["manager"],
            version=view.version,
            kind="supporter",
            supporter_id=w["alex"].id,
        )
    with pytest.raises(ServiceError, match="route"):
        differing.resolve(
            session,
            view,
            actor=w["manager"],
            version=view.version,
            outcome="x",
            reasoning="y",
            decision_maker="Sam",
            decided_on=today(),
        )
    with pytest.raises(ServiceError, match="written response"):
        differing.set_route(
            session, view, actor=w["manager"], version=view.version, route="advocate-report"
        )
    differing.set_route(
        session,
        view,
        actor=w["manager"],
        version=view.version,
        route="advocate-report",
        report_received_on=today(),
        response_due_on=today() + timedelta(days=10),
    )
    assert not differing.case(session, view).report_overdue
    assert differing.case(session, view, as_of=today() + timedelta(days=11)).report_overdue
    with pytest.raises(ServiceError, match="needs a written response"):
        differing.resolve(
            session,
            view,
            actor=w["manager"],
            version=view.version,
            outcome="x",
            reasoning="y",
            decision_maker="Sam",
            decided_on=today(),
        )
    differing.record_written_response(
        session, view, actor=w["manager"], version=view.version, sent_on=today()
    )
    with pytest.raises(StaleRecord):
        differing.resolve(
            session,
            view,
            actor=w["manager"],
            version=1,
            outcome="x",
            reasoning="y",
            decision_maker="Sam",
            decided_on=today(),
        )
    differing.resolve(
        session,
        view,
        actor=w["manager"],
        version=view.version,
        outcome="Sam stays",
        reasoning="It is Sam's decision and Sam has capacity for it",
        decision_maker="Sam",
        outcome_code="person-followed",
        decided_on=today(),
    )
    assert view.status == CaseStatus.RESOLVED and view.resolved_at is not None
    with pytest.raises(ServiceError, match="resolved"):
        differing.set_route(
            session, view, actor=w["manager"], version=view.version, route="discussion"
        )
    assert [c.view for c in differing.register(session, status="resolved")] == [view]
    assert differing.register(session, route="none") == []


def test_views_not_about_wishes_and_ageing(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    view = differing.open_view(
        session, world["review"], actor=world["manager"], summary="Staffing", about_wishes=False
    )
    assert differing_parties.parties(session, view) == []
    view.opened_at = utcnow() - timedelta(days=30)
    case = differing.case(session, view)
    assert case.age_days == 30 and case.age_band == "4-to-8-weeks"
    assert [differing.age_band(d) for d in (0, 13, 14, 27, 28, 55, 56)] == [
        "under-2-weeks",
        "under-2-weeks",
        "2-to-4-weeks",
        "2-to-4-weeks",
        "4-to-8-weeks",
        "4-to-8-weeks",
        "over-8-weeks",
    ]


# --- capacity and best interests ---------------------------------------------------------------


def _assess(session: Session, w, **changes):  # type: ignore[no-untyped-def]
    values = {
        "decision": "Whether to move to a new home",
        "area": "health-welfare",
        "doubt_reason": "Sam seemed not to remember the visit",
        "steps_taken": "Easy-read leaflet, two visits",
        "findings": {
            "understand": True,
            "retain": False,
            "use_or_weigh": True,
            "communicate": True,
        },
        "notes": {"retain": "Could not recall the options after 5 minutes, on 2 days"},
        "impairment": "Learning disability",
        "assessed_on": today(),
    }
    values.update(changes)
    return capacity.assess(session, w["sam"], actor=w["manager"], review=w["review"], **values)


def test_capacity_is_presumed_and_decision_specific(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    for changes, message in [
        ({"decision": ""}, "decision-specific"),
        ({"doubt_reason": ""}, "presumed"),
        ({"steps_taken": ""}, "help the person"),
        ({"findings": {"understand": True}}, "all 4"),
        ({"notes": {}}, "say why"),
        ({"impairment": None}, "impairment"),
        ({"assessed_on": today() + timedelta(days=1)}, "future"),
        ({"area": "anything"}, "health and welfare"),
    ]:
        with pytest.raises(ServiceError, match=message):
            _assess(session, world, **changes)
    able = _assess(
        session,
        world,
        findings=dict.fromkeys(capacity.FUNCTIONAL_TESTS, True),
        notes={},
        impairment=None,
    )
    assert able.outcome == CapacityOutcome.HAS_CAPACITY
    with pytest.raises(ServiceError, match="theirs to make"):
        best_interests.start_best_interests(session, able, actor=world["manager"])


def test_best_interests_and_authority_in_scope(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    assessment = _assess(session, w)
    assert assessment.outcome == CapacityOutcome.LACKS_CAPACITY
    record = best_interests.start_best_interests(session, assessment, actor=w["manager"])
    assert best_interests.start_best_interests(session, assessment, actor=w["manager"]) is record
    with pytest.raises(ServiceError, match="wishes"):
        best_interests.decide(
            session,
            record,
            actor=w["manager"],
            version=record.version,
            decision="Move",
            reasoning="Safer",
            decided_on=today(),
        )
    wish = best_interests.link_wish(
        session, record, actor=w["manager"], version=record.version, response_id=w["stay"].id
    )
    assert wish.period == "present"
    with pytest.raises(ServiceError, match="already linked"):
        best_interests.link_wish(
            session, record, actor=w["manager"], version=record.version, response_id=w["stay"].id
        )
    with pytest.raises(ServiceError, match="less restrictive"):
        best_interests.decide(
            session,
            record,
            actor=w["manager"],
            version=record.version,
            decision="Move",
            reasoning="Safer",
            decided_on=today(),
        )
    best_interests.update_best_interests(
        session,
        record,
        actor=w["manager"],
        version=record.version,
        past_wishes=None,
        present_wishes="Wants to stay",
        beliefs_values="Close to church",
        less_restrictive="A stair lift; a ground-floor room",
    )
    with pytest.raises(ServiceError, match="consulted"):
        best_interests.decide(
            session,
            record,
            actor=w["manager"],
            version=record.version,
            decision="Stay",
            reasoning="Least restrictive",
            decided_on=today(),
        )
    mary_pf = people.add_authority(
        session,
        w["mary"],
        actor=w["staff"],
        kind=AuthorityKind.LPA_PROPERTY_FINANCE,
        scope="Money",
        reference="LPA-PF-1",
        checked=True,
    )
    session.flush()
    consultee = best_interests.add_consultee(
        session,
        record,
        actor=w["manager"],
        version=record.version,
        supporter_id=w["mary"].id,
        name=None,
        role=None,
        view="Sam should move",
        consulted_on=today(),
    )
    assert consultee.role == "attorney" and consultee.name == "Mary Carter"
    standing = best_interests.standing(session, consultee, assessment.area)
    assert (
        not standing.is_decision
        and standing.reason == "outside-authority"
        and standing.authority == mary_pf
    )
    hw = people.add_authority(
        session,
        w["mary"],
        actor=w["staff"],
        kind=AuthorityKind.LPA_HEALTH_WELFARE,
        scope="Health and care",
        reference="LPA-HW-1",
        checked=False,
    )
    session.flush()
    assert (
        best_interests.standing(session, consultee, assessment.area).reason
        == "authority-not-checked"
    )
    hw.checked_at = utcnow()
    now = best_interests.standing(session, consultee, assessment.area)
    assert now.is_decision and now.authority == hw
    assert best_interests.standing(
        session, consultee, "property-finance"
    ).is_decision  # PF LPA was checked
    family = best_interests.add_consultee(
        session,
        record,
        actor=w["manager"],
        version=record.version,
        supporter_id=w["alex"].id,
        name=None,
        role=None,
        view="Stay",
        consulted_on=today(),
    )
    assert best_interests.standing(session, family, assessment.area).reason == "no-authority"
    with pytest.raises(StaleRecord):
        best_interests.decide(
            session,
            record,
            actor=w["manager"],
            version=1,
            decision="Stay",
            reasoning="x",
            decided_on=today(),
        )
    best_interests.decide(
        session,
        record,
        actor=w["manager"],
        version=record.version,
        decision="Sam stays, with a stair lift",
        reasoning="Sam's present wishes; least restrictive",
        decided_on=today(),
    )
    assert record.status == CaseStatus.RESOLVED
    with pytest.raises(ServiceError, match="cannot change"):
        best_interests.link_wish(
            session, record, actor=w["manager"], version=record.version, response_id=w["liked"].id
        )
    rows = capacity.assessments(session, person_id=w["sam"].id)
    assert rows[0][2] == record


# --- complaints --------------------------------------------------------------------------------


def test_complaint_timings_and_the_ombudsman_route(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    received = today() - timedelta(days=10)
    complaint = complaints.receive(
        session,
        actor=w["manager"],
        raised_by="Alex Carter",
        raised_by_role="brother",
        about="Not told about the review",
        topic="family-involvement",
        received_on=received,
        person=w["sam"],
    )
    assert complaint.acknowledge_by == add_working_days(received, 3)
    case = complaints.case(session, complaint)
    assert case.detail.response_due_on == add_working_days(received, 20)
    assert case.overdue == ["acknowledgement"]
    assert complaints.register(session)[0].overdue == ["acknowledgement"]
    complaints.acknowledge(
        session, complaint, actor=w["manager"], version=1, acknowledged_on=today()
    )
    assert complaints.case(session, complaint).overdue == []
    assert complaints.case(session, complaint, as_of=today() + timedelta(days=60)).overdue == [
        "response"
    ]
    with pytest.raises(ServiceError, match="Ombudsman"):
        complaints.respond(
            session,
            complaint,
            actor=w["manager"],
            version=complaint.version,
            response="Sorry",
            outcome="Upheld",
            responded_on=today(),
            ombudsman_route_stated=False,
        )
    with pytest.raises(StaleRecord):
        complaints.respond(
            session,
            complaint,
            actor=w["manager"],
            version=1,
            response="Sorry",
            outcome="Upheld",
            responded_on=today(),
            ombudsman_route_stated=True,
        )
    complaints.respond(
        session,
        complaint,
        actor=w["manager"],
        version=complaint.version,
        response="Sorry",
        outcome="Upheld",
        responded_on=today(),
        ombudsman_route_stated=True,
    )
    assert complaint.status == CaseStatus.RESOLVED and complaint.ombudsman_route_stated
    assert complaints.case(session, complaint, as_of=today() + timedelta(days=60)).overdue == []
    with pytest.raises(ServiceError, match="future"):
        complaints.receive(
            session,
            actor=w["manager"],
            raised_by="X",
            raised_by_role=None,
            about="Y",
            topic="other",
            received_on=today() + timedelta(days=1),
        )


# --- decisions communicated ----------------------------------------------------------------------


def test_who_was_told_and_the_gaps(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    with pytest.raises(ServiceError, match="a form they can use"):
        communications.record(
            session,
            w["sam"],
            actor=w["staff"],
            review=w["review"],
            subject="review-outcome",
            recipient_kind="person",
            told_on=today(),
            method="in-person",
            formats=["standard-print"],
        )
    communications.record(
        session,
        w["sam"],
        actor=w["staff"],
        review=w["review"],
        subject="review-outcome",
        recipient_kind="person",
        told_on=today(),
        method="in-person",
        formats=["easy-read", "spoken"],
    )
    communications.record(
        session,
        w["sam"],
        actor=w["staff"],
        review=w["review"],
        subject="review-outcome",
        recipient_kind="supporter",
        supporter_id=w["mary"].id,
        told_on=today(),
        method="letter",
        formats=["standard-print"],
    )
    _agreement(session, w)  # Alex prefers email
    communications.record(
        session,
        w["sam"],
        actor=w["staff"],
        review=w["review"],
        subject="review-outcome",
        recipient_kind="supporter",
        supporter_id=w["alex"].id,
        told_on=today(),
        method="phone",
        formats=["standard-print"],
    )
    told = communications.for_person(session, w["sam"], review=w["review"])
    gaps = {
        (t.communication.recipient_kind, t.supporter.name if t.supporter else None): t.gaps
        for t in told
    }
    assert gaps == {
        ("person", None): [],
        ("supporter", "Mary Carter"): ["no-agreement"],
        ("supporter", "Alex Carter"): ["not-as-agreed"],
    }
    other = person(session, w["staff"], "Ellis")
    with pytest.raises(NotAllowed):
        communications.record(
            session,
            w["sam"],
            actor=w["staff"],
            review=w["review"],
            subject="other",
            recipient_kind="supporter",
            supporter_id=people.add_supporter(
                session,
                other,
                actor=w["staff"],
                name="Z",
                relationship="friend",
                role=SupporterRole.FRIEND,
            ).id
            or 0,
            told_on=today(),
            method="email",
            formats=["easy-read"],
        )


def test_demo_governance_records(session: Session) -> None:
    from facilitator.services import demo

    demo.load(session)  # the demo loads its governance records too
    assert len(agreements.due_for_review(session)) == 1
    assert [c.complaint.raised_by for c in complaints.register(session, status="open")] == [
        "Rhys Hughes"
    ]
    assert complaints.register(session, status="resolved")[0].complaint.ombudsman_route_stated
