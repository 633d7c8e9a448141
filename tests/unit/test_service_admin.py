"""Administering services (issue 25): creating, closing and reopening a service, the services an
account belongs to (or all of them), and each service's safeguarding leads. Every change is
audited; a double tap changes nothing and records nothing; refusals say what to do."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, Role, User
from facilitator.models.services import PersonService, Service, ServiceKind, StaffService
from facilitator.services import NotAllowed, ServiceError
from facilitator.services.accounts import service_admin

from . import factories

pytestmark = pytest.mark.db


def _audited(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _admin(session: Session) -> User:
    return factories.user(session, Role.ADMIN, name="Ade Admin", pin=None)


def test_an_administrator_creates_a_service_and_it_is_audited(session: Session) -> None:
    admin = _admin(session)
    made = service_admin.create_service(
        session,
        admin,
        name="  Oak House ",
        kind="supported_living",
        cqc_location_id="1-123 456 789",
    )
    assert made.name == "Oak House" and made.kind == ServiceKind.SUPPORTED_LIVING
    assert made.cqc_location_id == "1-123456789" and made.active
    (entry,) = _audited(session, "service.created")
    assert entry.object_id == str(made.id) and entry.detail["name"] == "Oak House"


@pytest.mark.parametrize(
    ("name", "kind", "cqc", "message"),
    [
        ("", "care_home", None, "2 to 160 characters"),
        ("X", "care_home", None, "2 to 160 characters"),
        ("Oak House", "castle", None, "what kind of service"),
        ("Oak House", "care_home", "CQC-12", "looks like 1-123456789"),
    ],
)
def test_a_new_service_that_does_not_read_is_refused_kindly(
    session: Session, name: str, kind: str, cqc: str | None, message: str
) -> None:
    with pytest.raises(ServiceError, match=message):
        service_admin.create_service(
            session, _admin(session), name=name, kind=kind, cqc_location_id=cqc
        )
    assert session.scalar(select(Service.id)) is None


def test_names_and_cqc_ids_are_unique(session: Session) -> None:
    admin = _admin(session)
    service_admin.create_service(
        session, admin, name="Oak House", kind="care_home", cqc_location_id="1-111111111"
    )
    with pytest.raises(ServiceError, match="already a service called"):
        service_admin.create_service(session, admin, name="oak house", kind="care_home")
    with pytest.raises(ServiceError, match="already has the CQC location id"):
        service_admin.create_service(
            session, admin, name="Elm", kind="care_home", cqc_location_id="1-111111111"
        )


def test_only_an_administrator_changes_services(session: Session) -> None:
    manager = factories.user(session, Role.MANAGER, pin=None)
    with pytest.raises(NotAllowed):
        service_admin.create_service(session, manager, name="Oak House", kind="care_home")


def test_closing_waits_until_nobody_lives_there_and_a_double_tap_changes_nothing(
    session: Session,
) -> None:
    admin = _admin(session)
    oak = service_admin.create_service(session, admin, name="Oak House", kind="care_home")
    staff = factories.user(session)
    sam = factories.person(session, staff)
    session.flush()
    # Whatever placed Sam, he is in Oak House now and nowhere else.
    for row in session.scalars(select(PersonService).where(PersonService.person_id == sam.id)):
        row.ended_on = date.today()
    session.add(PersonService(person_id=sam.id, service_id=oak.id, started_on=date.today()))
    session.flush()
    with pytest.raises(ServiceError, match="still has people in it"):
        service_admin.set_open(session, admin, oak, False)
    for row in session.scalars(select(PersonService).where(PersonService.person_id == sam.id)):
        row.ended_on = date.today()
    assert service_admin.set_open(session, admin, oak, False) is True
    assert service_admin.set_open(session, admin, oak, False) is False
    assert len(_audited(session, "service.closed")) == 1
    assert service_admin.set_open(session, admin, oak, True) is True
    assert len(_audited(session, "service.reopened")) == 1


def test_an_account_is_given_its_services_as_a_whole_list(session: Session) -> None:
    admin = _admin(session)
    oak = service_admin.create_service(session, admin, name="Oak House", kind="care_home")
    celyn = service_admin.create_service(session, admin, name="Ty Celyn", kind="care_home")
    staff = factories.user(session)
    change = service_admin.set_account_services(session, admin, staff, [str(oak.id)])
    assert change.added == {oak.id} and not change.removed
    assert service_admin.service_ids_of(session, staff) == {oak.id}
    # A double tap: the same list again changes nothing and is not audited again.
    assert not service_admin.set_account_services(session, admin, staff, [oak.id])
    change = service_admin.set_account_services(session, admin, staff, [celyn.id])
    assert change.added == {celyn.id} and change.removed == {oak.id}
    assert service_admin.service_ids_of(session, staff) == {celyn.id}
    entries = _audited(session, "user.services_changed")
    assert [e.detail["removed"] for e in entries] == [[], [oak.id]]
    assert all(e.object_id == str(staff.id) for e in entries)


def test_all_services_is_for_managers_and_nobody_joins_a_closed_service(
    session: Session,
) -> None:
    admin = _admin(session)
    oak = service_admin.create_service(session, admin, name="Oak House", kind="care_home")
    staff = factories.user(session)
    manager = factories.user(session, Role.MANAGER, name="Morgan Evans", pin=None)
    with pytest.raises(ServiceError, match="Only managers can see all services"):
        service_admin.set_account_services(session, admin, staff, [], all_services=True)
    assert service_admin.set_account_services(session, admin, manager, [], all_services=True)
    assert manager.all_services is True
    advocate = factories.user(session, Role.ADVOCATE, pin=None)
    with pytest.raises(ServiceError, match="Advocates do not belong to services"):
        service_admin.set_account_services(session, admin, advocate, [oak.id])
    service_admin.set_account_services(session, admin, staff, [oak.id])
    service_admin.set_open(session, admin, oak, False)
    # Already in it: kept. New to it: refused.
    assert not service_admin.set_account_services(session, admin, staff, [oak.id])
    other = factories.user(session, name="Tom Okafor")
    with pytest.raises(ServiceError, match="is closed"):
        service_admin.set_account_services(session, admin, other, [oak.id])
    with pytest.raises(ServiceError, match="does not exist any more"):
        service_admin.set_account_services(session, admin, other, [oak.id + 1000])
    with pytest.raises(ServiceError, match="not understood"):
        service_admin.set_account_services(session, admin, other, ["oak"])
    assert session.scalar(select(StaffService).where(StaffService.user_id == other.id)) is None


def test_leads_are_named_per_service_and_one_person_may_lead_several(session: Session) -> None:
    admin = _admin(session)
    oak = service_admin.create_service(session, admin, name="Oak House", kind="care_home")
    celyn = service_admin.create_service(session, admin, name="Ty Celyn", kind="care_home")
    manager = factories.user(session, Role.MANAGER, name="Morgan Evans", pin=None)
    staff = factories.user(session, name="Nia Roberts")
    service_admin.set_account_services(session, admin, manager, [], all_services=True)
    service_admin.set_account_services(session, admin, staff, [celyn.id])
    with pytest.raises(ServiceError, match="Add them to the service first"):
        service_admin.set_leads(session, admin, oak, [staff.id])
    assert service_admin.set_leads(session, admin, oak, [manager.id])
    assert service_admin.set_leads(session, admin, celyn, [str(manager.id), str(staff.id)])
    assert service_admin.lead_ids_of(session, oak) == {manager.id}
    assert service_admin.lead_ids_of(session, celyn) == {manager.id, staff.id}
    assert not service_admin.set_leads(session, admin, celyn, [manager.id, staff.id])
    assert service_admin.set_leads(session, admin, celyn, [staff.id]).removed == {manager.id}
    assert len(_audited(session, "service.leads_changed")) == 3
