"""The locked tablet after too many wrong PINs, in Chromium: the password, then the code from
the app, each form accessible (axe-core), the tablet locked to the person's review meanwhile
(issue 21, item 1)."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from . import conftest as browser_conftest
from .conftest import assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

KEYWORKER = "keyworker@demo.facilitator.test"


def _unlock(page: Any, label: str, typed: str) -> None:
    page.get_by_label(label, exact=True).fill(typed)
    page.get_by_role("button", name="Unlock the tablet").click()
    page.wait_for_load_state()


def test_the_password_then_the_code_unlock_a_locked_out_tablet(
    live_server: Any, tablet: Any
) -> None:
    base = live_server.url
    sign_in_page(tablet, base, KEYWORKER)
    tablet.goto(f"{base}/staff/reviews/1")
    tablet.get_by_role("button", name="Start Sam's session on this tablet").click()
    tablet.wait_for_load_state("networkidle")
    tablet.goto(f"{base}/person/break")
    tablet.locator("summary").click()
    for wrong in ("0000", "1111", "2222", "3333", "4444"):
        _unlock(tablet, "Facilitator's PIN or password", wrong)
    expect(tablet.get_by_role("alert")).to_contain_text("the PIN no longer unlocks this tablet")
    assert_no_axe_violations(tablet, "password needed")
    _unlock(tablet, "Facilitator's password", "demo-password-2026")
    expect(tablet.get_by_label("Code from your app", exact=True)).to_be_visible()
    assert tablet.locator(".site-header").count() == 0  # still the person's screen
    assert_no_axe_violations(tablet, "code next")
    key = (base, KEYWORKER)
    step = max(int(time.time()) // 30, browser_conftest._LAST_STEP.get(key, -1) + 1)
    if step > int(time.time()) // 30 + 1:
        time.sleep((step - 1) * 30 - time.time() + 0.5)
    browser_conftest._LAST_STEP[key] = step
    code = pyotp.TOTP(browser_conftest._SECRETS[key]).at(step * 30)
    _unlock(tablet, "Code from your app", code)
    expect(tablet.locator("h1")).to_contain_text("Sam")
    assert "/staff/reviews/1" in tablet.url
