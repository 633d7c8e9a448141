"""A member of staff signs in on a tablet and reaches their home page; axe-core finds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import PHONE, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_sign_in_and_home_on_a_tablet(tablet: Any, live_server: Any) -> None:
    tablet.goto(f"{live_server.url}/sign-in")
    assert_no_axe_violations(tablet, "sign-in")
    sign_in_page(tablet, live_server.url, "staff@demo.facilitator.test")
    assert tablet.locator("h1").inner_text() == "People and reviews"
    assert "You are signed in." in tablet.locator("#messages").inner_text()
    assert_no_axe_violations(tablet, "staff home")
    # The keyboard reaches the skip link first, and it moves focus to the main content.
    tablet.keyboard.press("Tab")
    assert tablet.evaluate("document.activeElement.className") == "skip-link"


@pytest.mark.parametrize(
    ("email", "heading"),
    [
        ("manager@demo.facilitator.test", "Governance"),
        ("admin@demo.facilitator.test", "Accounts"),
        ("advocate@demo.facilitator.test", "My people"),
    ],
)
def test_each_role_home_is_accessible(
    tablet: Any, live_server: Any, email: str, heading: str
) -> None:
    sign_in_page(tablet, live_server.url, email)
    assert tablet.locator("h1").inner_text() == heading
    assert_no_axe_violations(tablet, heading)


def test_wrong_password_message_is_accessible_and_reflows_at_320px(
    browser: Any, live_server: Any
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in_page(page, live_server.url, "staff@demo.facilitator.test", "wrong-password-x")
    assert "not right" in page.locator(".error-summary").inner_text()
    assert_no_axe_violations(page, "sign-in error")
    # Nothing scrolls sideways at 320 CSS px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_staff_pages_on_a_phone(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in_page(page, live_server.url, "staff@demo.facilitator.test")
    page.get_by_role("link", name="Sam's review").click()
    assert page.locator("h1").inner_text().startswith("Sam's review")
    assert_no_axe_violations(page, "review page")
    page.go_back()
    page.get_by_role("link", name="Sam", exact=True).click()
    assert page.locator("h1").inner_text() == "Sam"
    assert_no_axe_violations(page, "person page")
    context.close()
