"""A closed review is frozen: every write to it is refused, here, once, for every service.

The check runs before every flush of every session (a SQLAlchemy ``before_flush`` listener),
so no view or service has to remember it: any new, changed or deleted row that belongs to a
closed review (its layers, the person's answers, actions, links, consents, differing views,
who was told) makes the flush raise ``ReviewClosed``, a ``ServiceError``, which the edge
answers with its kind message and a rollback. Only closing and reopening
(``services/reviews/lifecycle.py``) write to a closed review, inside :func:`changing`.

Left out on purpose: the audit log (opening a closed record is audited), the figures cache,
safeguarding flags and decisions (a concern is never blocked), complaints (a complaint about a
finished review must still be heard), an advocate's formal report about it and its response
(likewise), a record audit's check of it (issue 20: checking a record changes nothing
in it), the next review's "did it happen?" answers about a closed review's actions (they
belong to the later review) and rows of a review that is itself being erased.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ...models import (
    ActionFollowUp,
    AdvocateReport,
    AuditEvent,
    AuditHead,
    Complaint,
    DifferingView,
    DifferingViewParty,
    RecordAuditCheck,
    Review,
    ReviewFigures,
    ReviewStatus,
)
from ...models.governance import SafetyDecision, SafetyFlag
from .. import ServiceError

# Rows that name a review but are not part of what closing freezes (see the module's note).
NOT_FROZEN: tuple[type, ...] = (
    ActionFollowUp,
    AdvocateReport,  # an advocate's formal report is governance about the review (issue 17)
    AuditEvent,
    AuditHead,
    Complaint,
    RecordAuditCheck,  # a record audit's check of a closed review (issue 20)
    ReviewFigures,
    SafetyDecision,
    SafetyFlag,
)
_KEY = "review_lifecycle_changing"


class ReviewClosed(ServiceError):
    """A write to a closed review."""


def refusal() -> ReviewClosed:
    return ReviewClosed(
        _l(
            "This review is closed, so nothing can be added or changed. A manager can reopen "
            "it, with a reason, if something must change."
        )
    )


@contextmanager
def changing(session: Session, review: Review) -> Iterator[None]:
    """Let closing or reopening write to this review (and only this one) for a moment."""
    allowed: set[int] = session.info.setdefault(_KEY, set())
    allowed.add(review.id)
    try:
        yield
    finally:
        allowed.discard(review.id)


def allow(session: Session, review: Review) -> None:
    """Let this session write a whole review that arrives closed (an import), until
    :func:`release`; a session ends with its request, and the allowance with it."""
    session.info.setdefault(_KEY, set()).add(review.id)


def release(session: Session, review: Review) -> None:
    session.info.get(_KEY, set()).discard(review.id)


def _closed(review: Review | None) -> bool:
    if review is None:
        return False
    state = inspect(review)
    history = state.attrs.status.history
    # As it stands in the database: a review being closed by this flush is not closed yet.
    before = history.deleted[0] if history.deleted else review.status
    return str(before) == ReviewStatus.CLOSED


def _review_id(session: Session, obj: Any) -> int | None:
    if isinstance(obj, Review):
        return obj.id
    review_id = getattr(obj, "review_id", None)
    if review_id is None and hasattr(obj, "party_id"):
        party = session.get(DifferingViewParty, obj.party_id) if obj.party_id else None
        obj = party
    if review_id is None and obj is not None and getattr(obj, "differing_view_id", None):
        view = session.get(DifferingView, obj.differing_view_id)
        review_id = view.review_id if view is not None else None
    return int(review_id) if review_id is not None else None


def _check(session: Session, _context: Any, _instances: Any) -> None:
    allowed: set[int] = session.info.get(_KEY, set())
    erased = {obj.id for obj in session.deleted if isinstance(obj, Review)}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, NOT_FROZEN):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=True):
            continue
        review_id = _review_id(session, obj)
        if review_id is None or review_id in allowed or review_id in erased:
            continue
        review = obj if isinstance(obj, Review) else session.get(Review, review_id)
        if review is not None and review in session.new:
            continue
        if _closed(review):
            raise refusal()


if not event.contains(Session, "before_flush", _check):
    event.listen(Session, "before_flush", _check)
