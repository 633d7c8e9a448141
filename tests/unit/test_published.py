"""The published pages' texts and complaints sent by the person and family, on SQLite and
PostgreSQL (issue 17)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    Complaint,
    ComplaintSource,
    Role,
    Supporter,
    SupporterRole,
)
from facilitator.services import NotFound, ServiceError, StaleVersion, people, published
from facilitator.services.governance import complaints_sent
from facilitator.services.workdays import add_working_days

from . import factories

FACTS = published.Facts(service_name="Facilitator", retention_years=8)


def test_a_page_is_the_products_until_an_administrator_changes_it(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, pin=None)
    shown = published.page(session, "privacy", "en", FACTS)
    assert shown.is_default and "8 years" in shown.body
    row = published.save(session, "privacy", "en", body="  Our notice.  ", version=0, actor=admin)
    assert row.version == 1 and row.body == "Our notice."
    assert published.page(session, "privacy", "en", FACTS).updated_by == admin.name
    assert published.page(session, "privacy", "cy", FACTS).is_default  # each language its own
    with pytest.raises(StaleVersion) as stale:
        published.save(session, "privacy", "en", body="Theirs", version=0, actor=admin)
    assert (stale.value.stored, stale.value.sent) == (1, 0)
    published.save(session, "privacy", "en", body="Second", version="1", actor=admin)
    events = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "published_page.changed")
    )
    assert events == 2


def test_a_page_that_is_not_is_not_found(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, pin=None)
    with pytest.raises(NotFound):
        published.page(session, "cookies", "en", FACTS)
    with pytest.raises(NotFound):
        published.save(session, "privacy", "fr", body="x", version=0, actor=admin)
    with pytest.raises(ServiceError):
        published.save(session, "privacy", "en", body="\x00 ", version=0, actor=admin)


def test_the_person_complains_once_with_the_clock(session: Session, world: factories.World) -> None:
    assert world.review is not None
    token = complaints_sent.new_token()
    made, new = complaints_sent.from_person(
        session, world.review, topic="other", words="Too noisy", token=token,
        tablet_user=world.staff,
    )  # fmt: skip
    again, new_again = complaints_sent.from_person(
        session, world.review, topic="other", words="Too noisy", token=token,
        tablet_user=world.staff,
    )  # fmt: skip
    assert new and not new_again and again.id == made.id
    assert made.raised_by == "Sam" and made.raised_by_role == "The person, on the tablet"
    assert made.acknowledge_by == add_working_days(made.received_on, 3)
    assert "Too noisy" in made.about and made.person_id == world.sam.id
    source = session.get(ComplaintSource, made.id)
    assert source is not None and source.tablet_user_id == world.staff.id
    with pytest.raises(ServiceError):
        complaints_sent.from_person(
            session, world.review, topic="other", words="", token="not-a-token",
            tablet_user=world.staff,
        )  # fmt: skip
    with pytest.raises(ServiceError):
        complaints_sent.from_person(
            session, world.review, topic="nonsense", words="", token=complaints_sent.new_token(),
            tablet_user=world.staff,
        )  # fmt: skip


def test_a_family_member_complains_in_their_own_name(
    session: Session, world: factories.World
) -> None:
    assert world.review is not None
    people.add_supporter(
        session, world.sam, actor=world.staff, name="Mary Carter", relationship="mother",
        role=SupporterRole.FAMILY,
    )  # fmt: skip
    mary = session.scalars(select(Supporter).where(Supporter.name == "Mary Carter")).one()
    made, _new = complaints_sent.from_family(
        session, world.review, mary, link_id=None,  # type: ignore[arg-type]
        topic="family-involvement", words="Not asked", token=complaints_sent.new_token(),
    )  # fmt: skip
    assert made.raised_by == "Mary Carter" and made.about == "Not asked"
    assert session.scalar(select(func.count()).select_from(Complaint)) == 1
    with pytest.raises(ServiceError):
        complaints_sent.from_family(
            session, world.review, mary, link_id=None,  # type: ignore[arg-type]
            topic="other", words="  ", token=complaints_sent.new_token(),
        )  # fmt: skip
