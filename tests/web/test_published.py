"""Pages every provider must publish, and complaints sent by the person and by family (issue 17).

The accessibility statement and the privacy notice (with its easy-read version) are open to
everyone but a locked tablet, linked from every page's footer; an administrator changes their
text (versioned, audited; a stale save is refused with both texts shown). The person complains
on the tablet, a family member through their link: each lands in the complaints register with
its 3-working-day clock, attributed honestly, and a double tap makes one complaint.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import AuditEvent, Complaint, ComplaintSource, PublishedPage
from facilitator.services import published
from facilitator.services.workdays import add_working_days

from ..conftest import csrf_from, sign_in
from .test_family import _in, _issue

TOKEN = re.compile(r'name="token" type="hidden" value="([0-9a-f]{32})"')


def _token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no one-time token on the form"
    return found.group(1)


def _tablet(app: Flask, demo: dict) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "keyworker@demo.facilitator.test").status_code == 302
    page = client.get(f"/staff/reviews/{demo['reviews']['Sam']}")
    started = client.post(
        f"/person/start/{demo['reviews']['Sam']}",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert started.status_code in (302, 303)
    return client


def _complaints(app: Flask) -> list[Complaint]:
    with app.app_context():
        # Only those sent by the person or family (the demo has complaints staff recorded).
        found = list(
            db.session.scalars(
                select(Complaint)
                .join(ComplaintSource, ComplaintSource.complaint_id == Complaint.id)
                .order_by(Complaint.id)
            )
        )
        db.session.expunge_all()
        return found


# --- the published pages ------------------------------------------------------------------------


def test_the_pages_are_open_to_everyone_and_in_every_footer(client: FlaskClient) -> None:
    statement = client.get("/about/accessibility").get_data(as_text=True)
    for section in (
        "How accessible this service is",
        "Non-accessible content",
        "How we tested this service",
        "Feedback and contact information",
        "Enforcement procedure",
        "Preparation of this accessibility statement",
        "axe-core",
        "320 pixels",
        "switch",
    ):
        assert section in statement, section
    assert "has not added its contact details" in statement
    privacy = client.get("/about/privacy").get_data(as_text=True)
    for words in ("What we keep", "How long we keep it", "8 years", "Your rights", "ICO"):
        assert words in privacy, words
    easy = client.get("/about/privacy/easy-read").get_data(as_text=True)
    assert "vendor/pictures/flat/hello" in easy and "8 years" in easy
    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/about/accessibility"' in sign_in_page
    assert 'href="/about/privacy"' in sign_in_page


def test_the_pages_are_in_each_language(client: FlaskClient) -> None:
    for lang in ("en", "cy", "pl", "ur"):
        page = client.get("/sign-in")
        client.post(
            "/language",
            data={"language": lang, "csrf_token": csrf_from(page.get_data(as_text=True))},
        )
        for url in ("/about/accessibility", "/about/privacy", "/about/privacy/easy-read"):
            response = client.get(url)
            assert response.status_code == 200
            assert f'lang="{lang}"' in response.get_data(as_text=True)


def test_blocks_read_headings_lists_pictures_and_keep_unknown_text() -> None:
    body = "## Title\nOne\ntwo\n\n- a\n- b\n[hello] Hi there\n[nope] kept\n@contact"
    found = published.blocks(body, {"hello"})
    assert [(b.kind, b.text) for b in found] == [
        ("heading", "Title"),
        ("paragraph", "One two"),
        ("list", ""),
        ("picture", "Hi there"),
        ("paragraph", "[nope] kept"),
        ("contact", ""),
    ]
    assert found[2].items == ["a", "b"]


def test_an_administrator_changes_a_page_versioned_and_audited(
    app: Flask, demo: dict, client: FlaskClient
) -> None:
    assert sign_in(client, "admin@demo.facilitator.test").status_code == 302
    listing = client.get("/admin/pages/").get_data(as_text=True)
    assert "The product&#39;s own text" in listing or "The product's own text" in listing
    form = client.get("/admin/pages/accessibility?lang=en")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Enforcement procedure" in html  # starts from the product's text
    token = csrf_from(html)
    body = "## Our statement\nWe test it. <script>alert(1)</script>\n@contact"
    saved = client.post(
        "/admin/pages/accessibility?lang=en",
        data={"body": body, "version": "0", "csrf_token": token},
    )
    assert saved.status_code == 303
    shown = client.get("/about/accessibility").get_data(as_text=True)
    assert "Our statement" in shown and "<script>alert(1)" not in shown
    assert "&lt;script&gt;" in shown
    # The other languages still show the product's text.
    with app.app_context():
        row = db.session.scalar(select(PublishedPage).where(PublishedPage.slug == "accessibility"))
        assert row is not None and row.version == 1 and row.language == "en"
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "published_page.changed")
        )
        assert event is not None
        assert event.detail == {"slug": "accessibility", "language": "en", "version": 1}
        assert event.actor_user_id == demo["users"]["admin@demo.facilitator.test"]
    # A second editor who read version 0 is refused, with both texts shown; nothing is lost.
    stale = client.post(
        "/admin/pages/accessibility?lang=en",
        data={"body": "Someone else's words", "version": "0", "csrf_token": token},
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Two versions of this page" in page
    assert "We test it." in page and "Someone else&#39;s words" in page
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "published_page.changed")
        )
        assert count == 1
    # Saved again from the version shown, it goes through as version 2.
    again = client.post(
        "/admin/pages/accessibility?lang=en",
        data={"body": "Someone else's words", "version": "1", "csrf_token": token},
    )
    assert again.status_code == 303
    with app.app_context():
        row = db.session.scalar(select(PublishedPage).where(PublishedPage.slug == "accessibility"))
        assert row is not None and row.version == 2


def test_the_provider_contact_shows_on_the_statement_and_the_notice(
    demo: dict, client: FlaskClient
) -> None:
    assert sign_in(client, "admin@demo.facilitator.test").status_code == 302
    token = csrf_from(client.get("/admin/pages/contact?lang=en").get_data(as_text=True))
    body = "Riverside Care, 1 High Street. Phone 01234 567890."
    assert (
        client.post(
            "/admin/pages/contact?lang=en", data={"body": body, "version": "0", "csrf_token": token}
        ).status_code
        == 303
    )
    for url in ("/about/accessibility", "/about/privacy"):
        assert "Phone 01234 567890" in client.get(url).get_data(as_text=True)


def test_an_empty_or_too_long_page_is_refused_kindly(demo: dict, client: FlaskClient) -> None:
    assert sign_in(client, "admin@demo.facilitator.test").status_code == 302
    token = csrf_from(client.get("/admin/pages/privacy?lang=cy").get_data(as_text=True))
    empty = client.post(
        "/admin/pages/privacy?lang=cy", data={"body": "  ", "version": "0", "csrf_token": token}
    )
    assert empty.status_code == 400
    assert "Write the text of the page." in empty.get_data(as_text=True)
    long = "x" * (published.BODY_LIMIT + 1)
    refused = client.post(
        "/admin/pages/privacy?lang=cy", data={"body": long, "version": "0", "csrf_token": token}
    )
    assert refused.status_code == 400
    assert "20000" in refused.get_data(as_text=True)


def test_only_administrators_change_pages(demo: dict, app: Flask) -> None:
    for who in ("staff", "manager", "advocate"):
        client = app.test_client()
        assert sign_in(client, f"{who}@demo.facilitator.test").status_code == 302
        assert client.get("/admin/pages/").status_code in (302, 403)
        assert client.get("/admin/pages/privacy?lang=en").status_code in (302, 403)
    admin = app.test_client()
    assert sign_in(admin, "admin@demo.facilitator.test").status_code == 302
    assert admin.get("/admin/pages/nothing?lang=en").status_code == 404
    assert admin.get("/admin/pages/privacy?lang=xx").status_code == 404


# --- complaints from the person, on the tablet ---------------------------------------------------


def test_the_tablet_help_leads_to_complaining_and_the_easy_read_notice(
    app: Flask, demo: dict
) -> None:
    tablet = _tablet(app, demo)
    help_page = tablet.get("/person/help/").get_data(as_text=True)
    assert 'href="/person/help/complain"' in help_page
    assert 'href="/person/help/privacy"' in help_page
    notice = tablet.get("/person/help/privacy")
    assert notice.status_code == 200
    html = notice.get_data(as_text=True)
    assert "We write down what you tell us in your review." in html
    assert "pictures/flat/pencil.svg" in html and 'data-say="' in html
    # The public pages are not for a locked tablet: it stays in its review.
    assert tablet.get("/about/privacy").status_code in (302, 303)


def test_the_person_complains_on_the_tablet_once_however_often_they_tap(
    app: Flask, demo: dict
) -> None:
    tablet = _tablet(app, demo)
    page = tablet.get("/person/help/complain")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "What is wrong?" in html and "Who can help" in html
    form = {
        "csrf_token": csrf_from(html),
        "token": _token(html),
        "topic": "person-not-listened-to",
        "words": "Nobody asks me about my room.",
    }
    first = tablet.post("/person/help/complain", data=form)
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/person/help/complain/sent")
    second = tablet.post("/person/help/complain", data=form)  # a double tap
    assert second.status_code == 303
    sent = tablet.get("/person/help/complain/sent").get_data(as_text=True)
    assert "within 3 working days" in sent
    made = _complaints(app)
    assert len(made) == 1
    complaint = made[0]
    assert complaint.raised_by_role == "The person, on the tablet"
    assert "Nobody asks me about my room." in complaint.about
    assert complaint.review_id == demo["reviews"]["Sam"]
    assert complaint.acknowledge_by == add_working_days(complaint.received_on, 3)
    assert complaint.received_on == date.today() or complaint.received_on <= date.today()
    with app.app_context():
        source = db.session.get(ComplaintSource, complaint.id)
        assert source is not None and source.source == "person-tablet"
        assert source.tablet_user_id == demo["users"]["keyworker@demo.facilitator.test"]
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "complaint.received",
                AuditEvent.object_id == str(complaint.id),
            )
        )
        assert event is not None
        assert event.actor_user_id is None and event.actor_label == "the person, on the tablet"
    # It is in the register, with its clock.
    manager = app.test_client()
    assert sign_in(manager, "manager@demo.facilitator.test").status_code == 302
    register = manager.get("/governance/complaints").get_data(as_text=True)
    assert f"/governance/complaints/{complaint.id}" in register
    case = manager.get(f"/governance/complaints/{complaint.id}").get_data(as_text=True)
    assert "The person, on the tablet" in case and "Nobody asks me about my room." in case


def test_a_complaint_without_a_picture_is_refused_and_keeps_the_words(
    app: Flask, demo: dict
) -> None:
    tablet = _tablet(app, demo)
    html = tablet.get("/person/help/complain").get_data(as_text=True)
    refused = tablet.post(
        "/person/help/complain",
        data={"csrf_token": csrf_from(html), "token": _token(html), "words": "My own words"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Choose a picture that says what is wrong." in page
    assert "My own words" in page
    assert _complaints(app) == []


# --- complaints from family, through their link --------------------------------------------------


def test_a_family_member_complains_through_their_link_once(app: Flask, demo: dict) -> None:
    issued = _issue(app, demo)
    family = app.test_client()
    _in(family, issued)
    assert 'href="/family/complain"' in family.get("/family/review").get_data(as_text=True)
    html = family.get("/family/complain").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(html),
        "token": _token(html),
        "topic": "family-involvement",
        "words": "I was not told the date of the review.",
    }
    assert family.post("/family/complain", data=form).status_code == 303
    assert family.post("/family/complain", data=form).status_code == 303  # a double tap
    assert "3 working days" in family.get("/family/complain/sent").get_data(as_text=True)
    made = _complaints(app)
    assert len(made) == 1
    complaint = made[0]
    assert complaint.raised_by == "Alex Carter"
    assert complaint.raised_by_role == "Family member or friend, through their link"
    assert complaint.about == "I was not told the date of the review."
    assert complaint.acknowledge_by == add_working_days(complaint.received_on, 3)
    with app.app_context():
        source = db.session.get(ComplaintSource, complaint.id)
        assert source is not None and source.source == "family-link"
        assert source.supporter_id == issued.supporter_id and source.link_id == issued.link_id
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "complaint.received",
                AuditEvent.object_id == str(complaint.id),
            )
        )
        assert event is not None and event.actor_user_id is None
        assert event.actor_label == f"supporter {issued.supporter_id} by link {issued.link_id}"


def test_a_family_complaint_with_no_words_is_refused_kindly(app: Flask, demo: dict) -> None:
    issued = _issue(app, demo)
    family = app.test_client()
    _in(family, issued)
    html = family.get("/family/complain").get_data(as_text=True)
    refused = family.post(
        "/family/complain",
        data={"csrf_token": csrf_from(html), "token": _token(html), "topic": "other", "words": ""},
    )
    assert refused.status_code == 400
    assert "Say what is wrong, in your own words." in refused.get_data(as_text=True)
    assert _complaints(app) == []


def test_the_family_complaint_page_needs_the_link(client: FlaskClient, demo: dict) -> None:
    assert client.get("/family/complain").status_code == 403


def test_the_tablet_sentences_are_part_of_what_speech_render_makes(app: Flask) -> None:
    from facilitator.cli.speech import _library_by_language
    from facilitator.outputs.spoken import spoken_complaint_texts

    with app.app_context():
        spoken = list(spoken_complaint_texts(["en"], published.Facts(retention_years=8)))
        by_lang = _library_by_language()
    assert ("What is wrong?", "en") in spoken
    assert ("We write down what you tell us in your review.", "en") in spoken
    assert ("When your support ends, we keep it for 8 years. Then we delete it.", "en") in spoken
    for text, lang in spoken:
        assert (text, lang) in by_lang[lang]
