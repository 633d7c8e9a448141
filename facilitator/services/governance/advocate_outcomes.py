"""What came of a review, as the person's assigned advocate may see it.

Read-only: the review, its actions and their status, "You said, we did" as it was shared with
the person, and the differing views the advocate is a party to, with their route, the written
response to an advocate's formal report and the outcome. Only for an advocate assigned to the
person (anyone else: NotFound, so that the review's existence is not confirmed either). What
the person said appears only when the advocate may see the person's views
(``consent.advocate_may_see``); otherwise the actions and outcomes are shown without it.
Opening the page is audited like any record view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    DifferingRoute,
    DifferingView,
    DifferingViewDetail,
    PartyKind,
    Person,
    Response,
    Review,
    Supporter,
    User,
)
from .. import NotFound, audit
from ..reviews import consent, contributions
from ..reviews.you_said import Item, items_for_review
from . import today
from .differing import report_overdue
from .differing_parties import detail_for, parties


@dataclass
class AdvocateCase:
    """One differing view the advocate is a party to."""

    view: DifferingView
    detail: DifferingViewDetail
    report_overdue: bool
    person_said: list[Response] = field(default_factory=list)  # empty unless shared

    @property
    def is_report(self) -> bool:
        return self.view.route == DifferingRoute.ADVOCATE_REPORT


@dataclass
class AdvocateOutcomes:
    """Everything the advocate's outcomes page shows."""

    review: Review
    person: Person
    shared: bool
    items: list[Item]
    cases: list[AdvocateCase]


def _is_party(session: Session, view: DifferingView, supporter: Supporter, user: User) -> bool:
    return any(
        (p.row.kind == PartyKind.SUPPORTER and p.row.supporter_id == supporter.id)
        or (p.row.user_id is not None and p.row.user_id == user.id)
        for p in parties(session, view)
    )


def _cases(
    session: Session, review: Review, supporter: Supporter, user: User, shared: bool, today: date
) -> list[AdvocateCase]:
    found = []
    views = session.scalars(
        select(DifferingView).where(DifferingView.review_id == review.id).order_by(DifferingView.id)
    )
    for view in views:
        if not _is_party(session, view, supporter, user):
            continue
        detail = detail_for(session, view)
        said: list[Response] = []
        if shared:
            for party in parties(session, view):
                if party.row.kind == PartyKind.PERSON:
                    said.extend(party.responses)
        found.append(AdvocateCase(view, detail, report_overdue(view, detail, today), said))
    return found


def outcomes_for_advocate(
    session: Session, review: Review, user: User, *, lang: str
) -> AdvocateOutcomes:
    """What came of the review for its person's assigned advocate; audited as a record view."""
    supporter = contributions.advocate_assignment(session, review, user)
    if supporter is None:
        raise NotFound(_l("We could not find that review."))
    shared = consent.advocate_may_see(session, review, supporter)
    items = items_for_review(session, review, lang)
    if not shared:
        for item in items:
            item.said = []
    person = review.person
    audit.record(
        session,
        "review.viewed",
        actor=user,
        obj=review,
        person_id=review.person_id,
        detail={"as": "advocate", "page": "outcomes", "shared": shared},
    )
    return AdvocateOutcomes(
        review=review,
        person=person,
        shared=shared,
        items=items,
        cases=_cases(session, review, supporter, user, shared, today()),
    )
