"""Setting up the second sign-in step in Chromium: QR code, typed key, recovery codes; axe-core
finds nothing on any of its pages, at tablet size and at 320 CSS px."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from .conftest import (
    assert_no_axe_violations,
    remember_authenticator,
    sign_in_page,
    type_second_factor_code,
)

pytestmark = pytest.mark.browser

MANAGER = "manager@demo.facilitator.test"


def test_setting_up_the_second_step_then_signing_in_with_a_code(
    tablet: Any, browser: Any, live_server: Any
) -> None:
    base = live_server.url
    tablet.goto(f"{base}/sign-in")
    tablet.get_by_label("Email address").fill(MANAGER)
    tablet.get_by_label("Password").fill("demo-password-2026")
    tablet.get_by_role("button", name="Sign in").click()
    tablet.wait_for_load_state()
    assert tablet.url.endswith("/sign-in/set-up")
    assert tablet.locator("h1").inner_text() == "Set up the second step for signing in"
    qr = tablet.get_by_role("img", name="QR code for adding Facilitator to your authenticator app")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")  # the data: SVG drew
    assert_no_axe_violations(tablet, "second step set-up")

    # The key is there as text for anyone who cannot scan; an app given it makes the codes.
    secret = tablet.locator(".secret-key").inner_text().replace(" ", "")
    tablet.get_by_label("Code", exact=True).fill("000000")
    tablet.get_by_role("button", name="Check the code and sign in").click()
    error = tablet.locator(".error-message")
    assert "That code is not right" in error.inner_text()
    assert tablet.get_by_label("Code", exact=True).get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(tablet, "set-up with a wrong code")
    tablet.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    tablet.get_by_role("button", name="Check the code and sign in").click()
    assert tablet.locator("h1").inner_text() == "Your recovery codes"
    assert tablet.locator(".recovery-codes li").count() == 10
    assert_no_axe_violations(tablet, "recovery codes")
    tablet.get_by_role("link", name="I have kept my codes, continue").click()
    assert tablet.locator("h1").inner_text() == "Governance"

    tablet.get_by_role("link", name="Your account").click()
    assert_no_axe_violations(tablet, "your account")
    tablet.get_by_role("button", name="Sign out").click()

    # Next time: the code page, on a phone-sized screen that must not scroll sideways.
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(MANAGER)
    page.get_by_label("Password").fill("demo-password-2026")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text() == "Enter your code"
    assert_no_axe_violations(page, "code page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    remember_authenticator(base, MANAGER, secret)
    type_second_factor_code(page, base, MANAGER)
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text() == "Governance"
    context.close()


def test_the_helper_sets_up_and_signs_in_again(tablet: Any, live_server: Any) -> None:
    sign_in_page(tablet, live_server.url, "advocate@demo.facilitator.test")
    assert tablet.locator("h1").inner_text() == "My people"
    tablet.get_by_role("button", name="Sign out").click()
    sign_in_page(tablet, live_server.url, "advocate@demo.facilitator.test")
    assert tablet.locator("h1").inner_text() == "My people"


def test_typing_tells_the_server_someone_is_still_here(
    tablet: Any, live_app: Any, live_server: Any
) -> None:
    live_app.config["STILL_HERE_EVERY_SECONDS"] = 1
    sign_in_page(tablet, live_server.url, "staff@demo.facilitator.test")
    tablet.goto(f"{live_server.url}/staff/people/new")
    field = tablet.get_by_label("Preferred name")
    field.type("Ni")  # within the first second of the page: nothing is sent yet
    tablet.wait_for_timeout(1100)
    with tablet.expect_response(lambda r: r.url.endswith("/account/still-here")) as told:
        field.type("a")
    assert told.value.status == 204
