"""Custom prompts: staff's own easy-read prompts for one person, beside the library's.

A custom prompt is written for one person, for all their reviews or for one review. It is
answered and stored exactly like a library prompt: each review it is in gets a review prompt
whose key is ``custom-<id>``, so the person's screens, the record, the layers, exports, the
PDF, "You said, we did" and the action builder find it through ``Library.prompt`` like any
other prompt (the app factory hands :func:`resolve` to ``use_custom_prompts``).

A version that has answers is never changed: editing it makes a new version, and answers keep
pointing at the exact words, picture and voice the person was given. A prompt with answers is
retired, never deleted. Custom prompts go into a review's list while the review is planned,
after the library prompts of their topic.

What staff write and how it is checked is ``prompt_input.py``. This module (about 520 lines) is
one thing, a custom prompt's life: the prompt as the library sees it, its versions (create,
change, retire, restore, delete, move) and the planned reviews kept in step with them; each
part calls the others (a change re-syncs the reviews, a sync asks which versions are current).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from ...models import (
    CustomPrompt,
    Person,
    Response,
    Review,
    ReviewPrompt,
    ReviewStatus,
    User,
    VoiceRecording,
    utcnow,
)
from ...models.custom_prompts import CUSTOM_KEY_PREFIX
from ...prompts.library import (
    Library,
    Option,
    Prompt,
    load_library,
)
from .. import NotAllowed, NotFound, ServiceError, audit
from ..reviews.current import not_superseded
from .prompt_input import CONTENT, CustomPromptInput, check

_KEY = re.compile(rf"^{CUSTOM_KEY_PREFIX}(\d+)$")


# --- the prompt as the rest of the app sees it --------------------------------------------------


def _any_text(texts: Any, lang: str) -> str:
    """The text in ``lang``, else English, else whatever language it was written in."""
    if lang in texts:
        return str(texts[lang])
    if "en" in texts:
        return str(texts["en"])
    return str(next(iter(texts.values()), ""))


@dataclass(frozen=True)
class CustomOption(Option):
    """A choice staff wrote: its label is in the language it was written in."""

    def label(self, lang: str, fallback: bool = False) -> str:
        return _any_text(self.labels, lang)


@dataclass(frozen=True)
class CustomLibraryPrompt(Prompt):
    """A custom prompt version shaped like a library prompt, with what only it can have."""

    custom_id: int = 0
    version: int = 1
    photo_id: int | None = None
    recording_id: int | None = None
    review_id: int | None = None
    custom: bool = True

    def text(self, lang: str, fallback: bool = False) -> str:
        return _any_text(self.texts, lang)

    def alt(self, lang: str, fallback: bool = False) -> str:
        return _any_text(self.alts, lang) if self.alts else ""


def to_prompt(row: CustomPrompt, library: Library | None = None) -> CustomLibraryPrompt:
    """The library-shaped prompt for one custom prompt version."""
    library = library or load_library()
    answer_type = library.answer_type(row.answer_type)
    topic = library.topic(row.topic_id)
    picture = row.picture or topic.picture
    choices = tuple(
        CustomOption(str(c["id"]), dict(c.get("labels") or {}), str(c.get("picture") or picture))
        for c in (row.choices or [])
    )
    return CustomLibraryPrompt(
        id=row.key,
        topic_id=row.topic_id,
        answer_type=answer_type,
        texts=dict(row.texts or {}),
        alts=dict(row.alt or {}),
        picture=picture,
        safeguarding=topic.safeguarding,
        choices=choices if answer_type.choices_from_prompt else (),
        in_default_review=False,
        custom_id=row.id,
        version=row.version,
        photo_id=row.photo_id,
        recording_id=row.recording_id,
        review_id=row.review_id,
    )


def custom_id(key: str | None) -> int | None:
    """The custom prompt id in a ``custom-<id>`` key, else None."""
    match = _KEY.match(key or "")
    return int(match.group(1)) if match else None


def resolve(session: Session, key: str) -> CustomLibraryPrompt:
    """The prompt for a ``custom-<id>`` key (KeyError if there is none, like the library)."""
    found = custom_id(key)
    row = session.get(CustomPrompt, found) if found is not None else None
    if row is None:
        raise KeyError(f"no custom prompt {key!r}")
    return to_prompt(row)


def prompt_for(review_prompt: ReviewPrompt) -> Prompt:
    """The prompt a review prompt asks, from the library or written by staff."""
    key = review_prompt.library_prompt_id or ""
    if review_prompt.custom_prompt_id is not None or key.startswith(CUSTOM_KEY_PREFIX):
        session = object_session(review_prompt)
        if session is None:
            raise KeyError(f"custom prompt {key!r} outside a session")
        if review_prompt.custom_prompt_id is not None:
            key = f"{CUSTOM_KEY_PREFIX}{review_prompt.custom_prompt_id}"
        return resolve(session, key)
    return load_library().prompt(key)


def _next_position(session: Session, person_id: int, topic_id: str) -> int:
    highest = session.scalar(
        select(func.max(CustomPrompt.position)).where(
            CustomPrompt.person_id == person_id,
            CustomPrompt.topic_id == topic_id,
            not_superseded(CustomPrompt),
        )
    )
    return (highest or 0) + 1


def create(
    session: Session,
    person: Person,
    data: CustomPromptInput,
    *,
    actor: User,
    review: Review | None = None,
) -> CustomPrompt:
    """Write a prompt for ``person`` (all their reviews), or for ``review`` only."""
    if review is not None and review.person_id != person.id:
        raise NotAllowed(_l("That review is not this person's."))
    values = check(session, person, data)
    row = CustomPrompt(
        person_id=person.id,
        review_id=review.id if review is not None else None,
        position=_next_position(session, person.id, values["topic_id"]),
        version=1,
        created_by_id=actor.id,
        **values,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "custom_prompt.created",
        actor=actor,
        obj=row,
        person_id=person.id,
        detail={"review_id": row.review_id, "answer_type": row.answer_type},
    )
    sync_person(session, person.id)
    return row


def has_answers(session: Session, row: CustomPrompt) -> bool:
    """Whether the person has answered this version in any review."""
    found = session.scalar(
        select(Response.id)
        .join(ReviewPrompt, ReviewPrompt.id == Response.review_prompt_id)
        .where(ReviewPrompt.custom_prompt_id == row.id)
        .limit(1)
    )
    return found is not None


def _versions(session: Session, row: CustomPrompt) -> list[CustomPrompt]:
    lineage = row.lineage_id
    return list(
        session.scalars(
            select(CustomPrompt)
            .where((CustomPrompt.id == lineage) | (CustomPrompt.first_version_id == lineage))
            .order_by(CustomPrompt.version)
        )
    )


def versions(session: Session, row: CustomPrompt) -> list[CustomPrompt]:
    """Every version of this prompt, the first first."""
    return _versions(session, row)


def lineage_has_answers(session: Session, row: CustomPrompt) -> bool:
    """Whether any version of this prompt has answers."""
    return any(has_answers(session, version) for version in _versions(session, row))


def update(
    session: Session, row: CustomPrompt, data: CustomPromptInput, *, actor: User
) -> CustomPrompt:
    """Change a prompt. Answered already: a new version; the answers keep the old words."""
    if row.superseded_by_id is not None:
        raise ServiceError(
            _l(
                "This prompt was changed since you opened it. Open its latest version and try "
                "again."
            )
        )
    person = session.get(Person, row.person_id)
    assert person is not None
    values = check(session, person, data)
    if all(getattr(row, key) == values[key] for key in CONTENT):
        return row  # nothing changed
    if values["topic_id"] != row.topic_id:
        values["position"] = _next_position(session, person.id, values["topic_id"])
    if not has_answers(session, row):
        for key, value in values.items():
            setattr(row, key, value)
        audit.record(
            session, "custom_prompt.changed", actor=actor, obj=row, person_id=person.id,
            detail={"version": row.version},
        )  # fmt: skip
        _repoint(session, row, row)
        sync_person(session, person.id)
        return row
    new = CustomPrompt(
        person_id=row.person_id,
        review_id=row.review_id,
        position=values.pop("position", row.position),
        version=row.version + 1,
        first_version_id=row.lineage_id,
        retired_at=row.retired_at,
        retired_by_id=row.retired_by_id,
        created_by_id=actor.id,
        **values,
    )
    session.add(new)
    session.flush()
    row.superseded_by_id = new.id
    _repoint(session, row, new)
    audit.record(
        session,
        "custom_prompt.new_version",
        actor=actor,
        obj=new,
        person_id=person.id,
        detail={"version": new.version, "replaces": row.id},
    )
    sync_person(session, person.id)
    return new


def _repoint(session: Session, old: CustomPrompt, new: CustomPrompt) -> None:
    """Review prompts still unanswered ask the new version; answered ones keep the old."""
    answered = select(Response.review_prompt_id).distinct()
    for review_prompt in session.scalars(
        select(ReviewPrompt).where(
            ReviewPrompt.custom_prompt_id == old.id, ReviewPrompt.id.not_in(answered)
        )
    ):
        review_prompt.custom_prompt_id = new.id
        review_prompt.library_prompt_id = new.key
        review_prompt.topic_id = new.topic_id
    session.flush()


def retire(session: Session, row: CustomPrompt, *, actor: User) -> None:
    """Stop asking the prompt in reviews still to come; its answers stay as they are."""
    if row.retired_at is not None:
        return
    row.retired_at = utcnow()
    row.retired_by_id = actor.id
    audit.record(session, "custom_prompt.retired", actor=actor, obj=row, person_id=row.person_id)
    sync_person(session, row.person_id)


def restore(session: Session, row: CustomPrompt, *, actor: User) -> None:
    """Ask a retired prompt again in reviews still to come."""
    if row.superseded_by_id is not None:
        raise ServiceError(_l("Bring back the latest version of this prompt."))
    if row.retired_at is None:
        return
    row.retired_at = None
    row.retired_by_id = None
    audit.record(session, "custom_prompt.restored", actor=actor, obj=row, person_id=row.person_id)
    sync_person(session, row.person_id)


def delete(session: Session, row: CustomPrompt, *, actor: User) -> None:
    """Remove a prompt that was never answered; one with answers can only be retired."""
    if lineage_has_answers(session, row):
        raise ServiceError(
            _l(
                "%(name)s has answered this prompt, so it cannot be deleted: retire it instead. "
                "Their answers keep the words they were asked.",
                name=_person_name(session, row),
            )
        )
    person_id = row.person_id
    all_versions = _versions(session, row)
    ids = [v.id for v in all_versions]
    for review_prompt in session.scalars(
        select(ReviewPrompt).where(ReviewPrompt.custom_prompt_id.in_(ids))
    ):
        review = session.get(Review, review_prompt.review_id)
        if review is not None and review.status != ReviewStatus.PLANNED:
            raise ServiceError(
                _l("This prompt is in a review that has started. Retire it instead of deleting it.")
            )
        session.delete(review_prompt)
    session.flush()
    for version in all_versions:
        version.superseded_by_id = None
    session.flush()
    for version in reversed(all_versions):
        session.delete(version)
    session.flush()
    audit.record(
        session,
        "custom_prompt.deleted",
        actor=actor,
        object_type="custom_prompts",
        object_id=ids[0],
        person_id=person_id,
    )
    for review in _planned_reviews(session, person_id):
        _renumber(session, review)


def move(session: Session, row: CustomPrompt, direction: int, *, actor: User) -> None:
    """Swap the prompt with its neighbour in the same topic (-1 earlier, +1 later)."""
    siblings = [
        p
        for p in current_for_person(session, row.person_id)
        if p.topic_id == row.topic_id and p.review_id == row.review_id
    ]
    index = next((i for i, p in enumerate(siblings) if p.id == row.id), None)
    if index is None:
        raise ServiceError(_l("Only the latest version of a prompt can be moved."))
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(siblings):
        return
    neighbour = siblings[other]
    positions = [p.position for p in siblings]
    if len(set(positions)) != len(positions):  # tidy up any ties first
        for number, p in enumerate(siblings, start=1):
            p.position = number
    row.position, neighbour.position = neighbour.position, row.position
    session.flush()
    audit.record(session, "custom_prompt.moved", actor=actor, obj=row, person_id=row.person_id)
    sync_person(session, row.person_id)


def _person_name(session: Session, row: CustomPrompt) -> str:
    person = session.get(Person, row.person_id)
    return person.preferred_name if person else "The person"


# --- reading ------------------------------------------------------------------------------------


def get(session: Session, person: Person, prompt_id: int) -> CustomPrompt:
    """One of this person's custom prompts (any version), or NotFound."""
    row = session.get(CustomPrompt, prompt_id)
    if row is None or row.person_id != person.id:
        raise NotFound(_l("We could not find that prompt."))
    return row


def _ordered(rows: list[CustomPrompt]) -> list[CustomPrompt]:
    order = {topic.id: i for i, topic in enumerate(load_library().topics)}
    return sorted(rows, key=lambda r: (order.get(r.topic_id, 99), r.position, r.lineage_id))


def current_for_person(session: Session, person_id: int) -> list[CustomPrompt]:
    """The latest version of each of the person's prompts (retired too), topic by topic."""
    rows = list(
        session.scalars(
            select(CustomPrompt).where(
                CustomPrompt.person_id == person_id, not_superseded(CustomPrompt)
            )
        )
    )
    return _ordered(rows)


def active_for_review(session: Session, review: Review) -> list[CustomPrompt]:
    """The prompts this review asks besides the library's: the person's and its own."""
    return [
        row
        for row in current_for_person(session, review.person_id)
        if row.retired_at is None and row.review_id in (None, review.id)
    ]


def recordings_for(session: Session, rows: list[CustomPrompt]) -> dict[int, VoiceRecording]:
    """The recordings these prompts carry, by id."""
    ids = {r.recording_id for r in rows if r.recording_id}
    if not ids:
        return {}
    return {
        r.id: r for r in session.scalars(select(VoiceRecording).where(VoiceRecording.id.in_(ids)))
    }


# --- keeping planned reviews in step ------------------------------------------------------------


def _planned_reviews(session: Session, person_id: int) -> list[Review]:
    return list(
        session.scalars(
            select(Review)
            .where(Review.person_id == person_id, Review.status == ReviewStatus.PLANNED)
            .order_by(Review.id)
        )
    )


def sync_person(session: Session, person_id: int) -> None:
    """Bring every planned review of the person in step with their custom prompts."""
    for review in _planned_reviews(session, person_id):
        sync_review(session, review)


def _renumber(session: Session, review: Review, rows: list[ReviewPrompt] | None = None) -> None:
    if rows is None:
        rows = list(
            session.scalars(
                select(ReviewPrompt)
                .where(ReviewPrompt.review_id == review.id)
                .order_by(ReviewPrompt.position)
            )
        )
    # Two passes, so that (review_id, position) stays unique at every step.
    for number, row in enumerate(rows, start=1):
        row.position = -number
    session.flush()
    for number, row in enumerate(rows, start=1):
        row.position = number
    session.flush()
    session.expire(review, ["prompts"])


def sync_review(session: Session, review: Review) -> None:
    """Put the person's active custom prompts into a planned review, after the library prompts
    of their topic (a topic the review does not have goes where the library would put it)."""
    if review.status != ReviewStatus.PLANNED:
        return
    existing = list(
        session.scalars(
            select(ReviewPrompt)
            .where(ReviewPrompt.review_id == review.id)
            .order_by(ReviewPrompt.position)
        )
    )
    library_rows = [rp for rp in existing if rp.custom_prompt_id is None]
    for rp in existing:
        if rp.custom_prompt_id is not None:
            session.delete(rp)
    session.flush()
    topic_order = {topic.id: i for i, topic in enumerate(load_library().topics)}
    ordered: list[ReviewPrompt] = list(library_rows)
    for row in active_for_review(session, review):
        made = ReviewPrompt(
            review_id=review.id,
            position=0,
            library_prompt_id=row.key,
            custom_prompt_id=row.id,
            topic_id=row.topic_id,
        )
        same = [i for i, rp in enumerate(ordered) if rp.topic_id == row.topic_id]
        if same:
            at = same[-1] + 1
        else:
            mine = topic_order.get(row.topic_id, 99)
            later = [i for i, rp in enumerate(ordered) if topic_order.get(rp.topic_id, 99) > mine]
            at = later[0] if later else len(ordered)
        ordered.insert(at, made)
    for rp in ordered:
        if rp.id is None:
            rp.position = -(10_000 + len(ordered) + ordered.index(rp))
            session.add(rp)
    session.flush()
    _renumber(session, review, ordered)
