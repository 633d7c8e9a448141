"""The governance dashboard's figures, checked against a known data set built here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from facilitator.models import (
    ActionStatus,
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingRoute,
    DifferingView,
    DifferingViewParty,
    FlagSource,
    FlagStatus,
    Layer,
    NonParticipationReason,
    OutcomeAction,
    PartyKind,
    ReviewKind,
    ReviewStatus,
    Role,
    SafetyFlag,
    SupporterRole,
    utcnow,
)
from facilitator.services import accounts, people, reviews
from facilitator.services.governance import agreements, communications, complaints, today
from facilitator.services.reporting import dashboard
from facilitator.services.reviews import person_first, person_session, responses

OAK = "Oak House supported living"
OTHER = "Tŷ Celyn care home"
PROMPTS = ["like-where-you-live", "want-to-move", "favourite-food", "see-family-enough"]


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _user(session: Session, role: Role, name: str) -> Any:
    made = accounts.create_user(
        session,
        email=f"{uuid.uuid4().hex[:8]}@example.org",
        name=name,
        role=role,
        password="a-long-password-1",
    )
    accounts.set_pin(session, made, "2468")
    return made


def _review(session: Session, staff: Any, who: Any, day: date, *, start: bool = True) -> Any:
    made = reviews.plan_review(
        session,
        who,
        actor=staff,
        kind=ReviewKind.PLANNED,
        scheduled_for=day,
        facilitator=staff,
        prompt_ids=PROMPTS,
    )
    session.flush()
    session.refresh(made)
    if start:
        person_session.start(session, made, staff, accounts.start_session(session, staff))
        made.person_started_at = _at(day, 10)  # the session took place on the review's day
    return made


def _choose(session: Session, staff: Any, rev: Any, position: int, answer: str | None) -> Any:
    return responses.record_choice(
        session,
        rev,
        rev.prompts[position],
        client_id=uuid.uuid4().hex,
        answer=[answer] if answer else None,
        facilitator=staff,
        skipped=answer is None,
    ).response


def _words(session: Session, staff: Any, rev: Any, method: str) -> Any:
    return responses.record_words(
        session,
        rev,
        rev.prompts[2],
        client_id=uuid.uuid4().hex,
        words=f"My words ({method})",
        method=method,
        facilitator=staff,
    ).response


def _confirm(rev: Any, when: datetime) -> None:
    rev.person_confirmed_at = when
    rev.status = ReviewStatus.PERSON_DONE


def _contribution(
    session: Session, rev: Any, layer: Layer, when: datetime, **values: Any
) -> Contribution:
    c = Contribution(
        review_id=rev.id,
        layer=layer,
        topic_id="where-i-live",
        created_at=when,
        status=values.pop("status", ContributionStatus.SUBMITTED),
        submitted_at=values.pop("submitted_at", when),
        body={"note": "x"},
        **values,
    )
    session.add(c)
    session.flush()
    return c


def known_data(session: Session) -> dict[str, Any]:
    """Build the data set whose figures the tests know (see the expected values below)."""
    t = today()
    staff = _user(session, Role.STAFF, "Sian Jones")
    manager = _user(session, Role.MANAGER, "Morgan Evans")
    sam = people.create_person(
        session, actor=staff, preferred_name="Sam", full_name="Samuel Carter", service=OAK
    )
    ellis = people.create_person(
        session, actor=staff, preferred_name="Ellis", full_name="Ellis Morgan", service=OAK
    )
    priya = people.create_person(
        session, actor=staff, preferred_name="Priya", full_name="Priya Shah", service=OAK
    )
    gwen = people.create_person(
        session, actor=staff, preferred_name="Gwen", full_name="Gwen Hughes", service=OTHER
    )
    noor = people.create_person(
        session, actor=staff, preferred_name="Noor", full_name="Noor Ali", service=OAK
    )
    for who in (ellis, priya, noor):
        people.record_advocate_need(session, who, actor=staff, needed=True, reason="person-asked")
    noor.care_ended_on = t - timedelta(days=5)
    alex = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Alex Carter",
        relationship="brother",
        role=SupporterRole.FAMILY,
    )
    people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Jo Patel",
        relationship="advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
    )
    kit = people.add_supporter(
        session,
        ellis,
        actor=staff,
        name="Kit Lee",
        relationship="advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
    )
    people.add_supporter(
        session,
        gwen,
        actor=staff,
        name="Rhys Hughes",
        relationship="son",
        role=SupporterRole.FAMILY,
    )
    session.flush()

    # Reviews: R1-R4 held in the period at Oak House, R5 planned, R6 before the period,
    # R7 elsewhere.
    r1 = _review(session, staff, sam, t - timedelta(days=20))
    _choose(session, staff, r1, 0, "good")
    _choose(session, staff, r1, 0, "very-good")  # a change of mind supersedes the first tap
    linked_response = _choose(session, staff, r1, 1, "no")
    _words(session, staff, r1, "typed")
    _choose(session, staff, r1, 3, None)  # skipped: not a view
    _confirm(r1, _at(t - timedelta(days=20), 11))
    r2 = _review(session, staff, ellis, t - timedelta(days=15))
    _words(session, staff, r2, "scribed")
    r2_interpreted = _words(session, staff, r2, "interpreted")
    _confirm(r2, _at(t - timedelta(days=15), 11))
    r3 = _review(session, staff, priya, t - timedelta(days=10), start=False)
    person_first.record_non_participation(
        session,
        r3,
        actor=staff,
        reason=NonParticipationReason.UNWELL,
        what_was_tried="Another day; her sister",
        try_again_on=None,
    ).recorded_at = _at(t - timedelta(days=10))
    r4 = _review(session, staff, sam, t - timedelta(days=5))
    _choose(session, staff, r4, 0, "good")
    r5 = _review(session, staff, ellis, t - timedelta(days=1), start=False)
    r6 = _review(session, staff, sam, t - timedelta(days=200))
    _choose(session, staff, r6, 0, "good")
    _confirm(r6, _at(t - timedelta(days=200)))
    r7 = _review(session, staff, gwen, t - timedelta(days=20))
    _choose(session, staff, r7, 0, "good")
    _confirm(r7, _at(t - timedelta(days=20)))

    # Contributions: after the person on R1, before the person on R2 (a staff note).
    first = _contribution(
        session, r1, Layer.FAMILY, _at(t - timedelta(days=19)), supporter_id=alex.id
    )
    alex_v2 = _contribution(
        session,
        r1,
        Layer.FAMILY,
        _at(t - timedelta(days=18)),
        supporter_id=alex.id,
        supersedes_id=first.id,
        version=2,
    )
    _contribution(
        session,
        r1,
        Layer.FAMILY,
        _at(t - timedelta(days=17)),
        supporter_id=alex.id,
        status=ContributionStatus.DRAFT,
        submitted_at=None,
    )
    _contribution(
        session, r2, Layer.STAFF, _at(t - timedelta(days=15), 10), author_user_id=staff.id
    )
    _contribution(session, r2, Layer.ADVOCATE, _at(t - timedelta(days=14)), supporter_id=kit.id)

    # Differing views.
    def view(rev: Any, opened: int, route: DifferingRoute | None, **values: Any) -> DifferingView:
        made = DifferingView(
            review_id=rev.id,
            summary="Views differ",
            route=route,
            opened_by_id=staff.id,
            opened_at=_at(t - timedelta(days=opened)),
            **values,
        )
        session.add(made)
        session.flush()
        return made

    view(
        r1,
        18,
        DifferingRoute.DISCUSSION,
        contribution_id=alex_v2.id,
        status=CaseStatus.RESOLVED,
        resolved_at=_at(t - timedelta(days=10)),
        outcome="Agreed",
        reasoning="Sam's wish",
    )
    d2 = view(r2, 12, DifferingRoute.ADVOCATE_REPORT, response_due_on=t - timedelta(days=2))
    d3 = view(r1, 90, None)
    view(r2, 30, DifferingRoute.JOINT_MEETING)
    view(r7, 5, DifferingRoute.DISCUSSION)
    for dv in (d2, d3):
        session.add(
            DifferingViewParty(
                differing_view_id=dv.id, kind=PartyKind.SUPPORTER, supporter_id=kit.id
            )
        )

    # Complaints.
    k1 = complaints.receive(
        session,
        actor=manager,
        raised_by="Alex Carter",
        raised_by_role="brother",
        about="Not invited",
        topic="family-involvement",
        received_on=t - timedelta(days=30),
        person=sam,
        response_due_on=t - timedelta(days=2),
    )
    complaints.acknowledge(
        session, k1, actor=manager, version=k1.version, acknowledged_on=t - timedelta(days=29)
    )
    complaints.receive(
        session,
        actor=manager,
        raised_by="Kit Lee",
        raised_by_role="advocate",
        about="Late papers",
        topic="advocate-involvement",
        received_on=t - timedelta(days=1),
        person=ellis,
    )
    k3 = complaints.receive(
        session,
        actor=manager,
        raised_by="Alex Carter",
        raised_by_role="brother",
        about="Old",
        topic="other",
        received_on=t - timedelta(days=100),
        person=sam,
    )
    complaints.respond(
        session,
        k3,
        actor=manager,
        version=k3.version,
        response="Sorry",
        outcome="Upheld",
        responded_on=t - timedelta(days=90),
        ombudsman_route_stated=True,
    )
    complaints.receive(
        session,
        actor=manager,
        raised_by="Anon",
        raised_by_role=None,
        about="General",
        topic="other",
        received_on=t - timedelta(days=3),
    )

    # Outcome actions.
    def action(rev: Any, status: ActionStatus, due: int, **values: Any) -> OutcomeAction:
        made = OutcomeAction(
            review_id=rev.id,
            plain_text="Do it",
            easy_read_text="We will do it",
            owner_name="Sian",
            status=status,
            due_on=t + timedelta(days=due),
            **values,
        )
        session.add(made)
        session.flush()
        return made

    a1 = action(r1, ActionStatus.PLANNED, 10)
    a1.responses.append(linked_response)
    action(r1, ActionStatus.IN_PROGRESS, -5, no_link_reason="A legal duty")
    a3 = action(r2, ActionStatus.DONE, -1)
    a3.responses.append(r2_interpreted)
    action(r6, ActionStatus.PLANNED, -30)

    # Safety flags.
    def flag(rev: Any, raised: int, cleared: int | None) -> None:
        session.add(
            SafetyFlag(
                review_id=rev.id,
                person_id=rev.person_id,
                source=FlagSource.ANSWER,
                status=FlagStatus.CLEARED if cleared is not None else FlagStatus.OPEN,
                raised_at=_at(t - timedelta(days=raised)),
                cleared_at=_at(t - timedelta(days=cleared)) if cleared is not None else None,
            )
        )

    flag(r1, 15, 14)
    flag(r4, 3, None)
    flag(r7, 3, None)

    agreements.save(
        session,
        alex,
        actor=staff,
        version=None,
        areas=["reviews"],
        may_see="What Sam shares",
        contact_preference="email",
        escalation_route="Talk first",
        review_on=t + timedelta(days=10),
    )
    for told_on in (t - timedelta(days=5), t - timedelta(days=100)):
        communications.record(
            session,
            sam,
            actor=staff,
            review=r1,
            subject="review-outcome",
            recipient_kind="person",
            told_on=told_on,
            method="in-person",
            formats=["easy-read", "spoken"],
        )
    session.flush()
    del r5, a1, a3
    return {
        "staff": staff,
        "manager": manager,
        "sam": sam,
        "ellis": ellis,
        "priya": priya,
        "alex": alex,
        "kit": kit,
        "reviews": {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r7": r7},
    }


@pytest.mark.db
def test_figures_for_one_service(session: Session) -> None:
    data = known_data(session)
    period = dashboard.make_period(today() - timedelta(days=60), today(), OAK)
    d = dashboard.build(session, period)
    assert d.reviews_held == 4
    assert d.person_confirmed == 2
    assert (d.person_first.part, d.person_first.whole, d.person_first.percent) == (1, 4, 25)
    assert d.non_participation == 1
    assert d.capture == {"tapped": 3, "typed": 1, "scribed": 1, "interpreted": 1}
    assert (d.no_family_with_advocate.part, d.no_family_with_advocate.whole) == (1, 2)
    assert [p.preferred_name for p in d.needing_advocate] == ["Priya"]
    assert d.differing_opened == {
        "discussion": 1,
        "joint-meeting": 1,
        "best-interests": 0,
        "manager-escalation": 0,
        "advocate-report": 1,
        "safeguarding": 0,
        "none": 0,
    }
    assert d.differing_resolved == {**dict.fromkeys(d.differing_resolved, 0), "discussion": 1}
    assert d.differing_open_by_age == {
        "under-2-weeks": 1,
        "2-to-4-weeks": 0,
        "4-to-8-weeks": 1,
        "over-8-weeks": 1,
    }
    assert d.reports_overdue == 1
    assert (d.complaints_received, d.complaints_open, d.complaints_overdue) == (2, 2, 1)
    assert (d.actions_total, d.actions_overdue, d.actions_with_reason) == (3, 1, 1)
    assert (d.actions_linked.part, d.actions_linked.whole, d.actions_linked.percent) == (2, 3, 67)
    assert (d.flags_raised, d.flags_cleared, d.flags_open) == (2, 1, 1)
    assert (d.agreements_due, d.supporters_without_agreement) == (1, 2)
    assert d.communications == 1
    assert d.audit_entries > 0
    patterns = [
        (p.supporter.name, p.contributions, p.differing, p.share.percent) for p in d.supporters
    ]
    assert patterns == [("Kit Lee", 1, 1, 100), ("Alex Carter", 1, 1, 100)]
    assert data["alex"].id in {p.supporter.id for p in d.supporters}


@pytest.mark.db
def test_figures_for_every_service_and_the_rows(session: Session) -> None:
    known_data(session)
    d = dashboard.build(session, dashboard.make_period(today() - timedelta(days=60), today()))
    assert d.reviews_held == 5  # Gwen's review at the other service too
    assert d.person_first.part == 2
    assert (d.no_family_with_advocate.part, d.no_family_with_advocate.whole) == (1, 2)
    assert d.differing_opened["discussion"] == 2
    assert (d.complaints_received, d.complaints_open) == (3, 3)
    assert d.flags_open == 2
    rows = dashboard.figure_rows(d)
    assert {r.section for r in rows} == set(dashboard.SECTIONS)
    by_key = {(r.figure, r.breakdown): r for r in rows}
    assert by_key[("person-first", "")].value == 2 and by_key[("person-first", "")].whole == 5
    assert by_key[("capture", "tapped")].value == 4
    assert by_key[("actions-linked", "")].percent == 67
    assert not any(
        "Alex" in r.breakdown or "Kit" in r.breakdown for r in rows
    )  # no names in the export
    assert any(
        r.figure == "supporter-differing" and r.breakdown.endswith("(care-act-advocate)")
        for r in rows
    )


@pytest.mark.db
def test_an_empty_period_and_bad_periods(session: Session) -> None:
    d = dashboard.build(session, dashboard.make_period(date(2025, 1, 1), date(2025, 1, 31)))
    assert d.reviews_held == 0 and d.person_first.percent is None and d.supporters == []
    with pytest.raises(Exception, match="before its end"):
        dashboard.make_period(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(Exception, match="5 years"):
        dashboard.make_period(date(2015, 2, 1), date(2025, 1, 1))
    default = dashboard.make_period(None, None, "  ")
    assert (
        default.end == today()
        and (default.end - default.start).days == 89
        and default.service is None
    )
    assert utcnow().date() == today()


@pytest.mark.db
def test_a_review_is_held_on_the_day_the_persons_session_took_place(session: Session) -> None:
    """Issue 22: reviews held today, though scheduled for next week, count in today's period."""
    t = today()
    staff = _user(session, Role.STAFF, "Sian Jones")
    sam = people.create_person(session, actor=staff, preferred_name="Sam", full_name="S C")
    early = _review(session, staff, sam, t + timedelta(days=3), start=False)
    person_session.start(session, early, staff, accounts.start_session(session, staff))
    _choose(session, staff, early, 0, "good")
    unwell = _review(session, staff, sam, t + timedelta(days=7), start=False)
    person_first.record_non_participation(
        session,
        unwell,
        actor=staff,
        reason=NonParticipationReason.UNWELL,
        what_was_tried="Another day",
        try_again_on=None,
    )
    late = _review(session, staff, sam, t - timedelta(days=200), start=False)
    person_session.start(session, late, staff, accounts.start_session(session, staff))
    _review(session, staff, sam, t - timedelta(days=2), start=False)  # planned, not yet held
    session.add(
        OutcomeAction(
            review_id=early.id,
            plain_text="Do it",
            easy_read_text="We will do it",
            owner_name="Sian",
            status=ActionStatus.PLANNED,
            due_on=t + timedelta(days=10),
        )
    )
    session.flush()
    d = dashboard.build(session, dashboard.make_period(None, None))
    assert d.reviews_held == 3  # started today (early and late), or could not take part today
    assert d.non_participation == 1
    assert d.capture["tapped"] == 1
    assert d.actions_total == 1
    before = dashboard.build(
        session, dashboard.make_period(t - timedelta(days=30), t - timedelta(1))
    )
    assert before.reviews_held == 0 and before.actions_total == 0
