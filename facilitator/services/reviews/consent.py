"""Rule 5, consent: the person chooses, supporter by supporter, who may see what they said.

Each choice is a new row (nothing is overwritten), so the history of who could see what, and
on what basis, stays. The latest row for a supporter on a review is the one that applies.

The person's own choice is made in their session and recorded with how it was captured.
Staff may record another basis only with the reason written down:

- a best-interests decision (Mental Capacity Act 2005 s4), when the person cannot make this
  decision even with help;
- an attorney's decision, only if a supporter of the person holds a *checked* Lasting Power of
  Attorney for health and welfare: a property and financial affairs LPA does not cover who
  sees the person's views about their care;
- a deputy's decision, only if a supporter holds a *checked* Court of Protection deputyship for
  health and welfare.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    AuthorityKind,
    CaptureMethod,
    ConsentBasis,
    ConsentDecision,
    ConsentToShare,
    LegalAuthority,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
)
from .. import NotAllowed, ServiceError, audit

STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 4000

# Which recorded authority can support which basis.
AUTHORITY_FOR_BASIS: dict[ConsentBasis, frozenset[AuthorityKind]] = {
    ConsentBasis.ATTORNEY: frozenset({AuthorityKind.LPA_HEALTH_WELFARE}),
    ConsentBasis.DEPUTY: frozenset({AuthorityKind.DEPUTY_HEALTH_WELFARE}),
}


def _check_supporter(review: Review, supporter: Supporter) -> None:
    if supporter.person_id != review.person_id:
        raise NotAllowed(_l("That supporter is not in this person's circle."))
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is closed, so its consent choices cannot change."))


def record_person_choice(
    session: Session,
    review: Review,
    supporter: Supporter,
    decision: ConsentDecision,
    capture_method: str,
    facilitator: User,
) -> ConsentToShare:
    """Record the person's own choice, made in their session, and how it was captured."""
    _check_supporter(review, supporter)
    try:
        decision = ConsentDecision(decision)
        method = CaptureMethod(capture_method)
    except ValueError as error:
        raise ServiceError(_l("Record the person's answer and how they gave it.")) from error
    record = ConsentToShare(
        review_id=review.id,
        supporter_id=supporter.id,
        decision=decision,
        basis=ConsentBasis.PERSON,
        reason=None,
        capture_method=method.value,
        recorded_by_id=facilitator.id if facilitator is not None else None,
    )
    session.add(record)
    audit.record(
        session,
        "consent.person_choice",
        actor=facilitator,
        obj=record,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "supporter_id": supporter.id,
            "decision": decision.value,
            "method": method.value,
        },
    )
    return record


def authority_holders(session: Session, review: Review, basis: ConsentBasis) -> list[Supporter]:
    """Active supporters of the person whose checked authority supports ``basis``."""
    kinds = AUTHORITY_FOR_BASIS.get(ConsentBasis(basis))
    if not kinds:
        return []
    return list(
        session.scalars(
            select(Supporter)
            .join(LegalAuthority, LegalAuthority.supporter_id == Supporter.id)
            .where(
                Supporter.person_id == review.person_id,
                Supporter.active.is_(True),
                LegalAuthority.kind.in_(list(kinds)),
                LegalAuthority.checked_at.is_not(None),
            )
            .order_by(Supporter.name)
            .distinct()
        )
    )


def record_other_basis(
    session: Session,
    review: Review,
    supporter: Supporter,
    basis: ConsentBasis,
    reason: str,
    actor: User,
    *,
    decision: ConsentDecision = ConsentDecision.YES,
    authority_holder: Supporter | None = None,
) -> ConsentToShare:
    """Staff record a basis other than the person's own choice, with the reason in writing.

    ``authority_holder`` names the attorney or deputy whose decision this is; when it is not
    given, any supporter with the matching checked authority will do. A decision that goes
    against the person's own latest choice is allowed (a best-interests decision may) but is
    marked in the audit log so that governance can see it.
    """
    _check_supporter(review, supporter)
    if actor is None or actor.role not in STAFF_ROLES:
        raise NotAllowed(_l("Only staff can record a basis other than the person's own choice."))
    try:
        basis = ConsentBasis(basis)
        decision = ConsentDecision(decision)
    except ValueError as error:
        raise ServiceError(_l("Choose the basis and the decision.")) from error
    if basis == ConsentBasis.PERSON:
        raise ServiceError(_l("The person's own choice is recorded in their session."))
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ServiceError(
            _l(
                "Write down the reason for this decision: who decided, why the person could not "
                "decide this themselves, and how their wishes were taken into account."
            )
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(
            _l(
                "Keep the reason to %(limit)s characters or fewer.",
                limit=f"{REASON_MAX_LENGTH:,}",
            )
        )
    holder_id = _check_authority(session, review, basis, authority_holder)
    previous = current_consent(session, review, supporter)
    record = ConsentToShare(
        review_id=review.id,
        supporter_id=supporter.id,
        decision=decision,
        basis=basis,
        reason=reason,
        capture_method=None,
        recorded_by_id=actor.id,
    )
    session.add(record)
    overrides = (
        previous is not None
        and previous.basis == ConsentBasis.PERSON
        and previous.decision != decision
    )
    detail: dict[str, object] = {
        "review_id": review.id,
        "supporter_id": supporter.id,
        "basis": basis.value,
        "decision": decision.value,
        "overrides_person_choice": overrides,
    }
    if holder_id is not None:
        detail["authority_holder_id"] = holder_id
    audit.record(
        session,
        "consent.other_basis",
        actor=actor,
        obj=record,
        person_id=review.person_id,
        detail=detail,
    )
    return record


def _check_authority(
    session: Session, review: Review, basis: ConsentBasis, holder: Supporter | None
) -> int | None:
    """For an attorney's or deputy's decision, the supporter whose authority covers it."""
    if basis not in AUTHORITY_FOR_BASIS:
        return None
    holders = authority_holders(session, review, basis)
    if holder is not None:
        if holder.id not in {h.id for h in holders}:
            raise ServiceError(
                _l(
                    "That supporter has no checked authority that covers this decision. Record and "
                    "check their Lasting Power of Attorney for health and welfare, or their "
                    "deputyship for health and welfare, first."
                )
            )
        return holder.id
    if not holders:
        raise ServiceError(
            _l(
                "No supporter of this person has a checked Lasting Power of Attorney for health "
                "and welfare, so this basis cannot be used."
            )
            if basis == ConsentBasis.ATTORNEY
            else _l(
                "No supporter of this person has a checked Court of Protection deputyship for "
                "health and welfare, so this basis cannot be used."
            )
        )
    return holders[0].id if len(holders) == 1 else None


def current_consent(
    session: Session, review: Review, supporter: Supporter
) -> ConsentToShare | None:
    """The latest consent record for this supporter on this review, or None if never asked."""
    return session.scalar(
        select(ConsentToShare)
        .where(ConsentToShare.review_id == review.id, ConsentToShare.supporter_id == supporter.id)
        .order_by(ConsentToShare.id.desc())  # ids follow the order of recording
        .limit(1)
    )


def may_see(session: Session, review: Review, supporter: Supporter) -> bool:
    """Whether this supporter may see what the person said on this review.

    Only a clear "yes" counts: "not sure", "no", or never asked all mean no.
    """
    if supporter.person_id != review.person_id or not supporter.active:
        return False
    record = current_consent(session, review, supporter)
    return record is not None and record.decision == ConsentDecision.YES


def consents_for_review(session: Session, review: Review) -> dict[int, ConsentToShare]:
    """The current consent record for each supporter asked on this review, by supporter id."""
    rows = session.scalars(
        select(ConsentToShare)
        .where(ConsentToShare.review_id == review.id)
        .order_by(ConsentToShare.id)
    )
    return {row.supporter_id: row for row in rows}


def consent_history(session: Session, review: Review, supporter: Supporter) -> list[ConsentToShare]:
    """Every consent record for this supporter on this review, newest first."""
    return list(
        session.scalars(
            select(ConsentToShare)
            .where(
                ConsentToShare.review_id == review.id,
                ConsentToShare.supporter_id == supporter.id,
            )
            .order_by(ConsentToShare.id.desc())
        )
    )


def advocate_may_see(session: Session, review: Review, supporter: Supporter) -> bool:
    """Whether an assigned independent advocate may see what the person said.

    The advocate supports the person through the review and represents their wishes, so they
    see the person's views by that role, unless the person (or a decision on another basis)
    said that this advocate may not. The person's session asks about family and friends, not
    about advocates, so usually nothing is recorded for an advocate.
    """
    if supporter.person_id != review.person_id or not supporter.active:
        return False
    if supporter.role not in ADVOCATE_ROLES or supporter.user_id is None:
        return False
    record = current_consent(session, review, supporter)
    return record is None or record.decision == ConsentDecision.YES
