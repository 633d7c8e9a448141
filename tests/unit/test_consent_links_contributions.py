"""Consent, family links and layered contributions, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    AuthorityKind,
    CaptureMethod,
    ConsentBasis,
    ConsentDecision,
    Contribution,
    ContributionStatus,
    InvitationLink,
    Layer,
    Response,
    Review,
    ReviewKind,
    ReviewStatus,
    Role,
    Supporter,
    SupporterRole,
    User,
    utcnow,
)
from facilitator.outputs.labels import author_description
from facilitator.services import NotAllowed, ServiceError, accounts, people, reviews
from facilitator.services.family import links
from facilitator.services.reviews import consent, contributions
from facilitator.services.reviews.person_first import PersonNotHeardYet

pytestmark = pytest.mark.db

PASSWORD = "a-long-password-1"
FAMILY_VIEWS = {
    "working": "The garden is lovely",
    "not_working": "The stairs worry me",
    "see_differently": "",
    "would_like": "A room downstairs",
}


@dataclass
class World:
    staff: User
    advocate: User
    other_advocate: User
    review: Review
    other_review: Review
    brother: Supporter
    mother: Supporter
    advocate_supporter: Supporter


def _user(session: Session, role: Role, name: str) -> User:
    return accounts.create_user(
        session, email=f"{name.lower()}@example.org", name=name, role=role, password=PASSWORD
    )


def _world(session: Session) -> World:
    staff = _user(session, Role.STAFF, "Sian")
    advocate = _user(session, Role.ADVOCATE, "Jo")
    other_advocate = _user(session, Role.ADVOCATE, "Kim")
    sam = people.create_person(
        session, actor=staff, preferred_name="Sam", full_name="Samuel Carter"
    )
    ellis = people.create_person(
        session, actor=staff, preferred_name="Ellis", full_name="Ellis Morgan"
    )
    brother = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Alex Carter",
        relationship="brother",
        role=SupporterRole.FAMILY,
        email="alex@example.org",
    )
    mother = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Mary Carter",
        relationship="mother",
        role=SupporterRole.ATTORNEY,
    )
    advocate_supporter = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Jo",
        relationship="independent advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
        user=advocate,
    )
    people.add_supporter(
        session,
        ellis,
        actor=staff,
        name="Kim",
        relationship="independent advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
        user=other_advocate,
    )
    review = reviews.plan_review(
        session,
        sam,
        actor=staff,
        kind=ReviewKind.PLANNED,
        scheduled_for=date.today(),
        facilitator=staff,
    )
    other_review = reviews.plan_review(
        session,
        ellis,
        actor=staff,
        kind=ReviewKind.PLANNED,
        scheduled_for=date.today(),
        facilitator=staff,
    )
    session.commit()
    return World(
        staff, advocate, other_advocate, review, other_review, brother, mother, advocate_supporter
    )


def _person_done(session: Session, review: Review, answers: dict[str, str] | None = None) -> None:
    """The person answered (tapped) and confirmed: the review is open to other layers."""
    for review_prompt in review.prompts:
        option = (answers or {}).get(review_prompt.library_prompt_id or "")
        if option:
            session.add(
                Response(
                    review_id=review.id,
                    review_prompt_id=review_prompt.id,
                    client_id=uuid.uuid4().hex,
                    answer=[option],
                    capture_method=CaptureMethod.TAPPED,
                )
            )
    review.person_confirmed_at = utcnow()
    review.status = ReviewStatus.PERSON_DONE
    session.commit()


def _audit_text(session: Session) -> str:
    rows = session.scalars(select(AuditEvent)).all()
    return json.dumps([[r.action, r.actor_label, r.detail] for r in rows])


# --- the person first ------------------------------------------------------------------------


def test_nothing_is_added_before_the_person_is_heard(session: Session) -> None:
    w = _world(session)
    with pytest.raises(PersonNotHeardYet):
        links.issue_link(session, w.review, w.brother, w.staff)
    with pytest.raises(PersonNotHeardYet):
        contributions.save_family_draft(session, w.review, w.brother, "where-i-live", FAMILY_VIEWS)
    with pytest.raises(PersonNotHeardYet):
        contributions.submit_family(session, w.review, w.brother)
    with pytest.raises(PersonNotHeardYet):
        contributions.add_advocate_layer(session, w.review, w.advocate, None, {"observations": "x"})
    with pytest.raises(PersonNotHeardYet):
        contributions.add_staff_note(session, w.review, w.staff, None, {"note": "x"})
    assert session.scalars(select(InvitationLink)).all() == []
    assert session.scalars(select(Contribution)).all() == []


# --- links -----------------------------------------------------------------------------------


def test_token_is_256_bits_and_only_its_sha256_is_stored(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    issued = links.issue_link(session, w.review, w.brother, w.staff)
    session.commit()
    assert len(base64.urlsafe_b64decode(issued.token + "=")) == 32
    assert issued.link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.code is not None and len(issued.code) == 6 and issued.code.isdigit()
    row = session.get(InvitationLink, issued.link.id)
    assert row is not None
    stored = " ".join(str(getattr(row, c.key)) for c in InvitationLink.__table__.columns)
    assert issued.token not in stored and issued.code not in stored
    assert issued.token not in _audit_text(session) and issued.code not in _audit_text(session)
    assert links.resolve_token(session, issued.token).id == row.id


def test_links_expire_after_14_days(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    now = utcnow()
    issued = links.issue_link(session, w.review, w.brother, w.staff, now=now)
    session.commit()
    assert links.link_state(issued.link, now + timedelta(days=13, hours=23)) == "active"
    assert links.link_state(issued.link, now + timedelta(days=14)) == "expired"
    with pytest.raises(links.LinkProblem) as problem:
        links.resolve_token(session, issued.token, now + timedelta(days=15))
    assert problem.value.kind == "expired"


def test_revoke_and_reissue(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    first = links.issue_link(session, w.review, w.brother, w.staff)
    second = links.issue_link(session, w.review, w.brother, w.staff)
    session.commit()
    assert links.link_state(first.link) == "revoked"
    assert links.link_state(second.link) == "active"
    with pytest.raises(links.LinkProblem) as problem:
        links.resolve_token(session, first.token)
    assert problem.value.kind == "revoked"
    links.revoke_link(session, second.link, w.staff)
    session.commit()
    with pytest.raises(links.LinkProblem) as problem:
        links.open_link(session, second.token)
    assert problem.value.kind == "revoked"
    states = [(s.link.id, s.state) for s in links.links_for_review(session, w.review)]
    assert states == [(second.link.id, "revoked"), (first.link.id, "revoked")]
    actions = [r.action for r in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions.count("link.revoked") == 2 and "link.refused" in actions


def test_closed_review_closes_its_links(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    issued = links.issue_link(session, w.review, w.brother, w.staff)
    w.review.status = ReviewStatus.CLOSED
    session.commit()
    with pytest.raises(links.LinkProblem) as problem:
        links.resolve_token(session, issued.token)
    assert problem.value.kind == "closed"
    with pytest.raises(ServiceError):
        links.issue_link(session, w.review, w.brother, w.staff)


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("", "malformed"),
        ("short", "malformed"),
        ("x" * 43 + "/", "malformed"),
        ("A" * 43, "unknown"),
    ],
)
def test_malformed_and_unknown_tokens(session: Session, token: str, kind: str) -> None:
    with pytest.raises(links.LinkProblem) as problem:
        links.resolve_token(session, token)
    assert problem.value.kind == kind


def test_links_only_for_the_persons_circle_and_not_for_advocates(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    _person_done(session, w.other_review)
    with pytest.raises(NotAllowed):
        links.issue_link(session, w.other_review, w.brother, w.staff)
    with pytest.raises(ServiceError, match="Advocates"):
        links.issue_link(session, w.review, w.advocate_supporter, w.staff)
    with pytest.raises(NotAllowed):
        links.issue_link(session, w.review, w.brother, w.advocate)


def test_wrong_codes_lock_the_link(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    issued = links.issue_link(session, w.review, w.brother, w.staff)
    session.commit()
    wrong = "000000" if issued.code != "000000" else "111111"
    left = []
    for _ in range(4):
        with pytest.raises(links.CodeRefused) as refused:
            links.verify_code(session, issued.link, wrong)
        left.append(refused.value.attempts_left)
    assert left == [4, 3, 2, 1]
    # A success resets the count of wrong codes in a row.
    assert issued.code is not None
    links.verify_code(session, issued.link, f" {issued.code[:3]} {issued.code[3:]} ")
    for _ in range(4):
        with pytest.raises(links.CodeRefused):
            links.verify_code(session, issued.link, wrong)
    with pytest.raises(links.LinkProblem) as problem:
        links.verify_code(session, issued.link, wrong)
    assert problem.value.kind == "locked"
    session.commit()
    assert links.link_state(issued.link) == "revoked"
    (summary,) = links.links_for_review(session, w.review)
    assert summary.locked
    with pytest.raises(links.LinkProblem):
        links.verify_code(session, issued.link, issued.code)


def test_email_on_record_as_the_verifier(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    issued = links.issue_link(session, w.review, w.brother, w.staff, verifier="email")
    assert issued.code is None and links.verifier_kind(issued.link) == "email"
    with pytest.raises(links.CodeRefused):
        links.verify_code(session, issued.link, "someone@example.org")
    links.verify_code(session, issued.link, " Alex@Example.org ")
    with pytest.raises(ServiceError, match="no email"):
        links.issue_link(session, w.review, w.mother, w.staff, verifier="email")


# --- consent ---------------------------------------------------------------------------------


def test_person_choice_and_may_see(session: Session) -> None:
    w = _world(session)
    assert not consent.may_see(session, w.review, w.brother)  # never asked
    consent.record_person_choice(
        session, w.review, w.brother, ConsentDecision.YES, "tapped", w.staff
    )
    assert consent.may_see(session, w.review, w.brother)
    consent.record_person_choice(
        session, w.review, w.brother, ConsentDecision.NOT_SURE, "tapped", w.staff
    )
    session.commit()
    assert not consent.may_see(session, w.review, w.brother)
    current = consent.current_consent(session, w.review, w.brother)
    assert current is not None and current.basis == ConsentBasis.PERSON
    assert current.capture_method == "tapped"
    # Consent is per review: it says nothing about another review.
    assert not consent.may_see(session, w.other_review, w.brother)
    with pytest.raises(ServiceError):
        consent.record_person_choice(
            session, w.review, w.brother, ConsentDecision.YES, "guessed", w.staff
        )
    with pytest.raises(NotAllowed):
        consent.record_person_choice(
            session, w.other_review, w.brother, ConsentDecision.YES, "tapped", w.staff
        )


def test_other_basis_needs_a_written_reason_and_staff(session: Session) -> None:
    w = _world(session)
    with pytest.raises(ServiceError, match="reason"):
        consent.record_other_basis(
            session, w.review, w.brother, ConsentBasis.BEST_INTERESTS, "  ", w.staff
        )
    with pytest.raises(NotAllowed):
        consent.record_other_basis(
            session,
            w.review,
            w.brother,
            ConsentBasis.BEST_INTERESTS,
            "A long enough reason.",
            w.advocate,
        )
    with pytest.raises(ServiceError):
        consent.record_other_basis(
            session, w.review, w.brother, ConsentBasis.PERSON, "A long enough reason.", w.staff
        )
    record = consent.record_other_basis(
        session,
        w.review,
        w.brother,
        ConsentBasis.BEST_INTERESTS,
        "Best-interests meeting on 3 March; Sam cannot decide this even with pictures.",
        w.staff,
    )
    session.commit()
    assert record.reason and record.recorded_by_id == w.staff.id
    assert consent.may_see(session, w.review, w.brother)
    assert "Best-interests meeting" not in _audit_text(session)


def test_attorney_basis_needs_a_checked_health_and_welfare_lpa(session: Session) -> None:
    w = _world(session)
    reason = "Mary decided as Sam's attorney; Sam cannot make this decision now."
    with pytest.raises(ServiceError, match="Lasting Power of Attorney"):
        consent.record_other_basis(
            session, w.review, w.brother, ConsentBasis.ATTORNEY, reason, w.staff
        )
    # Property and finance does not cover who sees Sam's views about care.
    people.add_authority(
        session,
        w.mother,
        actor=w.staff,
        kind=AuthorityKind.LPA_PROPERTY_FINANCE,
        scope="Money",
        reference="LPA-1",
        checked=True,
    )
    # An unchecked health and welfare LPA is not enough either.
    people.add_authority(
        session,
        w.mother,
        actor=w.staff,
        kind=AuthorityKind.LPA_HEALTH_WELFARE,
        scope="Care",
        reference="LPA-2",
        checked=False,
    )
    session.commit()
    with pytest.raises(ServiceError):
        consent.record_other_basis(
            session, w.review, w.brother, ConsentBasis.ATTORNEY, reason, w.staff
        )
    with pytest.raises(ServiceError):
        consent.record_other_basis(
            session, w.review, w.brother, ConsentBasis.DEPUTY, reason, w.staff
        )
    people.add_authority(
        session,
        w.mother,
        actor=w.staff,
        kind=AuthorityKind.LPA_HEALTH_WELFARE,
        scope="Care",
        reference="LPA-3",
        checked=True,
    )
    session.commit()
    with pytest.raises(ServiceError, match="no checked authority"):
        consent.record_other_basis(
            session,
            w.review,
            w.brother,
            ConsentBasis.ATTORNEY,
            reason,
            w.staff,
            authority_holder=w.brother,
        )
    record = consent.record_other_basis(
        session,
        w.review,
        w.brother,
        ConsentBasis.ATTORNEY,
        reason,
        w.staff,
        authority_holder=w.mother,
    )
    assert record.basis == ConsentBasis.ATTORNEY
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.other_basis")
    ).one()
    assert event.detail["authority_holder_id"] == w.mother.id


# --- contributions ---------------------------------------------------------------------------


def test_family_draft_submit_and_new_version(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    draft = contributions.save_family_draft(
        session, w.review, w.brother, "where-i-live", FAMILY_VIEWS
    )
    assert draft is not None and draft.status == ContributionStatus.DRAFT
    again = contributions.save_family_draft(
        session, w.review, w.brother, "where-i-live", {**FAMILY_VIEWS, "working": "The garden"}
    )
    assert again is not None and again.id == draft.id  # a draft may change until it is sent
    assert contributions.save_family_draft(session, w.review, w.brother, "food", {}) is None
    session.commit()
    # Drafts are nobody else's business.
    layers = {t.topic_id: t for t in contributions.layers_for_review(session, w.review)}
    assert layers["where-i-live"].family == []
    (sent,) = contributions.submit_family(session, w.review, w.brother)
    session.commit()
    assert sent.status == ContributionStatus.SUBMITTED and sent.version == 1
    with pytest.raises(ServiceError, match="nothing new"):
        contributions.submit_family(session, w.review, w.brother)
    # Saving the same views again is no change.
    same = {**FAMILY_VIEWS, "working": "The garden"}
    assert (
        contributions.save_family_draft(session, w.review, w.brother, "where-i-live", same) is None
    )
    change = contributions.save_family_draft(
        session, w.review, w.brother, "where-i-live", {**same, "would_like": "A stairlift"}
    )
    assert change is not None and change.id != sent.id
    assert change.version == 2 and change.supersedes_id == sent.id
    contributions.submit_family(session, w.review, w.brother)
    session.commit()
    session.refresh(sent)
    assert sent.body["would_like"] == "A room downstairs"  # the sent version never changes
    assert sent.status == ContributionStatus.SUBMITTED
    layers = {t.topic_id: t for t in contributions.layers_for_review(session, w.review)}
    (entry,) = layers["where-i-live"].family
    assert entry.contribution.id == change.id
    assert "no legal authority" in author_description(entry.author)
    assert "Alex Carter, brother" in author_description(entry.author)
    assert "A stairlift" not in _audit_text(session) and "garden" not in _audit_text(session)


def test_family_views_are_checked(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    _person_done(session, w.other_review)
    with pytest.raises(ServiceError, match="topic"):
        contributions.save_family_draft(session, w.review, w.brother, "not-a-topic", FAMILY_VIEWS)
    with pytest.raises(ServiceError, match="answers shown"):
        contributions.save_family_draft(
            session, w.review, w.brother, "where-i-live", FAMILY_VIEWS, rating="excellent"
        )
    with pytest.raises(NotAllowed):
        contributions.save_family_draft(
            session, w.other_review, w.brother, "where-i-live", FAMILY_VIEWS
        )
    with pytest.raises(NotAllowed):
        contributions.save_family_draft(
            session, w.review, w.advocate_supporter, "where-i-live", FAMILY_VIEWS
        )
    with pytest.raises(ServiceError, match="5,000"):
        contributions.save_family_draft(
            session, w.review, w.brother, "where-i-live", {"working": "x" * 5001}
        )


def test_advocate_layer_only_for_the_assigned_advocate(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    _person_done(session, w.other_review)
    body = {"how_obtained": "Pictures and time", "observations": "Sam smiled at the garden"}
    with pytest.raises(NotAllowed):
        contributions.add_advocate_layer(session, w.review, w.other_advocate, None, body)
    with pytest.raises(NotAllowed):
        contributions.add_advocate_layer(session, w.other_review, w.advocate, None, body)
    with pytest.raises(NotAllowed):
        contributions.add_advocate_layer(session, w.review, w.staff, None, body)
    with pytest.raises(ServiceError, match="at least one"):
        contributions.add_advocate_layer(session, w.review, w.advocate, None, {})
    first = contributions.add_advocate_layer(session, w.review, w.advocate, None, body)
    second = contributions.add_advocate_layer(
        session, w.review, w.advocate, None, {**body, "concerns": "None"}
    )
    topic = contributions.add_advocate_layer(
        session, w.review, w.advocate, "where-i-live", {"represents": "Sam wants to stay"}
    )
    session.commit()
    assert second.supersedes_id == first.id and second.version == 2
    assert first.layer == Layer.ADVOCATE and first.supporter_id == w.advocate_supporter.id
    layers = {t.topic_id: t for t in contributions.layers_for_review(session, w.review)}
    assert [e.contribution.id for e in layers[None].advocate] == [second.id]
    assert [e.contribution.id for e in layers["where-i-live"].advocate] == [topic.id]
    assert "Care Act independent advocate" in author_description(layers[None].advocate[0].author)
    # Unassigning the advocate ends their access.
    w.advocate_supporter.active = False
    session.commit()
    with pytest.raises(NotAllowed):
        contributions.add_advocate_layer(session, w.review, w.advocate, None, body)


def test_staff_notes(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review)
    with pytest.raises(NotAllowed):
        contributions.add_staff_note(session, w.review, w.advocate, None, {"note": "x"})
    note = contributions.add_staff_note(session, w.review, w.staff, "food", {"note": "Menu"})
    newer = contributions.add_staff_note(
        session, w.review, w.staff, "food", {"note": "Menu changed"}, supersedes=note
    )
    with pytest.raises(ServiceError, match="already been replaced"):
        contributions.add_staff_note(
            session, w.review, w.staff, "food", {"note": "x"}, supersedes=note
        )
    session.commit()
    layers = {t.topic_id: t for t in contributions.layers_for_review(session, w.review)}
    (entry,) = layers["food"].staff
    assert entry.contribution.id == newer.id and "Sian" in author_description(entry.author)


@pytest.mark.parametrize(
    ("person", "rating", "differs"),
    [
        (["good"], "not-good", True),
        (["very-good"], "very-bad", True),
        ("working", "not-working", True),
        (["yes"], "no", True),
        (["good"], "very-good", False),
        (["good"], "not-sure", False),
        (["not-sure"], "not-good", False),
        ([], "not-good", False),
        (None, "good", False),
        (["good"], None, False),
        (["yes"], "good", False),
    ],
)
def test_differs_from_person(person: object, rating: str | None, differs: bool) -> None:
    assert contributions.differs_from_person(person, rating) is differs  # type: ignore[arg-type]


def test_differing_view_is_flagged_and_can_be_opened(session: Session) -> None:
    w = _world(session)
    _person_done(session, w.review, {"like-where-you-live": "very-good"})
    rated = contributions.rating_prompt(w.review, "where-i-live")
    assert rated is not None and rated.library_prompt_id == "like-where-you-live"
    contributions.save_family_draft(
        session, w.review, w.brother, "where-i-live", FAMILY_VIEWS, rating="not-good"
    )
    (sent,) = contributions.submit_family(session, w.review, w.brother)
    session.commit()
    layers = {t.topic_id: t for t in contributions.layers_for_review(session, w.review)}
    (entry,) = layers["where-i-live"].family
    assert entry.differs and entry.differs_by_rating
    with pytest.raises(ServiceError, match="summary"):
        contributions.open_differing_view(session, w.review, "where-i-live", sent, w.staff, " ")
    with pytest.raises(NotAllowed):
        contributions.open_differing_view(session, w.review, "where-i-live", sent, w.advocate, "x")
    record = contributions.open_differing_view(
        session, w.review, "where-i-live", sent, w.staff, "Alex is worried about the stairs"
    )
    session.commit()
    assert record.status == "open" and record.contribution_id == sent.id
    assert record.response_id is not None
    again = contributions.open_differing_view(
        session, w.review, "where-i-live", sent, w.staff, "Again"
    )
    assert again.id == record.id
    _person_done(session, w.other_review)
    with pytest.raises(NotAllowed):
        contributions.open_differing_view(session, w.other_review, None, sent, w.staff, "x")


def test_assigned_advocate_sees_by_role_unless_the_person_said_no(session: Session) -> None:
    w = _world(session)
    assert consent.advocate_may_see(session, w.review, w.advocate_supporter)
    assert not consent.may_see(session, w.review, w.advocate_supporter)  # the family rule
    assert not consent.advocate_may_see(session, w.review, w.brother)  # not an advocate
    consent.record_person_choice(
        session, w.review, w.advocate_supporter, ConsentDecision.NO, "tapped", w.staff
    )
    session.commit()
    assert not consent.advocate_may_see(session, w.review, w.advocate_supporter)
