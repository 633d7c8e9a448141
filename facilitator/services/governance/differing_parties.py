"""Who differs, and what each said: the parties to a differing view and their statements.

A view opened from a contribution implies its parties (the person, from their response; the
author of the contribution). Reading never writes them: they are saved, with the view's
details, just before the first change (``materialise``). The person never drops out of the
parties while the disagreement is about their wishes. The register itself (routes, outcomes,
ages) is ``differing.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingView,
    DifferingViewDetail,
    DifferingViewParty,
    DifferingViewStatement,
    PartyKind,
    Response,
    Review,
    Supporter,
    User,
)
from .. import NotAllowed, NotFound, ServiceError
from . import choice, clean
from .versions import Step, change


@dataclass
class Party:
    """A party with what they said."""

    row: DifferingViewParty
    supporter: Supporter | None = None
    user: User | None = None
    responses: list[Response] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)


def detail_for(session: Session, view: DifferingView) -> DifferingViewDetail:
    """The register's details of a view (unsaved defaults when none are stored yet)."""
    detail = session.get(DifferingViewDetail, view.id)
    if detail is None:
        detail = DifferingViewDetail(differing_view_id=view.id, about_wishes=True)
    return detail


def review_of(session: Session, view: DifferingView) -> Review:
    """The review the differing view was raised in."""
    review = session.get(Review, view.review_id)
    assert review is not None
    return review


def check_open(view: DifferingView) -> None:
    """Refuse a change to a resolved differing view."""
    if view.status != CaseStatus.OPEN:
        raise ServiceError(
            _l("This differing view is resolved. Open a new one if views differ again.")
        )


def change_open(
    session: Session, view: DifferingView, version: int | str | None, *, actor: User, action: str
) -> AbstractContextManager[Step]:
    """:func:`versions.change` for a differing view that must still be open (audited against
    the person the review is about)."""
    return change(
        session,
        view,
        version,
        actor=actor,
        action=action,
        person_id=review_of(session, view).person_id,
        check=check_open,
    )


def _party_rows(session: Session, view: DifferingView) -> list[DifferingViewParty]:
    return list(
        session.scalars(
            select(DifferingViewParty)
            .where(DifferingViewParty.differing_view_id == view.id)
            .order_by(DifferingViewParty.id)
        )
    )


def _author_of(contribution: Contribution) -> tuple[PartyKind, int | None, int | None]:
    if contribution.supporter_id is not None:
        return PartyKind.SUPPORTER, contribution.supporter_id, None
    return PartyKind.STAFF, None, contribution.author_user_id


def _implied(
    session: Session, view: DifferingView
) -> list[tuple[DifferingViewParty, list[DifferingViewStatement]]]:
    """Parties implied by the core row: the person (their response) and the contribution's
    author. Not saved: reading the register never writes."""
    implied = []
    if view.response_id is not None or detail_for(session, view).about_wishes:
        statements = (
            [DifferingViewStatement(response_id=view.response_id)] if view.response_id else []
        )
        implied.append(
            (DifferingViewParty(differing_view_id=view.id, kind=PartyKind.PERSON), statements)
        )
    contribution = session.get(Contribution, view.contribution_id or 0)
    if contribution is not None:
        kind, supporter_id, user_id = _author_of(contribution)
        row = DifferingViewParty(
            differing_view_id=view.id, kind=kind, supporter_id=supporter_id, user_id=user_id
        )
        implied.append((row, [DifferingViewStatement(contribution_id=contribution.id)]))
    return implied


def materialise(session: Session, view: DifferingView) -> DifferingViewDetail:
    """Save the details and implied parties before the first change to a view."""
    detail = session.get(DifferingViewDetail, view.id)
    if detail is None:
        detail = DifferingViewDetail(differing_view_id=view.id, about_wishes=True)
        session.add(detail)
    if not _party_rows(session, view):
        for row, statements in _implied(session, view):
            session.add(row)
            session.flush()
            for statement in statements:
                statement.party_id = row.id
                session.add(statement)
    session.flush()
    return detail


def _statements(session: Session, row: DifferingViewParty) -> list[DifferingViewStatement]:
    return list(
        session.scalars(
            select(DifferingViewStatement)
            .where(DifferingViewStatement.party_id == row.id)
            .order_by(DifferingViewStatement.id)
        )
    )


def parties(session: Session, view: DifferingView) -> list[Party]:
    """The parties with what each said; the person first."""
    rows = _party_rows(session, view)
    pairs = [(row, _statements(session, row)) for row in rows] if rows else _implied(session, view)
    result = []
    for row, statements in pairs:
        party = Party(
            row,
            supporter=session.get(Supporter, row.supporter_id) if row.supporter_id else None,
            user=session.get(User, row.user_id) if row.user_id else None,
        )
        for statement in statements:
            if statement.response_id is not None:
                response = session.get(Response, statement.response_id)
                if response is not None:
                    party.responses.append(response)
            if statement.contribution_id is not None:
                contribution = session.get(Contribution, statement.contribution_id)
                if contribution is not None:
                    party.contributions.append(contribution)
        result.append(party)
    result.sort(key=lambda p: p.row.kind != PartyKind.PERSON)
    return result


def person_statements(
    session: Session, person_id: int, response_ids: Iterable[int]
) -> list[Response]:
    """The person's own responses with these ids (refused if any is someone else's)."""
    found = []
    for response_id in response_ids:
        response = session.get(Response, response_id)
        review = session.get(Review, response.review_id) if response else None
        if response is None or review is None or review.person_id != person_id:
            raise NotAllowed(_l("That statement is not one of the person's own."))
        found.append(response)
    return found


def _contributions_by(
    session: Session,
    person_id: int,
    contribution_ids: Iterable[int],
    *,
    supporter: Supporter | None,
    user: User | None,
) -> list[Contribution]:
    found = []
    for contribution_id in contribution_ids:
        contribution = session.get(Contribution, contribution_id)
        review = session.get(Review, contribution.review_id) if contribution else None
        if contribution is None or review is None or review.person_id != person_id:
            raise NotAllowed(_l("That contribution is about someone else."))
        if contribution.status != ContributionStatus.SUBMITTED:
            raise ServiceError(_l("A draft is not a view yet: only sent views can be linked."))
        by_supporter = supporter is not None and contribution.supporter_id == supporter.id
        by_user = user is not None and contribution.author_user_id == user.id
        if not (by_supporter or by_user):
            raise NotAllowed(_l("That contribution was written by someone else."))
        found.append(contribution)
    return found


def _who(
    session: Session, review: Review, kind: PartyKind, supporter_id: int | None, user_id: int | None
) -> tuple[Supporter | None, User | None]:
    """The supporter or member of staff a new party is (neither for the person)."""
    if kind == PartyKind.SUPPORTER:
        supporter = session.get(Supporter, supporter_id or 0)
        if supporter is None or supporter.person_id != review.person_id:
            raise NotAllowed(_l("Choose one of the person's supporters."))
        return supporter, None
    if kind == PartyKind.STAFF:
        user = session.get(User, user_id or 0)
        if user is None:
            raise ServiceError(_l("Choose the member of staff."))
        return None, user
    return None, None


def add_party(
    session: Session,
    view: DifferingView,
    *,
    actor: User,
    version: int | str | None,
    kind: str,
    supporter_id: int | None = None,
    user_id: int | None = None,
    position: str | None = None,
    response_ids: Iterable[int] = (),
    contribution_ids: Iterable[int] = (),
) -> DifferingViewParty:
    """Add a party with what they said (links to the person's responses or contributions)."""
    review = review_of(session, view)
    with change_open(
        session, view, version, actor=actor, action="differing_view.party_added"
    ) as step:
        party_kind = choice(PartyKind, kind, ServiceError(_l("Choose whose view this is.")))
        materialise(session, view)
        supporter, user = _who(session, review, party_kind, supporter_id, user_id)
        if any(
            p.kind == party_kind
            and p.supporter_id == (supporter.id if supporter else None)
            and p.user_id == (user.id if user else None)
            for p in _party_rows(session, view)
        ):
            raise ServiceError(_l("They are already one of the parties."))
        if party_kind == PartyKind.PERSON:
            said_responses = person_statements(session, review.person_id, response_ids)
            said_contributions: list[Contribution] = []
        else:
            said_responses = []
            said_contributions = _contributions_by(
                session, review.person_id, contribution_ids, supporter=supporter, user=user
            )
        row = DifferingViewParty(
            differing_view_id=view.id,
            kind=party_kind,
            supporter_id=supporter.id if supporter else None,
            user_id=user.id if user else None,
            position=clean(position, limit=2000, what=_l("summary of their view")),
        )
        session.add(row)
        session.flush()
        for response in said_responses:
            session.add(DifferingViewStatement(party_id=row.id, response_id=response.id))
        for contribution in said_contributions:
            session.add(DifferingViewStatement(party_id=row.id, contribution_id=contribution.id))
        step.detail.update(
            party_id=row.id,
            kind=str(party_kind),
            responses=[r.id for r in said_responses],
            contributions=[c.id for c in said_contributions],
        )
    return row


def remove_party(
    session: Session, view: DifferingView, party_id: int, *, actor: User, version: int | str | None
) -> None:
    """Remove a party added by mistake; the person stays while it is about their wishes."""
    with change_open(
        session, view, version, actor=actor, action="differing_view.party_removed"
    ) as step:
        detail = materialise(session, view)
        row = session.get(DifferingViewParty, party_id)
        if row is None or row.differing_view_id != view.id:
            raise NotFound(_l("That party is not on this differing view."))
        if row.kind == PartyKind.PERSON and detail.about_wishes:
            raise ServiceError(
                _l(
                    "The person is always one of the parties when the disagreement is about "
                    "their wishes."
                )
            )
        session.delete(row)
        step.detail["party_id"] = party_id
