"""A person's record kept up to date (issue 17), on SQLite and PostgreSQL: details edited from
their version, relationships from the list, a supporter's involvement ended (links revoked,
contributions kept and marked), legal authority corrected and ended; each change audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, AuthorityKind, InvitationLink, Relationship
from facilitator.services import ServiceError, StaleVersion, people, supporters
from facilitator.services.family import links
from facilitator.services.reviews import contributions

from .test_consent_links_contributions import FAMILY_VIEWS, _person_done, _world

pytestmark = pytest.mark.db


def _actions(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_relationships_come_from_the_list(session: Session) -> None:
    assert people.check_relationship(" Daughter ") == ("daughter", None)
    assert people.check_relationship("key worker") == ("other", "key worker")
    assert people.check_relationship("other", "  step-son ") == ("other", "step-son")
    with pytest.raises(ServiceError, match="from the list"):
        people.check_relationship("key worker", strict=True)
    with pytest.raises(ServiceError, match="from the list"):
        people.check_relationship("", strict=True)
    with pytest.raises(ServiceError, match="a few words"):
        people.check_relationship("other", " ", strict=True)
    assert len(Relationship) > 20


def test_person_details_are_edited_from_their_version(session: Session) -> None:
    w = _world(session)
    sam = w.review.person
    version = sam.version
    supporters.update_details(
        session, sam, actor=w.staff, version=version, preferred_name=" Sammy ",
        full_name="Samuel Carter", date_of_birth=date(1980, 5, 6),
    )  # fmt: skip
    assert sam.preferred_name == "Sammy" and sam.version == version + 1
    [event] = _actions(session, "person.details_updated")
    assert event.detail == {"changed": ["preferred_name", "date_of_birth"]}
    with pytest.raises(StaleVersion) as stale:
        supporters.update_details(
            session, sam, actor=w.staff, version=version, preferred_name="Sam",
            full_name="Samuel Carter", date_of_birth=None,
        )  # fmt: skip
    assert (stale.value.stored, stale.value.sent) == (version + 1, version)
    assert sam.preferred_name == "Sammy"
    with pytest.raises(ServiceError, match="future"):
        supporters.update_details(
            session, sam, actor=w.staff, version=sam.version, preferred_name="Sam",
            full_name="Samuel Carter", date_of_birth=date.today() + timedelta(days=1),
        )  # fmt: skip


def test_a_supporters_contact_language_and_own_needs(session: Session) -> None:
    w = _world(session)
    supporters.update_supporter(
        session, w.brother, actor=w.staff, version=w.brother.version, name="Alex Carter",
        relationship="other", relationship_note="half-brother", email=" alex@new.example ",
        phone="01234", language="cy", communication_needs="Large print",
    )  # fmt: skip
    assert w.brother.relationship_to_person == "other"
    assert w.brother.relationship_note == "half-brother"
    assert w.brother.email == "alex@new.example" and w.brother.language == "cy"
    assert w.brother.communication_needs == "Large print" and w.brother.version == 2
    [event] = _actions(session, "supporter.updated")
    assert set(event.detail["changed"]) >= {"communication_needs", "language", "email"}
    with pytest.raises(ServiceError, match="language"):
        supporters.update_supporter(
            session, w.brother, actor=w.staff, version=2, name="Alex", relationship="brother",
            relationship_note=None, email=None, phone=None, language="fr",
            communication_needs=None,
        )  # fmt: skip


def test_ending_involvement_revokes_links_and_keeps_contributions_marked(
    session: Session,
) -> None:
    w = _world(session)
    _person_done(session, w.review)
    issued = links.issue_link(session, w.review, w.brother, w.staff)
    contributions.save_family_draft(session, w.review, w.brother, "where-i-live", FAMILY_VIEWS)
    contributions.submit_family(session, w.review, w.brother)
    session.commit()
    with pytest.raises(ServiceError, match="future"):
        supporters.end_involvement(
            session, w.brother, actor=w.staff, version=w.brother.version,
            ended_on=date.today() + timedelta(days=1), reason="Moved",
        )  # fmt: skip
    with pytest.raises(ServiceError, match="Write why"):
        supporters.end_involvement(
            session, w.brother, actor=w.staff, version=w.brother.version,
            ended_on=date.today(), reason="  ",
        )  # fmt: skip

    revoked = supporters.end_involvement(
        session, w.brother, actor=w.staff, version=w.brother.version,
        ended_on=date.today(), reason="Moved abroad",
    )  # fmt: skip
    session.commit()

    assert revoked == 1
    link = session.get(InvitationLink, issued.link.id)
    assert link is not None and link.revoked_at is not None
    assert not w.brother.active and w.brother.ended_reason == "Moved abroad"
    [ended] = _actions(session, "supporter.ended")
    assert ended.detail["links_revoked"] == 1
    revoked_events = _actions(session, "link.revoked")
    assert revoked_events[-1].detail["reason"] == "supporter-ended"
    # What they said stays, attributed to someone no longer involved.
    family = [
        e for topic in contributions.layers_for_review(session, w.review) for e in topic.family
    ]
    assert family and all(e.author.no_longer_involved for e in family)
    assert family[0].author.name == "Alex Carter"
    with pytest.raises(ServiceError):
        links.issue_link(session, w.review, w.brother, w.staff)
    with pytest.raises(ServiceError, match="already ended"):
        supporters.end_involvement(
            session, w.brother, actor=w.staff, version=w.brother.version,
            ended_on=date.today(), reason="Again",
        )  # fmt: skip


def test_legal_authority_corrected_then_ended(session: Session) -> None:
    w = _world(session)
    held = people.add_authority(
        session, w.mother, actor=w.staff, kind=AuthorityKind.LPA_PROPERTY_FINANCE,
        scope="Money", reference="LPA-1",
    )  # fmt: skip
    session.flush()
    assert held.checked_at is None
    supporters.correct_authority(
        session, held, actor=w.staff, version=1, kind=AuthorityKind.LPA_HEALTH_WELFARE,
        scope="Health and care", reference="LPA-2", registered_on=date(2020, 1, 1), checked=True,
    )  # fmt: skip
    assert held.kind == AuthorityKind.LPA_HEALTH_WELFARE and held.reference == "LPA-2"
    assert held.checked_by_id == w.staff.id and held.checked_at is not None
    [corrected] = _actions(session, "authority.corrected")
    assert corrected.detail["checked"] is True and "reference" in corrected.detail["changed"]
    with pytest.raises(StaleVersion):
        supporters.end_authority(
            session, held, actor=w.staff, version=1, ended_on=date.today(), reason="Revoked"
        )
    supporters.end_authority(
        session, held, actor=w.staff, version=2, ended_on=date.today(), reason="Revoked"
    )
    assert held.ended_on == date.today() and held.version == 3
    assert _actions(session, "authority.ended")
    with pytest.raises(ServiceError, match="has ended"):
        supporters.correct_authority(
            session, held, actor=w.staff, version=3, kind=AuthorityKind.LPA_HEALTH_WELFARE,
            scope="x", reference="LPA-3", registered_on=None, checked=False,
        )  # fmt: skip
