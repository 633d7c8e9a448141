"""A joint meeting's easy-read agenda in words: what the staff page, the print version, the
easy-read PDF and the person's tablet show, and what the tablet speaks. Call inside the
person's locale (``force_locale``), so that it is in their language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from ..models import ADVOCATE_ROLES, Supporter
from ..services.governance import joint_meetings
from . import pdf


def title() -> str:
    return _("Your meeting")


def agenda(
    record: joint_meetings.MeetingRecord, advocates: list[Supporter]
) -> list[dict[str, Any]]:
    """The agenda as easy-read ideas, each with its picture: when, where, who, what about,
    and what happens at the meeting."""
    meeting = record.meeting
    rows: list[dict[str, Any]] = [
        {
            "picture": "calendar",
            "text": _(
                "The meeting is on %(day)s at %(time)s.",
                day=format_date(meeting.held_on, "full"),
                time=meeting.starts_at.strftime("%H:%M"),
            ),
        },
        {"picture": "house", "text": _("It is at your home.")}
        if meeting.at_home
        else {"picture": "visits", "text": _("It is at: %(place)s.", place=meeting.place or "")},
        {
            "picture": "thought-balloon",
            "text": _("We will talk about this: %(question)s", question=meeting.question),
        },
    ]
    others = [name for key, name in record.names.items() if key != "person" and name]
    if others:
        rows.append(
            {"picture": "people", "text": _("You will meet: %(names)s.", names=", ".join(others))}
        )
    invited = set(meeting.invitees)
    for advocate in advocates:
        if f"supporter:{advocate.id}" in invited and advocate.role in ADVOCATE_ROLES:
            rows.append(
                {
                    "picture": "raising-hands",
                    "text": _("Your advocate %(name)s will help you.", name=advocate.name),
                }
            )
    rows += [{"picture": key, "text": str(text)} for key, text in joint_meetings.AGENDA_STEPS]
    rows.append(
        {"picture": "tap", "text": _("Before the meeting, you can tell us what you think.")}
    )
    return rows


def spoken(rows: list[dict[str, Any]]) -> str:
    """The whole agenda as one text to listen to."""
    return " ".join(str(row["text"]) for row in rows)


def thanks() -> str:
    return _("Thank you for telling us what you think.")


def thanks_next() -> str:
    return _("We will bring what you said to the meeting.")


def prompt_text(prompt: joint_meetings.MeetingPrompt) -> str:
    return str(prompt.text)


def agenda_pdf(
    record: joint_meetings.MeetingRecord,
    rows: list[dict[str, Any]],
    *,
    author: str,
    pictures_dir: Path,
    photos: dict[str, bytes] | None = None,
) -> bytes:
    """The easy-read agenda as a PDF: large type, a picture beside each idea."""
    name = record.person.preferred_name
    blocks: list[pdf.Block] = [
        pdf.Heading(title()),
        pdf.Idea("hello", [pdf.Para(_("%(name)s, this is about your meeting.", name=name))]),
    ]
    for row in rows:
        blocks.append(pdf.Idea(row["picture"], [pdf.Para(row["text"])]))
    return pdf.render(
        blocks,
        title=title(),
        author=author,
        subject=_("%(name)s's meeting", name=name),
        pictures_dir=pictures_dir,
        easy_read=True,
        footer=_("%(name)s's meeting", name=name),
        photos=photos,
    )


def fixed_texts() -> list[str]:
    """Every sentence of the person's meeting screens that is the same for every meeting (the
    prompts, their choices, the agenda's steps, thanks), in the current language."""
    texts = [
        title(),
        _("It is at your home."),
        _("Before the meeting, you can tell us what you think."),
    ]
    texts += [str(text) for _key, text in joint_meetings.AGENDA_STEPS]
    for prompt in joint_meetings.PROMPTS:
        texts.append(prompt_text(prompt))
        texts += [str(choice.label) for choice in prompt.choices]
    return [*texts, thanks(), thanks_next()]


def spoken_meeting_texts(languages: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Every (text, lang) of :func:`fixed_texts`, for ``flask speech render`` (what differs
    from meeting to meeting, such as its day and question, is said by the browser's voice)."""
    for lang in languages:
        with force_locale(lang):
            for text in fixed_texts():
                yield text, lang
