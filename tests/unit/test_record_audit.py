"""The monthly record audit (issue 20): the sample drawn again from its seed, the sizes refused
kindly, the second-manager rule, findings with owners tracked to done, what the record says,
each step audited, and the figures for the dashboard and the evidence pack (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    DifferingView,
    FindingStatus,
    NonParticipationReason,
    RecordAuditFinding,
    Review,
    Role,
    Service,
    StaffService,
    User,
)
from facilitator.services import NotFound, ServiceError, people
from facilitator.services.governance import communications, record_audit
from facilitator.services.reviews import frozen, lifecycle, person_first

from . import factories

pytestmark = pytest.mark.db

MONTH = date(2026, 10, 1)
ALL_MET = {key: "met" for key in record_audit.ITEM_KEYS}


def _service(session: Session, name: str) -> Service:
    made = Service(name=name)
    session.add(made)
    session.flush()
    return made


def _member(session: Session, role: Role, service: Service, name: str) -> User:
    made = factories.user(session, role, name=name)
    session.add(StaffService(user_id=made.id, service_id=service.id))
    session.flush()
    return made


def _closed(session: Session, staff: User, service: Service, name: str, when: datetime) -> Review:
    """A review of a new person of ``service``, closed at ``when`` (they could not take part)."""
    person = people.create_person(
        session, actor=staff, preferred_name=name, full_name=f"{name} Test", service=service.name
    )
    review = factories.review(session, staff, person)
    person_first.record_non_participation(
        session, review, actor=staff, reason=NonParticipationReason.UNWELL,
        what_was_tried="Another day, pictures", try_again_on=None,
    )  # fmt: skip
    communications.record(
        session, person, actor=staff, subject="review-outcome", recipient_kind="person",
        told_on=date.today(), method="in-person", formats=["easy-read"], review=review,
    )  # fmt: skip
    lifecycle.close_review(
        session, review, staff,
        lifecycle.Closing("Agreed to try again", "Sam and Sian", not_shared_reason="Unwell"),
    )  # fmt: skip
    with frozen.changing(session, review):
        review.closed_at = when
        session.flush()
    return review


@pytest.fixture
def oak(session: Session) -> dict[str, Any]:
    """Oak House with 6 reviews closed in October 2026 and 1 in November; Tŷ Celyn with 1 in
    October; two Oak House managers and a member of staff."""
    oak = _service(session, "Oak House")
    other = _service(session, "Tŷ Celyn")
    staff = _member(session, Role.STAFF, oak, "Sian Jones")
    first = _member(session, Role.MANAGER, oak, "Morgan Evans")
    second = _member(session, Role.MANAGER, oak, "Rhian Price")
    elsewhere = _member(session, Role.MANAGER, other, "Carys Lloyd")
    october = datetime(2026, 10, 5, 10, tzinfo=UTC)
    reviews = [_closed(session, staff, oak, f"P{n}", october + timedelta(days=n)) for n in range(6)]
    later = _closed(session, staff, oak, "Late", datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    theirs = _closed(session, staff, other, "Gwen", october)
    return {
        "oak": oak, "other": other, "staff": staff, "first": first, "second": second,
        "elsewhere": elsewhere, "reviews": reviews, "later": later, "theirs": theirs,
    }  # fmt: skip


def _start(session: Session, o: dict[str, Any], size: Any = 3, **kw: Any) -> Any:
    return record_audit.start(
        session, o["first"], month="2026-10", service_ids=[o["oak"].id], size=size,
        on=date(2026, 12, 7), **kw,
    )  # fmt: skip


def test_the_sample_is_drawn_from_the_months_closed_reviews_and_drawn_again_from_its_seed(
    session: Session, oak: dict[str, Any]
) -> None:
    made = _start(session, oak, seed="fixed-seed")
    pool = sorted(r.id for r in oak["reviews"])
    assert made.pool_ids == pool  # not November's, not Tŷ Celyn's
    assert made.month == MONTH and made.seed == "fixed-seed" and made.sample_size == 3
    sample = record_audit.sample_ids(session, made)
    assert len(sample) == 3 and set(sample) <= set(pool)
    assert sample == record_audit.draw(pool, "fixed-seed", 3)
    assert record_audit.sample_reproduces(session, made)
    again = _start(session, oak, seed="fixed-seed")
    assert record_audit.sample_ids(session, again) == sample
    # Without a seed one is made up and kept, so the sample can still be drawn again.
    random_one = _start(session, oak)
    assert len(random_one.seed) == 16 and record_audit.sample_reproduces(session, random_one)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "record_audit.started", AuditEvent.object_id == str(made.id)
        )
    ).one()
    assert event.detail["seed"] == "fixed-seed" and event.detail["pool_size"] == 6


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "Check at least 1 review."),
        (7, "Only 6 reviews were closed in that month. Choose 6 or fewer."),
        ("three", "Write how many reviews to check, as a number."),
        ("", "Write how many reviews to check, as a number."),
    ],
)
def test_sizes_are_refused_kindly(
    session: Session, oak: dict[str, Any], size: Any, words: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        _start(session, oak, size=size)
    assert str(refused.value) == words


def test_a_month_service_or_starter_that_cannot_be_audited_is_refused(
    session: Session, oak: dict[str, Any]
) -> None:
    with pytest.raises(ServiceError, match="nothing to audit"):
        record_audit.start(session, oak["first"], month="2026-09", service_ids=[oak["oak"].id],
                           size=1, on=date(2026, 12, 7))  # fmt: skip
    with pytest.raises(ServiceError, match="this month or an earlier one"):
        record_audit.start(session, oak["first"], month="2027-01", service_ids=[oak["oak"].id],
                           size=1, on=date(2026, 12, 7))  # fmt: skip
    with pytest.raises(ServiceError, match="like 2027-03"):
        _start(session, oak) if False else record_audit.start(
            session, oak["first"], month="October", service_ids=[oak["oak"].id], size=1
        )
    with pytest.raises(ServiceError, match="Choose services from the list"):
        record_audit.start(session, oak["first"], month="2026-10", service_ids=[oak["other"].id],
                           size=1, on=date(2026, 12, 7))  # fmt: skip
    with pytest.raises(ServiceError, match="at least one service"):
        record_audit.start(session, oak["first"], month="2026-10", service_ids=[], size=1,
                           on=date(2026, 12, 7))  # fmt: skip
    with pytest.raises(ServiceError, match="Only a manager"):
        record_audit.start(session, oak["staff"], month="2026-10", service_ids=[oak["oak"].id],
                           size=1, on=date(2026, 12, 7))  # fmt: skip


def test_an_audit_is_seen_only_by_those_who_see_all_its_services(
    session: Session, oak: dict[str, Any]
) -> None:
    made = _start(session, oak)
    assert record_audit.get(session, oak["second"], made.id) is made
    with pytest.raises(NotFound):
        record_audit.get(session, oak["elsewhere"], made.id)
    assert [s.record.id for s in record_audit.listing(session, oak["second"])] == [made.id]
    assert record_audit.listing(session, oak["elsewhere"]) == []


def test_the_manager_who_started_it_cannot_check_or_finish_it(
    session: Session, oak: dict[str, Any]
) -> None:
    made = _start(session, oak, size=1)
    review_id = record_audit.sample_ids(session, made)[0]
    with pytest.raises(ServiceError, match="another manager checks"):
        record_audit.check_review(session, made, review_id, oak["first"], answers=ALL_MET, notes={})
    with pytest.raises(ServiceError, match="a second manager finishes it"):
        record_audit.finish(session, made, oak["first"])
    with pytest.raises(ServiceError, match="Only a manager"):
        record_audit.check_review(session, made, review_id, oak["staff"], answers=ALL_MET, notes={})
    assert (
        record_audit.check_review(
            session, made, review_id, oak["second"], answers=ALL_MET, notes={}
        )
        == []
    )
    with pytest.raises(ServiceError, match="already been checked"):
        record_audit.check_review(
            session, made, review_id, oak["second"], answers=ALL_MET, notes={}
        )
    with pytest.raises(NotFound):
        record_audit.check_review(
            session, made, oak["later"].id, oak["second"], answers=ALL_MET, notes={}
        )


def test_every_item_needs_an_answer_and_a_not_met_needs_a_note(
    session: Session, oak: dict[str, Any]
) -> None:
    made = _start(session, oak, size=1)
    review_id = record_audit.sample_ids(session, made)[0]
    missing = dict(ALL_MET, consent="")
    with pytest.raises(ServiceError, match="Consent to share is recorded"):
        record_audit.check_review(
            session, made, review_id, oak["second"], answers=missing, notes={}
        )
    not_met = dict(ALL_MET, consent="not-met")
    with pytest.raises(ServiceError, match="Say what is missing"):
        record_audit.check_review(
            session, made, review_id, oak["second"], answers=not_met, notes={}
        )


def test_findings_become_actions_with_owners_tracked_to_done_and_the_audit_finishes(
    session: Session, oak: dict[str, Any]
) -> None:
    made = _start(session, oak, size=2, seed="s")
    first_id, second_id = record_audit.sample_ids(session, made)
    found = record_audit.check_review(
        session, made, first_id, oak["second"],
        answers=dict(ALL_MET, consent="not-met", capacity="n-a"),
        notes={"consent": "No consent decision for Alex"},
    )  # fmt: skip
    assert [(f.item, f.what, f.status) for f in found] == [
        ("consent", "No consent decision for Alex", FindingStatus.OPEN)
    ]
    record_audit.check_review(session, made, second_id, oak["second"], answers=ALL_MET, notes={})
    finding = found[0]
    with pytest.raises(ServiceError, match="owner and a due date first"):
        record_audit.mark_done(session, made, finding, oak["second"], note="Done")
    with pytest.raises(ServiceError, match="1 finding has no owner"):
        record_audit.finish(session, made, oak["second"])
    with pytest.raises(ServiceError, match="from the list"):
        record_audit.assign(session, made, finding, oak["first"],
                            owner_user_id=oak["elsewhere"].id, due_on=date(2026, 12, 20),
                            on=date(2026, 12, 7))  # fmt: skip
    with pytest.raises(ServiceError, match="cannot be in the past"):
        record_audit.assign(session, made, finding, oak["first"], owner_user_id=oak["staff"].id,
                            due_on=date(2026, 12, 1), on=date(2026, 12, 7))  # fmt: skip
    record_audit.assign(session, made, finding, oak["first"], owner_user_id=oak["staff"].id,
                        due_on=date(2026, 12, 20), on=date(2026, 12, 7))  # fmt: skip
    assert finding.owner_user_id == oak["staff"].id
    with pytest.raises(ServiceError, match="changed this finding"):
        record_audit.mark_done(session, made, finding, oak["second"], note="x", version=1)
    with pytest.raises(ServiceError, match="Say what was done"):
        record_audit.mark_done(session, made, finding, oak["second"], note="  ")
    figures = record_audit.audit_figures(
        session, service_ids={oak["oak"].id}, start=date(2026, 10, 1), end=date(2026, 12, 31)
    )
    assert (figures.findings_open, figures.findings_done, figures.reviews_checked) == (1, 0, 2)
    record_audit.finish(session, made, oak["second"])
    with pytest.raises(ServiceError, match="finished"):
        record_audit.check_review(session, made, first_id, oak["second"], answers=ALL_MET, notes={})
    record_audit.mark_done(session, made, finding, oak["second"], note="Alex asked; recorded")
    assert session.get(RecordAuditFinding, finding.id).status == FindingStatus.DONE  # type: ignore[union-attr]
    figures = record_audit.audit_figures(
        session, service_ids={oak["oak"].id}, start=date(2026, 10, 1), end=date(2026, 10, 31)
    )
    assert figures.audits_completed == 1 and figures.reviews_checked == 2
    assert (figures.findings_open, figures.findings_done) == (0, 1)
    consent = figures.items["consent"]
    assert (consent.met, consent.not_met, consent.not_applicable) == (1, 1, 0)
    assert figures.items["capacity"].not_applicable == 1 and figures.items["capacity"].met == 1
    assert figures.items["person-first"].met == 2
    # Another service's figures and another period's count nothing of it.
    elsewhere = record_audit.audit_figures(
        session, service_ids={oak["other"].id}, start=date(2026, 10, 1), end=date(2026, 10, 31)
    )
    assert (elsewhere.audits_completed, elsewhere.reviews_checked) == (0, 0)
    before = record_audit.audit_figures(
        session, service_ids=None, start=date(2026, 8, 1), end=date(2026, 9, 30)
    )
    assert before.audits_completed == 0
    steps = set(
        session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("record_audit.%")))
    )
    assert steps == {
        "record_audit.started", "record_audit.review_checked", "record_audit.finding_assigned",
        "record_audit.finding_done", "record_audit.finished",
    }  # fmt: skip


def test_what_the_record_says_is_shown_beside_each_item(
    session: Session, oak: dict[str, Any]
) -> None:
    review = oak["reviews"][0]
    says = record_audit.record_says(session, review)
    assert set(says) == set(record_audit.ITEM_KEYS)
    assert says["person-first"].suggests == "met"  # why they could not take part is recorded
    assert says["communicated"].suggests == "met"
    assert says["differing-resolved"].suggests == "n-a"
    assert says["statements-answered"].suggests == "met"
    # Sam was told the outcome in person, which counts as sharing "You said, we did".
    assert says["you-said-shared"].suggests == "met"
    assert "0 decisions about sharing" in str(says["consent"].words)


def test_a_differing_view_not_routed_or_resolved_is_shown_as_not_met(
    session: Session, oak: dict[str, Any]
) -> None:
    review = oak["reviews"][1]
    with frozen.changing(session, review):
        session.add(DifferingView(review_id=review.id, summary="Alex differs"))
        session.flush()
    says = record_audit.record_says(session, review)["differing-resolved"]
    assert str(says.words) == "1 differing view: 0 with a route, 0 resolved."
    assert says.suggests == "not-met"
