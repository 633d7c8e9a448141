"""Privacy: a manager's subject access page and download, and recording that care ended.

The page shows an easy-read summary of what is held about the person; the download is a ZIP
with the complete JSON, the easy-read summary as a PDF and copies of the person's photos and
recordings. Both are written in the audit log (who, when, which person; never the content).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...auth import GOVERNANCE_ROLES, STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...models import Person, User
from ...outputs import pdf
from ...outputs.labels import format_date
from ...services import NotFound, ServiceError, audit
from ...services.data import privacy, retention
from ..person.screens import picture_url
from .review_record import pictures_dir

bp = Blueprint("privacy", __name__, url_prefix="/staff/people")


def _person_or_404(person_id: int) -> Person:
    try:
        return privacy.get_person(db.session, person_id)
    except NotFound:
        abort(404)


def _upload_folder() -> Path | None:
    folder = current_app.config.get("UPLOAD_FOLDER")
    return Path(folder) if folder else None


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


def export_zip(person: Person, *, actor: User | None, actor_label: str | None, how: str) -> bytes:
    """The complete export as a ZIP, recorded in the audit log (the caller commits)."""
    folder = _upload_folder()
    document = privacy.export_document(db.session, person.id, upload_folder=folder)
    privacy.record_export(db.session, person.id, actor=actor, actor_label=actor_label, how=how)
    author = actor.name if actor is not None else (actor_label or "Facilitator")
    return privacy.build_zip(document, summary_pdf(document, person, author), folder)


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


def speech_files_for(person_id: int) -> list[Path]:
    """Rendered audio of sentences that carry something of the person (call in an app context).

    'You said, we did' speaks the person's name, their words and their actions; custom prompts
    speak what staff wrote for them. Shared sentences (answer labels, headings without a name)
    stay, so other people's screens keep their audio.
    """
    from ...accessible import speech
    from ...models import Review
    from ...services.reviews import you_said as you_said_service
    from ..you_said import spoken_texts_for

    cache = Path(current_app.config["SPEECH_CACHE_DIR"])
    if not cache.is_dir():
        return []
    held = privacy.holdings(db.session, person_id)
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
        review = db.session.get(Review, review_id)
        if review is None:
            continue
        lang = you_said_service.person_language(review)
        with current_app.test_request_context(), force_locale(lang):
            texts |= set(spoken_texts_for(review))
    found = []
    for text in sorted(t for t in texts if any(p in t for p in personal)):
        for lang in speech.VOICES:
            for rate in range(speech.MIN_RATE, speech.MAX_RATE + 1):
                path = speech.cached_audio_path(cache, text, lang, rate)
                if path is not None:
                    found.append(path)
    return found


# --- the manager's page --------------------------------------------------------------------------


@bp.route("/<int:person_id>/subject-access")
@roles_required(*GOVERNANCE_ROLES)
def subject_access(person_id: int) -> str:
    """What is held about the person, in easy read, with the complete download."""
    person = _person_or_404(person_id)
    document = privacy.export_document(db.session, person.id, upload_folder=_upload_folder())
    audit.record(
        db.session, "person.subject_access_viewed", actor=current_account(),
        object_type="people", object_id=person.id, person_id=person.id,
    )  # fmt: skip
    db.session.commit()
    counts = [
        (name, len(rows), name in document["third_party_tables"])
        for name, rows in document["tables"].items()
        if rows
    ]
    return render_template(
        "privacy/subject_access.html",
        person=person,
        words=summary(document, person),
        counts=counts,
        files=sum(len(f["files"]) for f in document["files"]),
        audit_entries=len(document["audit_events"]),
        picture=lambda key: picture_url(key, False),
    )


@bp.route("/<int:person_id>/subject-access.zip")
@roles_required(*GOVERNANCE_ROLES)
def subject_access_zip(person_id: int) -> Response:
    """Everything held about the person: JSON, easy-read PDF and their files, in one ZIP."""
    person = _person_or_404(person_id)
    data = export_zip(person, actor=current_account(), actor_label=None, how="web")
    db.session.commit()
    return Response(
        data, mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person.id}-subject-access.zip"',
            "Cache-Control": "no-store",
        },
    )  # fmt: skip


# --- care ended ----------------------------------------------------------------------------------


@bp.route("/<int:person_id>/care-ended", methods=["POST"])
@roles_required(*STAFF_ROLES)
def care_ended(person_id: int) -> Response:
    """Record the day the person's care and support ended (or clear it)."""
    person = _person_or_404(person_id)
    raw = request.form.get("care_ended_on", "").strip()[:40]
    # After a mistake the page shows what was typed again, so nothing is lost.
    back = redirect(
        url_for("staff.person", person_id=person.id, care_ended_on=raw or None) + "#care-ended",
        code=303,
    )
    if request.form.get("clear"):
        on = None
    elif not raw:
        flash(_("Enter the day care ended."), "error")
        return back
    else:
        try:
            on = date.fromisoformat(raw)
        except ValueError:
            flash(_("Enter a real date, for example 2026-03-31."), "error")
            return back
        if on > date.today():
            flash(_("The day care ended cannot be in the future."), "error")
            return back
    try:
        retention.record_care_ended(
            db.session, person, on=on, actor=current_account(), today=date.today()
        )
    except ServiceError:
        db.session.rollback()
        flash(_("The day care ended cannot be in the future."), "error")
        return back
    db.session.commit()
    back = redirect(url_for("staff.person", person_id=person.id) + "#care-ended", code=303)
    if on is None:
        flash(_("%(name)s is shown as supported again.", name=person.preferred_name), "success")
    else:
        flash(_("Care ended on %(date)s is recorded.", date=format_date(on)), "success")
    return back


ENDED_LIMIT = 500


@bp.route("/care-ended")
@roles_required(*STAFF_ROLES)
def ended() -> str:
    """People whose care has ended (they leave the other lists) and when each falls due."""
    years = int(current_app.config["RETENTION_YEARS"])
    rows = db.session.execute(
        select(Person.id, Person.preferred_name, Person.full_name, Person.care_ended_on)
        .where(Person.care_ended_on.is_not(None))
        .order_by(Person.care_ended_on.desc(), Person.id)
        .limit(ENDED_LIMIT + 1)
    ).all()
    people = [
        {"id": r.id, "name": r.preferred_name, "full_name": r.full_name, "ended": r.care_ended_on,
         "due": retention.add_years(r.care_ended_on, years)}
        for r in rows[:ENDED_LIMIT]
    ]  # fmt: skip
    return render_template(
        "privacy/ended.html", people=people, more=len(rows) > ENDED_LIMIT, years=years,
        today=date.today(),
    )  # fmt: skip
