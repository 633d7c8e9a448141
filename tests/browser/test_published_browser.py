"""Published pages and complaints in Chromium (issue 17): axe-core finds nothing on the
accessibility statement and the privacy notices in all four languages, on the administrator's
pages, on the tablet's complaint and easy-read privacy screens, or on a family member's
complaint page; at 320 px nothing scrolls sideways. The person complains by tapping."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import ComplaintSource

from .conftest import PHONE, TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
PUBLIC = ("/about/accessibility", "/about/privacy", "/about/privacy/easy-read")


def _fits(page: Any, where: str) -> None:
    page.set_viewport_size(NARROW)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{where} scrolls sideways at 320 px ({width})"


def test_the_public_pages_pass_axe_in_every_language(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    for lang in ("en", "cy", "pl", "ur"):
        context = browser.new_context(viewport=TABLET, locale="en-GB")
        page = context.new_page()
        page.goto(f"{live_server.url}/sign-in")
        page.locator(f'.language-switcher button[value="{lang}"]').click()
        page.wait_for_load_state()
        for path in PUBLIC:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            assert page.evaluate("document.documentElement.lang") == lang
            assert_no_axe_violations(page, f"{path} ({lang})")
            _fits(page, f"{path} ({lang})")
            page.set_viewport_size(TABLET)
        context.close()


def test_the_administrators_pages_pass_axe(tablet: Any, live_server: Any) -> None:
    sign_in_page(tablet, live_server.url, "admin@demo.facilitator.test")
    tablet.goto(f"{live_server.url}/admin/pages/")
    assert_no_axe_violations(tablet, "published pages")
    tablet.get_by_role("link", name="Change Our contact details").click()
    tablet.wait_for_url("**/admin/pages/contact")
    assert_no_axe_violations(tablet, "contact edit")
    tablet.get_by_label("Text of the page").fill("Riverside Care, 01234 567890")
    tablet.get_by_role("button", name="Save the page").click()
    tablet.wait_for_url("**/admin/pages/")
    tablet.goto(f"{live_server.url}/about/accessibility")
    assert tablet.get_by_text("Riverside Care, 01234 567890").count() == 1
    tablet.goto(f"{live_server.url}/admin/pages/privacy-easy-read?lang=cy")
    assert_no_axe_violations(tablet, "easy-read edit in Welsh")


def test_the_person_complains_on_the_tablet(browser: Any, live_app: Any, live_server: Any) -> None:
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, "staff@demo.facilitator.test")
    page.goto(f"{live_server.url}/staff/reviews/4")
    page.get_by_role("button", name="Start Priya's session on this tablet").click()
    page.wait_for_url("**/person/")
    page.locator("a.help-link").click()
    page.wait_for_url("**/person/help/**")
    page.get_by_role("link", name="What we keep about you").click()
    page.wait_for_url("**/person/help/privacy")
    assert_no_axe_violations(page, "easy-read privacy on the tablet")
    page.goto(f"{live_server.url}/person/help/")
    page.get_by_role("link", name="Something is wrong: tell us").click()
    page.wait_for_url("**/person/help/complain")
    assert_no_axe_violations(page, "complaint on the tablet")
    page.get_by_text("People do not listen to me.").first.tap()
    assert_no_axe_violations(page, "complaint with a picture chosen")
    send = page.get_by_role("button", name="Send")
    send.dblclick()  # a double tap
    page.wait_for_url("**/person/help/complain/sent")
    assert_no_axe_violations(page, "complaint sent")
    with live_app.app_context():
        made = db.session.scalar(
            select(func.count())
            .select_from(ComplaintSource)
            .where(ComplaintSource.source == "person-tablet")
        )
        assert made == 1
    context.close()


def test_a_family_complaint_page_passes_axe_on_a_phone(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    from .test_family_browser import _open_and_confirm, _prepare

    token, code = _prepare(live_app)
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = context.new_page()
    _open_and_confirm(page, live_server.url, token, code)
    page.get_by_role("link", name="Not happy with something? Make a complaint").click()
    page.wait_for_url("**/family/complain")
    assert_no_axe_violations(page, "family complaint")
    page.get_by_label("Something else").check()
    page.get_by_label("What is wrong? Say it in your own words.").fill("Nobody rang me back.")
    page.get_by_role("button", name="Send my complaint").click()
    page.wait_for_url("**/family/complain/sent")
    assert_no_axe_violations(page, "family complaint sent")
    _fits(page, "family complaint sent")
    context.close()
