"""The administrators' Messages page in Chromium (issue 18): the list and one failed message
pass axe-core, the secret is never on the page, and "Send again" works from the keyboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from facilitator.extensions import db
from facilitator.services.messages import delivery, outbox, transports

from .conftest import assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

SECRET = "tok-browser-never-shown-5521"


def _fill(app: Any) -> int:
    with app.app_context():
        outbox.enqueue(
            db.session, key="b:waiting", kind="family-link", channel="email",
            to="sam.supporter@example.org", language="ur", subject="آپ کا لنک",
            text="https://care.example/f/{secret}", secret=SECRET,
        )  # fmt: skip
        failed = outbox.enqueue(
            db.session, key="b:failed", kind="safety-alert", channel="sms", to="+447700900123",
            language="en", subject="A safety concern was raised", text="Look: {secret}",
            secret=SECRET,
        )  # fmt: skip
        assert failed is not None
        db.session.commit()
        transport = transports.SmtpTransport("smtp://127.0.0.1:9", "a@b.c", timeout=2)
        delivery.deliver(db.session, transport, now=failed.created_at + timedelta(minutes=1))
        return failed.id


def test_the_messages_pages_are_accessible_and_send_again_works(
    tablet: Any, live_server: Any
) -> None:
    failed = _fill(live_server.app)
    page = tablet
    sign_in_page(page, live_server.url, "admin@demo.facilitator.test")
    page.get_by_role("link", name="Messages").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Messages").is_visible()
    assert_no_axe_violations(page, "the Messages list")
    page.get_by_label("Show").select_option("failed")
    page.get_by_role("button", name="Show these messages").click()
    page.wait_for_load_state()
    assert "status=failed" in page.url
    page.get_by_role("link", name="A safety concern was raised").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/messages/{failed}")
    assert SECRET not in page.content() and "[hidden]" in page.content()
    assert_no_axe_violations(page, "a failed message")
    page.get_by_role("button", name="Send again").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("will be sent again").is_visible()
    assert page.get_by_role("button", name="Send again").count() == 0
    assert_no_axe_violations(page, "a message waiting to be sent again")
