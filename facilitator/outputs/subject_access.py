"""Subject access as the product gives it: the easy-read summary (on the manager's page and as
a PDF), the complete ZIP, and the rendered audio that carries something of the person.

The manager's page (``views/staff/privacy.py``) and the command line (``flask export-person``,
``flask retention``) both use these; what is held about a person, and where, is
:mod:`facilitator.services.data.privacy`. Call in an app context (the settings are read from
the app: RETENTION_YEARS, SPEECH_CACHE_DIR; photos and recordings come from the file store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..accessible import speech
from ..models import Person, Review, User
from ..services.data import privacy, retention
from ..services.reviews import you_said
from . import pdf
from .pictures import pictures_dir
from .you_said import spoken_texts_for

# --- the easy-read summary (in the person's language: call inside force_locale) ------------------


def _line_words(key: str, count: int) -> tuple[str, str]:
    """The heading and sentence for one line of the summary."""
    words = {
        "reviews": (_("Your reviews"), ngettext(
            "%(num)s review of your care and support.",
            "%(num)s reviews of your care and support.", count)),
        "answers": (_("What you told us"), ngettext(
            "%(num)s answer you gave.", "%(num)s answers you gave.", count)
            + " " + _("We keep old answers that were changed too.")),
        "supporters": (_("People who support you"), ngettext(
            "%(num)s record about your family, friends or advocates.",
            "%(num)s records about your family, friends and advocates.", count)),
        "others_said": (_("What other people said"), ngettext(
            "%(num)s thing your family, friends, advocate or staff said about you.",
            "%(num)s things your family, friends, advocate or staff said about you.", count)),
        "actions": (_("What we will do"), ngettext(
            "%(num)s thing we said we would do.", "%(num)s things we said we would do.", count)),
        "decisions": (_("Decisions"), ngettext(
            "%(num)s record about a decision or a choice.",
            "%(num)s records about decisions and choices.", count)),
        "safety": (_("Keeping you safe"), ngettext(
            "%(num)s record about keeping you safe.",
            "%(num)s records about keeping you safe.", count)),
        "complaints": (_("Complaints and letters"), ngettext(
            "%(num)s record of a complaint or of who we told about a decision.",
            "%(num)s records of complaints and of who we told about decisions.", count)),
        "pictures": (_("Photos, voices and questions"), ngettext(
            "%(num)s photo, recording or question made for you.",
            "%(num)s photos, recordings or questions made for you.", count)),
        "links": (_("Links for your family"), ngettext(
            "%(num)s link we sent so someone could give their views.",
            "%(num)s links we sent so people could give their views.", count)),
        "log": (_("Who looked at your records"), ngettext(
            "%(num)s note of who looked at or changed your records, and when.",
            "%(num)s notes of who looked at or changed your records, and when.", count)),
    }  # fmt: skip
    return words[key]


def summary(document: dict[str, Any], person: Person) -> dict[str, Any]:
    """What the easy-read summary says, for the page and the PDF."""
    years = int(current_app.config.get("RETENTION_YEARS", retention.DEFAULT_RETENTION_YEARS))
    lines = []
    for line in privacy.summary_lines(document):
        if line.count:
            heading, sentence = _line_words(line.key, line.count)
            lines.append({"picture": line.picture, "heading": heading, "text": sentence})
    third_party = [name for name in document["third_party_tables"] if document["tables"].get(name)]
    return {
        "title": _("What we keep about you"),
        "intro": [
            _("%(name)s, this is what we keep about you.", name=person.preferred_name),
            _("We keep it to plan your care and support with you."),
        ],
        "lines": lines,
        "keep": [
            ngettext(
                "We keep your records for %(num)s year after your care ends.",
                "We keep your records for %(num)s years after your care ends.",
                years,
            ),
            _("Then we delete them."),
            _("You can ask us to change anything that is wrong."),
        ],
        "third_party": bool(third_party),
        "provider_note": _(
            "Some of these records were written by other "
            "people, or are about them (family, friends, advocates, staff, people who raised a "
            "complaint). Each is marked with who gave it. Check each one before release (Data "
            "Protection Act 2018, Schedule 2, Part 3) and remove what should not be shared."
        ),
    }


def summary_pdf(document: dict[str, Any], person: Person, author: str) -> bytes:
    """The easy-read summary as a PDF, in the person's language."""
    with force_locale(person.language or "en"):
        words = summary(document, person)
        blocks: list[pdf.Block] = [
            pdf.Heading(words["title"]),
            pdf.Idea("person", [pdf.Para(t) for t in words["intro"]]),
        ]
        for line in words["lines"]:
            blocks.append(pdf.Idea(line["picture"], [pdf.Heading(line["heading"], 3),
                                                     pdf.Para(line["text"])]))  # fmt: skip
        blocks.append(pdf.Idea("calendar", [pdf.Para(t) for t in words["keep"]], boxed=True))
        title = words["title"]
        footer = _("%(name)s's records", name=person.preferred_name)
    blocks += [
        pdf.Break(),
        pdf.Heading(_("For the organisation"), 2),
        pdf.Heading(_("Before you give this to the person"), 3),
        pdf.Para(words["provider_note"]),
    ]
    return pdf.render(
        blocks, title=title, author=author, subject=_("Subject access"),
        pictures_dir=pictures_dir(bool(person.setting("high_contrast"))), easy_read=True,
        footer=footer,
    )  # fmt: skip


def export_zip(
    session: Session, person: Person, *, actor: User | None, actor_label: str | None, how: str
) -> bytes:
    """The complete export as a ZIP, recorded in the audit log (the caller commits).

    Call in a request context (the PDF's words are put into the person's language)."""
    document = privacy.export_document(session, person.id)
    privacy.record_export(session, person.id, actor=actor, actor_label=actor_label, how=how)
    author = actor.name if actor is not None else (actor_label or "Facilitator")
    return privacy.build_zip(session, document, summary_pdf(document, person, author))


# --- spoken sentences about the person, in the speech cache ------------------------------------


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def speech_files_for(session: Session, person_id: int) -> list[Path]:
    """Rendered audio of sentences that carry something of the person (erased with them).

    'You said, we did' speaks the person's name, their words and their actions; custom prompts
    speak what staff wrote for them. Shared sentences (answer labels, headings without a name)
    stay, so other people's screens keep their audio.
    """
    cache = Path(current_app.config["SPEECH_CACHE_DIR"])
    if not cache.is_dir():
        return []
    held = privacy.holdings(session, person_id)
    person_row = held.rows["people"][0]
    personal = {person_row["preferred_name"], person_row["full_name"]}
    for row in held.rows.get("responses", []):
        personal.add(row.get("own_words") or "")
    for row in held.rows.get("outcome_actions", []):
        personal |= {row.get("easy_read_text") or "", row.get("plain_text") or ""}
    custom = {
        s for row in held.rows.get("custom_prompts", []) for column in ("texts", "choices", "alt")
        for s in _strings(row.get(column))
    }  # fmt: skip
    personal = {p.strip() for p in personal | custom if p and len(p.strip()) >= 3}
    texts = set(custom)
    for review_id in sorted(held.ids("reviews")):
        review = session.get(Review, review_id)
        if review is None:
            continue
        lang = you_said.person_language(review)
        with current_app.test_request_context(), force_locale(lang):
            texts |= set(spoken_texts_for(session, review))
    found = []
    for text in sorted(t for t in texts if any(p in t for p in personal)):
        for lang in speech.VOICES:
            for rate in range(speech.MIN_RATE, speech.MAX_RATE + 1):
                path = speech.cached_audio_path(cache, text, lang, rate)
                if path is not None:
                    found.append(path)
    return found
