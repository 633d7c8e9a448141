"""Right to left: an Urdu speaker's tablet sets dir="rtl" and its layout mirrors."""

from __future__ import annotations

from typing import Any

import pytest

from facilitator.extensions import db
from facilitator.models import Person

from .conftest import TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_urdu_person_mode_is_right_to_left(browser: Any, live_app: Any, live_server: Any) -> None:
    with live_app.app_context():
        priya = db.session.get(Person, 4)
        assert priya is not None and priya.preferred_name == "Priya"
        priya.language = "ur"
        db.session.commit()
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()
    sign_in_page(page, live_server.url, "staff@demo.facilitator.test")
    page.goto(f"{live_server.url}/staff/reviews/4")
    page.get_by_role("button", name="Start Priya's session on this tablet").click()
    page.wait_for_url("**/person/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ur"
    assert_no_axe_violations(page, "Urdu welcome")
    page.goto(f"{live_server.url}/person/q/1")
    picture = page.locator(".big-picture img").bounding_box()
    words = page.locator(".screen-words").bounding_box()
    assert picture and words
    # In a right-to-left page the picture, first in reading order, sits on the right.
    assert picture["x"] > words["x"]
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.screen-body')).direction") == "rtl"
    )
    assert_no_axe_violations(page, "Urdu prompt")
    context.close()


@pytest.mark.parametrize(
    ("code", "sign_in_label"), [("cy", "Mewngofnodi"), ("pl", None), ("ur", None)]
)
def test_interface_language_switcher(
    browser: Any, live_server: Any, code: str, sign_in_label: str | None
) -> None:
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.locator(f"button[name='language'][value='{code}']").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == code
    assert page.evaluate("document.documentElement.dir") == ("rtl" if code == "ur" else "ltr")
    if sign_in_label:
        assert page.locator("h1").inner_text() == sign_in_label
    assert page.locator("h1").inner_text() != "Sign in"
    assert_no_axe_violations(page, f"sign-in in {code}")
    context.close()
