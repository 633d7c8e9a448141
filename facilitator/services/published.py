"""Pages every provider must publish: the accessibility statement, the privacy notice (and its
easy-read version for the person) and the provider's own contact details.

Each page has the product's own text, true of what the product does and how it is tested,
written here in words marked for translation, so a new provider publishes something true from
the first day in every supported language. An administrator may replace it, page by page and
language by language (``published_pages``): a change is refused when it was made from an
older version than the one stored (both texts are then shown), and each change is audited.

The texts are plain lines, never HTML: ``## `` starts a heading, ``- `` an item of a list, a
blank line a new paragraph, ``[picture-name]`` at the start of a line in the easy-read page a
picture from the set the tablet uses, and a line ``@contact`` the provider's contact details.
:func:`blocks` reads them into pieces that templates show with autoescaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import LANGUAGES
from ..models import PublishedPage, User, utcnow
from ..text import clean_text
from . import NotFound, ServiceError, audit
from .governance.versions import STALE_MESSAGE, StaleRecord, sent_version

ACCESSIBILITY, PRIVACY, PRIVACY_EASY_READ, CONTACT = (
    "accessibility",
    "privacy",
    "privacy-easy-read",
    "contact",
)
SLUGS = (ACCESSIBILITY, PRIVACY, PRIVACY_EASY_READ, CONTACT)
TITLES = {
    ACCESSIBILITY: _l("Accessibility statement"),
    PRIVACY: _l("Privacy notice"),
    PRIVACY_EASY_READ: _l("Privacy notice: easy read"),
    CONTACT: _l("Our contact details"),
}
BODY_LIMIT = 20_000
CONTACT_LINE = "@contact"
# When the product's own accessibility statement was last checked against its tests.
STATEMENT_PREPARED = date(2026, 12, 7)

PICTURE = re.compile(r"^\[([a-z0-9-]{1,40})\]\s*(.*)$")
PICTURE_KEY = re.compile(r"^[a-z0-9-]{1,40}$")


@dataclass
class Block:
    """One piece of a page: a heading, a paragraph, a list, the contact details or, in easy
    read, a sentence with its picture."""

    kind: str  # "heading", "paragraph", "list", "contact", "picture"
    text: str = ""
    items: list[str] = field(default_factory=list)
    picture: str | None = None


@dataclass
class PageText:
    """A page's text in one language, and whose it is."""

    slug: str
    language: str
    body: str
    version: int  # 0 while the product's own text is shown
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def is_default(self) -> bool:
        return self.version == 0


@dataclass(frozen=True)
class Facts:
    """What the product's own texts say about this installation."""

    service_name: str = "Facilitator"
    retention_years: int = 8


def blocks(body: str, pictures: Iterable[str] = ()) -> list[Block]:
    """The pieces of a page's text, to show as headings, paragraphs, lists and pictures.

    ``pictures`` is the set of picture names that exist; a ``[name]`` not in it is shown as
    text, so nothing typed is lost.
    """
    known = set(pictures)
    found: list[Block] = []
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            found.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in body.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        picture = PICTURE.match(line)
        if not line:
            end_paragraph()
        elif line.startswith("#"):
            end_paragraph()
            found.append(Block("heading", line.lstrip("#").strip()))
        elif line.startswith(("- ", "* ")):
            end_paragraph()
            if not found or found[-1].kind != "list":
                found.append(Block("list"))
            found[-1].items.append(line[2:].strip())
        elif line == CONTACT_LINE:
            end_paragraph()
            found.append(Block("contact"))
        elif picture and picture.group(1) in known:
            end_paragraph()
            found.append(Block("picture", picture.group(2).strip(), picture=picture.group(1)))
        else:
            if found and found[-1].kind == "list" and not paragraph and raw[:1] in " \t":
                found[-1].items[-1] += " " + line  # a list item carried onto the next line
            else:
                paragraph.append(line)
    end_paragraph()
    return [b for b in found if b.kind in ("list", "contact") or b.text]


def _lines(*parts: object) -> str:
    return "\n".join(str(p) for p in parts)


def default_body(slug: str, facts: Facts) -> str:
    """The product's own text of a page, in the current language."""
    if slug == ACCESSIBILITY:
        return _accessibility(facts)
    if slug == PRIVACY:
        return _privacy(facts)
    if slug == PRIVACY_EASY_READ:
        return _privacy_easy_read(facts)
    if slug == CONTACT:
        return str(
            _l(
                "The provider has not added its contact details here yet. Until it does, please "
                "ask the staff who support you, or the person who sent you your link."
            )
        )
    raise NotFound(_l("There is no such page."))


def _accessibility(facts: Facts) -> str:
    name = facts.service_name
    return _lines(
        _l(
            "This statement applies to %(service)s, the service your care and support provider "
            "uses to hold reviews with the people it supports, their families and advocates.",
            service=name,
        ),
        "",
        _l(
            "We want as many people as possible to be able to use it. For example, you should "
            "be able to:"
        ),
        _l("- change the size of the text, the colours and the speed of speech on the tablet"),
        _l("- zoom in to four times the size without the text spilling off the screen"),
        _l("- use it with a keyboard only, or with one or two switches"),
        _l("- hear every question and answer read out on the tablet"),
        _l("- use it in English, Welsh, Polish or Urdu (Urdu pages read right to left)"),
        "",
        _l("## How accessible this service is"),
        _l(
            "This service is partially compliant with the Web Content Accessibility Guidelines "
            "version 2.2 AA standard, because of the gaps listed below."
        ),
        "",
        _l("## Non-accessible content"),
        _l(
            "- It has not yet been checked by an independent accessibility auditor, or tested "
            "with disabled people using their own screen readers. Automated checks cannot "
            "find every problem."
        ),
        _l(
            "- PDF documents (review records and easy-read summaries) have not been tested for "
            "accessibility. Ask us for the same information in another format."
        ),
        _l(
            "- The voice on the tablet is a computer voice. Some people may find it hard to "
            "understand."
        ),
        _l(
            "- The Welsh, Polish and Urdu words were written by people who are not fluent "
            "speakers, and are waiting to be checked by a fluent speaker."
        ),
        "",
        _l("## How we tested this service"),
        _l(
            "The service is tested automatically every time it is changed, in the Chromium web "
            "browser:"
        ),
        _l(
            "- axe-core checks every page that each kind of user can reach (the person on the "
            "tablet, a family member on their link, advocates, staff, managers and "
            "administrators) against WCAG 2.2 A and AA and its best-practice rules"
        ),
        _l(
            "- every one of those pages is checked again at 320 pixels wide and with text "
            "twice its size: nothing may scroll sideways, be cut off or be hidden"
        ),
        _l(
            "- a member of staff's journey is done with the keyboard only, with a visible focus "
            "at every step"
        ),
        _l(
            "- the person's session is done with the keyboard, with one switch (automatic "
            "scanning) and with two switches"
        ),
        _l(
            "- every button, link and field must have a name that a screen reader can read out "
            "(checked by axe-core)"
        ),
        _l(
            "- the tablet is tested in landscape and portrait, with touch, in high contrast and "
            "right to left"
        ),
        "",
        _l("## Feedback and contact information"),
        _l(
            "If you find a problem, or you need information in a different format such as easy "
            "read, large print, audio or another language, contact us:"
        ),
        CONTACT_LINE,
        "",
        _l("## Enforcement procedure"),
        _l(
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the "
            "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
            "Regulations 2018. If you are not happy with how we respond to your complaint, "
            "contact the Equality Advisory and Support Service (EASS)."
        ),
        "",
        _l("## Preparation of this accessibility statement"),
        _l(
            "This statement was prepared on %(date)s. It is based on the automated tests above, "
            "which run every time the service is changed.",
            date=STATEMENT_PREPARED.isoformat(),
        ),
    )


def _privacy(facts: Facts) -> str:
    return _lines(
        _l(
            "This notice is for the people we support, their families and friends, and "
            "advocates. It says what %(service)s keeps about you, why, who can see it, how long "
            "it is kept and what you can ask us to do.",
            service=facts.service_name,
        ),
        "",
        _l("## Who is responsible for your information"),
        _l(
            "Your care and support provider is responsible for the information in this service "
            "(it is the data controller). You can contact it here:"
        ),
        CONTACT_LINE,
        "",
        _l("## What we keep"),
        _l(
            "- About the person we support: their name, date of birth, language, how they like "
            "to communicate and their settings on the tablet"
        ),
        _l(
            "- What they tell us in their reviews: their answers, their own words, recordings "
            "and photos they choose to make, and how each answer was given"
        ),
        _l(
            "- Who they agree may see what they said, and any legal authority (such as a Lasting "
            "Power of Attorney) that staff have checked"
        ),
        _l(
            "- What was agreed at the review, views that differ, decisions about mental "
            "capacity and best interests, safety concerns and complaints"
        ),
        _l(
            "- About family members and friends: name, how they are related, how to contact "
            "them, their language and the views they send us"
        ),
        _l(
            "- About advocates and staff: name, email address, what they record, and when they "
            "sign in"
        ),
        _l(
            "- A record of who did what and when (the audit log). It holds numbers and the names "
            "of events, never what anyone said."
        ),
        "",
        _l("## Why we keep it"),
        _l(
            "To review and plan the person's care and support with them, in their own words, as "
            "the law on health and social care allows (UK GDPR Article 6(1)(e) and Article "
            "9(2)(h)). If your provider relies on a different lawful basis, it says so here."
        ),
        "",
        _l("## Who can see it"),
        _l("- Staff of your provider who support the person, and their managers"),
        _l("- An advocate, only for the people they are asked to support"),
        _l(
            "- Family members and friends see only what the person has agreed to share with "
            "them, through a link that stops working after a time"
        ),
        _l("We do not sell your information or use it for advertising."),
        "",
        _l("## How long we keep it"),
        _ln(
            "We keep the records for %(num)d year after the person's care and support ends, "
            "then they are deleted. We keep them longer only while a complaint or a safety "
            "concern about them is still open. The audit log is kept, but it holds no names or "
            "words.",
            "We keep the records for %(num)d years after the person's care and support ends, "
            "then they are deleted. We keep them longer only while a complaint or a safety "
            "concern about them is still open. The audit log is kept, but it holds no names or "
            "words.",
            facts.retention_years,
        ),
        "",
        _l("## How we keep it safe"),
        _l(
            "Staff sign in with a password and a second step. Passwords are never stored as "
            "typed. Family links work only with a code sent separately, and stop working after "
            "a time. Every change is recorded in a log that cannot be changed."
        ),
        "",
        _l("## Your rights"),
        _l("- You can ask for a copy of everything we keep about you (a subject access request)"),
        _l("- You can ask us to correct something that is wrong"),
        _l("- You can object to how we use your information, or ask us to limit it"),
        _l(
            "If you are not happy with how we use your information, tell us first. You can also "
            "complain to the Information Commissioner's Office (ICO): ico.org.uk, 0303 123 1113."
        ),
    )


def _privacy_easy_read(facts: Facts) -> str:
    return _lines(
        _l("[hello] This is about the things we write down about you."),
        _l("[pencil] We write down what you tell us in your review."),
        _l("[microphone] We keep your recordings and photos if you make some."),
        _l("[staff] Staff who support you can see it."),
        _l("[family] Your family and friends only see what you say they can see."),
        _l("[locked] We keep it safe."),
        _ln(
            "[calendar] When your support ends, we keep it for %(num)d year. Then we delete it.",
            "[calendar] When your support ends, we keep it for %(num)d years. Then we delete it.",
            facts.retention_years,
        ),
        _l("[summary] You can ask to see everything we keep about you."),
        _l("[change] You can ask us to change something that is wrong."),
        _l("[hand-up] If you are not happy, tell us. Your advocate or staff can help you."),
    )


def _check(slug: str, language: str) -> None:
    if slug not in SLUGS or language not in LANGUAGES:
        raise NotFound(_l("There is no such page."))


def stored(session: Session, slug: str, language: str) -> PublishedPage | None:
    """The administrator's text of a page in a language, if there is one."""
    _check(slug, language)
    return session.scalar(
        select(PublishedPage).where(PublishedPage.slug == slug, PublishedPage.language == language)
    )


def page(session: Session, slug: str, language: str, facts: Facts) -> PageText:
    """A page's text in a language: the administrator's, or the product's own."""
    row = stored(session, slug, language)
    if row is not None:
        editor = session.get(User, row.updated_by_id) if row.updated_by_id else None
        return PageText(
            slug, language, row.body, row.version, row.updated_at, editor.name if editor else None
        )
    with force_locale(language):
        return PageText(slug, language, default_body(slug, facts), 0)


def pages(session: Session, facts: Facts) -> list[PageText]:
    """Every page in every language, for the administrator's list."""
    return [page(session, slug, lang, facts) for slug in SLUGS for lang in LANGUAGES]


def save(
    session: Session,
    slug: str,
    language: str,
    *,
    body: str | None,
    version: int | str | None,
    actor: User,
) -> PublishedPage:
    """Replace a page's text; refused when made from an older version than the one stored."""
    row = stored(session, slug, language)
    current = row.version if row is not None else 0
    sent = sent_version(version)
    if sent != current:
        raise StaleRecord(
            STALE_MESSAGE,
            stored=current,
            sent=sent,
        )
    text = clean_text(str(body or ""), trim=True)
    if not text:
        raise ServiceError(_l("Write the text of the page."))
    if len(text) > BODY_LIMIT:
        raise ServiceError(
            _l(
                "Keep the %(what)s to %(limit)s characters or fewer.",
                what=_l("text of the page"),
                limit=f"{BODY_LIMIT:,}",
            )
        )
    if row is None:
        row = PublishedPage(slug=slug, language=language, version=0)
        session.add(row)
    row.body = text
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    row.version = current + 1
    audit.record(
        session,
        "published_page.changed",
        actor=actor,
        obj=row,
        detail={"slug": slug, "language": language, "version": row.version},
    )
    return row
