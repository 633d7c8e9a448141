"""When the person says they do not feel safe: a safety flag, raised at once.

Prompts in the library can carry a safeguarding marker (every prompt in the feeling-safe topic
does). Which answers raise a flag is the library's data, prompt by prompt, from the wording:
"no" to "Do you feel safe at home?" is a concern, but "no" to "Is anyone hurting you?" is not. The
person's words raise a flag when a facilitator flags them. A flag is cleared only by a recorded
decision: what was done, by whom, when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import (
    FlagSource,
    FlagStatus,
    Person,
    Response,
    Review,
    ReviewPrompt,
    Role,
    SafetyAction,
    SafetyDecision,
    SafetyFlag,
    User,
    utcnow,
)
from ...prompts.library import load_library
from .. import NotAllowed, NotFound, ServiceError, audit
from ..messages import notices
from ..reviews.person_session import may_facilitate
from . import choice, clean, today
from .versions import change

LEAD_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


@dataclass
class FlagView:
    """A flag with what the lead needs to see beside it."""

    flag: SafetyFlag
    person: Person
    review: Review
    response: Response | None
    library_prompt_id: str | None

    @property
    def age_hours(self) -> int:
        return int((utcnow() - self.flag.raised_at).total_seconds() // 3600)


def concern_options(library_prompt_id: str | None) -> frozenset[str]:
    """The answers to this prompt that raise a safety flag (empty for most prompts): the
    library's data says which, prompt by prompt ("concern_answers") or on a scale's options
    ("raises_concern")."""
    if not library_prompt_id:
        return frozenset()
    try:
        prompt = load_library().prompt(library_prompt_id)
    except KeyError:
        return frozenset()
    return prompt.concern_answers()


def may_decide(user: User | None) -> bool:
    """Managers, administrators and safeguarding leads see flags and record decisions."""
    return (
        user is not None and user.active and (user.role in LEAD_ROLES or user.is_safeguarding_lead)
    )


def _existing(session: Session, response_id: int) -> SafetyFlag | None:
    return session.scalar(select(SafetyFlag).where(SafetyFlag.response_id == response_id))


def _raise(
    session: Session, response: Response, source: FlagSource, actor: User | None
) -> SafetyFlag:
    review = session.get(Review, response.review_id)
    assert review is not None
    flag = SafetyFlag(
        review_id=review.id,
        person_id=review.person_id,
        response_id=response.id,
        review_prompt_id=response.review_prompt_id,
        source=source,
        status=FlagStatus.OPEN,
        raised_by_id=actor.id if actor else None,
        raised_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(flag)
            session.flush()
    except IntegrityError:
        # Raised a moment ago by another request for the same answer: that flag stands.
        existing = _existing(session, response.id)
        assert existing is not None
        return existing
    audit.record(
        session,
        "safety_flag.raised",
        actor=actor,
        actor_label=None if actor else "system",
        obj=flag,
        person_id=review.person_id,
        detail={"review_id": review.id, "response_id": response.id, "source": str(source)},
    )
    notices.safety_flag_raised(session, flag)  # at once, in this transaction (issue 18)
    return flag


def check_response(session: Session, response: Response | None) -> SafetyFlag | None:
    """Raise a flag at once if this answer needs one; call it right after storing an answer.

    Safe to call more than once for the same response (a replay returns the same flag).
    Runs in the caller's transaction: the caller commits.
    """
    if response is None:
        return None
    existing = _existing(session, response.id)
    if existing is not None:
        return existing
    if response.flagged_for_safety:
        actor = session.get(User, response.captured_by_id) if response.captured_by_id else None
        return _raise(session, response, FlagSource.FACILITATOR, actor)
    if response.skipped or not response.answer:
        return None
    review_prompt = session.get(ReviewPrompt, response.review_prompt_id)
    concern = concern_options(review_prompt.library_prompt_id if review_prompt else None)
    if concern & set(response.answer):
        return _raise(session, response, FlagSource.ANSWER, None)
    return None


def flag_words(session: Session, response: Response, *, actor: User) -> SafetyFlag:
    """A facilitator flags what the person said (or showed) as a safety concern."""
    review = session.get(Review, response.review_id)
    assert review is not None
    if not may_facilitate(session, actor, review):
        raise NotAllowed(_l("You cannot flag answers in this review."))
    existing = _existing(session, response.id)
    if existing is not None:
        return existing
    return _raise(session, response, FlagSource.FACILITATOR, actor)


def get_flag(session: Session, flag_id: int) -> SafetyFlag:
    """The flag, or NotFound."""
    flag = session.get(SafetyFlag, flag_id)
    if flag is None:
        raise NotFound(_l("We could not find that safety flag."))
    return flag


def _check_open(flag: SafetyFlag) -> None:
    if flag.status != FlagStatus.OPEN:
        raise ServiceError(_l("This flag has already been cleared."))


def record_decision(
    session: Session,
    flag: SafetyFlag,
    *,
    actor: User,
    version: int | str | None,
    action: str,
    detail: str | None,
    acted_on: date | None,
    referral_to: str | None = None,
    referral_reference: str | None = None,
    clears: bool = True,
) -> SafetyDecision:
    """Record what was done. A flag is cleared only this way, and only by a lead."""
    if not may_decide(actor):
        raise NotAllowed(_l("Only a safeguarding lead or a manager can record this decision."))
    with change(
        session,
        flag,
        version,
        actor=actor,
        action="safety_flag.decision",
        person_id=flag.person_id,
        check=_check_open,
    ) as step:
        chosen = choice(SafetyAction, action, ServiceError(_l("Choose what was done.")))
        words = clean(
            detail,
            required=ServiceError(_l("Say why no further action is needed."))
            if chosen == SafetyAction.NO_FURTHER_ACTION
            else ServiceError(_l("Say what was done.")),
        )
        to = clean(referral_to, limit=200)
        if chosen == SafetyAction.SAFEGUARDING_REFERRAL and not to:
            raise ServiceError(
                _l(
                    "Say who the referral was made to (for example the council's "
                    "safeguarding team)."
                )
            )
        if acted_on is None or acted_on > today():
            raise ServiceError(_l("Enter the date it was done (not in the future)."))
        if acted_on < flag.raised_at.date():
            raise ServiceError(_l("The date cannot be before the flag was raised."))
        decision = SafetyDecision(
            flag_id=flag.id,
            action=chosen,
            detail=words,
            referral_to=to,
            referral_reference=clean(referral_reference, limit=80, what=_l("reference")),
            clears=bool(clears),
            decided_by_id=actor.id,
            acted_on=acted_on,
        )
        session.add(decision)
        if clears:
            flag.status = FlagStatus.CLEARED
            flag.cleared_at = utcnow()
        step.detail.update(action=str(chosen), clears=bool(clears))
    return decision


def decisions(session: Session, flag: SafetyFlag) -> list[SafetyDecision]:
    """What was done about a flag, in order."""
    return list(
        session.scalars(
            select(SafetyDecision)
            .where(SafetyDecision.flag_id == flag.id)
            .order_by(SafetyDecision.id)
        )
    )


def view(session: Session, flag: SafetyFlag) -> FlagView:
    """The flag with its person, review and answer."""
    person = session.get(Person, flag.person_id)
    review = session.get(Review, flag.review_id)
    assert person is not None and review is not None
    response = session.get(Response, flag.response_id) if flag.response_id else None
    review_prompt = (
        session.get(ReviewPrompt, flag.review_prompt_id) if flag.review_prompt_id else None
    )
    return FlagView(
        flag, person, review, response, review_prompt.library_prompt_id if review_prompt else None
    )


def open_flags(session: Session, *, service: str | None = None) -> list[FlagView]:
    """Every open flag, the oldest first."""
    query = (
        select(SafetyFlag)
        .join(Person, Person.id == SafetyFlag.person_id)
        .where(SafetyFlag.status == FlagStatus.OPEN)
        .order_by(SafetyFlag.raised_at, SafetyFlag.id)
    )
    if service:
        query = query.where(Person.service == service)
    return [view(session, flag) for flag in session.scalars(query)]


def open_flags_for_review(session: Session, review_id: int) -> list[SafetyFlag]:
    """Open flags on one review, for showing on the review at once."""
    return list(
        session.scalars(
            select(SafetyFlag)
            .where(SafetyFlag.review_id == review_id, SafetyFlag.status == FlagStatus.OPEN)
            .order_by(SafetyFlag.raised_at)
        )
    )


def recently_cleared(session: Session, *, limit: int = 20) -> list[FlagView]:
    """The latest cleared flags, newest first."""
    query = (
        select(SafetyFlag)
        .where(SafetyFlag.status == FlagStatus.CLEARED)
        .order_by(SafetyFlag.cleared_at.desc(), SafetyFlag.id.desc())
        .limit(limit)
    )
    return [view(session, flag) for flag in session.scalars(query)]
