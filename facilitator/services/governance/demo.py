"""Governance records for the demo, made through the services so they carry an audit trail.

Call ``load(session, data)`` with what ``demo.load`` returned: involvement agreements (one
agreed by the person, one due for review and not yet put to them) and two complaints about
involvement (one waiting for its acknowledgement, one answered with the Ombudsman route).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Person, Role, Supporter
from . import agreements, complaints, today


def _supporter(session: Session, name: str) -> Supporter | None:
    return session.scalar(select(Supporter).where(Supporter.name == name))


def load(session: Session, data: dict[str, Any]) -> None:
    """Add the demo's governance records (nothing if the demo people are missing)."""
    users = data["users"]
    staff, manager = users[Role.STAFF], users[Role.MANAGER]
    names = ("Alex Carter", "Mary Carter", "Rhys Hughes")
    alex, mary, rhys = (_supporter(session, name) for name in names)
    if alex is None or mary is None or rhys is None:
        return
    t = today()
    agreed = agreements.save(
        session, alex, actor=staff, version=None, areas=["reviews", "planning"],
        may_see="What Sam agrees to share after each review", contact_preference="email",
        escalation_route="Talk with Sam first; then a joint meeting; then the manager",
        review_on=t + timedelta(days=300),
    )  # fmt: skip
    agreements.record_person_answer(
        session, agreed, actor=staff, version=agreed.version, answer="yes", method="tapped"
    )
    agreements.save(
        session, mary, actor=staff, version=None, areas=["reviews"],
        decisions=["Decisions about Sam's health and care when Sam cannot make them"],
        may_see="Sam's review and the actions agreed", contact_preference="phone",
        escalation_route="Best-interests meeting for decisions within the LPA",
        review_on=t + timedelta(days=14),
    )  # fmt: skip
    gwen = session.get(Person, rhys.person_id)
    complaints.receive(
        session, actor=manager, raised_by=rhys.name, raised_by_role="son",
        about="Was not told that the review date had moved", topic="family-involvement",
        received_on=t - timedelta(days=1), person=gwen,
    )  # fmt: skip
    old = complaints.receive(
        session, actor=manager, raised_by=alex.name, raised_by_role="brother",
        about="Asked to share views before Sam had been asked", topic="person-not-listened-to",
        received_on=t - timedelta(days=40), person=session.get(Person, alex.person_id),
    )  # fmt: skip
    complaints.acknowledge(
        session, old, actor=manager, version=old.version, acknowledged_on=t - timedelta(days=39)
    )
    complaints.respond(
        session, old, actor=manager, version=old.version, response="We apologised and changed "
        "the order: Sam's views are now captured before any family link is sent.",
        outcome="Upheld", responded_on=t - timedelta(days=30), ombudsman_route_stated=True,
    )  # fmt: skip
    session.flush()
