"""Small factories that build real objects through the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from facilitator.models import Person, Review, ReviewKind, ReviewPrompt, Role, User, UserSession
from facilitator.services import accounts, people, reviews
from facilitator.services.reviews import person_session

DEFAULT_PROMPTS = ["like-where-you-live", "who-is-important", "favourite-food"]


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
        prompt_ids=prompt_ids or DEFAULT_PROMPTS,
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


@dataclass
class World:
    """Where a service test starts: Sam, a member of staff signed in on a tablet, and (unless
    the module asked for none) a review of Sam with some library prompts."""

    staff: User
    sam: Person
    tablet: UserSession
    review: Review | None

    @property
    def prompts(self) -> dict[str, ReviewPrompt]:
        """The review's prompts by their library prompt id."""
        assert self.review is not None
        return {rp.library_prompt_id: rp for rp in self.review.prompts}


def world(
    session: Session,
    *,
    planned: bool = True,
    prompt_ids: list[str] | None = None,
    started: bool = False,
) -> World:
    """The world of the `world` fixture (tests/unit/conftest.py): planned=False for no review,
    prompt_ids for the review's prompts, started=True to start the person's session on the
    tablet."""
    staff = user(session)
    sam = person(session, staff)
    rev = review(session, staff, sam, prompt_ids=prompt_ids) if planned else None
    tablet = signed_in(session, staff)
    if rev is not None and started:
        person_session.start(session, rev, staff, tablet)
    return World(staff=staff, sam=sam, tablet=tablet, review=rev)
