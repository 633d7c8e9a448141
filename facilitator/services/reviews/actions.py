"""Rule 4, every action traces back: outcome actions linked to what the person said.

An action answers one or more of the person's *statements* (their current, not superseded
answers and own words on this review) or carries the reason it has none, such as a legal
duty. Actions are written only once the person's own views are done (rule 1). Every change
is audited; the audit detail holds ids and counts, never the words themselves.

One module over 400 lines because it is one rule: the statements an action can answer, the
checks of what is written, the writes, the reads and the figures all turn on the same link
from an action to what the person said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import (
    ActionStatus,
    CaptureMethod,
    OutcomeAction,
    Response,
    Review,
    ReviewPrompt,
    User,
    action_responses,
)
from ...prompts.library import easy_read_problems, load_library, sentence_count
from ...text import has_untypable
from .. import Message, NotAllowed, NotFound, ServiceError, StaleVersion, audit
from ..reporting import figures
from ..reporting.figures import Figures  # also imported from here by the exports and the tests
from . import person_first, responses

PLAIN_LIMIT = 4000
EASY_READ_LIMIT = 1000
OWNER_LIMIT = 160
REASON_LIMIT = 1000
OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
WORDS_METHODS = (CaptureMethod.TYPED, CaptureMethod.SCRIBED)
# Ordinals that date and count words use: easy read writes them as digits ("5 May").
_ORDINALS = {
    "en": frozenset(
        {
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
            "thirtieth",
        }
    ),
}
MAX_EASY_READ_SENTENCES = 3


class ConflictError(StaleVersion):
    """Someone saved the action after the editor opened it; nothing was saved.

    ``mine`` holds what this editor sent, ``theirs`` the action as it now stands, so the page
    can show both and ask which to keep; ``stored`` and ``sent`` are the two versions.
    """

    def __init__(self, action: OutcomeAction, mine: dict[str, Any], sent: int | None) -> None:
        super().__init__(
            _l(
                "Someone else changed this action while you were editing it. Nothing was saved: "
                "compare the two versions and choose which to keep."
            ),
            stored=action.version,
            sent=sent,
        )
        self.action_id = action.id
        self.current_version = action.version
        self.theirs = snapshot(action)
        self.mine = mine


@dataclass(frozen=True)
class Statement:
    """One thing the person said on a review: a tapped answer or their words."""

    response: Response
    review_prompt: ReviewPrompt
    position: int

    @property
    def id(self) -> int:
        return self.response.id

    @property
    def is_words(self) -> bool:
        return self.response.capture_method != CaptureMethod.TAPPED

    @property
    def is_own_words(self) -> bool:
        """Typed by the person or said and written down word for word (not an interpretation)."""
        return self.response.capture_method in WORDS_METHODS


def statements(session: Session, review: Review) -> list[Statement]:
    """The person's current statements on the review, prompt by prompt (skips left out)."""
    found: list[Statement] = []
    for position, answers in enumerate(responses.answers_for_review(session, review), start=1):
        if answers.choice is not None and not answers.choice.skipped:
            found.append(Statement(answers.choice, answers.review_prompt, position))
        for words in answers.words:
            found.append(Statement(words, answers.review_prompt, position))
    return found


# --- the easy-read check ----------------------------------------------------------------------


def easy_read_advice(text: str, lang: str = "en", picture: str | None = None) -> list[str]:
    """Advice for the easy-read version of an action: never a block, only advice.

    The library's checks (sentence length, long and hard words, number words, one idea per
    sentence) plus: ordinals as digits, a few short sentences at most, and a picture chosen.
    """
    text = (text or "").strip()
    if not text:
        advice = ["Write what will happen in short, everyday sentences."]
    else:
        advice = easy_read_problems(text, lang)
        for word in re.findall(r"[^\W\d_]+", text):
            if word.lower() in _ORDINALS.get(lang, frozenset()):
                advice.append(f"{word!r}: write dates and numbers as digits (like '5 May').")
        if sentence_count(text) > MAX_EASY_READ_SENTENCES:
            advice.append(
                f"Keep it to {MAX_EASY_READ_SENTENCES} short sentences or fewer: "
                "the person hears it read aloud."
            )
    if not picture:
        advice.append("Choose a picture to go beside this action.")
    return advice


# --- checking what is written -----------------------------------------------------------------


def _text(value: str | None, what: Message, limit: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if has_untypable(value):  # kept as written for the person: refused, never changed
        raise ServiceError(
            _l("The %(what)s contains hidden control characters. Please type it again.", what=what)
        )
    if not value:
        if required:
            raise ServiceError(_l("Write the %(what)s.", what=what))
        return None
    if len(value) > limit:
        raise ServiceError(
            _l(
                "Keep the %(what)s to %(limit)s characters or fewer.",
                what=what,
                limit=f"{limit:,}",
            )
        )
    return value


def _picture(key: str | None) -> str | None:
    if not key:
        return None
    if key not in load_library().pictures:
        raise ServiceError(_l("That picture is not in the picture set."))
    return key


def _linked_responses(session: Session, review: Review, ids: Iterable[int]) -> list[Response]:
    """The person's current statements with these ids; anything else is refused."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    current = {s.id: s.response for s in statements(session, review)}
    for response_id in wanted:
        if response_id in current:
            continue
        row = session.get(Response, response_id)
        if row is None or row.review_id != review.id:
            raise NotAllowed(_l("That statement is not from this review."))
        if row.skipped:
            raise ServiceError(_l("A skipped question is not a statement an action can answer."))
        raise ServiceError(
            _l("That statement has been corrected since: link the action to the latest entry.")
        )
    return [current[i] for i in wanted]


def _owner(session: Session, owner_user_id: int | None) -> User | None:
    if not owner_user_id:
        return None
    user = session.get(User, owner_user_id)
    if user is None or not user.active:
        raise ServiceError(_l("Choose an owner from the list, or type their name."))
    return user


@dataclass
class ActionInput:
    """What an editor writes for an action (the form, parsed)."""

    statement_ids: Sequence[int] = ()
    plain_text: str = ""
    easy_read_text: str = ""
    picture: str | None = None
    owner_name: str = ""
    owner_user_id: int | None = None
    due_on: date | None = None
    no_link_reason: str | None = None


def _checked(session: Session, review: Review, data: ActionInput) -> dict[str, Any]:
    linked = _linked_responses(session, review, data.statement_ids)
    owner_user = _owner(session, data.owner_user_id)
    owner_name = _text(
        data.owner_name, _l("owner's name"), OWNER_LIMIT, required=owner_user is None
    )
    reason = _text(data.no_link_reason, _l("reason"), REASON_LIMIT, required=False)
    if not linked and not reason:
        raise ServiceError(
            _l(
                "Link the action to at least 1 thing the person said, or say why it has no link "
                "(for example a legal duty or a safety requirement)."
            )
        )
    return {
        "responses": linked,
        "plain_text": _text(data.plain_text, _l("action for the record"), PLAIN_LIMIT),
        "easy_read_text": _text(data.easy_read_text, _l("easy-read version"), EASY_READ_LIMIT),
        "picture": _picture(data.picture),
        "owner_name": owner_name or (owner_user.name if owner_user else ""),
        "owner_user_id": owner_user.id if owner_user else None,
        "due_on": data.due_on,
        # A reason is kept only when it is needed: an action that answers the person has none.
        "no_link_reason": None if linked else reason,
    }


def _audit_detail(review: Review, action: OutcomeAction) -> dict[str, Any]:
    return {
        "review_id": review.id,
        "statements": len(action.responses),
        "linked": bool(action.responses),
        "status": str(action.status),
        "version": action.version,
    }


# --- writing actions --------------------------------------------------------------------------


def create_action(
    session: Session, review: Review, data: ActionInput, *, actor: User
) -> OutcomeAction:
    """Write a new action on the review, once the person's views are done."""
    person_first.require_person_first(session, review)
    values = _checked(session, review, data)
    action = OutcomeAction(
        review_id=review.id,
        status=ActionStatus.PLANNED,
        created_by_id=actor.id,
        version=1,
        **values,
    )
    session.add(action)
    audit.record(
        session,
        "action.created",
        actor=actor,
        obj=action,
        person_id=review.person_id,
        detail=_audit_detail(review, action),
    )
    return action


def _check_version(action: OutcomeAction, version: int | None, mine: dict[str, Any]) -> None:
    if version != action.version:
        raise ConflictError(action, mine, sent=version)


def update_action(
    session: Session,
    action: OutcomeAction,
    data: ActionInput,
    *,
    actor: User,
    version: int | None,
) -> OutcomeAction:
    """Change what an action says or answers; refused (ConflictError) from an old version."""
    review = _review_of(session, action)
    person_first.require_person_first(session, review)
    _check_version(action, version, _input_snapshot(data))
    values = _checked(session, review, data)
    for key, value in values.items():
        setattr(action, key, value)
    action.version += 1
    audit.record(
        session,
        "action.updated",
        actor=actor,
        obj=action,
        person_id=review.person_id,
        detail=_audit_detail(review, action),
    )
    return action


def set_status(
    session: Session,
    action: OutcomeAction,
    status: ActionStatus | str,
    *,
    actor: User,
    version: int | None,
    reason: str | None = None,
) -> OutcomeAction:
    """Move an action to planned, in progress, done or not done (which needs the reason)."""
    try:
        status = ActionStatus(status)
    except ValueError:
        raise ServiceError(_l("Choose a status from the list.")) from None
    _check_version(action, version, {"status": str(status), "not_done_reason": reason})
    review = _review_of(session, action)
    checked_reason = _text(reason, _l("reason it was not done"), REASON_LIMIT, required=False)
    if status == ActionStatus.NOT_DONE and not checked_reason:
        raise ServiceError(_l("Say why the action was not done."))
    previous = action.status
    action.status = status
    action.not_done_reason = checked_reason if status == ActionStatus.NOT_DONE else None
    action.version += 1
    audit.record(
        session,
        "action.status_changed",
        actor=actor,
        obj=action,
        person_id=review.person_id,
        detail={**_audit_detail(review, action), "from": str(previous)},
    )
    return action


def _review_of(session: Session, action: OutcomeAction) -> Review:
    review = session.get(Review, action.review_id)
    assert review is not None
    return review


def snapshot(action: OutcomeAction) -> dict[str, Any]:
    """The editable fields of an action, for showing two versions side by side."""
    return {
        "statement_ids": [r.id for r in action.responses],
        "plain_text": action.plain_text,
        "easy_read_text": action.easy_read_text,
        "picture": action.picture,
        "owner_name": action.owner_name,
        "owner_user_id": action.owner_user_id,
        "due_on": action.due_on,
        "no_link_reason": action.no_link_reason,
        "status": str(action.status),
        "not_done_reason": action.not_done_reason,
        "version": action.version,
    }


def _input_snapshot(data: ActionInput) -> dict[str, Any]:
    return {
        "statement_ids": [int(i) for i in data.statement_ids],
        "plain_text": data.plain_text,
        "easy_read_text": data.easy_read_text,
        "picture": data.picture,
        "owner_name": data.owner_name,
        "owner_user_id": data.owner_user_id,
        "due_on": data.due_on,
        "no_link_reason": data.no_link_reason,
    }


# --- reading ----------------------------------------------------------------------------------


def get_action(session: Session, review: Review, action_id: int) -> OutcomeAction:
    """One action of this review, or NotFound (an action of another review is not found)."""
    action = session.get(OutcomeAction, action_id)
    if action is None or action.review_id != review.id:
        raise NotFound(_l("We could not find that action."))
    return action


def actions_for_review(session: Session, review: Review) -> list[OutcomeAction]:
    """The review's actions in the order they were written, with their statements."""
    return list(
        session.scalars(
            select(OutcomeAction)
            .where(OutcomeAction.review_id == review.id)
            .options(selectinload(OutcomeAction.responses))
            .order_by(OutcomeAction.id)
        )
    )


def unanswered_statements(session: Session, review: Review) -> list[Statement]:
    """The person's statements that no action answers yet, so nothing is silently dropped."""
    answered = set(
        session.scalars(
            select(action_responses.c.response_id)
            .join(OutcomeAction, OutcomeAction.id == action_responses.c.action_id)
            .where(OutcomeAction.review_id == review.id)
        )
    )
    return [s for s in statements(session, review) if s.id not in answered]


def overdue_actions(session: Session, today: date) -> list[OutcomeAction]:
    """Planned or in-progress actions due before ``today``, the longest overdue first."""
    return list(
        session.scalars(
            select(OutcomeAction)
            .where(
                OutcomeAction.status.in_(list(OPEN_STATUSES)),
                OutcomeAction.due_on.is_not(None),
                OutcomeAction.due_on < today,
            )
            .order_by(OutcomeAction.due_on, OutcomeAction.id)
        )
    )


# --- figures ----------------------------------------------------------------------------------


def review_started_at(review: Review) -> datetime:
    """When the review counts as held: the person's confirmation, else its date."""
    return figures.started_at(review.person_confirmed_at, review.scheduled_for)


def figures_for_review(session: Session, review: Review) -> Figures:
    """Figures for one review (see :class:`Figures`)."""
    said = statements(session, review)
    own_words = {s.id for s in said if s.is_own_words}
    actions = actions_for_review(session, review)
    answered: set[int] = set()
    result = Figures(reviews=1, actions=len(actions), statements=len(said))
    for action in actions:
        ids = {r.id for r in action.responses}
        answered |= ids
        if ids:
            result.linked += 1
        else:
            result.no_link += 1
        if ids & own_words:
            result.linked_to_words += 1
    result.answered = len(answered & {s.id for s in said})
    if actions:
        first = min(a.created_at for a in actions)
        result.to_first_action.append(max(first - review_started_at(review), timedelta(0)))
    return result


def figures_across(
    session: Session, *, since: date | None = None, until: date | None = None
) -> Figures:
    """Figures over every review with the person's views done, by review date.

    The same numbers as adding up :func:`figures_for_review` over those reviews, added up from
    each review's stored figures (see :mod:`.figures`): only reviews changed since they were
    last counted are counted again, and stored in the session's transaction (commit after).
    """
    return figures.across(session, since=since, until=until)
