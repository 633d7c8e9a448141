"""Advocates' formal reports in Chromium (issue 17): the advocate files one with a file, sees it
on their outcomes page, staff see it waiting and write the response, the advocate sees it.
Every page on the way (and the refused form) passes the sweep's checks: axe-core, 320 px and
200 % text."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Person, Review

from .conftest import AXE, TABLET, sign_in_page
from .test_sweep import _check_page, context  # noqa: F401  (the sweep's context fixture)

pytestmark = pytest.mark.browser


def test_report_filed_answered_and_seen_pass_the_checks(
    context: Any,  # noqa: F811
    browser: Any,
    live_app: Any,
    live_server: Any,
    tmp_path: Any,
) -> None:
    with live_app.app_context():
        review_id = db.session.scalars(
            select(Review.id).join(Person).where(Person.preferred_name == "Ellis")
        ).first()
    assert review_id
    base = live_server.url
    problems: list[str] = []
    page = context.new_page()
    sign_in_page(page, base, "advocate@demo.facilitator.test")
    page.goto(f"{base}/advocate/reviews/{review_id}/outcomes")
    page.get_by_role("link", name="File your formal report").first.click()
    page.wait_for_load_state()
    problems += _check_page(page, "report form")
    page.get_by_role("button", name="File my report").click()  # nothing written: refused
    page.wait_for_load_state()
    assert "Write your report, or paste it into the box." in page.content()
    problems += _check_page(page, "report form (refused)")
    page.get_by_label("Your report", exact=True).fill("Ellis was not asked about the allotment.")
    attached = tmp_path / "report.pdf"
    attached.write_bytes(b"%PDF-1.7 a short report")
    page.get_by_label("Attach a file (optional)").set_input_files(str(attached))
    page.get_by_role("button", name="File my report").click()
    page.wait_for_load_state()
    assert "Your report is filed as yours" in page.content()
    problems += _check_page(page, "outcomes with the report")

    office = browser.new_context(viewport=TABLET, locale="en-GB")  # staff's own browser
    office.add_init_script(script=AXE.read_text())
    staff = office.new_page()
    sign_in_page(staff, base, "staff@demo.facilitator.test")
    staff.goto(f"{base}/staff/advocate-reports")
    problems += _check_page(staff, "reports waiting")
    staff.get_by_role("link", name="Ellis's review").first.click()
    staff.wait_for_load_state()
    problems += _check_page(staff, "the review's reports")
    staff.get_by_label("Your written response").fill("We will ask Ellis this week.")
    staff.get_by_role("button", name="Record the written response").click()
    staff.wait_for_load_state()
    assert "The response is recorded" in staff.content()
    problems += _check_page(staff, "the review's reports (answered)")

    office.close()
    page.goto(f"{base}/advocate/reviews/{review_id}/outcomes")
    assert "We will ask Ellis this week." in page.content()
    problems += _check_page(page, "outcomes with the response")
    assert not problems, "\n".join(problems)
