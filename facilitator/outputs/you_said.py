"""'You said, we did' in words: what the staff page, the print version, the easy-read PDF and
the person's tablet show, and what the tablet speaks (``flask outputs render-speech`` renders
the same sentences ahead of time). Call inside the person's locale (``force_locale``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..models import ActionStatus, FollowUpAnswer, Review
from ..services.reviews import you_said

ANSWER_ORDER = (
    FollowUpAnswer.YES,
    FollowUpAnswer.PARTLY,
    FollowUpAnswer.NO,
    FollowUpAnswer.NOT_SURE,
)


def answer_label(answer: FollowUpAnswer | str) -> str:
    """Did it happen? Yes / Partly / No / Not sure."""
    labels = {
        FollowUpAnswer.YES: _("Yes"),
        FollowUpAnswer.PARTLY: _("Partly"),
        FollowUpAnswer.NO: _("No"),
        FollowUpAnswer.NOT_SURE: _("Not sure"),
    }
    return labels[FollowUpAnswer(answer)]


def said_text(said: you_said.Said) -> str:
    """What the person said, as shown and spoken: their words quoted, or their answer."""
    if said.words is not None:
        return said.words if said.interpreted else f"“{said.words}”"
    return said.text


def ideas(item: you_said.Item, *, earlier: bool = False) -> list[dict[str, Any]]:
    """One action as easy-read ideas, each with its picture: said, will, who, when, status."""
    rows: list[dict[str, Any]] = []
    for said in item.said:
        rows.append({
            "kind": "interpreted" if said.interpreted else "said",
            "picture": said.prompt_picture,
            "label": _("We understood") if said.interpreted else _("You said"),
            "text": said_text(said),
            "choices": said.choices,
        })  # fmt: skip
    rows.append({
        "kind": "will", "picture": item.picture or "next",
        "label": _("We said we would") if earlier else _("We will"), "text": item.will_happen,
    })  # fmt: skip
    rows.append({"kind": "who", "picture": "staff", "label": _("Who will help"), "text": item.who})
    rows.append({
        "kind": "when", "picture": "calendar", "label": _("When"),
        "text": item.when or _("We will tell you when."),
    })  # fmt: skip
    if not earlier:
        status = {
            ActionStatus.IN_PROGRESS: ("next", _("We have started.")),
            ActionStatus.DONE: ("tick", _("This is done.")),
            ActionStatus.NOT_DONE: ("stop", _("This did not happen.")),
        }.get(item.status)
        if status:
            rows.append(
                {"kind": "status", "picture": status[0], "label": _("Now"), "text": status[1]}
            )
    return rows


def spoken(rows: list[dict[str, Any]], question: str | None = None) -> str:
    """The sentences read out for one action (the same text the audio is rendered from)."""
    parts = [f"{row['label']}: {row['text'].strip('“”')}." for row in rows]
    if question:
        parts.append(question)
    return " ".join(p.replace("..", ".").replace("?.", "?").replace("!.", "!") for p in parts)


def fixed_texts(name: str) -> dict[str, str]:
    """Interface sentences of the person's screens, spoken too."""
    return {
        "title": _("You said, we did"),
        "intro": _("This is what you told us, and what we will do."),
        "earlier_title": _("Did it happen?"),
        "earlier_intro": _("Last time, we said we would do some things. Did they happen?"),
        "question": _("Did it happen?"),
        "thanks": _("Thank you for telling us."),
        "none": _("There is nothing to show yet."),
        "name": name,
    }


def spoken_texts_for(session: Session, review: Review) -> list[str]:
    """Every sentence the person's screens speak for this review (call in their locale)."""
    texts = fixed_texts(review.person.preferred_name)
    found = [
        texts[k] for k in ("title", "intro", "earlier_title", "earlier_intro", "thanks", "none")
    ]
    question = texts["question"]
    for item in you_said.items_for_review(session, review):
        found.append(spoken(ideas(item)))
        found.append(spoken(ideas(item, earlier=True), question))
    for answer in ANSWER_ORDER:
        found.append(answer_label(answer))
    return found
