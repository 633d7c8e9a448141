"""Need to know (issue 25): which people, reviews and records an account may see and act on.

The rule, once:

- **Staff, managers and administrators** see the people whose *current* service
  (``PersonService`` with ``ended_on`` NULL) is one of theirs (``StaffService``), and the people
  they hold an active cover grant for (``CoverGrant``: one person, a reason, until it ends).
  ``User.all_services`` sees every service (given to managers by an administrator).
- A person's **whole record follows the person**: their reviews (``Review.service_id`` keeps
  the service a review was held in, for the figures), actions, links, photos, recordings and
  governance records are seen by whoever may see the person now.
- **Advocates** keep their own rule: the people they are an active supporter of.
- Family links are not accounts and are unaffected: a link issued before a move still works.

Anything out of scope is ``NotFound``: the same 404 page as a record that does not exist, so
it says nothing. Every route that names a record by a URL parameter is checked in one place
(``views/lookup.py`` asks :func:`person_named_by` before the view runs; every parameter name is
classified in :data:`PERSON_PARAMETERS` or :data:`OTHER_PARAMETERS`, and a test fails on a
route whose parameter is in neither). Lists, search, figures and exports filter with
:func:`visible_people` (a select of person ids) or :func:`limit_people`.

For other parts (issue 25 part D, the messages issue): :func:`service_ids_for`,
:func:`visible_people`, :func:`require_person`, :func:`require_review`,
:func:`leads_for_person`, :func:`current_service`, :func:`services_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, event, false, func, or_, select, true
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from ..models import (
    AuditEvent,
    BestInterestsRecord,
    CapacityAssessment,
    Communication,
    Complaint,
    Contribution,
    CoverGrant,
    CustomPrompt,
    DifferingView,
    InvitationLink,
    JointMeeting,
    LegalAuthority,
    OutcomeAction,
    Person,
    PersonRecording,
    PersonService,
    Photo,
    RecordingConsent,
    Response,
    Review,
    Role,
    SafetyFlag,
    Service,
    ServiceLead,
    StaffService,
    Supporter,
    User,
    VoiceRecording,
    utcnow,
)
from . import NotFound, ServiceError, audit

SCOPED_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
DEFAULT_COVER_HOURS = 12
MAX_COVER_HOURS = 72
# An execution option: this query is not limited to the viewer's people (the scope's own
# look-ups, cover, the audit chain's verification). ``.execution_options(all_people=True)``.
ALL_PEOPLE = "all_people"
_VIEWER = "scope.people"  # session.info: the select of the viewer's people, while limited


# --- who may see what -------------------------------------------------------------------------


def service_ids_for(session: Session, user: User | None) -> set[int] | None:
    """The ids of the services ``user`` belongs to; None means every service.

    None for ``user`` None (the system: commands, the worker) and for ``all_services``
    accounts. Advocates belong to no service (an empty set): their people are those they
    support (see :func:`visible_people`).
    """
    if user is None or user.all_services:
        return None
    if user.role not in SCOPED_ROLES:
        return set()
    return set(
        session.scalars(select(StaffService.service_id).where(StaffService.user_id == user.id))
    )


def sees_all(session: Session, user: User | None) -> bool:
    """Whether ``user`` sees every service (figures for "all services" are only for them)."""
    return service_ids_for(session, user) is None


def current_people_of(service_ids: set[int]) -> Select[Any]:
    """A select of the ids of the people whose current service is one of ``service_ids``."""
    return select(PersonService.person_id).where(
        PersonService.ended_on.is_(None), PersonService.service_id.in_(service_ids or {-1})
    )


def visible_people(session: Session, user: User | None, *, now: datetime | None = None) -> Any:
    """A select of the ids of the people ``user`` may see (use as ``Person.id.in_(...)``).

    Their services' current people, plus active cover grants; advocates: the people they
    support. For an account that sees everything, a select of every person id.
    """
    if user is not None and user.role == Role.ADVOCATE:
        return select(Supporter.person_id).where(
            Supporter.user_id == user.id, Supporter.active.is_(True)
        )
    ids = service_ids_for(session, user)
    if ids is None:
        return select(Person.id)
    moment = now or utcnow()
    covered = select(CoverGrant.person_id).where(
        CoverGrant.user_id == user.id,  # type: ignore[union-attr]
        CoverGrant.starts_at <= moment,
        CoverGrant.ends_at > moment,
    )
    return current_people_of(ids).union(covered)


def person_clause(session: Session, user: User | None, *, now: datetime | None = None) -> Any:
    """A WHERE clause on ``Person.id`` for ``user``'s people (true for those who see all)."""
    if user is not None and user.role != Role.ADVOCATE and sees_all(session, user):
        return true()
    return Person.id.in_(visible_people(session, user, now=now))


def limit_people(query: Select[Any], session: Session, user: User | None, column: Any) -> Any:
    """``query`` limited to rows whose person id (``column``) ``user`` may see."""
    if user is not None and user.role != Role.ADVOCATE and sees_all(session, user):
        return query
    return query.where(column.in_(visible_people(session, user)))


def may_see_person(
    session: Session, user: User | None, person_id: int | None, *, now: datetime | None = None
) -> bool:
    """Whether ``user`` may see the person (a record with no person: yes)."""
    if person_id is None:
        return True
    if user is not None and user.role != Role.ADVOCATE and sees_all(session, user):
        return True
    query = visible_people(session, user, now=now)
    return person_id in set(session.scalars(query))


def require_person(
    session: Session, user: User | None, person_id: int, *, now: datetime | None = None
) -> Person:
    """The person, or ``NotFound`` (404, the same as no such person) when out of scope."""
    person = session.get(Person, person_id)
    if person is None or not may_see_person(session, user, person_id, now=now):
        raise NotFound(_l("We could not find that person."))
    return person


def require_review(
    session: Session, user: User | None, review_id: int, *, now: datetime | None = None
) -> Review:
    """The review, or ``NotFound`` when its person is out of scope (the record follows them)."""
    review = session.get(Review, review_id)
    if review is None or not may_see_person(session, user, review.person_id, now=now):
        raise NotFound(_l("We could not find that review."))
    return review


# --- records named in a route ---------------------------------------------------------------


def _via_review(model: Any) -> Callable[[Session, Any], int | None]:
    def find(session: Session, value: Any) -> int | None:
        return session.scalar(
            select(Review.person_id)
            .join(model, model.review_id == Review.id)
            .where(model.id == value)
            .execution_options(all_people=True)
        )

    return find


def _direct(model: Any, key: Any = None) -> Callable[[Session, Any], int | None]:
    def find(session: Session, value: Any) -> int | None:
        column = key if key is not None else model.id
        return session.scalar(
            select(model.person_id).where(column == value).execution_options(all_people=True)
        )

    return find


def _authority(session: Session, value: Any) -> int | None:
    return session.scalar(
        select(Supporter.person_id)
        .join(LegalAuthority, LegalAuthority.supporter_id == Supporter.id)
        .where(LegalAuthority.id == value)
        .execution_options(all_people=True)
    )


def _public_id(session: Session, value: Any) -> int | None:
    found = session.scalar(
        select(Photo.person_id).where(Photo.public_id == value).execution_options(all_people=True)
    )
    if found is None:
        found = session.scalar(
            select(VoiceRecording.person_id)
            .where(VoiceRecording.public_id == value)
            .execution_options(all_people=True)
        )
    if found is None:  # the person's own voice (issue 24)
        found = session.scalar(
            select(PersonRecording.person_id)
            .where(PersonRecording.public_id == value)
            .execution_options(all_people=True)
        )
    return found


# URL parameters that name a person's record, and how to find that person. A route with any of
# these is refused (404) to an account that may not see the person.
PERSON_PARAMETERS: dict[str, Callable[[Session, Any], int | None]] = {
    "person_id": lambda _session, value: int(value),
    "review_id": _direct(Review),
    "action_id": _via_review(OutcomeAction),
    "contribution_id": _via_review(Contribution),
    "link_id": _via_review(InvitationLink),
    "view_id": _via_review(DifferingView),
    "response_id": _via_review(Response),
    "assessment_id": _direct(CapacityAssessment),
    "complaint_id": _direct(Complaint),
    "flag_id": _direct(SafetyFlag),
    "supporter_id": _direct(Supporter),
    "authority_id": _authority,
    "public_id": _public_id,
    "meeting_id": _direct(JointMeeting),  # a joint problem-solving meeting (issue 17)
}
# URL parameters that name no person's record (or one found through another parameter of the
# same route: a party through its differing view, a prompt through its person).
OTHER_PARAMETERS = frozenset(
    {
        "filename",
        "number",
        "position",
        "size",
        "token",
        "user_id",
        "service_id",
        "party_id",
        "prompt_id",
        "message_id",  # an outbox message: administrators only
        "slug",  # a published page (issue 17): administrators only
        "lang",
        "who",  # an invitee of a review's meeting, through its review_id in the same route
        # A record audit (issue 20): seen by those who see all its services
        # (services/governance/record_audit.get), and a finding through its record_audit_id.
        "record_audit_id",
        "finding_id",
    }
)


def person_named_by(session: Session, parameter: str, value: Any) -> int | None:
    """The id of the person whose record a route's parameter names (None: no such record, or
    not a person's record). Raises KeyError for a parameter not classified above."""
    if parameter in OTHER_PARAMETERS:
        return None
    return PERSON_PARAMETERS[parameter](session, value)


def require_route(
    session: Session, user: User | None, parameters: dict[str, Any], *, now: datetime | None = None
) -> None:
    """Refuse (``NotFound``) a route whose parameters name a record of a person out of scope.

    Only staff, managers and administrators are checked here: advocates' routes check their
    assignment in their own views, family links are not accounts.
    """
    if user is None or user.role not in SCOPED_ROLES or sees_all(session, user):
        return
    for parameter, value in parameters.items():
        person_id = person_named_by(session, parameter, value)
        if person_id is not None and not may_see_person(session, user, person_id, now=now):
            raise NotFound(_l("We could not find that person."))


# --- services and their people --------------------------------------------------------------


def services_for(session: Session, user: User | None, *, active_only: bool = True) -> list[Service]:
    """The services ``user`` belongs to (every service for those who see all), by name."""
    query = select(Service).order_by(Service.name)
    if active_only:
        query = query.where(Service.active.is_(True))
    ids = service_ids_for(session, user)
    if ids is not None:
        query = query.where(Service.id.in_(ids or {-1}))
    return list(session.scalars(query))


def current_placement(session: Session, person_id: int) -> PersonService | None:
    """The person's current ``PersonService`` row, or None."""
    return session.scalar(
        select(PersonService)
        .where(PersonService.person_id == person_id, PersonService.ended_on.is_(None))
        .order_by(PersonService.id.desc())
        .limit(1)
    )


def current_service(session: Session, person_id: int) -> Service | None:
    """The service the person belongs to now, or None."""
    placement = current_placement(session, person_id)
    return placement.service if placement is not None else None


def history(session: Session, person_id: int) -> list[PersonService]:
    """The person's services, oldest first (a move ends one row and starts another)."""
    return list(
        session.scalars(
            select(PersonService)
            .where(PersonService.person_id == person_id)
            .order_by(PersonService.started_on, PersonService.id)
        )
    )


def named_leads(session: Session, person_id: int) -> list[User]:
    """The active safeguarding leads named for the person's current service (maybe none)."""
    service = current_service(session, person_id)
    if service is None:
        return []
    return list(
        session.scalars(
            select(User)
            .join(ServiceLead, ServiceLead.user_id == User.id)
            .where(ServiceLead.service_id == service.id, User.active.is_(True))
            .order_by(User.name)
        )
    )


def leads_for_person(session: Session, person_id: int) -> list[User]:
    """Who a safety alert about this person goes to: the active safeguarding leads of the
    person's current service; if that service names none (or the person has none), the
    accounts marked as safeguarding leads, so an alert always reaches someone."""
    leads = named_leads(session, person_id)
    if not leads:
        leads = list(
            session.scalars(
                select(User)
                .where(User.is_safeguarding_lead.is_(True), User.active.is_(True))
                .order_by(User.name)
            )
        )
    return leads


def find_service(session: Session, name: str) -> Service | None:
    """The service with this name (case and spacing ignored), or None."""
    folded = " ".join(name.split()).lower()
    return session.scalar(select(Service).where(func.lower(Service.name) == folded))


def place_person(
    session: Session, person: Person, service: Service, *, on: date | None = None
) -> PersonService:
    """Put a new person in ``service`` (from ``on``); ``Person.service`` is kept in step."""
    placement = PersonService(
        person_id=person.id, service_id=service.id, started_on=on or date.today()
    )
    session.add(placement)
    person.service = service.name
    session.flush()
    return placement


def service_for_new_person(
    session: Session, actor: User | None, name: str | None, service_id: int | None = None
) -> Service | None:
    """The service a new person is put in: the one chosen (by id, or by name: a name that is
    not yet a service becomes one, as the free-text field did), or, when none is given and the
    actor belongs to exactly one service, that one; else none (the person is then seen only
    by those who see all services until they are moved into one). A person put in a service
    that is not the actor's is out of the actor's sight from then on (their page says so)."""
    service: Service | None = None
    if service_id is not None:
        service = session.get(Service, service_id)
        if service is None:
            raise ServiceError(_l("Choose a service from the list."))
    elif name and name.strip():
        service = find_service(session, name)
        if service is None:
            service = Service(name=" ".join(name.split())[:160])
            session.add(service)
            session.flush()
            audit.record(session, "service.created", actor=actor, obj=service)
    ids = service_ids_for(session, actor)
    if service is None:
        if ids is not None and len(ids) == 1:
            service = session.get(Service, next(iter(ids)))
        elif ids:
            raise ServiceError(_l("Choose the service that supports them."))
        return service
    if not service.active:
        raise ServiceError(_l("That service is closed. Choose another."))
    return service


def move_person(
    session: Session,
    person: Person,
    service_id: int,
    *,
    actor: User | None,
    on: date,
    today: date | None = None,
) -> PersonService:
    """The person moves to another service from ``on``: their current row ends and a new one
    starts (history kept). Their reviews keep the service they were held in; their whole
    record follows them, so from now on it is seen by the new service's staff. Audited."""
    service = session.get(Service, service_id)
    if service is None:
        raise ServiceError(_l("Choose a service from the list."))
    if not service.active:
        raise ServiceError(_l("That service is closed. Choose another."))
    current = current_placement(session, person.id)
    if current is not None and current.service_id == service.id:
        raise ServiceError(_l("The person is already in that service."))
    if on > (today or date.today()) + timedelta(days=366):
        raise ServiceError(_l("The date of the move must be within the next year."))
    if current is not None and on < current.started_on:
        raise ServiceError(
            _l("The date of the move cannot be before the person joined their current service.")
        )
    if current is not None:
        current.ended_on = on
    placement = PersonService(person_id=person.id, service_id=service.id, started_on=on)
    session.add(placement)
    previous = current.service_id if current is not None else None
    person.service = service.name
    person.version += 1
    session.flush()
    audit.record(
        session,
        "person.moved_service",
        actor=actor,
        obj=person,
        person_id=person.id,
        detail={"from_service_id": previous, "to_service_id": service.id, "on": on.isoformat()},
    )
    return placement


# --- cover ------------------------------------------------------------------------------------


def grant_cover(
    session: Session,
    actor: User,
    person_id: int,
    reason: str,
    *,
    hours: int = DEFAULT_COVER_HOURS,
    now: datetime | None = None,
) -> CoverGrant:
    """Open one person outside the actor's own services, with a reason, for ``hours``.

    Refused without a reason, for an account that is not staff or a manager, and for a
    person the actor may already see. Audited (and so shown to that service's managers on
    the governance page "access outside own service").
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(_l("Say why you need to open this person's record."))
    if actor.role not in SCOPED_ROLES:
        raise ServiceError(_l("Only staff and managers can cover another service."))
    person = session.get(Person, person_id, execution_options={ALL_PEOPLE: True})
    if person is None:
        raise NotFound(_l("We could not find that person."))
    moment = now or utcnow()
    if may_see_person(session, actor, person_id, now=moment):
        raise ServiceError(_l("You can already open this person's record."))
    hours = max(1, min(int(hours or DEFAULT_COVER_HOURS), MAX_COVER_HOURS))
    grant = CoverGrant(
        user_id=actor.id,
        person_id=person_id,
        reason=reason,
        starts_at=moment,
        ends_at=moment + timedelta(hours=hours),
        created_at=moment,
    )
    session.add(grant)
    session.flush()
    service = current_service(session, person_id)
    audit.record(
        session,
        "cover.granted",
        actor=actor,
        obj=grant,
        person_id=person_id,
        detail={"service_id": service.id if service else None, "hours": hours},
        at=moment,
    )
    return grant


def find_for_cover(session: Session, service_id: int, full_name: str) -> Person:
    """The one current person of ``service_id`` with this full name (case and spacing
    ignored), for a cover request: a staff member covering names the person they were asked
    to support. Refused kindly when there is no such person."""
    folded = " ".join((full_name or "").split()).lower()
    if not folded:
        raise ServiceError(_l("Write the person's full name."))
    found = list(
        session.scalars(
            select(Person)
            .where(
                Person.id.in_(current_people_of({service_id})),
                func.lower(Person.full_name) == folded,
                Person.care_ended_on.is_(None),
            )
            .limit(2)
            .execution_options(all_people=True)
        )
    )
    if len(found) != 1:
        raise ServiceError(
            _l(
                "We could not find one person of that name in that service. Check the full "
                "name with the service."
            )
        )
    return found[0]


def request_cover(
    session: Session,
    actor: User,
    *,
    service_id: int,
    full_name: str,
    reason: str,
    hours: int = DEFAULT_COVER_HOURS,
    now: datetime | None = None,
) -> CoverGrant:
    """A cover request from the form: the person found by service and full name, then
    :func:`grant_cover`. The reason is checked first, so nothing is looked up without one."""
    if not " ".join((reason or "").split()):
        raise ServiceError(_l("Say why you need to open this person's record."))
    person = find_for_cover(session, service_id, full_name)
    return grant_cover(session, actor, person.id, reason, hours=hours, now=now)


def cover_grants(
    session: Session,
    viewer: User | None,
    *,
    active_only: bool = False,
    given_to: User | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> list[tuple[CoverGrant, Person, User, Service | None]]:
    """Access outside own service, newest first: each grant with its person, who was given it,
    and the person's current service. A viewer sees the grants to people of their services
    (a manager sees who opened their people) and their own; ``given_to``: only that
    account's grants."""
    moment = now or utcnow()
    query = (
        select(CoverGrant, Person, User, Service)
        .join(Person, Person.id == CoverGrant.person_id)
        .join(User, User.id == CoverGrant.user_id)
        .outerjoin(
            PersonService,
            (PersonService.person_id == Person.id) & PersonService.ended_on.is_(None),
        )
        .outerjoin(Service, Service.id == PersonService.service_id)
        .order_by(CoverGrant.starts_at.desc(), CoverGrant.id.desc())
        .limit(limit)
    )
    if active_only:
        query = query.where(CoverGrant.ends_at > moment)
    if given_to is not None:
        query = query.where(CoverGrant.user_id == given_to.id)
    ids = service_ids_for(session, viewer)
    if ids is not None:
        mine = CoverGrant.user_id == viewer.id if viewer is not None else false()
        query = query.where(or_(PersonService.service_id.in_(ids or {-1}), mine))
    rows = session.execute(query.execution_options(all_people=True))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def is_active(grant: CoverGrant, now: datetime | None = None) -> bool:
    """Whether the grant is in force now."""
    moment = now or utcnow()
    return grant.starts_at <= moment < grant.ends_at


# --- one place for every list, search, figure and export ---------------------------------------


def _people_select(user: User, service_ids: set[int], now: datetime) -> Any:
    """The viewer's people, built without a query (the ORM hook below must not recurse)."""
    covered = select(CoverGrant.person_id).where(
        CoverGrant.user_id == user.id, CoverGrant.starts_at <= now, CoverGrant.ends_at > now
    )
    return current_people_of(service_ids).union(covered)


def limit_session(session: Session, user: User | None, *, now: datetime | None = None) -> None:
    """From now on, every ORM query in ``session`` finds only ``user``'s people and their
    records (people, reviews, actions, links, photos, recordings, governance records, audit
    entries about a person): lists, search, figures and exports all at once. Nothing is
    limited for accounts that see every service, advocates (their views apply their own rule)
    or ``user`` None. ``views/lookup.py`` calls it for every signed-in request and
    :func:`unlimit_session` after it. A query marked ``execution_options(all_people=True)``
    is not limited."""
    session.info.pop(_VIEWER, None)
    if user is None or user.role not in SCOPED_ROLES:
        return
    ids = service_ids_for(session, user)
    if ids is None:
        return
    session.info[_VIEWER] = _people_select(user, ids, now or utcnow())


def people_select(session: Session, user: User | None, *, now: datetime | None = None) -> Any:
    """The select :func:`limit_session` limits to, or None when ``user`` is not limited."""
    if user is None or user.role not in SCOPED_ROLES:
        return None
    ids = service_ids_for(session, user)
    if ids is None:
        return None
    return _people_select(user, ids, now or utcnow())


_source: Callable[[], Any] | None = None


def limit_by(source: Callable[[], Any] | None) -> None:
    """Where the limit of every session comes from besides ``session.info``: a callable
    returning the select of :func:`people_select` (or None). ``views/lookup.py`` gives one
    that reads the request's app context, so that a streamed export (whose session is a new
    one, made after the request's teardown) is limited like the page that started it."""
    global _source  # noqa: PLW0603 - one hook for the process, set once by the app factory
    _source = source


def unlimit_session(session: Session) -> None:
    """Stop limiting ``session`` (the end of a request)."""
    session.info.pop(_VIEWER, None)


def is_limited(session: Session) -> bool:
    """Whether ``session`` is limited to one viewer's people."""
    return _VIEWER in session.info


_BY_PERSON = (
    Review,
    Supporter,
    SafetyFlag,
    CapacityAssessment,
    BestInterestsRecord,
    Communication,
    Photo,
    VoiceRecording,
    CustomPrompt,
    JointMeeting,
    PersonRecording,  # the person's own voice (issue 24)
    RecordingConsent,
)
_BY_PERSON_IF_ANY = (Complaint, AuditEvent)
_BY_REVIEW = (OutcomeAction, Contribution, DifferingView, InvitationLink)


@event.listens_for(Session, "do_orm_execute")
def _only_their_people(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get(ALL_PEOPLE):
        return
    people_ids = state.session.info.get(_VIEWER)
    if people_ids is None and _source is not None:
        people_ids = _source()
    if people_ids is None:
        return
    their_reviews = select(Review.id).where(Review.person_id.in_(people_ids))
    options: list[Any] = [
        with_loader_criteria(Person, Person.id.in_(people_ids), include_aliases=True)
    ]
    options += [
        with_loader_criteria(model, model.person_id.in_(people_ids), include_aliases=True)
        for model in _BY_PERSON
    ]
    options += [
        with_loader_criteria(
            model,
            or_(model.person_id.is_(None), model.person_id.in_(people_ids)),
            include_aliases=True,
        )
        for model in _BY_PERSON_IF_ANY
    ]
    options += [
        with_loader_criteria(model, model.review_id.in_(their_reviews), include_aliases=True)
        for model in _BY_REVIEW
    ]
    state.statement = state.statement.options(*options)
