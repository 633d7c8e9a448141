"""Administering services (issue 25): an administrator creates a service, closes or reopens it,
says which services each staff or manager account belongs to (or gives a manager all
services), and names each service's safeguarding leads.

Each change is audited. The writes that a double tap could repeat say what the whole state
should be (the services an account belongs to, the leads of a service, open or closed), so a
second tap changes nothing and records nothing. Who then sees whom is decided in
``services/scope.py`` from the rows written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...models import Role, User
from ...models.services import PersonService, Service, ServiceKind, ServiceLead, StaffService
from ...text import clean_text
from .. import NotAllowed, NotFound, ServiceError, audit

# The accounts that belong to services: advocates are given their people one by one instead.
SERVICE_ROLES = (Role.STAFF, Role.MANAGER, Role.ADMIN)
# "All services": for managers (and administrators, who run the whole provider).
ALL_SERVICES_ROLES = (Role.MANAGER, Role.ADMIN)
NAME_MIN, NAME_MAX = 2, 160
# A CQC location id is "1-" and 9 to 11 digits (for example 1-123456789); a few older ones have
# fewer digits, so 6 to 12 are accepted.
CQC_LOCATION_ID = re.compile(r"1-\d{6,12}")


def _admin_only(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can change services."))


def service_or_404(session: Session, service_id: int) -> Service:
    """The service with this id, or NotFound."""
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(_l("There is no such service."))
    return service


def all_services(session: Session) -> list[Service]:
    """Every service, open ones first, by name."""
    return list(session.scalars(select(Service).order_by(Service.active.desc(), Service.name)))


def open_services(session: Session) -> list[Service]:
    """The open services, by name."""
    return list(session.scalars(select(Service).where(Service.active).order_by(Service.name)))


def _clean_cqc(value: str | None) -> str | None:
    text = (value or "").strip().upper().replace(" ", "")
    if not text:
        return None
    if not CQC_LOCATION_ID.fullmatch(text):
        raise ServiceError(
            _l(
                "A CQC location id looks like 1-123456789: the number 1, a dash, then the "
                "digits. Leave it empty if the service has none."
            )
        )
    return text


def create_service(
    session: Session,
    actor: User,
    *,
    name: str,
    kind: ServiceKind | str,
    cqc_location_id: str | None = None,
) -> Service:
    """A new, open service. Names are unique whatever their capitals; so are CQC ids."""
    _admin_only(actor)
    cleaned = clean_text(name or "", trim=True)
    if not NAME_MIN <= len(cleaned) <= NAME_MAX:
        raise ServiceError(
            _l(
                "Write the service's name in %(low)d to %(high)d characters.",
                low=NAME_MIN,
                high=NAME_MAX,
            )  # fmt: skip
        )
    try:
        kind = ServiceKind(kind)
    except ValueError:
        raise ServiceError(_l("Choose what kind of service it is.")) from None
    cqc = _clean_cqc(cqc_location_id)
    same_name = select(Service.id).where(func.lower(Service.name) == cleaned.lower())
    if session.scalar(same_name) is not None:
        raise ServiceError(
            _l("There is already a service called %(name)s. Choose another name.", name=cleaned)
        )
    if cqc and session.scalar(select(Service.id).where(Service.cqc_location_id == cqc)):
        raise ServiceError(_l("Another service already has the CQC location id %(id)s.", id=cqc))
    service = Service(name=cleaned, kind=kind, cqc_location_id=cqc, active=True)
    session.add(service)
    audit.record(
        session,
        "service.created",
        actor=actor,
        obj=service,
        detail={"name": cleaned, "kind": str(kind), "cqc_location_id": cqc},
    )
    return service


def people_in(session: Session, service: Service) -> int:
    """How many people belong to the service now."""
    return (
        session.scalar(
            select(func.count(PersonService.id)).where(
                PersonService.service_id == service.id, PersonService.ended_on.is_(None)
            )
        )
        or 0
    )


def set_open(session: Session, actor: User, service: Service, open_: bool) -> bool:
    """Close a service (no new people or staff join it) or reopen it; False if it already was.

    A service with people in it cannot close: they move to another service first, so nobody is
    left in a closed one.
    """
    _admin_only(actor)
    if service.active == open_:
        return False
    if not open_:
        count = people_in(session, service)
        if count:
            raise ServiceError(
                _l(
                    "%(name)s still has people in it (%(count)d). Move them to another service "
                    "first, then close it.",
                    name=service.name,
                    count=count,
                )
            )
    service.active = open_
    audit.record(
        session, "service.reopened" if open_ else "service.closed", actor=actor, obj=service
    )
    return True


def service_ids_of(session: Session, user: User) -> set[int]:
    """The services an account belongs to (not counting "all services")."""
    return set(
        session.scalars(select(StaffService.service_id).where(StaffService.user_id == user.id))
    )


@dataclass(frozen=True)
class Change:
    """What a write changed: ids added and removed, and whether "all services" changed
    (nothing at all when a double tap sent the same again)."""

    added: frozenset[int] = frozenset()
    removed: frozenset[int] = frozenset()
    all_services: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.all_services)


def _as_ids(values: Iterable[int | str]) -> set[int]:
    """Record ids as ticked on a form (text) or given by code (numbers)."""
    try:
        return {int(v) for v in values}
    except (TypeError, ValueError):
        raise ServiceError(_l("Something ticked was not understood. Please try again.")) from None


def _wanted_services(session: Session, ids: Iterable[int | str], already: set[int]) -> set[int]:
    """The ids asked for, each a real service; a closed one only if the account was already in
    it (nobody joins a closed service)."""
    wanted = _as_ids(ids)
    found = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(wanted)))}
    if set(found) != wanted:
        raise ServiceError(_l("One of the services chosen does not exist any more. Try again."))
    for service_id in wanted - already:
        if not found[service_id].active:
            raise ServiceError(
                _l("%(name)s is closed: nobody can join it.", name=found[service_id].name)
            )
    return wanted


def set_account_services(
    session: Session,
    actor: User,
    user: User,
    service_ids: Iterable[int | str],
    *,
    all_services: bool = False,
) -> Change:
    """Say which services an account belongs to (the whole list) and whether it sees all.

    Taking an account out of a service takes effect at its next request (``scope`` reads these
    rows each time). Only managers and administrators may see all services; a staff account
    belongs to at least one service, or it sees nobody.
    """
    _admin_only(actor)
    if user.role not in SERVICE_ROLES:
        raise ServiceError(
            _l("Advocates do not belong to services: they see the people they are assigned to.")
        )
    if all_services and user.role not in ALL_SERVICES_ROLES:
        raise ServiceError(
            _l("Only managers can see all services. Choose the services this account works in.")
        )
    already = service_ids_of(session, user)
    wanted = _wanted_services(session, service_ids, already)
    was_all = bool(user.all_services)
    change = Change(
        frozenset(wanted - already), frozenset(already - wanted), was_all != all_services
    )
    if not change:
        return change
    if change.removed:
        session.execute(
            delete(StaffService).where(
                StaffService.user_id == user.id, StaffService.service_id.in_(change.removed)
            )
        )
    for service_id in sorted(change.added):
        session.add(StaffService(user_id=user.id, service_id=service_id))
    user.all_services = all_services
    audit.record(
        session,
        "user.services_changed",
        actor=actor,
        obj=user,
        detail={
            "added": sorted(change.added),
            "removed": sorted(change.removed),
            "all_services": all_services,
            "was_all_services": was_all,
        },
    )
    return change


def lead_ids_of(session: Session, service: Service) -> set[int]:
    """The accounts named as the service's safeguarding leads."""
    return set(
        session.scalars(select(ServiceLead.user_id).where(ServiceLead.service_id == service.id))
    )


def may_lead(session: Session, service: Service) -> list[User]:
    """The accounts that could lead safeguarding for the service: active staff and managers
    who belong to it or see all services, by name."""
    members = select(StaffService.user_id).where(StaffService.service_id == service.id)
    return list(
        session.scalars(
            select(User)
            .where(
                User.active,
                User.role.in_([Role.STAFF, Role.MANAGER]),
                User.id.in_(members) | User.all_services.is_(True),
            )
            .order_by(User.name)
        )
    )


def set_leads(
    session: Session, actor: User, service: Service, user_ids: Iterable[int | str]
) -> Change:
    """Name the service's safeguarding leads (the whole list; one person may lead several
    services). Each must be an active staff or manager account that can see the service's
    people. Safety alerts go to them."""
    _admin_only(actor)
    wanted = _as_ids(user_ids)
    allowed = {u.id for u in may_lead(session, service)}
    if not wanted <= allowed:
        raise ServiceError(
            _l(
                "A safeguarding lead must be an active staff or manager account in %(name)s. "
                "Add them to the service first.",
                name=service.name,
            )
        )
    already = lead_ids_of(session, service)
    change = Change(frozenset(wanted - already), frozenset(already - wanted))
    if not change:
        return change
    if change.removed:
        session.execute(
            delete(ServiceLead).where(
                ServiceLead.service_id == service.id, ServiceLead.user_id.in_(change.removed)
            )
        )
    for user_id in sorted(change.added):
        session.add(ServiceLead(service_id=service.id, user_id=user_id))
    audit.record(
        session,
        "service.leads_changed",
        actor=actor,
        obj=service,
        detail={"added": sorted(change.added), "removed": sorted(change.removed)},
    )
    return change
