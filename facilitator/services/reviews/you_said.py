"""'You said, we did' for the person, and closing the loop at their next review.

For each action: its picture, what the person said (their own words quoted, or the answer
they chose), what will happen in easy read, who will help and when, with dates written the
way the person reads them ("12 March 2027"). At the next review each earlier action is shown
again and the person says whether it happened; that answer is stored once, never edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import (
    ActionFollowUp,
    ActionStatus,
    CaptureMethod,
    FollowUpAnswer,
    OutcomeAction,
    Response,
    Review,
    ReviewStatus,
    User,
)
from ...prompts.library import load_library
from .. import NotAllowed, ServiceError, audit
from . import person_first, person_session, responses
from .actions import actions_for_review
from .current import drop_superseded

ANSWER_PICTURES: dict[FollowUpAnswer, str] = {
    FollowUpAnswer.YES: "yes",
    FollowUpAnswer.PARTLY: "face-not-sure",
    FollowUpAnswer.NO: "no",
    FollowUpAnswer.NOT_SURE: "not-sure",
}


def person_language(review: Review) -> str:
    """The person's language if the library speaks it, else English."""
    lang = review.person.language
    return lang if lang in load_library().languages else "en"


def when_words(day: date | None, lang: str) -> str | None:
    """A date as the person reads it: '12 March 2027' (in Welsh, '12 Mawrth 2027')."""
    if day is None:
        return None
    return format_date(day, "d MMMM y", locale=lang)


@dataclass(frozen=True)
class Said:
    """One thing the person said, ready to show: their words, or the labels they chose."""

    response_id: int
    words: str | None  # the person's own words, exactly as stored
    choices: tuple[tuple[str, str], ...]  # (label, picture key) of each chosen answer
    capture_method: CaptureMethod
    prompt_text: str
    prompt_picture: str

    @property
    def interpreted(self) -> bool:
        """A facilitator's reading: never shown or spoken as the person's words."""
        return self.capture_method == CaptureMethod.INTERPRETED

    @property
    def text(self) -> str:
        """What to read out: the words, or the chosen answers joined."""
        return self.words if self.words is not None else ", ".join(c[0] for c in self.choices)


@dataclass
class Item:
    """One action as the person sees it."""

    action: OutcomeAction
    picture: str | None
    said: list[Said] = field(default_factory=list)
    when: str | None = None

    @property
    def will_happen(self) -> str:
        return self.action.easy_read_text

    @property
    def who(self) -> str:
        return self.action.owner_name

    @property
    def status(self) -> ActionStatus:
        return ActionStatus(self.action.status)


def said_for_review(session: Session, review: Review, lang: str) -> dict[int, Said]:
    """Every response of the review (current or not) as the person would see it, by id,
    in prompt order.

    Superseded rows are included so that an action linked before a correction still shows
    what it answered.
    """
    library = load_library()
    prompts = {rp.id: rp for rp in review.prompts}
    result: dict[int, Said] = {}
    order = {rp.id: rp.position for rp in review.prompts}
    rows = session.scalars(select(Response).where(Response.review_id == review.id))
    for row in sorted(rows, key=lambda r: (order.get(r.review_prompt_id, 0), r.id)):
        review_prompt = prompts.get(row.review_prompt_id)
        if review_prompt is None or review_prompt.library_prompt_id is None or row.skipped:
            continue
        prompt = library.prompt(review_prompt.library_prompt_id)
        choices: tuple[tuple[str, str], ...] = ()
        if row.capture_method == CaptureMethod.TAPPED:
            picked = []
            for option_id in row.answer or []:
                try:
                    option = prompt.option(option_id)
                except KeyError:
                    continue
                picked.append((option.label(lang, fallback=True), option.picture))
            choices = tuple(picked)
        result[row.id] = Said(
            response_id=row.id,
            words=row.own_words if row.capture_method != CaptureMethod.TAPPED else None,
            choices=choices,
            capture_method=CaptureMethod(row.capture_method),
            prompt_text=prompt.text(lang, fallback=True),
            prompt_picture=prompt.picture,
        )
    return result


def items_for_review(session: Session, review: Review, lang: str | None = None) -> list[Item]:
    """Each action of the review for 'You said, we did', in the person's language."""
    lang = lang or person_language(review)
    said = said_for_review(session, review, lang)
    items = []
    for action in actions_for_review(session, review):
        ids = {r.id for r in action.responses}
        linked = [s for response_id, s in said.items() if response_id in ids]  # prompt order
        picture = action.picture or (linked[0].prompt_picture if linked else None)
        items.append(Item(action, picture, linked, when_words(action.due_on, lang)))
    return items


# --- the next review: did it happen? ----------------------------------------------------------


@dataclass
class EarlierAction:
    """An action from an earlier review, with the person's answer at this review if given."""

    item: Item
    review: Review
    answer: ActionFollowUp | None = None


def _earlier_reviews(session: Session, review: Review) -> list[Review]:
    rows = session.scalars(
        select(Review)
        .where(Review.person_id == review.person_id, Review.id != review.id)
        .options(selectinload(Review.prompts), selectinload(Review.person))
        .order_by(Review.scheduled_for, Review.id)
    )
    key = (review.scheduled_for, review.id)
    return [r for r in rows if (r.scheduled_for, r.id) < key]


def current_follow_ups(session: Session, action_ids: list[int]) -> list[ActionFollowUp]:
    """The latest answer for each (action, review) pair: superseded answers left out."""
    if not action_ids:
        return []
    return drop_superseded(
        session.scalars(
            select(ActionFollowUp)
            .where(ActionFollowUp.action_id.in_(action_ids))
            .order_by(ActionFollowUp.id)
        )
    )


def earlier_actions(session: Session, review: Review) -> list[EarlierAction]:
    """Actions from the person's earlier reviews to ask about at this one.

    Each earlier action is asked about once: those already answered at another later review
    are left out; those answered at this review come with the answer, so it can be changed.
    """
    lang = person_language(review)
    found: list[EarlierAction] = []
    for earlier in _earlier_reviews(session, review):
        for item in items_for_review(session, earlier, lang):
            found.append(EarlierAction(item, earlier))
    answers = current_follow_ups(session, [e.item.action.id for e in found])
    elsewhere = {a.action_id for a in answers if a.review_id != review.id}
    here = {a.action_id: a for a in answers if a.review_id == review.id}
    kept = []
    for entry in found:
        if entry.item.action.id in elsewhere:
            continue
        entry.answer = here.get(entry.item.action.id)
        kept.append(entry)
    return kept


def record_follow_up(
    session: Session,
    review: Review,
    action: OutcomeAction,
    *,
    client_id: str,
    answer: FollowUpAnswer | str,
    facilitator: User | None,
    words: str | None = None,
    method: CaptureMethod | str | None = None,
) -> ActionFollowUp:
    """Store the person's answer to 'did it happen?' once per client id.

    A new answer supersedes the earlier one at this review; the history stays. Words are
    optional, with how they were captured (an interpretation needs the facilitator).
    """
    if review.status == ReviewStatus.CLOSED:
        raise NotAllowed(_l("This review is closed."))
    if action.id not in {e.item.action.id for e in earlier_actions(session, review)}:
        raise NotAllowed(_l("That action is not one of the person's earlier actions."))
    responses.check_client_id(client_id)
    existing = session.scalar(select(ActionFollowUp).where(ActionFollowUp.client_id == client_id))
    try:
        answer = FollowUpAnswer(answer)
    except ValueError:
        raise ServiceError(_l("Choose one of the answers.")) from None
    own = responses.check_own_words(words) if words and words.strip() else None
    try:
        capture = CaptureMethod(method or CaptureMethod.TYPED) if own else CaptureMethod.TAPPED
    except ValueError:
        raise ServiceError(_l("Say how the words were captured.")) from None
    if own and capture not in responses.WORD_METHODS:
        raise ServiceError(_l("Say how the words were captured."))
    if own and capture != CaptureMethod.TYPED and facilitator is None:
        raise ServiceError(_l("Words written down or interpreted need the facilitator's name."))
    if existing is not None:
        if (existing.action_id, existing.answer, existing.own_words) != (action.id, answer, own):
            raise ServiceError(
                _l("This answer was already saved differently. Please answer again.")
            )
        return existing  # a double tap or a resend
    previous = next(
        (e.answer for e in earlier_actions(session, review) if e.item.action.id == action.id),
        None,
    )
    row = ActionFollowUp(
        action_id=action.id,
        review_id=review.id,
        client_id=client_id,
        answer=answer,
        own_words=own,
        capture_method=capture,
        recorded_by_id=facilitator.id if facilitator else None,
        supersedes_id=previous.id if previous else None,
    )
    session.add(row)
    audit.record(
        session,
        "action.followed_up",
        actor=facilitator,
        actor_label=None if facilitator else "the person",
        obj=row,
        person_id=review.person_id,
        detail={"review_id": review.id, "action_id": action.id, "answer": str(answer)},
    )
    return row


def follow_ups_about(session: Session, review: Review) -> dict[int, ActionFollowUp]:
    """For this review's actions, what the person said at a later review, by action id."""
    ids = [a.id for a in actions_for_review(session, review)]
    return {f.action_id: f for f in current_follow_ups(session, ids)}


def start_showing(session: Session, review: Review, facilitator: User, user_session) -> None:  # type: ignore[no-untyped-def]
    """Lock the tablet to this review to show the person 'You said, we did'.

    Like starting the person's session, but for a review whose views are done: the review's
    status does not change, and the facilitator unlocks with their PIN as usual.
    """
    if not person_session.may_facilitate(session, facilitator, review):
        raise NotAllowed(_l("You cannot show this person's review on the tablet."))
    person_first.require_person_first(session, review)
    user_session.person_mode_review_id = review.id
    audit.record(
        session,
        "person_session.you_said_shown",
        actor=facilitator,
        obj=review,
        person_id=review.person_id,
    )
