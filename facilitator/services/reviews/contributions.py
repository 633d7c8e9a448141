"""Rule 2, layers never overwrite: the advocate's, family's and staff views on a review.

Each layer is its own rows in ``contributions``, with its author and role; none edits the
person's responses or another layer. Nothing is added before the person's own views are done
(rule 1): every function that writes calls ``require_person_first`` first.

A family member's draft may change until they send it. Once submitted, a contribution is
never edited: a later change is a new row with ``version + 1`` and ``supersedes_id`` pointing
at the one it replaces. The current view of a layer is its latest *submitted* versions.

What the layers show is in layers.py (its names are importable from here too). This module is
over 400 lines because its writes are one rule, layers never overwrite: the family's, the
advocate's and staff's writes and opening a differing view share the same checks (the review
open, the person heard first, the topic, the text) and the same versioning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingView,
    Layer,
    Review,
    ReviewStatus,
    Role,
    Supporter,
    User,
    utcnow,
)
from ...text import clean_text
from .. import NotAllowed, ServiceError, audit
from ..messages import notices
from .current import is_superseded
from .layers import (
    Author,
    LayerEntry,
    PersonAnswer,
    TopicLayers,
    current_submitted,
    differs_from_person,
    layers_for_review,
    person_answers,
    rating_option_ids,
    rating_prompt,
    review_topics,
    shareable_answers,
)
from .person_first import require_person_first

__all__ = [
    "ADVOCATE_FIELDS",
    "FAMILY_FIELDS",
    "FIELD_MAX",
    "STAFF_FIELDS",
    "STAFF_ROLES",
    "SUMMARY_MAX",
    "FamilyTopic",
    "add_advocate_layer",
    "add_staff_note",
    "advocate_assignment",
    "advocate_contributions",
    "family_views",
    "open_differing_view",
    "save_family_draft",
    "save_family_drafts",
    "submit_family",
    # what the layers show (layers.py), read by callers from here too
    "Author",
    "LayerEntry",
    "PersonAnswer",
    "TopicLayers",
    "differs_from_person",
    "layers_for_review",
    "person_answers",
    "rating_option_ids",
    "rating_prompt",
    "review_topics",
    "shareable_answers",
]

FAMILY_FIELDS = ("working", "not_working", "see_differently", "would_like")
ADVOCATE_FIELDS = ("how_obtained", "observations", "represents", "challenges", "concerns")
STAFF_FIELDS = ("note",)
FIELD_MAX = 5000
SUMMARY_MAX = 2000
STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})


# --- checks shared by every layer ------------------------------------------------------------


def _check_open(session: Session, review: Review) -> None:
    require_person_first(session, review)
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError(_l("This review is closed, so nothing more can be added to it."))


def _check_topic(review: Review, topic_id: str | None, allow_whole_review: bool = False) -> None:
    if topic_id is None and allow_whole_review:
        return
    if topic_id not in review_topics(review):
        raise ServiceError(_l("That topic is not part of this review."))


def _clean_text(value: Any) -> str:
    text = clean_text(str(value or ""), trim=True)
    if len(text) > FIELD_MAX:
        raise ServiceError(
            _l(
                "Please keep each answer to %(limit)s characters or fewer.",
                limit=f"{FIELD_MAX:,}",
            )
        )
    return text


def _clean_body(body: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    """Only the layer's own fields, as plain stripped text (shown escaped, never as markup)."""
    return {name: _clean_text(body.get(name)) for name in fields}


def _has_words(body: Mapping[str, Any], fields: tuple[str, ...]) -> bool:
    return any(body.get(name) for name in fields)


def _audit_contribution(
    session: Session, action: str, contribution: Contribution, review: Review, **actor: Any
) -> None:
    audit.record(
        session,
        action,
        obj=contribution,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "layer": str(contribution.layer),
            "topic_id": contribution.topic_id,
            "version": contribution.version,
        },
        **actor,
    )


def _latest(
    session: Session,
    review: Review,
    layer: Layer,
    topic_id: str | None,
    *,
    supporter_id: int | None = None,
    author_user_id: int | None = None,
    status: ContributionStatus = ContributionStatus.SUBMITTED,
) -> Contribution | None:
    query = select(Contribution).where(
        Contribution.review_id == review.id,
        Contribution.layer == layer,
        Contribution.status == status,
    )
    query = query.where(
        Contribution.topic_id.is_(None) if topic_id is None else Contribution.topic_id == topic_id
    )
    if supporter_id is not None:
        query = query.where(Contribution.supporter_id == supporter_id)
    if author_user_id is not None:
        query = query.where(Contribution.author_user_id == author_user_id)
    return session.scalar(
        query.order_by(Contribution.version.desc(), Contribution.id.desc()).limit(1)
    )


# --- family ----------------------------------------------------------------------------------


def _check_family_supporter(review: Review, supporter: Supporter) -> None:
    if supporter.person_id != review.person_id:
        raise NotAllowed(_l("That supporter is not in this person's circle."))
    if not supporter.active:
        raise NotAllowed(_l("This supporter is no longer active."))
    if supporter.role in ADVOCATE_ROLES:
        raise NotAllowed(_l("Advocates add their views in the advocate's layer."))


def _clean_rating(review: Review, topic_id: str, rating: str | None) -> str | None:
    if not rating:
        return None
    if rating not in rating_option_ids(rating_prompt(review, topic_id)):
        raise ServiceError(_l("Choose one of the answers shown, or leave it blank."))
    return rating


def _same_views(a: Contribution, body: Mapping[str, str], rating: str | None) -> bool:
    return all((a.body or {}).get(k, "") == body[k] for k in FAMILY_FIELDS) and a.rating == rating


def save_family_draft(
    session: Session,
    review: Review,
    supporter: Supporter,
    topic_id: str,
    body: Mapping[str, Any],
    rating: str | None = None,
) -> Contribution | None:
    """Save (or update) a family member's draft for one topic; nobody else sees a draft.

    Returns the draft, or None when there is nothing to keep: nothing written, or exactly
    what was already sent (a draft left like that is discarded). Something already sent is
    never withdrawn by emptying the boxes: it stays as sent.
    """
    _check_open(session, review)
    _check_family_supporter(review, supporter)
    _check_topic(review, topic_id)
    clean = _clean_body(body, FAMILY_FIELDS)
    rating = _clean_rating(review, topic_id, rating)
    draft = _latest(
        session,
        review,
        Layer.FAMILY,
        topic_id,
        supporter_id=supporter.id,
        status=ContributionStatus.DRAFT,
    )
    sent = _latest(session, review, Layer.FAMILY, topic_id, supporter_id=supporter.id)
    nothing = not _has_words(clean, FAMILY_FIELDS) and rating is None
    unchanged = sent is not None and _same_views(sent, clean, rating)
    if nothing or unchanged:
        if draft is not None:
            session.delete(draft)
            _audit_contribution(
                session,
                "contribution.draft_discarded",
                draft,
                review,
                actor_label=_family_label(supporter),
            )
        return None
    if draft is None:
        draft = Contribution(
            review_id=review.id,
            layer=Layer.FAMILY,
            topic_id=topic_id,
            supporter_id=supporter.id,
            status=ContributionStatus.DRAFT,
            version=(sent.version + 1) if sent else 1,
            supersedes_id=sent.id if sent else None,
        )
        session.add(draft)
    rating_prompt_row = rating_prompt(review, topic_id)
    draft.body = {**clean, "rating_prompt_id": rating_prompt_row.id if rating_prompt_row else None}
    draft.rating = rating
    _audit_contribution(
        session, "contribution.draft_saved", draft, review, actor_label=_family_label(supporter)
    )
    return draft


def save_family_drafts(
    session: Session,
    review: Review,
    supporter: Supporter,
    views: Mapping[str, tuple[Mapping[str, Any], str | None]],
) -> list[Contribution]:
    """Save several topics at once: ``views`` maps topic id to (body, rating)."""
    saved = []
    for topic_id in review_topics(review):
        if topic_id in views:
            body, rating = views[topic_id]
            draft = save_family_draft(session, review, supporter, topic_id, body, rating)
            if draft is not None:
                saved.append(draft)
    return saved


def submit_family(
    session: Session, review: Review, supporter: Supporter, now: datetime | None = None
) -> list[Contribution]:
    """Send a family member's drafts. From now on they are kept exactly as sent."""
    _check_open(session, review)
    _check_family_supporter(review, supporter)
    drafts = list(
        session.scalars(
            select(Contribution)
            .where(
                Contribution.review_id == review.id,
                Contribution.layer == Layer.FAMILY,
                Contribution.supporter_id == supporter.id,
                Contribution.status == ContributionStatus.DRAFT,
            )
            .order_by(Contribution.id)
        )
    )
    if not drafts:
        raise ServiceError(_l("There is nothing new to send. Write your views first."))
    now = now or utcnow()
    for draft in drafts:
        draft.status = ContributionStatus.SUBMITTED
        draft.submitted_at = now
        _audit_contribution(
            session, "contribution.submitted", draft, review, actor_label=_family_label(supporter)
        )
    notices.views_received(session, review, key=f"contribution:{drafts[0].id}")
    return drafts


@dataclass
class FamilyTopic:
    """One topic as the family member sees their own views: what was sent, and any draft."""

    topic_id: str
    sent: Contribution | None
    draft: Contribution | None

    @property
    def current(self) -> Contribution | None:
        """The draft if there is one, else what was sent."""
        return self.draft or self.sent


def family_views(session: Session, review: Review, supporter: Supporter) -> list[FamilyTopic]:
    """This supporter's own views on the review, topic by topic (never anyone else's)."""
    return [
        FamilyTopic(
            topic_id,
            _latest(session, review, Layer.FAMILY, topic_id, supporter_id=supporter.id),
            _latest(
                session,
                review,
                Layer.FAMILY,
                topic_id,
                supporter_id=supporter.id,
                status=ContributionStatus.DRAFT,
            ),
        )
        for topic_id in review_topics(review)
    ]


def _family_label(supporter: Supporter) -> str:
    # The audit log references people by id; it does not copy their names.
    return f"supporter {supporter.id} (family layer)"


# --- advocates -------------------------------------------------------------------------------


def advocate_assignment(session: Session, review: Review, user: User) -> Supporter | None:
    """The advocate's active supporter row for this review's person, if they are assigned."""
    if user is None or user.role != Role.ADVOCATE or not user.active:
        return None
    return session.scalar(
        select(Supporter)
        .where(
            Supporter.person_id == review.person_id,
            Supporter.user_id == user.id,
            Supporter.role.in_(list(ADVOCATE_ROLES)),
            Supporter.active.is_(True),
        )
        .order_by(Supporter.id)
        .limit(1)
    )


def add_advocate_layer(
    session: Session,
    review: Review,
    advocate_user: User,
    topic_id: str | None,
    body: Mapping[str, Any],
) -> Contribution:
    """Add the advocate's layer for one topic (or the whole review when topic_id is None).

    Fields: how the person's views were obtained, observations, where the advocate represents
    the person's wishes, where they challenge a proposal or a supporter's view, and concerns.
    Adding again for the same topic makes a new version; the earlier one stays.
    """
    _check_open(session, review)
    supporter = advocate_assignment(session, review, advocate_user)
    if supporter is None:
        raise NotAllowed(_l("Only the person's assigned advocate can add the advocate's layer."))
    _check_topic(review, topic_id, allow_whole_review=True)
    clean = _clean_body(body, ADVOCATE_FIELDS)
    if not _has_words(clean, ADVOCATE_FIELDS):
        raise ServiceError(_l("Write something in at least one of the boxes."))
    previous = _latest(session, review, Layer.ADVOCATE, topic_id, supporter_id=supporter.id)
    contribution = Contribution(
        review_id=review.id,
        layer=Layer.ADVOCATE,
        topic_id=topic_id,
        author_user_id=advocate_user.id,
        supporter_id=supporter.id,
        status=ContributionStatus.SUBMITTED,
        body=clean,
        version=(previous.version + 1) if previous else 1,
        supersedes_id=previous.id if previous else None,
        submitted_at=utcnow(),
    )
    session.add(contribution)
    _audit_contribution(
        session, "contribution.submitted", contribution, review, actor=advocate_user
    )
    notices.views_received(
        session, review, key=f"contribution:{contribution.id}", from_advocate=True
    )
    return contribution


def advocate_contributions(
    session: Session, review: Review, advocate_user: User
) -> list[Contribution]:
    """The advocate's own current contributions on a review (latest version of each topic)."""
    supporter = advocate_assignment(session, review, advocate_user)
    if supporter is None:
        return []
    current = current_submitted(session, review, Layer.ADVOCATE)
    return [c for c in current if c.supporter_id == supporter.id]


# --- staff -----------------------------------------------------------------------------------


def add_staff_note(
    session: Session,
    review: Review,
    staff_user: User,
    topic_id: str | None,
    body: Mapping[str, Any],
    *,
    supersedes: Contribution | None = None,
) -> Contribution:
    """Add a staff note on a topic (or the whole review). Each note stands on its own;
    ``supersedes`` makes it a new version of an earlier staff note instead."""
    _check_open(session, review)
    if staff_user is None or staff_user.role not in STAFF_ROLES:
        raise NotAllowed(_l("Only staff can add to the staff layer."))
    _check_topic(review, topic_id, allow_whole_review=True)
    clean = _clean_body(body, STAFF_FIELDS)
    if not clean["note"]:
        raise ServiceError(_l("Write the note first."))
    if supersedes is not None:
        if supersedes.review_id != review.id or supersedes.layer != Layer.STAFF:
            raise NotAllowed(_l("That note belongs to another review or layer."))
        if is_superseded(session, supersedes):
            raise ServiceError(_l("That note has already been replaced; change the latest one."))
    contribution = Contribution(
        review_id=review.id,
        layer=Layer.STAFF,
        topic_id=topic_id,
        author_user_id=staff_user.id,
        status=ContributionStatus.SUBMITTED,
        body=clean,
        version=(supersedes.version + 1) if supersedes else 1,
        supersedes_id=supersedes.id if supersedes else None,
        submitted_at=utcnow(),
    )
    session.add(contribution)
    _audit_contribution(session, "contribution.submitted", contribution, review, actor=staff_user)
    return contribution


# --- differing views -------------------------------------------------------------------------


def open_differing_view(
    session: Session,
    review: Review,
    topic_id: str | None,
    contribution: Contribution,
    actor: User,
    summary: str,
) -> DifferingView:
    """Open a differing-view record (status open) from a supporter's contribution.

    Opening it twice for the same contribution returns the record already open.
    """
    _check_open(session, review)
    if actor is None or actor.role not in STAFF_ROLES:
        raise NotAllowed(_l("Only staff can open a differing view."))
    if contribution.review_id != review.id:
        raise NotAllowed(_l("That contribution belongs to another review."))
    if contribution.status != ContributionStatus.SUBMITTED:
        raise ServiceError(_l("A draft is not a view yet: only sent views can be recorded."))
    if (
        topic_id is not None
        and contribution.topic_id is not None
        and topic_id != contribution.topic_id
    ):
        raise ServiceError(_l("That contribution is about another topic."))
    summary = clean_text(summary or "", trim=True)
    if not summary:
        raise ServiceError(_l("Write a short summary of how the views differ."))
    if len(summary) > SUMMARY_MAX:
        raise ServiceError(
            _l("Keep the summary to %(limit)s characters or fewer.", limit=f"{SUMMARY_MAX:,}")
        )
    existing = session.scalar(
        select(DifferingView).where(
            DifferingView.contribution_id == contribution.id,
            DifferingView.status == CaseStatus.OPEN,
        )
    )
    if existing is not None:
        return existing
    response_id = None
    prompt_id = (contribution.body or {}).get("rating_prompt_id")
    for answer in person_answers(session, review):
        if answer.review_prompt.id == prompt_id and answer.choice is not None:
            response_id = answer.choice.id
    record = DifferingView(
        review_id=review.id,
        topic_id=topic_id if topic_id is not None else contribution.topic_id,
        response_id=response_id,
        contribution_id=contribution.id,
        summary=summary,
        status=CaseStatus.OPEN,
        opened_by_id=actor.id,
    )
    session.add(record)
    audit.record(
        session,
        "differing_view.opened",
        actor=actor,
        obj=record,
        person_id=review.person_id,
        detail={
            "review_id": review.id,
            "contribution_id": contribution.id,
            "topic_id": record.topic_id,
        },
    )
    return record
