"""Messages in a real browser (issue 18).

- The HTML part of every kind of message, in English and in Urdu (right to left), passes
  axe-core in Chromium (loaded with ``page.set_content``).
- From end to end: staff issue a family link in the browser; the worker's delivery sends it
  to a real SMTP server on loopback (aiosmtpd, STARTTLS and AUTH); a phone-sized browser
  follows the link from the email's body, types the code from the second email and sends
  views; the coordinator's "views received" then arrives at the same server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.mail_server import MailServer

from .conftest import PHONE, TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

STAFF = "staff@demo.facilitator.test"
WHEN = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
SAMPLES: dict[str, dict[str, Any]] = {
    "family-link": {
        "sender": "Sian Jones",
        "supporter_name": "Alex Carter",
        "person_name": "Sam",
        "expires_at": WHEN,
        "code_by": "sms",
        "url": "https://care.example.org/family/link/{secret}",
    },
    "family-code": {"code": "{secret}"},
    "link-reminder": {
        "sender": "Sian Jones",
        "supporter_name": "Alex Carter",
        "person_name": "Sam",
        "expires_at": WHEN,
        "sent_at": WHEN,
    },
    "views-received": {"review_id": 7, "from_advocate": False, "url": "https://x.example/r/7"},
    "safety-alert": {"raised_at": WHEN, "url": "https://x.example/safeguarding/flags/3"},
    "safety-escalation": {"raised_at": WHEN, "url": "https://x.example/safeguarding/flags/3"},
    "complaint-ack-due": {"complaint_id": 4, "due_on": date(2027, 1, 5), "url": "https://x/c/4"},
    "actions-digest": {
        "user_name": "Sian Jones",
        "overdue": [{"id": 1, "review_id": 7, "due_on": date(2027, 1, 1), "url": "https://x/a/1"}],
        "due": [{"id": 2, "review_id": 7, "due_on": date(2027, 1, 8), "url": "https://x/a/2"}],
        "url": "https://x/actions",
    },
    "agreement-review-due": {"agreement_id": 9, "review_on": date(2027, 1, 9), "url": "https://x"},
    "password-reset": {
        "user_name": "Sian Jones",
        "minutes": 60,
        "url": "https://x/sign-in/new-password/{secret}",
    },
    **{
        f"meeting-{change}": {
            "change": change,
            "staff": change != "arranged",
            "name": "Sam",
            "on": date(2027, 3, 12),
            "at": "10:00",
            "at_home": change == "moved",
            "place": "The day centre",
            "arranged_by": "Sian Jones",
            "url": "https://x/staff/reviews/7",
        }
        for change in ("arranged", "moved", "cancelled")
    },
    # A joint problem-solving meeting arranged or cancelled (issue 17).
    **{
        f"joint-meeting-{change}": {
            "name": "Sam",
            "on": date(2027, 3, 12),
            "at": "10:00",
            "at_home": change == "cancelled",
            "place": "The day centre",
            "url": "https://x/staff/joint-meetings/3",
        }
        for change in ("arranged", "cancelled")
    },
    # An advocate's formal report filed, and its written response ready (issue 17).
    "advocate-report-filed": {
        "review_id": 7,
        "addendum": False,
        "due": date(2027, 2, 1),
        "url": "https://x/staff/reviews/7/advocate-reports",
    },
    "advocate-report-answered": {"review_id": 7, "url": "https://x/advocate/reviews/7/outcomes"},
}


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(tmp_path).start()
    yield server
    server.stop()


def test_every_message_html_passes_axe(browser: Any, app: Flask) -> None:
    from facilitator.services.messages import compose

    assert set(SAMPLES) == set(compose.SUBJECTS)
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    with app.app_context():
        for kind, values in SAMPLES.items():
            for language in ("en", "ur"):
                message = compose.compose(kind, language, **values)
                assert message.html is not None
                page.set_content(message.html)
                assert page.locator("html").get_attribute("lang") == language
                expected = "rtl" if language == "ur" else "ltr"
                assert page.locator("html").get_attribute("dir") == expected
                assert page.locator("h1").count() == 1
                assert_no_axe_violations(page, f"{kind} message ({language})")
    context.close()


def _deliver(app: Flask, mail: MailServer) -> None:
    from facilitator.extensions import db
    from facilitator.services.messages import delivery, transports

    with app.app_context():
        transport = transports.SmtpTransport(mail.url, "Facilitator <care@example.org>", timeout=5)
        delivery.deliver(db.session, transport)
        db.session.remove()


def _received(mail: MailServer, subject: str) -> list[Any]:
    with mail.lock:
        return [r for r in mail.received if r.message["Subject"] == subject]


def test_a_family_link_from_email_to_views_received(
    browser: Any, live_app: Flask, live_server: Any, mail: MailServer
) -> None:
    from facilitator.extensions import db
    from facilitator.models import Review, Supporter
    from facilitator.services.messages import notices

    from .test_family_browser import _prepare

    base = live_server.url
    live_app.config["PUBLIC_URL"] = base
    with live_app.app_context():
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        alex.code_by = "email"
        db.session.commit()
    _prepare(live_app)  # Sam has answered and agreed that Alex may see it
    with live_app.app_context():
        review = db.session.scalars(select(Review).where(Review.person_id == alex.person_id)).one()
        review_id = review.id
        coordinator = notices.coordinator(db.session, review)
        assert coordinator is not None
        coordinator_email = coordinator.email
        db.session.remove()

    # Staff make a new link in the browser: it goes by email, the code by a second email.
    staff = browser.new_context(viewport=TABLET, locale="en-GB")
    page = staff.new_page()
    sign_in_page(page, base, STAFF)
    page.goto(f"{base}/staff/reviews/{review_id}/links")
    page.get_by_role("button", name="Make a new link for Alex Carter").click()
    page.wait_for_load_state()
    assert "The link is on its way" in page.locator("main").inner_text()
    assert page.locator("#issued-code").count() == 0
    assert_no_axe_violations(page, "link issued")
    staff.close()

    _deliver(live_app, mail)
    link_mail = _received(mail, "Share your views: a link from Sian Jones")[-1]
    code_mail = _received(mail, "Your code for the link we sent you")[-1]
    assert link_mail.rcpt_tos == code_mail.rcpt_tos == ["alex.carter@example.org"]
    found = re.search(rf"{re.escape(base)}/family/link/[A-Za-z0-9_-]{{43}}", link_mail.text)
    assert found, link_mail.text
    code = re.search(r"\b\d{6}\b", code_mail.text)
    assert code and code.group(0) not in link_mail.text

    # On a phone: the link from the email's body, then the code.
    phone = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = phone.new_page()
    page.goto(found.group(0))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    page.get_by_label("The 6-digit code").fill(code.group(0))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/family/review"
    page.locator("#t_where_i_live-working").fill("The garden is lovely")
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/family/sent"
    phone.close()

    _deliver(live_app, mail)
    (views,) = _received(mail, "New views have arrived for a review")
    assert views.rcpt_tos == [coordinator_email]
    assert f"{base}/staff/reviews/{review_id}" in views.text
    assert "The garden is lovely" not in views.text + views.html
