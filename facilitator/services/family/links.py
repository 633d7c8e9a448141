"""Links that let a family member or friend add their views, safely.

- The token is 256 bits from ``secrets`` and only its SHA-256 is stored, so a copy of the
  database does not hold working links.
- A link is issued only once the person's own views are done (rule 1), to one supporter for
  one review. Issuing a new one for the same supporter and review revokes the old one.
- A link works for 14 days by default, until it is revoked, or until the review closes.
- Before anything personal is shown, the family member proves they also hold something sent
  separately: a 6-digit code (the default) or, when staff chose it, their email address on
  record. Only a salted hash of it is stored, in ``verifier_hash`` as ``"<kind>:<hash>"``.
- Five wrong codes in a row lock the link: it is revoked, and staff must issue a new one
  (with a new code). The count is taken from the audit log, so it cannot be reset quietly.
- Every use of a link (opened, verified, wrong code, locked, refused) is audited; the token
  and the code never are.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import (
    ADVOCATE_ROLES,
    AuditEvent,
    FamilySession,
    InvitationLink,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
    utcnow,
)
from .. import NotAllowed, ServiceError, audit
from ..accounts import normalise_email
from ..messages import notices
from ..reviews.person_first import require_person_first

TOKEN_BYTES = 32  # 256 bits
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # what token_urlsafe(32) produces
CODE_DIGITS = 6
MAX_WRONG_CODES = 5
DEFAULT_DAYS = 14
MAX_DAYS = 60
STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})

LinkState = Literal["active", "expired", "revoked", "closed"]
Verifier = Literal["code", "email"]


class LinkProblem(ServiceError):
    """A link that cannot be used. ``kind`` says why; the message names nobody.

    Kinds: malformed, unknown, expired, revoked, closed, locked (too many wrong codes).
    """

    KINDS = ("malformed", "unknown", "expired", "revoked", "closed", "locked")
    # The family's pages explain each kind in full (views/family); these are their headings.
    MESSAGES = {
        "malformed": _l("We could not find this link"),
        "unknown": _l("We could not find this link"),
        "expired": _l("This link has expired"),
        "revoked": _l("This link no longer works"),
        "closed": _l("This link no longer works"),
        "locked": _l("This link has been locked"),
    }

    def __init__(self, kind: str, link: InvitationLink | None = None) -> None:
        assert kind in self.KINDS
        super().__init__(self.MESSAGES[kind])
        self.kind = kind
        self.link = link


class CodeRefused(ServiceError):
    """The code (or email address) did not match; ``attempts_left`` before the link locks."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(_l("That does not match what we sent. Please check it and try again."))
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class IssuedLink:
    """What staff see once, right after issuing: the plain token and code are not stored."""

    token: str
    code: str | None
    verifier: Verifier
    link: InvitationLink
    # How it reaches the supporter (issue 18): emailed or not, and the code sent or for staff.
    delivery: notices.LinkDelivery = notices.LinkDelivery(emailed=False, code_by=None)


@dataclass(frozen=True)
class LinkSummary:
    """One link as staff see it in the list."""

    link: InvitationLink
    supporter: Supporter
    state: LinkState
    locked: bool  # revoked because of too many wrong codes


def hash_token(token: str) -> str:
    """The SHA-256 (hex) stored for a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _verifier_kind(link: InvitationLink) -> Verifier:
    kind = (link.verifier_hash or "code:").split(":", 1)[0]
    return "email" if kind == "email" else "code"


def verifier_kind(link: InvitationLink) -> Verifier:
    """Whether this link asks for the code or for the email address on record."""
    return _verifier_kind(link)


def _normalise_secret(kind: Verifier, entered: str) -> str:
    if kind == "email":
        return normalise_email(entered or "")
    return re.sub(r"[\s-]", "", entered or "")


def issue_link(
    session: Session,
    review: Review,
    supporter: Supporter,
    actor: User,
    now: datetime | None = None,
    days: int = DEFAULT_DAYS,
    *,
    verifier: Verifier = "code",
) -> IssuedLink:
    """Issue a link for one supporter on one review; any earlier link of theirs is revoked."""
    if actor is None or actor.role not in STAFF_ROLES:
        raise NotAllowed(_l("Only staff can send links to supporters."))
    require_person_first(session, review)
    if not review_open(review):
        raise ServiceError(_l("This review is closed, so no new links can be sent for it."))
    if supporter.person_id != review.person_id:
        raise NotAllowed(_l("That supporter is not in this person's circle."))
    if not supporter.active:
        raise ServiceError(_l("This supporter is no longer active, so they cannot be sent a link."))
    if supporter.role in ADVOCATE_ROLES:
        raise ServiceError(_l("Advocates sign in with their own account instead of using a link."))
    if not 1 <= days <= MAX_DAYS:
        raise ServiceError(_l("A link can last from 1 to %(days)d days.", days=MAX_DAYS))
    if verifier not in ("code", "email"):
        raise ServiceError(_l("Choose how the family member confirms who they are."))
    if verifier == "email" and not supporter.email:
        raise ServiceError(_l("There is no email address on record for this supporter."))
    now = _now(now)
    replaced = [
        link
        for link in _links(session, review.id, supporter.id)
        if link.revoked_at is None and link.expires_at > now
    ]
    for old in replaced:
        revoke_link(session, old, actor, now=now, reason="reissued")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}" if verifier == "code" else None
    secret = code if code is not None else normalise_email(supporter.email or "")
    link = InvitationLink(
        review_id=review.id,
        supporter_id=supporter.id,
        token_hash=hash_token(token),
        verifier_hash=f"{verifier}:{generate_password_hash(secret)}",
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(link)
    audit.record(
        session,
        "link.issued",
        actor=actor,
        obj=link,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "supporter_id": supporter.id,
            "days": days,
            "verifier": verifier,
            "replaces": [old.id for old in replaced],
        },
    )
    delivery = notices.family_link_issued(session, link, token, code, supporter, review, actor)
    return IssuedLink(token=token, code=code, verifier=verifier, link=link, delivery=delivery)


def revoke_link(
    session: Session,
    link: InvitationLink,
    actor: User | None,
    now: datetime | None = None,
    reason: str = "revoked",
) -> None:
    """Stop a link working now (already revoked links are left as they are)."""
    if actor is not None and actor.role not in STAFF_ROLES:
        raise NotAllowed(_l("Only staff can revoke links."))
    if link.revoked_at is not None:
        return
    now = _now(now)
    link.revoked_at = now
    ended = end_family_sessions(session, link=link, reason=f"link-{reason}", now=now)
    audit.record(
        session,
        "link.revoked",
        actor=actor,
        obj=link,
        person_id=_person_id(session, link),
        detail={
            "review_id": link.review_id,
            "supporter_id": link.supporter_id,
            "reason": reason,
            "family_sessions_ended": ended,
        },
    )


def end_family_sessions(
    session: Session,
    *,
    link: InvitationLink | None = None,
    review: Review | None = None,
    reason: str,
    now: datetime | None = None,
) -> int:
    """End every live family session of one link, or of every link of one review, now.

    Any copy of their cookies stops working at once. Returns how many sessions ended.
    """
    if link is not None:
        which = FamilySession.link_id == link.id
    elif review is not None:
        which = FamilySession.link_id.in_(
            select(InvitationLink.id).where(InvitationLink.review_id == review.id)
        )
    else:
        raise ValueError("Say whose family sessions end: a link or a review.")
    result = session.execute(
        update(FamilySession)
        .where(which, FamilySession.revoked_at.is_(None))
        .values(revoked_at=_now(now), revoked_reason=reason[:40]),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def review_open(review: Review | None) -> bool:
    """Whether a review still takes views by link: the one test links and family sessions use.

    A review is not open once it is closed, or gone (erased with its person). Every request
    of a family session checks it (through ``link_state``), so the session ends with the
    review. A later feature that closes or archives reviews changes this function only, and
    calls ``end_family_sessions(review=...)`` to end the review's sessions there and then.
    """
    return review is not None and review.status != ReviewStatus.CLOSED


def _person_id(session: Session, link: InvitationLink) -> int | None:
    review = session.get(Review, link.review_id)
    return review.person_id if review is not None else None


def link_state(link: InvitationLink, now: datetime | None = None) -> LinkState:
    """closed (the review has finished), revoked, expired or active, in that order of
    precedence: closing a review revokes its links, and their holders hear that it finished."""
    owner = object_session(link)
    review = owner.get(Review, link.review_id) if owner is not None else None
    if not review_open(review):
        return "closed"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= _now(now):
        return "expired"
    return "active"


def _links(
    session: Session, review_id: int, supporter_id: int | None = None
) -> list[InvitationLink]:
    query = select(InvitationLink).where(InvitationLink.review_id == review_id)
    if supporter_id is not None:
        query = query.where(InvitationLink.supporter_id == supporter_id)
    return list(session.scalars(query.order_by(InvitationLink.id.desc())))


def _locked_ids(session: Session, link_ids: list[int]) -> set[int]:
    if not link_ids:
        return set()
    rows = session.scalars(
        select(AuditEvent.object_id).where(
            AuditEvent.action == "link.locked",
            AuditEvent.object_type == InvitationLink.__tablename__,
            AuditEvent.object_id.in_([str(i) for i in link_ids]),
        )
    )
    return {int(value) for value in rows if value is not None}


def links_for_review(
    session: Session, review: Review, now: datetime | None = None
) -> list[LinkSummary]:
    """Every link issued for the review, newest first, with its state."""
    links = _links(session, review.id)
    supporters = {
        s.id: s
        for s in session.scalars(select(Supporter).where(Supporter.person_id == review.person_id))
    }
    locked = _locked_ids(session, [link.id for link in links])
    return [
        LinkSummary(link, supporters[link.supporter_id], link_state(link, now), link.id in locked)
        for link in links
        if link.supporter_id in supporters
    ]


def resolve_token(session: Session, token: str, now: datetime | None = None) -> InvitationLink:
    """The active link for a token, or LinkProblem. Reads only: safe for a GET."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise LinkProblem("malformed")
    link = session.scalar(
        select(InvitationLink).where(InvitationLink.token_hash == hash_token(token))
    )
    if link is None:
        raise LinkProblem("unknown")
    state = link_state(link, now)
    if state != "active":
        raise LinkProblem(state, link)
    return link


def _family_label(link: InvitationLink) -> str:
    # Who acted, without a name: the audit log references people, it does not copy them.
    return f"supporter {link.supporter_id} by link {link.id}"


def open_link(session: Session, token: str, now: datetime | None = None) -> InvitationLink:
    """Use a link (the family member pressed Continue): resolve it and audit the use.

    A refusal is audited too (with the link's id when the token was known), and committed at
    once, whatever the caller does next.
    """
    now = _now(now)
    try:
        link = resolve_token(session, token, now)
    except LinkProblem as problem:
        record_refusal(session, problem)
        session.commit()
        raise
    link.first_used_at = link.first_used_at or now
    link.last_used_at = now
    audit.record(
        session,
        "link.opened",
        actor_label=_family_label(link),
        obj=link,
        person_id=_person_id(session, link),
        detail={"review_id": link.review_id, "supporter_id": link.supporter_id},
    )
    return link


def record_refusal(session: Session, problem: LinkProblem) -> None:
    """Audit a link that could not be used (never the token itself)."""
    link = problem.link
    audit.record(
        session,
        "link.refused",
        actor_label=_family_label(link) if link is not None else "someone with a link",
        object_type=InvitationLink.__tablename__ if link is not None else None,
        object_id=link.id if link is not None else None,
        person_id=_person_id(session, link) if link is not None else None,
        detail={"kind": problem.kind},
    )


def _wrong_codes_in_a_row(session: Session, link: InvitationLink) -> int:
    """Wrong codes since the last success, counted from the audit log."""
    about_link = (
        AuditEvent.object_type == InvitationLink.__tablename__,
        AuditEvent.object_id == str(link.id),
    )
    last_ok = session.scalar(
        select(func.max(AuditEvent.seq)).where(*about_link, AuditEvent.action == "link.verified")
    )
    query = select(func.count(AuditEvent.id)).where(
        *about_link, AuditEvent.action == "link.code_wrong"
    )
    if last_ok is not None:
        query = query.where(AuditEvent.seq > last_ok)
    return int(session.scalar(query) or 0)


def verify_code(
    session: Session, link: InvitationLink, entered: str, now: datetime | None = None
) -> None:
    """Check the code (or email address) sent separately from the link.

    Raises CodeRefused with the attempts left, or LinkProblem("locked") when this was the
    fifth wrong one in a row: the link is then revoked and staff must issue a new one. A
    refusal is audited and committed at once (the count of wrong codes must hold whatever the
    caller does next).
    """
    now = _now(now)
    state = link_state(link, now)
    if state != "active":
        problem = LinkProblem(state, link)
        record_refusal(session, problem)
        session.commit()
        raise problem
    kind = _verifier_kind(link)
    stored = (link.verifier_hash or ":").split(":", 1)[1]
    secret = _normalise_secret(kind, entered)
    ok = (
        bool(stored) and bool(secret) and len(secret) <= 254 and check_password_hash(stored, secret)
    )
    person_id = _person_id(session, link)
    if ok:
        link.last_used_at = now
        audit.record(
            session,
            "link.verified",
            actor_label=_family_label(link),
            obj=link,
            person_id=person_id,
            detail={"verifier": kind},
        )
        return
    audit.record(
        session,
        "link.code_wrong",
        actor_label=_family_label(link),
        obj=link,
        person_id=person_id,
        detail={"verifier": kind},
    )
    wrong = _wrong_codes_in_a_row(session, link)
    if wrong >= MAX_WRONG_CODES:
        revoke_link(session, link, None, now=now, reason="too-many-wrong-codes")
        audit.record(
            session,
            "link.locked",
            actor_label=_family_label(link),
            obj=link,
            person_id=person_id,
            detail={"wrong_codes": wrong},
        )
        session.commit()
        raise LinkProblem("locked", link)
    session.commit()
    raise CodeRefused(MAX_WRONG_CODES - wrong)


@dataclass(frozen=True)
class FamilyAccess:
    """What a family session may reach: exactly one link's supporter and review."""

    link: InvitationLink
    review: Review
    supporter: Supporter
    sent_by: User | None


def access_for_link_id(session: Session, link_id: int, now: datetime | None = None) -> FamilyAccess:
    """Load a family session's link by id; LinkProblem unless it is still active."""
    link = session.get(InvitationLink, link_id)
    if link is None:
        raise LinkProblem("unknown")
    state = link_state(link, now)
    if state != "active":
        raise LinkProblem(state, link)
    review = session.get(Review, link.review_id)
    supporter = session.get(Supporter, link.supporter_id)
    if review is None or supporter is None or supporter.person_id != review.person_id:
        raise LinkProblem("unknown")
    if not supporter.active:
        raise LinkProblem("revoked", link)
    sent_by = session.get(User, link.created_by_id) if link.created_by_id else None
    return FamilyAccess(link, review, supporter, sent_by)
