"""Need to know pages in Chromium (issue 25): covering another service, a person's service and
a move, and "access outside own service" pass axe-core, on a tablet and a phone, empty, after a
refusal and with a cover listed. The sweep (test_sweep.py) reaches them from links too; this
names them, so that they are checked even if a link moves."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Person

from .conftest import PHONE, LiveServer, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser


def _both_widths(page: Any, where: str) -> None:
    assert_no_axe_violations(page, where)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, f"{where} (phone)")
    page.set_viewport_size(size)


def test_cover_and_service_pages_pass_axe(
    live_app: Any, live_server: LiveServer, tablet: Any, browser: Any
) -> None:
    base = live_server.url
    with live_app.app_context():
        sam = db.session.scalars(select(Person.id).where(Person.full_name == "Samuel Carter")).one()
    page = tablet
    sign_in_page(page, base, "oak@demo.facilitator.test")
    page.goto(f"{base}/staff/cover")
    assert page.get_by_role("heading", name="Covering another service").is_visible()
    _both_widths(page, "/staff/cover")
    # A refusal: only spaces for a reason; the message is said and the typed name is kept.
    page.get_by_label("The service you are covering").select_option(label="Tŷ Celyn care home")
    page.get_by_label("The person's full name").fill("Gwenllian Hughes")
    page.get_by_label("Why you need to open their record").fill("   ")  # past the browser's check
    page.get_by_role("button", name="Open their record").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("The person's full name").input_value() == "Gwenllian Hughes"
    _both_widths(page, "/staff/cover (refused)")
    page.get_by_label("Why you need to open their record").fill("Night cover at Tŷ Celyn")
    page.get_by_role("button", name="Open their record").click()
    page.wait_for_load_state()
    assert "/staff/people/" in page.url
    page.goto(f"{base}/staff/cover")
    assert page.get_by_text("Night cover at Tŷ Celyn").is_visible()
    _both_widths(page, "/staff/cover (a cover listed)")
    page.goto(f"{base}/staff/people/{sam}/service")
    _both_widths(page, f"/staff/people/{sam}/service")

    context = browser.new_context(viewport=page.viewport_size, locale="en-GB")
    manager = context.new_page()
    try:
        sign_in_page(manager, base, "tycelyn.manager@demo.facilitator.test")
        manager.goto(f"{base}/governance/cover")
        assert manager.get_by_text("Night cover at Tŷ Celyn").is_visible()
        _both_widths(manager, "/governance/cover")
        manager.goto(f"{base}/governance/")
        _both_widths(manager, "/governance/ (one service)")
    finally:
        context.close()
