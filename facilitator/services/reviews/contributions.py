"""Rule 2, layers never overwrite: the advocate's, family's and staff views on a review.

Each layer is its own rows in ``contributions``, with its author and role; none edits the
person's responses or another layer. Nothing is added before the person's own views are done
(rule 1): every function that writes calls ``require_person_first`` first.

A family member's draft may change until they send it. Once submitted, a contribution is
never edited: a later change is a new row with ``version + 1`` and ``supersedes_id`` pointing
at the one it replaces. The current view of a layer is its latest *submitted* versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    CaptureMethod,
    CaseStatus,
    Contribution,
    ContributionStatus,
    DifferingView,
    Layer,
    LegalAuthority,
    Response,
    Review,
    ReviewPrompt,
    ReviewStatus,
    Role,
    Supporter,
    User,
    utcnow,
)
from ...text import clean_text
from .. import NotAllowed, ServiceError, audit
from .current import drop_superseded, is_superseded, not_superseded
from .person_first import require_person_first

FAMILY_FIELDS = ("working", "not_working", "see_differently", "would_like")
ADVOCATE_FIELDS = ("how_obtained", "observations", "represents", "challenges", "concerns")
STAFF_FIELDS = ("note",)
FIELD_MAX = 5000
SUMMARY_MAX = 2000
STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
# Answer types with a scale a supporter can also answer on, to compare with the person.
RATING_ANSWER_TYPES = ("feelings-5", "feelings-3", "working", "yes-no")
# Which side of a scale an option is on; opposite sides are a differing view.
_SIDE = {
    "very-good": 1, "good": 1, "working": 1,
    "not-sure": 0,
    "not-good": -1, "very-bad": -1, "not-working": -1,
}  # fmt: skip
_YES_NO = frozenset({"yes", "no"})


# --- the review's topics and the person's answers ----------------------------------------------


def _library() -> Any:
    from ...prompts.library import load_library

    return load_library()


def review_topics(review: Review) -> list[str]:
    """The review's topic ids, in the order of its prompts."""
    seen: list[str] = []
    for review_prompt in review.prompts:
        if review_prompt.topic_id not in seen:
            seen.append(review_prompt.topic_id)
    return seen


def rating_prompt(review: Review, topic_id: str) -> ReviewPrompt | None:
    """The topic's first prompt answered on a scale, which a supporter may also rate.

    Safeguarding prompts are never put to supporters.
    """
    library = _library()
    for review_prompt in review.prompts:
        if review_prompt.topic_id != topic_id or review_prompt.library_prompt_id is None:
            continue
        try:
            prompt = library.prompt(review_prompt.library_prompt_id)
        except KeyError:
            continue
        if prompt.answer_type_id in RATING_ANSWER_TYPES and not prompt.safeguarding:
            return review_prompt
    return None


def rating_option_ids(review_prompt: ReviewPrompt | None) -> tuple[str, ...]:
    """The option ids a supporter may choose as their rating for this prompt."""
    if review_prompt is None or review_prompt.library_prompt_id is None:
        return ()
    return tuple(o.id for o in _library().prompt(review_prompt.library_prompt_id).options)


@dataclass
class PersonAnswer:
    """The person's current answer to one prompt: their choice (or skip) and their words."""

    review_prompt: ReviewPrompt
    choice: Response | None = None
    words: list[Response] = field(default_factory=list)

    @property
    def option_ids(self) -> list[str]:
        """The chosen option ids ([] when skipped or not answered)."""
        if self.choice is None or self.choice.skipped:
            return []
        return list(self.choice.answer or [])


def person_answers(session: Session, review: Review) -> list[PersonAnswer]:
    """Every prompt of the review in order, with the person's current answers.

    The same reading as the person's session: an entry is current unless another supersedes
    it; a tapped entry is the choice (the latest wins), any other entry is their words.
    """
    rows = session.scalars(
        select(Response)
        .where(Response.review_id == review.id, not_superseded(Response, review_ids=review.id))
        .order_by(Response.id)
    )
    answers = {rp.id: PersonAnswer(rp) for rp in review.prompts}
    for row in rows:
        answer = answers.get(row.review_prompt_id)
        if answer is None:
            continue
        if row.capture_method == CaptureMethod.TAPPED:
            answer.choice = row
        else:
            answer.words.append(row)
    return [answers[rp.id] for rp in review.prompts]


def shareable_answers(session: Session, review: Review) -> list[PersonAnswer]:
    """The person's answers that may be shown to a family member who was given consent.

    Answers to safeguarding prompts (feeling safe, anyone hurting them ...) are never shown to
    family or friends, whatever the consent: the person may be telling us about one of them.
    """
    library = _library()
    shown = []
    for answer in person_answers(session, review):
        prompt_id = answer.review_prompt.library_prompt_id
        if prompt_id is None:
            continue
        try:
            prompt = library.prompt(prompt_id)
            topic = library.topic(answer.review_prompt.topic_id)
        except KeyError:
            continue
        if prompt.safeguarding or topic.safeguarding:
            continue
        if answer.choice is not None or answer.words:
            shown.append(answer)
    return shown


def differs_from_person(
    person_answer: str | Iterable[str] | None, supporter_rating: str | None
) -> bool:
    """Whether a supporter's rating is on the other side of the scale from the person's answer.

    "good" against "not-good", "working" against "not-working", "yes" against "no". "Not sure"
    on either side, a skipped answer or no rating is not a differing view.
    """
    if not supporter_rating:
        return False
    if isinstance(person_answer, str):
        answers: list[str] = [person_answer]
    else:
        answers = list(person_answer or [])
    for answer in answers:
        if answer in _SIDE and supporter_rating in _SIDE:
            if _SIDE[answer] * _SIDE[supporter_rating] < 0:
                return True
        elif answer in _YES_NO and supporter_rating in _YES_NO and answer != supporter_rating:
            return True
    return False


# --- checks shared by every layer ------------------------------------------------------------


def _check_open(session: Session, review: Review) -> None:
    require_person_first(session, review)
    if review.status == ReviewStatus.CLOSED:
        raise ServiceError("This review is closed, so nothing more can be added to it.")


def _check_topic(review: Review, topic_id: str | None, allow_whole_review: bool = False) -> None:
    if topic_id is None and allow_whole_review:
        return
    if topic_id not in review_topics(review):
        raise ServiceError("That topic is not part of this review.")


def _clean_text(value: Any) -> str:
    text = clean_text(str(value or ""), trim=True)
    if len(text) > FIELD_MAX:
        raise ServiceError(f"Please keep each answer to {FIELD_MAX:,} characters or fewer.")
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
        raise NotAllowed("That supporter is not in this person's circle.")
    if not supporter.active:
        raise NotAllowed("This supporter is no longer active.")
    if supporter.role in ADVOCATE_ROLES:
        raise NotAllowed("Advocates add their views in the advocate's layer.")


def _clean_rating(review: Review, topic_id: str, rating: str | None) -> str | None:
    if not rating:
        return None
    if rating not in rating_option_ids(rating_prompt(review, topic_id)):
        raise ServiceError("Choose one of the answers shown, or leave it blank.")
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
        raise ServiceError("There is nothing new to send. Write your views first.")
    now = now or utcnow()
    for draft in drafts:
        draft.status = ContributionStatus.SUBMITTED
        draft.submitted_at = now
        _audit_contribution(
            session, "contribution.submitted", draft, review, actor_label=_family_label(supporter)
        )
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
        raise NotAllowed("Only the person's assigned advocate can add the advocate's layer.")
    _check_topic(review, topic_id, allow_whole_review=True)
    clean = _clean_body(body, ADVOCATE_FIELDS)
    if not _has_words(clean, ADVOCATE_FIELDS):
        raise ServiceError("Write something in at least one of the boxes.")
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
    return contribution


def advocate_contributions(
    session: Session, review: Review, advocate_user: User
) -> list[Contribution]:
    """The advocate's own current contributions on a review (latest version of each topic)."""
    supporter = advocate_assignment(session, review, advocate_user)
    if supporter is None:
        return []
    current = _current_submitted(session, review, Layer.ADVOCATE)
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
        raise NotAllowed("Only staff can add to the staff layer.")
    _check_topic(review, topic_id, allow_whole_review=True)
    clean = _clean_body(body, STAFF_FIELDS)
    if not clean["note"]:
        raise ServiceError("Write the note first.")
    if supersedes is not None:
        if supersedes.review_id != review.id or supersedes.layer != Layer.STAFF:
            raise NotAllowed("That note belongs to another review or layer.")
        if is_superseded(session, supersedes):
            raise ServiceError("That note has already been replaced; change the latest one.")
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


# --- showing the layers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """Who wrote a layer: name, relationship, role and legal authority (put into words by
    outputs.labels.author_description)."""

    name: str
    relationship: str | None
    role: str  # a SupporterRole value for supporters, a Role value for staff
    is_supporter: bool
    authorities: tuple[LegalAuthority, ...] = ()
    job_title: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class LayerEntry:
    """One current contribution with its author described, and whether it differs."""

    contribution: Contribution
    layer: Layer
    author: Author
    differs: bool = False
    differs_by_rating: bool = False

    @property
    def body(self) -> dict[str, Any]:
        return dict(self.contribution.body or {})


@dataclass
class TopicLayers:
    """One topic (or, with topic_id None, the whole review) with each layer's entries."""

    topic_id: str | None
    rating_prompt: ReviewPrompt | None = None
    advocate: list[LayerEntry] = field(default_factory=list)
    family: list[LayerEntry] = field(default_factory=list)
    staff: list[LayerEntry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.advocate or self.family or self.staff)


def _current_submitted(
    session: Session, review: Review, layer: Layer | None = None
) -> list[Contribution]:
    """Submitted contributions that no later submitted version replaces."""
    query = select(Contribution).where(
        Contribution.review_id == review.id, Contribution.status == ContributionStatus.SUBMITTED
    )
    if layer is not None:
        query = query.where(Contribution.layer == layer)
    return drop_superseded(session.scalars(query.order_by(Contribution.id)))


def _author(session: Session, contribution: Contribution, cache: dict[Any, Author]) -> Author:
    key = (contribution.supporter_id, contribution.author_user_id, contribution.layer)
    if key in cache:
        return cache[key]
    supporter = (
        session.get(Supporter, contribution.supporter_id) if contribution.supporter_id else None
    )
    user = session.get(User, contribution.author_user_id) if contribution.author_user_id else None
    if supporter is not None:
        author = Author(
            name=supporter.name,
            relationship=supporter.relationship_to_person,
            role=str(supporter.role),
            is_supporter=True,
            authorities=tuple(supporter.authorities),
            organisation=user.organisation if user is not None else None,
        )
    elif user is not None:
        author = Author(
            name=user.name,
            relationship=None,
            role=str(user.role),
            is_supporter=False,
            job_title=user.job_title,
        )
    else:
        author = Author(name="?", relationship=None, role=str(Role.STAFF), is_supporter=False)
    cache[key] = author
    return author


def layers_for_review(session: Session, review: Review) -> list[TopicLayers]:
    """Each topic of the review with the advocate's, family's and staff's current layers.

    Drafts are left out. The first item (topic_id None) holds what was said about the whole
    review. ``differs`` is set on a family entry whose rating is on the other side of the
    scale from the person's answer, or that says what they see differently.
    """
    topics = [TopicLayers(None)] + [
        TopicLayers(topic_id, rating_prompt(review, topic_id)) for topic_id in review_topics(review)
    ]
    by_topic = {t.topic_id: t for t in topics}
    choices: dict[Any, list[str]] = {
        a.review_prompt.id: a.option_ids for a in person_answers(session, review)
    }
    cache: dict[Any, Author] = {}
    for contribution in _current_submitted(session, review):
        target = by_topic.get(contribution.topic_id)
        if target is None:
            continue
        by_rating = False
        said_differently = False
        if contribution.layer == Layer.FAMILY:
            prompt_id = (contribution.body or {}).get("rating_prompt_id")
            by_rating = differs_from_person(choices.get(prompt_id, []), contribution.rating)
            said_differently = bool((contribution.body or {}).get("see_differently"))
        entry = LayerEntry(
            contribution,
            Layer(contribution.layer),
            _author(session, contribution, cache),
            differs=by_rating or said_differently,
            differs_by_rating=by_rating,
        )
        getattr(target, Layer(contribution.layer).value).append(entry)
    return topics


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
        raise NotAllowed("Only staff can open a differing view.")
    if contribution.review_id != review.id:
        raise NotAllowed("That contribution belongs to another review.")
    if contribution.status != ContributionStatus.SUBMITTED:
        raise ServiceError("A draft is not a view yet: only sent views can be recorded.")
    if (
        topic_id is not None
        and contribution.topic_id is not None
        and topic_id != contribution.topic_id
    ):
        raise ServiceError("That contribution is about another topic.")
    summary = clean_text(summary or "", trim=True)
    if not summary:
        raise ServiceError("Write a short summary of how the views differ.")
    if len(summary) > SUMMARY_MAX:
        raise ServiceError(f"Keep the summary to {SUMMARY_MAX:,} characters or fewer.")
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
