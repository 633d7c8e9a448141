"""What the layers show: the review's topics, the person's answers each layer is read beside,
and each topic's current advocate's, family's and staff layers with who wrote them.

Drafts are never shown here: the writes, and a supporter's own drafts, are in contributions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CaptureMethod,
    Contribution,
    ContributionStatus,
    Layer,
    LegalAuthority,
    Response,
    Review,
    ReviewPrompt,
    Role,
    Supporter,
    User,
)
from ...prompts.library import load_library
from .current import drop_superseded, not_superseded

# Answer types with a scale a supporter can also answer on, to compare with the person.
RATING_ANSWER_TYPES = ("feelings-5", "feelings-3", "working", "yes-no")
# Which side of a scale an option is on; opposite sides are a differing view.
_SIDE = {
    "very-good": 1, "good": 1, "working": 1,
    "not-sure": 0,
    "not-good": -1, "very-bad": -1, "not-working": -1,
}  # fmt: skip
_YES_NO = frozenset({"yes", "no"})


def _library() -> Any:
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
    relationship_note: str | None = None  # the words for an "other" relationship
    no_longer_involved: bool = False  # the supporter's involvement has ended since


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


def current_submitted(
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
            authorities=tuple(a for a in supporter.authorities if a.ended_on is None),
            organisation=user.organisation if user is not None else None,
            relationship_note=supporter.relationship_note,
            no_longer_involved=supporter.ended_on is not None,
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
    for contribution in current_submitted(session, review):
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
