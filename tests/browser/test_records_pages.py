"""The record-keeping pages the sweep's one-page-per-shape rule may pass by (issue 17): a legal
authority's page, and a supporter's page after a conflict (both versions shown), checked like
every swept page (axe, 320 px, 200 % text)."""

from __future__ import annotations

from typing import Any

from .conftest import sign_in_page
from .test_sweep import _check_page, context  # noqa: F401  (the sweep's context fixture)


def test_authority_and_conflict_pages_pass_the_checks(context: Any, live_server: Any) -> None:  # noqa: F811
    page = context.new_page()
    base = live_server.url
    sign_in_page(page, base, "staff@demo.facilitator.test")
    problems: list[str] = []
    # Sam (person 1): Mary Carter holds a checked LPA.
    page.goto(f"{base}/staff/people/1")
    mary = page.locator("a", has_text="Change or end Mary Carter").first.get_attribute("href")
    assert mary
    page.goto(f"{base}{mary}")
    problems += _check_page(page, mary)
    authority = page.locator("a", has_text="Correct or end this authority").first
    href = authority.get_attribute("href")
    assert href
    page.goto(f"{base}{href}")
    assert "Checked by" in page.content()
    problems += _check_page(page, href)

    # Someone else saves first: the page shows both versions.
    page.goto(f"{base}{mary}")
    form = f"form[action='{mary}']"
    page.evaluate(
        f"() => {{ document.querySelector(\"{form} input[name=version]\").value = '0'; }}"
    )
    page.fill("#phone", "01234 000000")
    page.locator(f"{form} button[type=submit]").click()
    page.wait_for_load_state()
    assert "The saved version" in page.content()
    problems += _check_page(page, f"{mary} (conflict)")
    assert not problems, "\n".join(problems)
