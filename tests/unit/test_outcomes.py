"""Outcome figures (issue 20), checked against a known data set built through the services,
the rules of a coded outcome (each refusal), and a property: the "against the person's view"
share never counts a differing view twice, nor one that is open, unresolved or uncoded."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from facilitator.models import (
    CaseStatus,
    DifferingView,
    DifferingViewDetail,
    DifferingViewParty,
    OutcomeCode,
    PartyKind,
    Role,
    SupporterRole,
    utcnow,
)
from facilitator.services import ServiceError, people
from facilitator.services.governance import capacity, differing, differing_parties, today
from facilitator.services.reporting import dashboard, outcomes
from facilitator.services.reviews import actions, you_said

from .test_governance_dashboard import OAK, OTHER, _at, _choose, _confirm, _review, _user

pytestmark = pytest.mark.db


def _held(session: Session, staff: Any, who: Any, day: Any, *, confirm: bool = True) -> Any:
    review = _review(session, staff, who, day)
    said = _choose(session, staff, review, 1, "no")
    if confirm:
        _confirm(review, _at(day, 11))
    return review, said


def _action(session: Session, staff: Any, review: Any, said: Any, text: str) -> Any:
    made = actions.create_action(
        session,
        review,
        actions.ActionInput(
            statement_ids=[said.id],
            plain_text=text,
            easy_read_text=text,
            owner_name="Sian Jones",
        ),
        actor=staff,
    )
    session.flush()
    return made


def _status(session: Session, staff: Any, action: Any, status: str) -> None:
    actions.set_status(
        session,
        action,
        status,
        actor=staff,
        version=action.version,
        reason="Not possible this year" if status == "not-done" else None,
    )
    session.flush()


def _answer(session: Session, staff: Any, review: Any, action: Any, answer: str) -> None:
    you_said.record_follow_up(
        session, review, action, client_id=uuid.uuid4().hex, answer=answer, facilitator=staff
    )
    session.flush()


def _view(
    session: Session,
    manager: Any,
    review: Any,
    said: Any,
    supporters: list[Any],
    code: str | None,
    **coded: Any,
) -> DifferingView:
    view = differing.open_view(
        session, review, actor=manager, summary="Views differ", response_ids=[said.id]
    )
    session.flush()
    for supporter in supporters:
        differing_parties.add_party(
            session,
            view,
            actor=manager,
            version=view.version,
            kind="supporter",
            supporter_id=supporter.id,
            position="Another way",
        )
        session.flush()
    if code is None:
        return view  # left open
    differing.set_route(session, view, actor=manager, version=view.version, route="discussion")
    session.flush()
    differing.resolve(
        session,
        view,
        actor=manager,
        version=view.version,
        outcome="What happened, in words",
        reasoning="Why",
        decision_maker="Morgan Evans, manager",
        decided_on=today(),
        outcome_code=code,
        **coded,
    )
    session.flush()
    return view


def _lacks_capacity(session: Session, manager: Any, who: Any, *, retain: bool = False) -> Any:
    made = capacity.assess(
        session,
        who,
        actor=manager,
        decision="Whether to move",
        area="health-welfare",
        doubt_reason="Forgot the visit",
        steps_taken="Easy read, 2 visits",
        findings={"understand": True, "retain": retain, "use_or_weigh": True, "communicate": True},
        notes={"retain": "Could not recall"},
        impairment="Learning disability",
        assessed_on=today(),
    )
    session.flush()
    return made


def known_outcomes(session: Session) -> dict[str, Any]:
    """The data set whose outcome figures the tests know (see the expected values below).

    Period: the last 30 days. Did it happen? Sam's actions a1-a4 (written 60 days ago) are
    asked about at his review 10 days ago: a1 yes (staff: done), a2 partly (staff: done, a
    disagreement), a3 no (staff: planned), a4 not answered (staff: in progress); a0, written
    120 days ago, had its next review 60 days ago (outside the period): not counted. Ellis's
    b1: yes, staff planned (a disagreement). Gwen's g1 (Tŷ Celyn): not sure, staff not done.
    Differing views, all resolved today unless said: V1 Alex+Jo, Alex's view followed; V2
    Alex+Mary, the person's view followed; V3 Jo, best interests against the person's wish;
    V4 Alex, unresolved; V5 Alex, escalated; V6 Kit (Ellis), a way the person agreed; V7 Rhys
    (Gwen, Tŷ Celyn), Rhys's view followed; V8 Alex, still open; V9 Alex, resolved before
    codes existed (uncoded).
    """
    t = today()
    staff = _user(session, Role.STAFF, "Sian Jones")
    manager = _user(session, Role.MANAGER, "Morgan Evans")
    sam = people.create_person(
        session, actor=staff, preferred_name="Sam", full_name="Samuel Carter", service=OAK
    )
    ellis = people.create_person(
        session, actor=staff, preferred_name="Ellis", full_name="Ellis Morgan", service=OAK
    )
    gwen = people.create_person(
        session, actor=staff, preferred_name="Gwen", full_name="Gwen Hughes", service=OTHER
    )

    def supporter(who: Any, name: str, relationship: str, role: SupporterRole) -> Any:
        return people.add_supporter(
            session, who, actor=staff, name=name, relationship=relationship, role=role
        )

    alex = supporter(sam, "Alex Carter", "brother", SupporterRole.FAMILY)
    mary = supporter(sam, "Mary Carter", "mother", SupporterRole.FAMILY)
    jo = supporter(sam, "Jo Patel", "advocate", SupporterRole.CARE_ACT_ADVOCATE)
    kit = supporter(ellis, "Kit Lee", "sister", SupporterRole.FAMILY)
    rhys = supporter(gwen, "Rhys Hughes", "son", SupporterRole.FAMILY)
    session.flush()

    s0, s0_said = _held(session, staff, sam, t - timedelta(days=120))
    a0 = _action(session, staff, s0, s0_said, "a0 Sam's garden")
    s1, s1_said = _held(session, staff, sam, t - timedelta(days=60))
    a1, a2, a3, a4 = (
        _action(session, staff, s1, s1_said, f"{name} for Sam") for name in ("a1", "a2", "a3", "a4")
    )
    e1, e1_said = _held(session, staff, ellis, t - timedelta(days=60))
    b1 = _action(session, staff, e1, e1_said, "b1 for Ellis")
    g1_review, g1_said = _held(session, staff, gwen, t - timedelta(days=60))
    g1 = _action(session, staff, g1_review, g1_said, "g1 for Gwen")
    _status(session, staff, a1, "done")
    _status(session, staff, a2, "done")
    _status(session, staff, a4, "in-progress")
    _status(session, staff, g1, "not-done")

    s2, s2_said = _held(session, staff, sam, t - timedelta(days=10), confirm=False)
    e2, e2_said = _held(session, staff, ellis, t - timedelta(days=5), confirm=False)
    g2, g2_said = _held(session, staff, gwen, t - timedelta(days=3), confirm=False)
    _answer(session, staff, s2, a1, "yes")
    _answer(session, staff, s2, a2, "no")
    _answer(session, staff, s2, a2, "partly")  # a change of mind: the latest answer counts
    _answer(session, staff, s2, a3, "no")
    _answer(session, staff, e2, b1, "yes")
    _answer(session, staff, g2, g1, "not-sure")
    for review, day in ((s2, 10), (e2, 5), (g2, 3)):
        _confirm(review, _at(t - timedelta(days=day), 11))
    session.flush()

    lacks = _lacks_capacity(session, manager, sam)
    v1 = _view(session, manager, s2, s2_said, [alex, jo], "supporter-followed",
               followed_supporter_id=alex.id)  # fmt: skip
    v2 = _view(session, manager, s2, s2_said, [alex, mary], "person-followed")
    v3 = _view(session, manager, s2, s2_said, [jo], "best-interests-against",
               assessment_id=lacks.id)  # fmt: skip
    v4 = _view(session, manager, s2, s2_said, [alex], "unresolved")
    v5 = _view(session, manager, s2, s2_said, [alex], "escalated")
    v6 = _view(session, manager, e2, e2_said, [kit], "agreed-way")
    v7 = _view(session, manager, g2, g2_said, [rhys], "supporter-followed",
               followed_supporter_id=rhys.id)  # fmt: skip
    v8 = _view(session, manager, s2, s2_said, [alex], None)
    v9 = _view(session, manager, s2, s2_said, [alex], "person-followed")
    detail = session.get(DifferingViewDetail, v9.id)
    assert detail is not None
    detail.outcome_code = None  # as migration 0025 leaves a view resolved before it
    session.flush()
    return {
        "t": t, "staff": staff, "manager": manager, "sam": sam, "ellis": ellis, "gwen": gwen,
        "alex": alex, "mary": mary, "jo": jo, "kit": kit, "rhys": rhys, "lacks": lacks,
        "actions": {"a0": a0, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1, "g1": g1},
        "views": {"v1": v1, "v2": v2, "v3": v3, "v4": v4, "v5": v5, "v6": v6, "v7": v7,
                  "v8": v8, "v9": v9},
        "reviews": {"s2": s2, "e2": e2, "g2": g2},
    }  # fmt: skip


def _services(session: Session) -> dict[str, int]:
    from facilitator.models import Service

    return {s.name: s.id for s in session.query(Service).all()}


def test_did_it_happen_counts_the_persons_answers_beside_staffs_status(session: Session) -> None:
    k = known_outcomes(session)
    t, a = k["t"], k["actions"]
    found = outcomes.did_it_happen(session, service_ids=None, start=t - timedelta(days=30), end=t)
    assert (found.happened, found.partly, found.did_not, found.not_sure, found.not_answered) == (
        2, 1, 1, 1, 1,
    )  # fmt: skip
    assert (found.answered, found.asked) == (5, 6)
    assert found.happened_share.percent == 40 and found.partly_share.percent == 20
    assert found.staff == {"planned": 2, "in-progress": 1, "done": 2, "not-done": 1}
    assert [(d.action_id, d.person_answer, d.staff_status) for d in found.disagreements] == [
        (a["a2"].id, "partly", "done"),
        (a["b1"].id, "yes", "planned"),
    ]
    two = next(d for d in found.disagreements if d.action_id == a["a2"].id)
    assert two.answered_at_review_id == k["reviews"]["s2"].id
    assert two.person_id == k["sam"].id

    oak = _services(session)[OAK]
    mine = outcomes.did_it_happen(session, service_ids=[oak], start=t - timedelta(days=30), end=t)
    assert (mine.happened, mine.partly, mine.did_not, mine.not_sure, mine.not_answered) == (
        2, 1, 1, 0, 1,
    )  # fmt: skip
    assert mine.staff == {"planned": 2, "in-progress": 1, "done": 2, "not-done": 0}
    # a0's next review was 60 days ago: in a period that covers it, it is "not answered".
    earlier = outcomes.did_it_happen(
        session, service_ids=None, start=t - timedelta(days=61), end=t - timedelta(days=59)
    )
    assert (earlier.answered, earlier.not_answered) == (0, 1)
    nothing = outcomes.did_it_happen(session, service_ids=[], start=t - timedelta(days=30), end=t)
    assert nothing.asked == 0


def test_against_the_persons_view_per_role_and_supporter(session: Session) -> None:
    k = known_outcomes(session)
    t, v = k["t"], k["views"]
    found = outcomes.against_persons_view(
        session, service_ids=None, start=t - timedelta(days=30), end=t
    )
    assert found.decided_ids == sorted(v[n].id for n in ("v1", "v2", "v3", "v6", "v7"))
    assert found.against_ids == sorted(v[n].id for n in ("v1", "v3", "v7"))
    assert (found.total.part, found.total.whole, found.total.percent) == (3, 5, 60)
    assert (found.unresolved, found.escalated, found.uncoded) == (1, 1, 1)
    assert found.codes == {
        "person-followed": 1,
        "agreed-way": 1,
        "best-interests-against": 1,
        "supporter-followed": 2,
    }
    by_supporter = {
        r.supporter.name: (r.decided, r.against, r.followed_over_person, r.share.percent)
        for r in found.by_supporter
    }
    assert by_supporter == {
        "Alex Carter": (2, 1, 1, 50),
        "Jo Patel": (2, 2, 0, 100),
        "Mary Carter": (1, 0, 0, 0),
        "Kit Lee": (1, 0, 0, 0),
        "Rhys Hughes": (1, 1, 1, 100),
    }
    by_role = {r.role: (r.decided, r.against, r.followed_over_person) for r in found.by_role}
    # V2 has two family members as parties: the family role counts it once.
    assert by_role == {"family": (4, 2, 2), "care-act-advocate": (2, 2, 0)}
    alex = next(r for r in found.by_supporter if r.supporter.name == "Alex Carter")
    assert alex.view_ids == sorted([v["v1"].id, v["v2"].id]) and alex.person.id == k["sam"].id

    oak = _services(session)[OAK]
    mine = outcomes.against_persons_view(
        session, service_ids=[oak], start=t - timedelta(days=30), end=t
    )
    assert (mine.total.part, mine.total.whole) == (2, 4)
    assert {r.role: (r.decided, r.against) for r in mine.by_role} == {
        "family": (3, 1),
        "care-act-advocate": (2, 2),
    }
    before = outcomes.against_persons_view(
        session, service_ids=None, start=t - timedelta(days=30), end=t - timedelta(days=1)
    )
    assert before.total.whole == 0 and before.by_supporter == []


def test_trends_by_quarter_and_services_compared(session: Session) -> None:
    k = known_outcomes(session)
    t = k["t"]
    trends = outcomes.quarterly_trends(session, service_ids=None, as_of=t)
    assert len(trends) == 8
    assert trends[-1].end == t and trends[-1].start == outcomes.quarter_of(t)[0]
    for earlier, later in zip(trends, trends[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
    first = trends[0].start
    # Every quarter's figures add up to the figures of the whole 8 quarters.
    whole = outcomes.did_it_happen(session, service_ids=None, start=first, end=t)
    assert sum(q.happened.part for q in trends) == whole.happened == 2
    assert sum(q.happened.whole for q in trends) == whole.answered == 5
    assert sum(q.disagreements for q in trends) == 2
    assert sum(q.against.part for q in trends) == 3
    assert sum(q.against.whole for q in trends) == 5
    d = dashboard.build(session, dashboard.Period(first, t), as_of=t)
    assert sum(q.reviews_held for q in trends) == d.reviews_held == 7
    assert sum(q.actions for q in trends) == d.actions_total == 7
    assert sum(q.differing_resolved for q in trends) == sum(d.differing_resolved.values()) == 8
    assert sum(q.differing_opened for q in trends) == 9
    assert [q.label for q in trends][-1] == f"{t.year} Q{(t.month - 1) // 3 + 1}"

    ids = _services(session)
    rows = outcomes.service_comparison(
        session, service_ids=None, start=t - timedelta(days=30), end=t
    )
    by_name = {r.label: r for r in rows}
    assert set(by_name) == {OAK, OTHER}
    oak, other = by_name[OAK], by_name[OTHER]
    assert oak.service_id == ids[OAK]
    assert (oak.happened.part, oak.happened.whole, oak.not_answered) == (2, 4, 1)
    assert (oak.against.part, oak.against.whole, oak.disagreements) == (2, 4, 2)
    assert (other.happened.part, other.happened.whole) == (0, 1)
    assert (other.against.part, other.against.whole) == (1, 1)
    assert (oak.reviews_held, other.reviews_held) == (2, 1)  # held in the last 30 days
    only = outcomes.service_comparison(
        session, service_ids=[ids[OTHER]], start=t - timedelta(days=30), end=t
    )
    assert [r.label for r in only] == [OTHER]


def test_quarters_are_calendar_quarters() -> None:
    from datetime import date

    assert outcomes.quarter_of(date(2026, 12, 7)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert outcomes.quarter_of(date(2026, 1, 1)) == (date(2026, 1, 1), date(2026, 3, 31))
    found = outcomes.quarters_to(date(2026, 12, 7), 8)
    assert found[0] == (date(2025, 1, 1), date(2025, 3, 31))
    assert found[-1] == (date(2026, 10, 1), date(2026, 12, 7))
    assert outcomes.quarter_label(date(2026, 10, 1)) == "2026 Q4"


# --- the rules of a coded outcome ------------------------------------------------------------


@pytest.fixture
def open_view(session: Session) -> dict[str, Any]:
    t = today()
    staff = _user(session, Role.STAFF, "Sian Jones")
    manager = _user(session, Role.MANAGER, "Morgan Evans")
    sam = people.create_person(
        session, actor=staff, preferred_name="Sam", full_name="Samuel Carter", service=OAK
    )
    alex = people.add_supporter(
        session, sam, actor=staff, name="Alex Carter", relationship="brother",
        role=SupporterRole.FAMILY,
    )  # fmt: skip
    mary = people.add_supporter(
        session, sam, actor=staff, name="Mary Carter", relationship="mother",
        role=SupporterRole.FAMILY,
    )  # fmt: skip
    review, said = _held(session, staff, sam, t - timedelta(days=2))
    view = _view(session, manager, review, said, [alex], None)
    differing.set_route(session, view, actor=manager, version=view.version, route="discussion")
    session.flush()
    return {"view": view, "manager": manager, "sam": sam, "alex": alex, "mary": mary}


def _resolve(session: Session, w: dict[str, Any], **coded: Any) -> None:
    differing.resolve(
        session,
        w["view"],
        actor=w["manager"],
        version=w["view"].version,
        outcome="In words",
        reasoning="Why",
        decision_maker="Morgan Evans",
        decided_on=today(),
        **coded,
    )


@pytest.mark.parametrize("code", [None, "", "probably-fine"])
def test_an_outcome_needs_a_code_from_the_list(
    session: Session, open_view: dict[str, Any], code: Any
) -> None:
    with pytest.raises(ServiceError, match="Choose how it ended"):
        _resolve(session, open_view, outcome_code=code)
    assert open_view["view"].status == CaseStatus.OPEN


def test_a_supporters_view_followed_names_a_supporter_among_the_parties(
    session: Session, open_view: dict[str, Any]
) -> None:
    w = open_view
    with pytest.raises(ServiceError, match="Choose the supporter whose view was followed"):
        _resolve(session, w, outcome_code="supporter-followed")
    with pytest.raises(ServiceError, match="must be one of the parties"):
        _resolve(session, w, outcome_code="supporter-followed", followed_supporter_id=w["mary"].id)
    _resolve(session, w, outcome_code="supporter-followed", followed_supporter_id=w["alex"].id)
    detail = session.get(DifferingViewDetail, w["view"].id)
    assert detail is not None
    assert (detail.outcome_code, detail.followed_supporter_id, detail.assessment_id) == (
        OutcomeCode.SUPPORTER_FOLLOWED,
        w["alex"].id,
        None,
    )
    assert w["view"].status == CaseStatus.RESOLVED


def test_a_best_interests_decision_against_the_wish_needs_the_capacity_record(
    session: Session, open_view: dict[str, Any]
) -> None:
    w = open_view
    with pytest.raises(ServiceError, match="needs the capacity assessment"):
        _resolve(session, w, outcome_code="best-interests-against")
    has = _lacks_capacity(session, w["manager"], w["sam"], retain=True)
    with pytest.raises(ServiceError, match="has capacity for the decision"):
        _resolve(session, w, outcome_code="best-interests-against", assessment_id=has.id)
    with pytest.raises(ServiceError, match="this person's capacity assessments"):
        _resolve(session, w, outcome_code="best-interests-against", assessment_id=999999)
    lacks = _lacks_capacity(session, w["manager"], w["sam"])
    # A supporter named by mistake is not kept: only the code's own reference is.
    _resolve(
        session,
        w,
        outcome_code="best-interests-against",
        assessment_id=lacks.id,
        followed_supporter_id=w["alex"].id,
    )
    detail = session.get(DifferingViewDetail, w["view"].id)
    assert detail is not None
    assert (detail.outcome_code, detail.assessment_id, detail.followed_supporter_id) == (
        OutcomeCode.BEST_INTERESTS_AGAINST,
        lacks.id,
        None,
    )


def test_a_capacity_assessment_of_someone_else_is_refused(
    session: Session, open_view: dict[str, Any]
) -> None:
    w = open_view
    other = people.create_person(
        session, actor=w["manager"], preferred_name="Ellis", full_name="Ellis Morgan", service=OAK
    )
    theirs = _lacks_capacity(session, w["manager"], other)
    with pytest.raises(ServiceError, match="this person's capacity assessments"):
        _resolve(session, w, outcome_code="best-interests-against", assessment_id=theirs.id)


# --- the property: never twice, never unresolved ---------------------------------------------

CODES = [None, *[c.value for c in OutcomeCode]]
VIEWS = st.lists(
    st.fixed_dictionaries(
        {
            "resolved": st.booleans(),
            "code": st.sampled_from(CODES),
            # Supporter indices (0-3), repeats allowed: a supporter listed twice on one view.
            "parties": st.lists(st.integers(0, 3), max_size=5),
            "followed": st.one_of(st.none(), st.integers(0, 3)),
        }
    ),
    max_size=8,
)
ROLES = [SupporterRole.FAMILY, SupporterRole.FAMILY, SupporterRole.IMCA, SupporterRole.ATTORNEY]


@pytest.fixture
def cast(session: Session) -> dict[str, Any]:
    staff = _user(session, Role.STAFF, "Sian Jones")
    sam = people.create_person(
        session, actor=staff, preferred_name="Sam", full_name="Samuel Carter", service=OAK
    )
    supporters = [
        people.add_supporter(
            session, sam, actor=staff, name=f"Supporter {i}", relationship="friend", role=role
        )
        for i, role in enumerate(ROLES)
    ]
    review, _said = _held(session, staff, sam, today() - timedelta(days=1))
    session.flush()
    return {"review": review, "supporters": supporters}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(views=VIEWS)
def test_the_share_never_counts_a_view_twice_nor_an_undecided_one(
    session: Session, cast: dict[str, Any], views: list[dict[str, Any]]
) -> None:
    supporters = cast["supporters"]
    nested = session.begin_nested()
    try:
        now = utcnow()
        made: list[tuple[int, dict[str, Any]]] = []
        for spec in views:
            view = DifferingView(
                review_id=cast["review"].id,
                summary="x",
                status=CaseStatus.RESOLVED if spec["resolved"] else CaseStatus.OPEN,
                resolved_at=now if spec["resolved"] else None,
            )
            session.add(view)
            session.flush()
            followed = spec["followed"]
            session.add(
                DifferingViewDetail(
                    differing_view_id=view.id,
                    outcome_code=OutcomeCode(spec["code"]) if spec["code"] else None,
                    followed_supporter_id=supporters[followed].id if followed is not None else None,
                )
            )
            session.add(DifferingViewParty(differing_view_id=view.id, kind=PartyKind.PERSON))
            for index in spec["parties"]:
                session.add(
                    DifferingViewParty(
                        differing_view_id=view.id,
                        kind=PartyKind.SUPPORTER,
                        supporter_id=supporters[index].id,
                    )
                )
            made.append((view.id, spec))
        session.flush()
        found = outcomes.against_persons_view(
            session, service_ids=None, start=today() - timedelta(days=1), end=today()
        )
        decided_codes = {c.value for c in outcomes.DECIDED}
        against_codes = {"best-interests-against", "supporter-followed"}
        decided = {i: s for i, s in made if s["resolved"] and s["code"] in decided_codes}
        assert found.decided_ids == sorted(decided)
        assert found.against_ids == sorted(
            i for i, s in decided.items() if s["code"] in against_codes
        )
        assert found.total.whole == len(decided) and found.total.part <= found.total.whole
        assert found.unresolved == sum(
            1 for _, s in made if s["resolved"] and s["code"] == "unresolved"
        )
        assert found.uncoded == sum(1 for _, s in made if s["resolved"] and s["code"] is None)

        def party_to(spec: dict[str, Any]) -> set[int]:
            return set(spec["parties"]) | (
                {spec["followed"]} if spec["followed"] is not None else set()
            )

        for row in found.by_supporter:
            index = next(i for i, s in enumerate(supporters) if s.id == row.supporter.id)
            mine = sorted(i for i, s in decided.items() if index in party_to(s))
            assert row.view_ids == mine  # each view once, only decided ones
            assert len(set(row.view_ids)) == len(row.view_ids)
            assert set(row.against_ids) <= set(row.view_ids)
            assert row.against == sum(1 for i in mine if decided[i]["code"] in against_codes)
        listed = {r.supporter.id for r in found.by_supporter}
        assert listed == {supporters[x].id for s in decided.values() for x in party_to(s)}
        for row in found.by_role:
            indices = {i for i, role in enumerate(ROLES) if role == row.role}
            mine = sorted(i for i, s in decided.items() if party_to(s) & indices)
            assert row.view_ids == mine  # two family members on one view: counted once
            assert len(set(row.view_ids)) == len(row.view_ids)
            assert row.against <= row.decided
    finally:
        nested.rollback()
