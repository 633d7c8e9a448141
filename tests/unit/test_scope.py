"""Need to know (issue 25): services as records, scope, cover and moves (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    Person,
    Review,
    Role,
    Service,
    ServiceKind,
    ServiceLead,
    StaffService,
    User,
)
from facilitator.services import NotFound, ServiceError, audit, people, scope
from facilitator.services.messages import notices

from . import factories

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _service(session: Session, name: str, kind: ServiceKind = ServiceKind.CARE_HOME) -> Service:
    made = Service(name=name, kind=kind)
    session.add(made)
    session.flush()
    return made


def _staff(session: Session, *services: Service, role: Role = Role.STAFF) -> User:
    made = factories.user(session, role=role, name="Staff of " + "/".join(s.name for s in services))
    for service in services:
        session.add(StaffService(user_id=made.id, service_id=service.id))
    session.flush()
    return made


def _person(session: Session, actor: User, name: str, service: Service) -> Person:
    return people.create_person(
        session,
        actor=actor,
        preferred_name=name,
        full_name=f"{name} Jones",
        service_id=service.id,
    )


@pytest.fixture
def two(session: Session) -> dict:
    oak = _service(session, "Oak House", ServiceKind.SUPPORTED_LIVING)
    ty = _service(session, "Ty Celyn")
    oak_staff, ty_staff = _staff(session, oak), _staff(session, ty)
    sam = _person(session, oak_staff, "Sam", oak)
    gwen = _person(session, ty_staff, "Gwen", ty)
    return {
        "oak": oak,
        "ty": ty,
        "oak_staff": oak_staff,
        "ty_staff": ty_staff,
        "sam": sam,
        "gwen": gwen,
    }


def test_staff_see_only_their_services_people(session: Session, two: dict) -> None:
    oak_staff, sam, gwen = two["oak_staff"], two["sam"], two["gwen"]
    assert scope.service_ids_for(session, oak_staff) == {two["oak"].id}
    visible = set(session.scalars(scope.visible_people(session, oak_staff)))
    assert sam.id in visible and gwen.id not in visible
    assert scope.require_person(session, oak_staff, sam.id) is sam
    with pytest.raises(NotFound):
        scope.require_person(session, oak_staff, gwen.id)
    with pytest.raises(NotFound):  # the same answer as a person who does not exist
        scope.require_person(session, oak_staff, 999999)
    assert sam.service == "Oak House"  # the old text column is kept in step


def test_all_services_and_the_system_see_everyone(session: Session, two: dict) -> None:
    manager = factories.user(session, role=Role.MANAGER, name="Morgan")
    assert scope.service_ids_for(session, manager) == set()  # no service yet: no one
    assert not scope.may_see_person(session, manager, two["gwen"].id)
    manager.all_services = True
    assert scope.service_ids_for(session, manager) is None
    assert scope.may_see_person(session, manager, two["gwen"].id)
    assert scope.service_ids_for(session, None) is None


def test_a_review_records_its_service_and_follows_the_person(session: Session, two: dict) -> None:
    oak_staff, ty_staff, sam = two["oak_staff"], two["ty_staff"], two["sam"]
    held = factories.review(session, oak_staff, sam)
    assert held.service_id == two["oak"].id
    assert scope.require_review(session, oak_staff, held.id) is held
    with pytest.raises(NotFound):
        scope.require_review(session, ty_staff, held.id)
    # Sam moves mid-review: the review stays with the service it was held in, and the whole
    # record follows Sam to the new service's staff.
    scope.move_person(session, sam, two["ty"].id, actor=oak_staff, on=date.today())
    assert held.service_id == two["oak"].id
    assert scope.require_review(session, ty_staff, held.id) is held
    with pytest.raises(NotFound):
        scope.require_review(session, oak_staff, held.id)


def test_moving_keeps_the_history_and_is_audited(session: Session, two: dict) -> None:
    sam, oak_staff = two["sam"], two["oak_staff"]
    with pytest.raises(ServiceError, match="already in that service"):
        scope.move_person(session, sam, two["oak"].id, actor=oak_staff, on=date.today())
    scope.move_person(session, sam, two["ty"].id, actor=oak_staff, on=date.today())
    rows = scope.history(session, sam.id)
    assert [(r.service_id, r.ended_on) for r in rows] == [
        (two["oak"].id, date.today()),
        (two["ty"].id, None),
    ]
    assert scope.current_service(session, sam.id) == two["ty"]
    assert sam.service == "Ty Celyn"
    entry = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "person.moved_service")
    ).one()
    assert entry.person_id == sam.id and entry.detail["to_service_id"] == two["ty"].id
    two["oak"].active = False
    with pytest.raises(ServiceError, match="closed"):
        scope.move_person(session, sam, two["oak"].id, actor=oak_staff, on=date.today())


def test_cover_is_refused_without_a_reason(session: Session, two: dict) -> None:
    for reason in ("", "   "):
        with pytest.raises(ServiceError, match="Say why"):
            scope.grant_cover(session, two["oak_staff"], two["gwen"].id, reason, now=NOW)
        with pytest.raises(ServiceError, match="Say why"):
            scope.request_cover(
                session,
                two["oak_staff"],
                service_id=two["ty"].id,
                full_name="Gwen Jones",
                reason=reason,
                now=NOW,
            )
    assert not scope.may_see_person(session, two["oak_staff"], two["gwen"].id, now=NOW)


def test_cover_opens_the_one_person_only_and_ends_on_time(session: Session, two: dict) -> None:
    oak_staff, ty = two["oak_staff"], two["ty"]
    priya = _person(session, two["ty_staff"], "Priya", ty)
    grant = scope.request_cover(
        session,
        oak_staff,
        service_id=ty.id,
        full_name="  gwen   JONES ",
        reason="Covering the night shift at Ty Celyn",
        now=NOW,
    )
    assert grant.person_id == two["gwen"].id
    assert grant.ends_at == NOW + timedelta(hours=12)
    assert scope.may_see_person(session, oak_staff, two["gwen"].id, now=NOW)
    assert not scope.may_see_person(session, oak_staff, priya.id, now=NOW)
    just_before = grant.ends_at - timedelta(seconds=1)
    assert scope.may_see_person(session, oak_staff, two["gwen"].id, now=just_before)
    assert not scope.may_see_person(session, oak_staff, two["gwen"].id, now=grant.ends_at)
    # Audited, and listed for that service's manager and for the one who covered.
    entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "cover.granted")).one()
    assert entry.person_id == two["gwen"].id and entry.actor_user_id == oak_staff.id
    assert audit.verify(session).ok
    ty_manager = _staff(session, ty, role=Role.MANAGER)
    oak_manager = _staff(session, two["oak"], role=Role.MANAGER)
    assert [g.id for g, *_ in scope.cover_grants(session, ty_manager)] == [grant.id]
    assert scope.cover_grants(session, oak_manager) == []
    assert [g.id for g, *_ in scope.cover_grants(session, oak_staff, given_to=oak_staff)] == [
        grant.id
    ]


def test_cover_needs_the_person_in_that_service(session: Session, two: dict) -> None:
    with pytest.raises(ServiceError, match="could not find one person"):
        scope.request_cover(
            session,
            two["oak_staff"],
            service_id=two["oak"].id,  # Gwen is not at Oak House
            full_name="Gwen Jones",
            reason="Covering",
            now=NOW,
        )
    with pytest.raises(ServiceError, match="already open"):
        scope.grant_cover(session, two["oak_staff"], two["sam"].id, "Covering", now=NOW)


def test_cover_length_is_a_setting(session: Session, two: dict) -> None:
    grant = scope.grant_cover(session, two["oak_staff"], two["gwen"].id, "Night", hours=4, now=NOW)
    assert grant.ends_at - grant.starts_at == timedelta(hours=4)


def test_safety_alerts_go_to_the_lead_of_the_persons_service(session: Session, two: dict) -> None:
    lead = factories.user(session, role=Role.MANAGER, name="Carys")
    anyone = factories.user(session, role=Role.MANAGER, name="Morgan")
    anyone.is_safeguarding_lead = True
    session.add(ServiceLead(service_id=two["ty"].id, user_id=lead.id))
    session.flush()
    assert scope.leads_for_person(session, two["gwen"].id) == [lead]
    # A service with no lead named: the provider's safeguarding leads, so it reaches someone.
    assert scope.leads_for_person(session, two["sam"].id) == [anyone]
    # The safety alert (services/messages/notices.py) goes to the lead of the person's service.
    assert notices.safeguarding_leads(session, two["gwen"].id) == [lead]
    assert anyone in notices.safeguarding_leads(session, two["sam"].id)
    assert lead not in notices.safeguarding_leads(session, two["sam"].id)


def test_new_people_go_in_a_service(session: Session, two: dict) -> None:
    both = _staff(session, two["oak"], two["ty"])
    with pytest.raises(ServiceError, match="Choose the service"):
        people.create_person(session, actor=both, preferred_name="Dee", full_name="Dee Owen")
    dee = people.create_person(
        session, actor=two["oak_staff"], preferred_name="Dee", full_name="Dee Owen"
    )
    assert scope.current_service(session, dee.id) == two["oak"]  # their only service
    named = people.create_person(
        session, actor=both, preferred_name="Al", full_name="Al Lee", service=" oak  house "
    )
    assert scope.current_service(session, named.id) == two["oak"]


def test_a_limited_session_finds_only_their_people(session: Session, two: dict) -> None:
    oak_staff = two["oak_staff"]
    factories.review(session, two["ty_staff"], two["gwen"])
    factories.review(session, oak_staff, two["sam"])
    scope.limit_session(session, oak_staff)
    try:
        names = {p.preferred_name for p in session.scalars(select(Person))}
        assert "Sam" in names and "Gwen" not in names
        assert {r.person_id for r in session.scalars(select(Review))} == {two["sam"].id}
        found, total = people.people_for_staff(session, search="gwen")
        assert found == [] and total == 0  # search finds nothing and says nothing
    finally:
        scope.unlimit_session(session)
    assert "Gwen" in {p.preferred_name for p in session.scalars(select(Person))}


def test_every_route_parameter_is_classified(app) -> None:  # type: ignore[no-untyped-def]
    """A new route naming a record by a parameter this module does not know fails here."""
    known = set(scope.PERSON_PARAMETERS) | scope.OTHER_PARAMETERS
    unknown = {
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name in rule.arguments
        if name not in known
    }
    assert not unknown, f"route parameters not classified in services/scope.py: {unknown}"


def _check_services_upgrade(url: str) -> None:
    """0014 -> 0015: free-text services become records, each person a current placement, each
    review its person's service, every staff/manager/administrator in every service (leads
    leading every service); downgrade writes the names back."""
    from alembic import command
    from sqlalchemy import text

    from facilitator.db import alembic_config, make_engine, upgrade

    engine = make_engine(url)
    now = "2026-01-01 00:00:00+00:00"
    with engine.begin() as conn:
        for name, service in (
            ("Sam", "Oak House supported living"),
            ("Ellis", "oak house  supported living"),  # the same, typed differently
            ("Gwen", "Ty Celyn"),
            ("Noor", None),
        ):
            conn.execute(
                text(
                    "INSERT INTO people (preferred_name, full_name, service, language, "
                    "preferred_formats, settings, advocate_needed, substantial_difficulty, "
                    "version, created_at) VALUES (:n, :n, :s, 'en', '[]', '{}', false, '[]', 1, "
                    ":at)"
                ),
                {"n": name, "s": service, "at": now},
            )
        for email, role, lead in (
            ("s@x.org", "staff", False),
            ("m@x.org", "manager", True),
            ("a@x.org", "admin", False),
            ("v@x.org", "advocate", False),
        ):
            conn.execute(
                text(
                    "INSERT INTO users (email, name, role, password_hash, language, "
                    "is_safeguarding_lead, active, created_at) VALUES (:e, :e, :r, 'x', 'en', "
                    ":lead, true, :at)"
                ),
                {"e": email, "r": role, "lead": lead, "at": now},
            )
        sam = conn.execute(text("SELECT id FROM people WHERE preferred_name = 'Sam'")).scalar()
        conn.execute(
            text(
                "INSERT INTO reviews (person_id, kind, status, scheduled_for, created_at, version) "
                "VALUES (:p, 'planned', 'planned', '2026-02-01', :at, 1)"
            ),
            {"p": sam, "at": now},
        )
    upgrade(url, "0015_services")
    with engine.connect() as conn:
        services = dict(conn.execute(text("SELECT name, kind FROM services")).all())
        assert services == {
            "Oak House supported living": "supported_living",
            "Ty Celyn": "care_home",
            "Service not recorded": "care_home",
        }
        placed = dict(
            conn.execute(
                text(
                    "SELECT p.preferred_name, s.name FROM person_services ps JOIN people p ON "
                    "p.id = ps.person_id JOIN services s ON s.id = ps.service_id "
                    "WHERE ps.ended_on IS NULL"
                )
            ).all()
        )
        assert placed == {
            "Sam": "Oak House supported living",
            "Ellis": "Oak House supported living",
            "Gwen": "Ty Celyn",
            "Noor": "Service not recorded",
        }
        held = conn.execute(
            text("SELECT s.name FROM reviews r JOIN services s ON s.id = r.service_id")
        ).scalar()
        assert held == "Oak House supported living"
        staffed = conn.execute(
            text(
                "SELECT u.email, count(*) FROM staff_services ss JOIN users u ON u.id = ss.user_id "
                "GROUP BY u.email"
            )
        ).all()
        assert dict(staffed) == {"s@x.org": 3, "m@x.org": 3, "a@x.org": 3}  # not the advocate
        leads = conn.execute(text("SELECT count(*) FROM service_leads")).scalar()
        assert leads == 3  # the one safeguarding lead leads every service
        assert not any(conn.execute(text("SELECT all_services FROM users")).scalars())
    command.downgrade(alembic_config(url), "0014_person_pacing")
    with engine.connect() as conn:
        back = dict(conn.execute(text("SELECT preferred_name, service FROM people")).all())
        assert back == {
            "Sam": "Oak House supported living",
            "Ellis": "Oak House supported living",
            "Gwen": "Ty Celyn",
            "Noor": None,
        }
    engine.dispose()


def test_upgrade_turns_free_text_services_into_records(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from facilitator.db import upgrade

    url = f"sqlite:///{tmp_path / 'services.sqlite3'}"
    upgrade(url, "0014_person_pacing")
    _check_services_upgrade(url)


def test_upgrade_of_services_on_postgresql() -> None:
    from alembic import command

    from facilitator.db import alembic_config

    from ..conftest import own_postgres_database

    with own_postgres_database("services") as url:
        command.downgrade(alembic_config(url), "0014_person_pacing")
        _check_services_upgrade(url)
