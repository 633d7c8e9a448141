"""Small factories that build real objects through the services."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from facilitator.models import Person, Review, ReviewKind, Role, User, UserSession
from facilitator.services import accounts, people, reviews


def user(
    session: Session, role: Role = Role.STAFF, name: str = "Sian Jones", pin: str | None = "2468"
) -> User:
    made = accounts.create_user(
        session,
        email=f"{uuid.uuid4().hex[:8]}@example.org",
        name=name,
        role=role,
        password="a-long-password-1",
    )
    if pin:
        accounts.set_pin(session, made, pin)
    return made


def person(session: Session, actor: User, name: str = "Sam") -> Person:
    return people.create_person(
        session, actor=actor, preferred_name=name, full_name=f"{name} Carter"
    )


def review(
    session: Session, actor: User, who: Person, prompt_ids: list[str] | None = None
) -> Review:
    made = reviews.plan_review(
        session,
        who,
        actor=actor,
        kind=ReviewKind.PLANNED,
        scheduled_for=date(2027, 3, 12),
        facilitator=actor,
        prompt_ids=prompt_ids or ["like-where-you-live", "who-is-important", "favourite-food"],
    )
    session.flush()
    session.refresh(made)
    return made


def signed_in(session: Session, who: User) -> UserSession:
    record = accounts.start_session(session, who)
    session.flush()
    return record


def cid() -> str:
    return uuid.uuid4().hex
