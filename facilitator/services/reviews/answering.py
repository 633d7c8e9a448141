"""The tablet's answer: one input contract, one function, whichever way the answer came.

An answer reaches the server by two roads: the plain form of a prompt screen (no JavaScript
needed) and the tablet's offline queue, which sends it again as JSON until the server confirms
it. Both are read into one :class:`TabletAnswer` (:meth:`TabletAnswer.from_form`,
:meth:`TabletAnswer.from_json`), and both are stored by :func:`answer`, which says where the
person goes next, so that the two roads store the same thing and move the same way.

Stored once per client id (:mod:`.responses`): the same id with the same content is a replay
that returns the first result, the same id with other content is refused.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, TypeGuard

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ...models import CaptureMethod, Review, User
from .. import NotAllowed, ServiceError
from . import responses

UNREADABLE = _l("The answer could not be read. Nothing was saved.")
NOT_IN_REVIEW = _l("That question is not in this review.")
OTHER_REVIEW = _l("This answer belongs to another review's session.")
NO_METHOD = _l("Say how the words were captured.")


class Action(enum.StrEnum):
    """What the person did on a prompt screen."""

    ANSWER = "answer"  # tapped one or more choices
    SKIP = "skip"  # moved on without answering
    WORDS = "words"  # "Tell me more": their own words


ACTIONS = frozenset(action.value for action in Action)


@dataclass(frozen=True)
class TabletAnswer:
    """One answer from the tablet, read from the form or the JSON (shape only: the services
    check the content, like whether a choice belongs to the question)."""

    position: int  # the prompt's place in the review, from 1
    action: Action
    client_id: str  # made by the screen; the same id twice stores one answer
    choices: tuple[str, ...] = ()
    words: str = ""
    method: CaptureMethod = CaptureMethod.TYPED  # how the words were captured

    @classmethod
    def from_form(
        cls, position: int, form: MultiDict[str, str], *, own_words: bool = False
    ) -> TabletAnswer:
        """The plain form of a prompt screen (``own_words``: the "Tell me more" form)."""
        client_id = form.get("client_id", "")
        if own_words:
            return cls(
                position,
                Action.WORDS,
                client_id,
                words=form.get("words", ""),
                method=_method(form.get("method", CaptureMethod.TYPED.value)),
            )
        action = Action.SKIP if form.get("action") == Action.SKIP else Action.ANSWER
        return cls(position, action, client_id, choices=tuple(form.getlist("answer")))

    @classmethod
    def from_json(cls, data: Any, *, locked_to: int) -> TabletAnswer:
        """An answer from the tablet's offline queue: a flat JSON object (see person/sync.js).

        ``locked_to`` is the review the tablet is locked to: an answer that names another
        review is refused before anything else is read.
        """
        if not isinstance(data, dict):
            raise ServiceError(UNREADABLE)
        if data.get("review_id") not in (None, locked_to):
            raise NotAllowed(OTHER_REVIEW)
        position = data.get("position")
        if not _is_int(position):
            raise ServiceError(NOT_IN_REVIEW)
        action = data.get("action", Action.ANSWER.value)
        if not isinstance(action, str) or action not in ACTIONS:
            raise ServiceError(UNREADABLE)
        choices = data.get("answer") or []
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise ServiceError(UNREADABLE)
        words = data.get("words") or ""
        if not isinstance(words, str):
            raise ServiceError(UNREADABLE)
        return cls(
            position,
            Action(action),
            str(data.get("client_id") or ""),
            choices=tuple(choices),
            words=words,
            method=_method(data.get("method") or CaptureMethod.TYPED.value),
        )


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _method(value: Any) -> CaptureMethod:
    try:
        return CaptureMethod(value)
    except ValueError:
        raise ServiceError(NO_METHOD) from None


@dataclass(frozen=True)
class NextScreen:
    """Where the person goes after an answer: prompt ``position`` (``answered``: showing what
    was just stored), or "Is this right?" when ``position`` is None."""

    position: int | None
    answered: bool = False


def following(review: Review, position: int) -> NextScreen:
    """The screen after prompt ``position``: the next prompt, or "Is this right?" after the last."""
    if position < len(review.prompts):
        return NextScreen(position + 1)
    return NextScreen(None)


@dataclass(frozen=True)
class Answered:
    """What :func:`answer` returns: the stored answer (or the first, for a replay) and the
    next screen."""

    saved: responses.Saved
    next: NextScreen


def answer(
    session: Session, review: Review, given: TabletAnswer, facilitator: User | None
) -> Answered:
    """Store one answer from the tablet in ``review`` and say which screen comes next.

    A choice or words keep the person on the prompt, showing what they said; a skip moves on.
    """
    if not 1 <= given.position <= len(review.prompts):
        raise ServiceError(NOT_IN_REVIEW)
    review_prompt = review.prompts[given.position - 1]
    if given.action is Action.WORDS:
        saved = responses.record_words(
            session,
            review,
            review_prompt,
            client_id=given.client_id,
            words=given.words,
            method=given.method,
            facilitator=facilitator,
        )
    else:
        saved = responses.record_choice(
            session,
            review,
            review_prompt,
            client_id=given.client_id,
            answer=list(given.choices),
            facilitator=facilitator,
            skipped=given.action is Action.SKIP,
        )
    if given.action is Action.SKIP:
        return Answered(saved, following(review, given.position))
    return Answered(saved, NextScreen(given.position, answered=True))
