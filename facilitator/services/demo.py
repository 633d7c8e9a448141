"""Realistic demo data, made through the services so that it carries its own audit trail.

Two services, so that need to know is visible at first sight (issue 25): Oak House supported
living (Sam and Ellis) and Tŷ Celyn care home (Gwen and Priya). Dylan Price works only at Oak
House and Nia Roberts only at Tŷ Celyn, whose manager Carys Lloyd sees only Tŷ Celyn; each finds
only their own service's people. Morgan Evans, the manager, and the administrator see all
services. Sian Jones (review coordinator) and Tom Okafor (key worker) work across both, as the
accounts the rest of the demo and its tests act as.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    AdvocateReason,
    AuthorityKind,
    CaptureMethod,
    Person,
    Review,
    ReviewKind,
    Role,
    SupporterRole,
    User,
)
from ..models.services import ServiceKind
from ..prompts.library import load_library
from . import accounts, people, reviews
from .accounts import service_admin
from .governance import demo as governance_demo
from .reviews import actions, person_session, responses

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed by `make run`; demo data only
DEMO_PIN = "2468"
DEMO_ACCOUNTS: list[tuple[str, str, Role, dict[str, Any]]] = [
    ("admin@demo.facilitator.test", "Ade Admin", Role.ADMIN, {}),
    ("manager@demo.facilitator.test", "Morgan Evans", Role.MANAGER, {"is_safeguarding_lead": True}),
    ("staff@demo.facilitator.test", "Sian Jones", Role.STAFF, {"job_title": "Review coordinator"}),
    ("keyworker@demo.facilitator.test", "Tom Okafor", Role.STAFF, {"job_title": "Key worker"}),
    (
        "advocate@demo.facilitator.test",
        "Jo Patel",
        Role.ADVOCATE,
        {"organisation": "Riverside Advocacy"},
    ),
    # Staff of one service each, and a manager of one service (issue 25).
    ("oak@demo.facilitator.test", "Dylan Price", Role.STAFF, {"job_title": "Key worker"}),
    ("tycelyn@demo.facilitator.test", "Nia Roberts", Role.STAFF, {"job_title": "Senior carer"}),
    ("tycelyn.manager@demo.facilitator.test", "Carys Lloyd", Role.MANAGER, {}),
]
OAK_HOUSE = "Oak House supported living"
TY_CELYN = "Tŷ Celyn care home"
# The demo's services: name, kind, a CQC location id in the right shape (not a real one).
DEMO_SERVICES = [
    (OAK_HOUSE, ServiceKind.SUPPORTED_LIVING, "1-000000101"),
    (TY_CELYN, ServiceKind.CARE_HOME, "1-000000102"),
]
# Who works where: "all" sees every service. Accounts not listed (the advocate) have none.
DEMO_PLACES: dict[str, tuple[str, ...] | str] = {
    "admin@demo.facilitator.test": "all",
    "manager@demo.facilitator.test": "all",
    "staff@demo.facilitator.test": (OAK_HOUSE, TY_CELYN),
    "keyworker@demo.facilitator.test": (OAK_HOUSE, TY_CELYN),
    "oak@demo.facilitator.test": (OAK_HOUSE,),
    "tycelyn@demo.facilitator.test": (TY_CELYN,),
    "tycelyn.manager@demo.facilitator.test": (TY_CELYN,),
}
# Each service's safeguarding leads (Morgan Evans leads both).
DEMO_LEADS = {
    OAK_HOUSE: ("manager@demo.facilitator.test",),
    TY_CELYN: ("manager@demo.facilitator.test", "tycelyn.manager@demo.facilitator.test"),
}


def already_loaded(session: Session) -> bool:
    """Whether the demo accounts exist."""
    return session.scalar(select(User.id).where(User.email == DEMO_ACCOUNTS[0][0])) is not None


def load(
    session: Session, today: date | None = None, *, hold_a_review: bool = False
) -> dict[str, object]:
    """Create accounts, three people with different needs, their circles and a review each.

    ``hold_a_review``: also hold a review today (``flask demo``, which ``make run`` calls, asks
    for it, so that a new user's governance dashboard has figures at first sight; the tests'
    demo leaves it out, to start from reviews nobody has held yet).
    """
    today = today or date.today()
    users: dict[Role | str, User] = {}
    for email, name, role, extra in DEMO_ACCOUNTS:
        user = accounts.create_user(
            session, email=email, name=name, role=role, password=DEMO_PASSWORD, **extra
        )
        accounts.set_pin(session, user, DEMO_PIN)
        users.setdefault(role, user)
        users[email] = user
    staff = users[Role.STAFF]
    keyworker = users["keyworker@demo.facilitator.test"]
    advocate = users[Role.ADVOCATE]
    _services(session, users)

    sam = people.create_person(
        session,
        actor=staff,
        preferred_name="Sam",
        full_name="Samuel Carter",
        communication_needs="Easy read with pictures; speak slowly; give time to answer",
        preferred_formats=["easy read", "pictures", "spoken"],
        communication_review_on=today + timedelta(days=180),
        service=OAK_HOUSE,
        date_of_birth=date(1988, 5, 14),
        settings={"speech": "autoplay", "speech_rate": 110},
    )
    alex = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Alex Carter",
        relationship="brother",
        role=SupporterRole.FAMILY,
        email="alex.carter@example.org",
    )
    mary = people.add_supporter(
        session,
        sam,
        actor=staff,
        name="Mary Carter",
        relationship="mother",
        role=SupporterRole.ATTORNEY,
        email="mary.carter@example.org",
    )
    session.flush()
    people.add_authority(
        session,
        mary,
        actor=staff,
        kind=AuthorityKind.LPA_HEALTH_WELFARE,
        scope="Decisions about Sam's health and care when Sam cannot make them",
        reference="LPA-7000-1234-5678",
        registered_on=date(2019, 3, 1),
        checked=True,
    )
    del alex

    ellis = people.create_person(
        session,
        actor=staff,
        preferred_name="Ellis",
        full_name="Ellis Morgan",
        communication_needs="Autistic; uses pictures and a few words; needs a quiet room",
        preferred_formats=["pictures", "objects of reference"],
        communication_review_on=today + timedelta(days=90),
        service=OAK_HOUSE,
        settings={"choices_per_screen": 2, "reduced_motion": True, "high_contrast": True},
    )
    people.record_advocate_need(
        session,
        ellis,
        actor=staff,
        needed=True,
        reason=AdvocateReason.SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON,
        difficulty=["retaining", "using-or-weighing", "communicating"],
        detail="No family in contact; no friend able to support Ellis.",
    )
    session.flush()
    people.add_supporter(
        session,
        ellis,
        actor=staff,
        name=advocate.name,
        relationship="independent advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
        email=advocate.email,
        user=advocate,
    )

    gwen = people.create_person(
        session,
        actor=staff,
        preferred_name="Gwen",
        full_name="Gwenllian Hughes",
        language="cy",
        communication_needs="Welsh first language; dementia: one question at a time, large print",
        preferred_formats=["Welsh", "large print", "spoken"],
        communication_review_on=today + timedelta(days=120),
        service=TY_CELYN,
        settings={"text_size": "x-large", "speech_rate": 110},
    )
    people.add_supporter(
        session,
        gwen,
        actor=staff,
        name="Rhys Hughes",
        relationship="son",
        role=SupporterRole.FAMILY,
        email="rhys.hughes@example.org",
        language="cy",
    )

    rhian = people.create_person(
        session,
        actor=staff,
        preferred_name="Priya",
        full_name="Priya Shah",
        communication_needs="Uses a tablet to type; hears well",
        preferred_formats=["typed words"],
        service=TY_CELYN,
    )
    people.record_advocate_need(
        session,
        rhian,
        actor=staff,
        needed=True,
        reason=AdvocateReason.SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON,
        difficulty=["using-or-weighing"],
        detail="Waiting for an advocate to be allocated.",
    )

    created = {}
    for person, kind, days in (
        (sam, ReviewKind.PLANNED, 3),
        (ellis, ReviewKind.PLANNED, 7),
        (gwen, ReviewKind.FIRST, 10),
        (rhian, ReviewKind.UNPLANNED, 14),
    ):
        created[person.preferred_name] = reviews.plan_review(
            session,
            person,
            actor=staff,
            kind=kind,
            scheduled_for=today + timedelta(days=days),
            facilitator=keyworker,
        )
    session.flush()
    data: dict[str, object] = {"users": users, "reviews": created}
    if hold_a_review:
        data["held"] = _held_today(session, rhian, keyworker, today)

    governance_demo.load(session, data)
    session.flush()
    return data


def _services(session: Session, users: dict[Role | str, User]) -> None:
    """The two services, who works in each, and their safeguarding leads (issue 25)."""
    admin = users[Role.ADMIN]
    made = {
        name: service_admin.create_service(
            session, admin, name=name, kind=kind, cqc_location_id=cqc
        )
        for name, kind, cqc in DEMO_SERVICES
    }
    session.flush()
    for email, places in DEMO_PLACES.items():
        ids = [] if places == "all" else [made[name].id for name in places]
        service_admin.set_account_services(
            session, admin, users[email], ids, all_services=places == "all"
        )
    for name, leads in DEMO_LEADS.items():
        service_admin.set_leads(session, admin, made[name], [users[e].id for e in leads])


def _held_today(session: Session, person: Person, facilitator: User, today: date) -> Review:
    """A review held on the day the demo is loaded, so the governance dashboard has figures at
    first sight: the person answered on the tablet (2 taps and their own typed words),
    confirmed, and 2 actions were written (1 linked to their words, 1 with a reason)."""

    library = load_library()
    review = reviews.plan_review(
        session,
        person,
        actor=facilitator,
        kind=ReviewKind.PLANNED,
        scheduled_for=today,
        facilitator=facilitator,
    )
    session.flush()
    session.refresh(review)
    tablet = accounts.start_session(session, facilitator)
    person_session.start(session, review, facilitator, tablet)
    taps = [
        p
        for p in review.prompts
        if p.library_prompt_id and library.prompt(p.library_prompt_id).options
    ]
    for number, prompt in enumerate(taps[:2]):
        option = library.prompt(str(prompt.library_prompt_id)).options[0].id
        responses.record_choice(
            session, review, prompt, client_id=f"demo-held-{number}", answer=[option],
            facilitator=facilitator,
        )  # fmt: skip
    words = responses.record_words(
        session, review, review.prompts[0], client_id="demo-held-words",
        words="I want to go to college to learn cooking.", method=CaptureMethod.TYPED,
        facilitator=facilitator,
    ).response  # fmt: skip
    person_session.confirm(session, review, tablet, DEMO_PIN)
    accounts.end_session(session, tablet)
    due = today + timedelta(days=28)
    actions.create_action(
        session, review, actions.ActionInput(
            statement_ids=[words.id], plain_text="Find a cooking course at the local college.",
            easy_read_text="We will find a cooking course for you.", owner_name=facilitator.name,
            owner_user_id=facilitator.id, due_on=due,
        ), actor=facilitator,
    )  # fmt: skip
    actions.create_action(
        session, review, actions.ActionInput(
            plain_text="Send the care plan to the council for its yearly check.",
            easy_read_text="We will send your plan to the council.", owner_name=facilitator.name,
            owner_user_id=facilitator.id, due_on=due, no_link_reason="A legal duty (Care Act)",
        ), actor=facilitator,
    )  # fmt: skip
    return review


def sign_in_help() -> str:
    """The demo sign-ins, printed by `flask demo` and `make run`."""
    lines = [
        "Demo sign-ins (password for all: " + DEMO_PASSWORD + ", tablet PIN " + DEMO_PIN + "):"
    ]
    for email, name, role, _extra in DEMO_ACCOUNTS:
        places = DEMO_PLACES.get(email, ())
        where = "all services" if places == "all" else ", ".join(places) or "their own people"
        lines.append(f"  {role.value:<9} {email:<38} {name} ({where})")
    lines.append(
        "At first sign-in each account sets up its second step: scan the QR code (or type the "
        "key) with an authenticator app on your phone, then type its 6-digit code."
    )
    return "\n".join(lines)
