"""The person's own answers: stored once, never edited, corrected only by a new entry.

A *choice* is a tapped answer (or a skip) to a prompt; *words* are the person's own words,
each with how they were captured. A change of mind in the session, or a correction later,
is a new row that supersedes the old one, so the history stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import (
    CaptureMethod,
    Response,
    Review,
    ReviewPrompt,
    ReviewStatus,
    User,
    invalidate_figures,
    utcnow,
)
from ...text import has_untypable
from .. import NotAllowed, ServiceError, audit
from ..governance import safeguarding
from ..media.custom_prompts import prompt_for
from .current import is_superseded, not_superseded

OWN_WORDS_LIMIT = 5000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
WORD_METHODS = frozenset({CaptureMethod.TYPED, CaptureMethod.SCRIBED, CaptureMethod.INTERPRETED})


class DuplicateAnswer(ServiceError):
    """The same client id was sent before with different content."""


@dataclass
class Saved:
    """What record_* returns: the row, and whether it was already stored (a replay)."""

    response: Response
    replay: bool = False


@dataclass
class PromptAnswers:
    """The current state of one prompt: the choice (or skip) and the person's words."""

    review_prompt: ReviewPrompt
    choice: Response | None = None
    words: list[Response] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.choice is not None or bool(self.words)


def check_client_id(client_id: str) -> str:
    """Client ids come from the tablet; refuse anything that is not a plain token."""
    if not CLIENT_ID.match(client_id or ""):
        raise ServiceError(_l("This answer could not be saved: its id is missing or malformed."))
    return client_id


def check_own_words(text: str) -> str:
    """Keep the person's words exactly, within a stated limit.

    Words holding a character no keyboard types are refused, not changed (``text.py``'s refuse
    policy): PostgreSQL refuses NUL, and the rest of Unicode is kept exactly.
    """
    if has_untypable(text):
        raise ServiceError(
            _l("The words contain hidden control characters. Please type them again.")
        )
    if not text.strip():
        raise ServiceError(_l("There are no words to save."))
    if len(text) > OWN_WORDS_LIMIT:
        raise ServiceError(
            _l(
                "That is %(length)s characters. Up to %(limit)s can be saved in one go: please "
                "save the first part, then add the rest with 'Tell me more' again.",
                length=f"{len(text):,}",
                limit=f"{OWN_WORDS_LIMIT:,}",
            )
        )
    return text  # kept exactly as typed: no trimming, no normalising


def _library_prompt(review_prompt: ReviewPrompt) -> Any:
    """The prompt asked: from the library, or a custom prompt staff wrote for the person."""
    return prompt_for(review_prompt)


def _check_answer(review_prompt: ReviewPrompt, answer: list[str]) -> list[str]:
    prompt = _library_prompt(review_prompt)
    if prompt.answer_type.free_text_only:
        raise ServiceError(_l("This question is answered in the person's own words."))
    valid = {option.id for option in prompt.options}
    chosen = list(dict.fromkeys(answer))  # keep order, drop repeats from a double tap
    if not chosen:
        raise ServiceError(_l("Choose an answer, or skip this question."))
    if any(option_id not in valid for option_id in chosen):
        raise ServiceError(_l("That answer is not one of the choices for this question."))
    if len(chosen) > 1 and not prompt.answer_type.multiple:
        raise ServiceError(_l("Choose only 1 answer for this question."))
    return chosen


def _same(existing: Response, review_prompt: ReviewPrompt, values: dict[str, Any]) -> bool:
    return (
        existing.review_prompt_id == review_prompt.id
        and list(existing.answer or []) == values["answer"]
        and (existing.own_words or None) == values["own_words"]
        and existing.capture_method == values["capture_method"]
        and existing.skipped == values["skipped"]
    )


def _check_safety(session: Session, row: Response) -> None:
    """An answer that says the person does not feel safe raises a flag at once, whatever the
    path that stored it (a screen, the offline queue, a correction)."""
    safeguarding.check_response(session, row)


def _insert_for(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL both do)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert


def _by_client_id(session: Session, client_id: str) -> Response | None:
    return session.scalar(select(Response).where(Response.client_id == client_id))


def _store(
    session: Session,
    review: Review,
    review_prompt: ReviewPrompt,
    client_id: str,
    values: dict[str, Any],
    supersedes: Response | None,
    actor: User | None,
) -> Saved:
    """Insert once per client id: a replay returns the first result, a clash is refused."""
    existing = _by_client_id(session, client_id)
    if existing is None:
        # INSERT ... ON CONFLICT DO NOTHING: of two requests racing with the same id, exactly
        # one stores the answer; the other then finds it and is treated as a replay.
        row_values = {
            "review_id": review.id,
            "review_prompt_id": review_prompt.id,
            "client_id": client_id,
            "supersedes_id": supersedes.id if supersedes else None,
            "extra": {},
            "flagged_for_safety": False,
            "created_at": utcnow(),
            **values,
        }
        inserted = session.execute(
            _insert_for(session)(Response)
            .values(**row_values)
            .on_conflict_do_nothing(index_elements=["client_id"])
            .returning(Response.id)
        ).scalar()
        if inserted is not None:
            # A Core INSERT: the session hook that keeps stored figures right cannot see it.
            invalidate_figures(session, [review.id])
            row = session.get(Response, inserted)
            assert row is not None
            audit.record(
                session,
                "response.recorded",
                actor=actor,
                actor_label=None if actor else "the person",
                obj=row,
                person_id=review.person_id,
                detail={"review_id": review.id, "method": str(row.capture_method)},
            )
            _check_safety(session, row)
            return Saved(row)
        existing = _by_client_id(session, client_id)
        assert existing is not None
    if not _same(existing, review_prompt, values):
        raise DuplicateAnswer(
            _l(
                "This answer was already saved with different content, so it was not changed. "
                "Please answer the question again."
            )
        )
    return Saved(existing, replay=True)


def _open_review_prompt(review: Review, review_prompt: ReviewPrompt) -> None:
    if review_prompt.review_id != review.id:
        raise NotAllowed(_l("That question belongs to another review."))
    if review.status != ReviewStatus.PERSON_IN_PROGRESS:
        raise NotAllowed(_l("The person's session for this review is not open."))


def record_choice(
    session: Session,
    review: Review,
    review_prompt: ReviewPrompt,
    *,
    client_id: str,
    answer: list[str] | None,
    facilitator: User | None,
    skipped: bool = False,
) -> Saved:
    """Store the person's tapped answer (or a skip), superseding their earlier choice."""
    _open_review_prompt(review, review_prompt)
    check_client_id(client_id)
    chosen = [] if skipped else _check_answer(review_prompt, list(answer or []))
    values = {
        "answer": chosen,
        "own_words": None,
        "capture_method": CaptureMethod.TAPPED,
        "captured_by_id": facilitator.id if facilitator else None,
        "skipped": skipped,
    }
    replay = _by_client_id(session, client_id)
    current = None if replay else answers_for_prompt(session, review_prompt).choice
    return _store(session, review, review_prompt, client_id, values, current, facilitator)


def record_words(
    session: Session,
    review: Review,
    review_prompt: ReviewPrompt,
    *,
    client_id: str,
    words: str,
    method: CaptureMethod,
    facilitator: User | None,
    replaces: Response | None = None,
) -> Saved:
    """Store the person's own words with how they were captured.

    Words scribed or interpreted need a named facilitator: an interpretation is never
    presented as the person's words.
    """
    _open_review_prompt(review, review_prompt)
    check_client_id(client_id)
    method = CaptureMethod(method)
    if method not in WORD_METHODS:
        raise ServiceError(_l("Say how the words were captured."))
    if method in (CaptureMethod.SCRIBED, CaptureMethod.INTERPRETED) and facilitator is None:
        raise ServiceError(_l("Words written down or interpreted need the facilitator's name."))
    if replaces is not None and replaces.review_prompt_id != review_prompt.id:
        raise NotAllowed(_l("Those words belong to another question."))
    values: dict[str, Any] = {
        "answer": [],
        "own_words": check_own_words(words),
        "capture_method": method,
        "captured_by_id": facilitator.id if facilitator else None,
        "skipped": False,
    }
    return _store(session, review, review_prompt, client_id, values, replaces, facilitator)


def correct(
    session: Session,
    original: Response,
    *,
    actor: User,
    reason: str,
    client_id: str,
    answer: list[str] | None = None,
    words: str | None = None,
    method: CaptureMethod | None = None,
) -> Response:
    """After the session, a correction is a new, attributed entry; the original stays."""
    review = session.get(Review, original.review_id)
    assert review is not None
    if review.status == ReviewStatus.PERSON_IN_PROGRESS:
        raise NotAllowed(
            _l("While the person's session is open, the person changes their own answers.")
        )
    if not reason or not reason.strip():
        raise ServiceError(
            _l("Say why the answer is being corrected (for example, what the person said).")
        )
    if is_superseded(session, original):
        raise ServiceError(_l("That answer has already been replaced; correct the latest entry."))
    check_client_id(client_id)
    review_prompt = session.get(ReviewPrompt, original.review_prompt_id)
    assert review_prompt is not None
    if words is not None:
        chosen: list[str] = []
        own = check_own_words(words)
        capture = CaptureMethod(method or CaptureMethod.SCRIBED)
    else:
        chosen, own, capture = (
            _check_answer(review_prompt, list(answer or [])),
            None,
            CaptureMethod.TAPPED,
        )
    row = Response(
        review_id=review.id,
        review_prompt_id=review_prompt.id,
        client_id=client_id,
        answer=chosen,
        own_words=own,
        capture_method=capture,
        captured_by_id=actor.id,
        supersedes_id=original.id,
        correction_reason=reason.strip(),
    )
    session.add(row)
    audit.record(
        session,
        "response.corrected",
        actor=actor,
        obj=row,
        person_id=review.person_id,
        detail={"review_id": review.id, "supersedes": original.id},
    )
    _check_safety(session, row)
    return row


def _current_rows(
    session: Session, review_id: int, review_prompt_id: int | None = None
) -> list[Response]:
    query = select(Response).where(
        Response.review_id == review_id, not_superseded(Response, review_ids=review_id)
    )
    if review_prompt_id is not None:
        query = query.where(Response.review_prompt_id == review_prompt_id)
    return list(session.scalars(query.order_by(Response.id)))


def answers_for_prompt(session: Session, review_prompt: ReviewPrompt) -> PromptAnswers:
    """The current choice and words for one prompt."""
    result = PromptAnswers(review_prompt)
    for row in _current_rows(session, review_prompt.review_id, review_prompt.id):
        _place(result, row)
    return result


def _place(result: PromptAnswers, row: Response) -> None:
    if row.capture_method == CaptureMethod.TAPPED:
        result.choice = row  # later rows win: ordered by id
    else:
        result.words.append(row)


def answers_for_review(session: Session, review: Review) -> list[PromptAnswers]:
    """Every prompt of the review in order, with its current answers."""
    by_prompt = {rp.id: PromptAnswers(rp) for rp in review.prompts}
    for row in _current_rows(session, review.id):
        if row.review_prompt_id in by_prompt:
            _place(by_prompt[row.review_prompt_id], row)
    return [by_prompt[rp.id] for rp in review.prompts]


def history(session: Session, response: Response) -> list[Response]:
    """The chain of entries this one replaced, newest first (for showing corrections)."""
    chain = []
    current: Response | None = response
    while current is not None and current.supersedes_id is not None:
        current = session.get(Response, current.supersedes_id)
        if current is not None:
            chain.append(current)
    return chain
