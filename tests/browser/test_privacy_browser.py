"""Privacy pages in Chromium: the person page with "care ended", the subject access page and the
list of people whose care has ended pass axe-core on a tablet."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Person

from .conftest import assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser


def test_privacy_pages_pass_axe(tablet: Any, live_app: Any, live_server: Any) -> None:
    with live_app.app_context():
        sam = db.session.scalar(select(Person).where(Person.preferred_name == "Sam"))
        assert sam is not None
        person_id = sam.id
    sign_in_page(tablet, live_server.url, "manager@demo.facilitator.test")
    tablet.goto(f"{live_server.url}/staff/people/{person_id}")
    tablet.get_by_label("The day care ended").fill("2017-05-01")
    tablet.get_by_role("button", name="Save the day care ended").click()
    tablet.wait_for_url(f"**/staff/people/{person_id}*")
    assert tablet.get_by_text("Care ended on 1 May 2017 is recorded.").count() == 1
    assert_no_axe_violations(tablet, "person page with care ended")
    for path in (f"/staff/people/{person_id}/subject-access", "/staff/people/care-ended"):
        response = tablet.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(tablet, path)
