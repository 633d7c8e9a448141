"""Complaints about how families or advocates are involved.

Acknowledged within 3 working days (England and Wales bank holidays excluded); the full
response by the date agreed with the complainant (20 working days unless agreed otherwise),
and every response states the route to the Ombudsman for the nation the provider works in:
the Local Government and Social Care Ombudsman in England, the Public Services Ombudsman for
Wales in Wales (config PROVIDER_NATION). Overdue complaints are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CaseStatus,
    Complaint,
    ComplaintDetail,
    ComplaintTopic,
    Person,
    Review,
    User,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from ..workdays import add_working_days
from . import choice, clean, today
from .versions import change

ACKNOWLEDGE_WITHIN_WORKING_DAYS = 3
RESPOND_WITHIN_WORKING_DAYS = 20


@dataclass(frozen=True)
class Ombudsman:
    """Where a complainant can go when they are not happy with the provider's response."""

    name: str
    website: str
    phone: str


OMBUDSMEN = {
    "england": Ombudsman(
        "the Local Government and Social Care Ombudsman", "www.lgo.org.uk", "0300 061 0614"
    ),
    "wales": Ombudsman(
        "the Public Services Ombudsman for Wales", "www.ombudsman.wales", "0300 790 0203"
    ),
}
NATIONS = tuple(OMBUDSMEN)


def ombudsman_for(nation: str) -> Ombudsman:
    """The Ombudsman for a provider in this nation (England unless it is Wales)."""
    return OMBUDSMEN.get(nation, OMBUDSMEN["england"])


@dataclass
class ComplaintCase:
    """A complaint with its details and what is overdue about it."""

    complaint: Complaint
    detail: ComplaintDetail
    person: Person | None
    overdue: list[str] = field(default_factory=list)


def get(session: Session, complaint_id: int) -> Complaint:
    """The complaint, or NotFound."""
    found = session.get(Complaint, complaint_id)
    if found is None:
        raise NotFound(_l("We could not find that complaint."))
    return found


def detail_for(session: Session, complaint: Complaint) -> ComplaintDetail:
    """The complaint's details (a complaint recorded elsewhere gets the default timings)."""
    detail = session.get(ComplaintDetail, complaint.id)
    if detail is None:
        detail = ComplaintDetail(
            complaint_id=complaint.id,
            topic=ComplaintTopic.OTHER,
            response_due_on=add_working_days(complaint.received_on, RESPOND_WITHIN_WORKING_DAYS),
        )
    return detail


def _saved_detail(session: Session, complaint: Complaint) -> ComplaintDetail:
    detail = detail_for(session, complaint)
    if detail not in session:
        session.add(detail)
    return detail


def overdue(complaint: Complaint, detail: ComplaintDetail, as_of: date | None = None) -> list[str]:
    """What is overdue: "acknowledgement" and/or "response"."""
    as_of = as_of or today()
    if complaint.status != CaseStatus.OPEN:
        return []
    late = []
    if complaint.acknowledged_on is None and complaint.acknowledge_by < as_of:
        late.append("acknowledgement")
    if complaint.responded_on is None and detail.response_due_on < as_of:
        late.append("response")
    return late


def receive(
    session: Session,
    *,
    actor: User | None,
    raised_by: str | None,
    raised_by_role: str | None,
    about: str | None,
    topic: str,
    received_on: date | None,
    person: Person | None = None,
    review: Review | None = None,
    response_due_on: date | None = None,
    actor_label: str | None = None,
) -> Complaint:
    """Record a complaint; the acknowledgement is due 3 working days after receipt.

    ``actor`` is the member of staff who recorded it; a complaint the person or a family member
    sent themselves (``complaints_sent``) has none, and ``actor_label`` says who sent it."""
    if received_on is None or received_on > today():
        raise ServiceError(_l("Enter the date the complaint was received (not in the future)."))
    if review is not None and (person is None or review.person_id != person.id):
        raise NotAllowed(_l("That review is about someone else."))
    due = response_due_on or add_working_days(received_on, RESPOND_WITHIN_WORKING_DAYS)
    if due < received_on:
        raise ServiceError(_l("The response cannot be due before the complaint was received."))
    complaint = Complaint(
        person_id=person.id if person else None,
        review_id=review.id if review else None,
        raised_by=clean(
            raised_by,
            required=ServiceError(_l("Enter who raised the complaint.")),
            limit=160,
            what=_l("name"),
        ),
        raised_by_role=clean(raised_by_role, limit=80, what=_l("role")),
        about=clean(about, required=ServiceError(_l("Say what the complaint is about."))),
        received_on=received_on,
        acknowledge_by=add_working_days(received_on, ACKNOWLEDGE_WITHIN_WORKING_DAYS),
        status=CaseStatus.OPEN,
        version=1,
    )
    session.add(complaint)
    session.flush()
    session.add(
        ComplaintDetail(
            complaint_id=complaint.id,
            topic=choice(
                ComplaintTopic, topic, ServiceError(_l("Choose what the complaint is about."))
            ),
            response_due_on=due,
            recorded_by_id=actor.id if actor is not None else None,
        )
    )
    audit.record(
        session,
        "complaint.received",
        actor=actor,
        actor_label=actor_label,
        obj=complaint,
        person_id=complaint.person_id,
        detail={"topic": str(topic)},
    )
    return complaint


def _check_open(complaint: Complaint) -> None:
    if complaint.status != CaseStatus.OPEN:
        raise ServiceError(_l("This complaint has been responded to and is no longer open."))


def acknowledge(
    session: Session,
    complaint: Complaint,
    *,
    actor: User,
    version: int | str | None,
    acknowledged_on: date | None,
) -> None:
    """Record the acknowledgement."""
    with change(
        session,
        complaint,
        version,
        actor=actor,
        action="complaint.acknowledged",
        person_id=complaint.person_id,
        check=_check_open,
    ) as step:
        if acknowledged_on is None or acknowledged_on > today():
            raise ServiceError(_l("Enter the date it was acknowledged (not in the future)."))
        if acknowledged_on < complaint.received_on:
            raise ServiceError(_l("It cannot be acknowledged before it was received."))
        complaint.acknowledged_on = acknowledged_on
        step.detail["late"] = acknowledged_on > complaint.acknowledge_by


def agree_response_date(
    session: Session,
    complaint: Complaint,
    *,
    actor: User,
    version: int | str | None,
    response_due_on: date | None,
) -> None:
    """Record a new response date agreed with the complainant."""
    with change(
        session,
        complaint,
        version,
        actor=actor,
        action="complaint.response_date_agreed",
        person_id=complaint.person_id,
        check=_check_open,
    ):
        if response_due_on is None or response_due_on < complaint.received_on:
            raise ServiceError(
                _l("Enter the date agreed for the response (after it was received).")
            )
        _saved_detail(session, complaint).response_due_on = response_due_on


def respond(
    session: Session,
    complaint: Complaint,
    *,
    actor: User,
    version: int | str | None,
    response: str | None,
    outcome: str | None,
    responded_on: date | None,
    ombudsman_route_stated: bool,
    nation: str = "england",
) -> None:
    """Record the response and outcome. The response must state the Ombudsman route."""
    with change(
        session,
        complaint,
        version,
        actor=actor,
        action="complaint.responded",
        person_id=complaint.person_id,
        check=_check_open,
    ) as step:
        text = clean(response, required=ServiceError(_l("Write the response, or a summary of it.")))
        result = clean(outcome, required=ServiceError(_l("Write the outcome.")))
        if not ombudsman_route_stated:
            raise ServiceError(
                _l(
                    "The response must tell them that, if they are not happy with it, they can "
                    "go to the Public Services Ombudsman for Wales. Add this and confirm it."
                )
                if ombudsman_for(nation) is OMBUDSMEN["wales"]
                else _l(
                    "The response must tell them that, if they are not happy with it, they can "
                    "go to the Local Government and Social Care Ombudsman. Add this and confirm "
                    "it."
                )
            )
        if responded_on is None or responded_on > today():
            raise ServiceError(_l("Enter the date of the response (not in the future)."))
        if responded_on < complaint.received_on:
            raise ServiceError(
                _l("The response cannot be dated before the complaint was received.")
            )
        complaint.response = text
        complaint.outcome = result
        complaint.responded_on = responded_on
        complaint.ombudsman_route_stated = True
        if complaint.acknowledged_on is None:
            complaint.acknowledged_on = responded_on  # a full response also acknowledges it
        complaint.status = CaseStatus.RESOLVED
        step.detail["late"] = responded_on > _saved_detail(session, complaint).response_due_on


def case(session: Session, complaint: Complaint, as_of: date | None = None) -> ComplaintCase:
    """The complaint with its details and what is overdue."""
    detail = detail_for(session, complaint)
    person = session.get(Person, complaint.person_id) if complaint.person_id else None
    return ComplaintCase(complaint, detail, person, overdue(complaint, detail, as_of))


def register(
    session: Session,
    *,
    status: str | None = None,
    service: str | None = None,
    as_of: date | None = None,
) -> list[ComplaintCase]:
    """Complaints, open ones first, overdue ones at the top of those."""
    query = select(Complaint).outerjoin(Person, Person.id == Complaint.person_id)
    if status:
        query = query.where(
            Complaint.status == choice(CaseStatus, status, ServiceError(_l("Choose a status.")))
        )
    if service:
        query = query.where(Person.service == service)
    cases = [
        case(session, c, as_of)
        for c in session.scalars(query.order_by(Complaint.received_on, Complaint.id))
    ]
    cases.sort(key=lambda c: (c.complaint.status != CaseStatus.OPEN, not c.overdue))
    return cases
