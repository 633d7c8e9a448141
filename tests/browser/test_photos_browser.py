"""Photos in Chromium: a key worker uploads a photo of Sam's home with alt text from the staff
page; with Sam's "photos" setting the tablet shows it instead of the drawn house, with its alt
text. axe-core runs on each page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Person, Review

from .conftest import TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

GPS_JPEG = Path(__file__).resolve().parents[1] / "fixtures" / "bad_files" / "gps.jpg"
ALT = "Sam's front door, painted blue"


def _sam(app: Any) -> tuple[int, int]:
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.preferred_name == "Sam")).one()
        review = db.session.scalars(select(Review).where(Review.person_id == person.id)).first()
        assert review is not None
        return person.id, review.id


def test_upload_a_photo_and_see_it_in_person_mode(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    person_id, review_id = _sam(live_app)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, "keyworker@demo.facilitator.test")

    page.goto(f"{live_server.url}/staff/people/{person_id}")
    page.get_by_role("link", name="Photos", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Photos for Sam"
    assert_no_axe_violations(page, "photos, none yet")

    # Without alt text the browser keeps the form (the server refuses it too: web tests).
    page.get_by_label("Photo", exact=True).set_input_files(str(GPS_JPEG))
    page.get_by_label("What it shows").fill("My flat")
    page.get_by_label("Show it instead of the picture for").select_option(label="Their home")
    page.get_by_role("button", name="Add the photo").click()
    assert page.evaluate("() => document.querySelector('#alt_text').validity.valueMissing")
    page.get_by_label("Alt text: describe the photo").fill(ALT)
    page.get_by_role("button", name="Add the photo").click()
    page.wait_for_load_state()
    assert "The photo is added." in page.content()
    thumb = page.get_by_role("img", name=ALT)
    assert thumb.count() == 1
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    assert_no_axe_violations(page, "photos, one added")

    # Sam's tablet settings: photos where there are some.
    page.goto(f"{live_server.url}/staff/people/{person_id}/communication")
    page.get_by_label("Photos where there are some").check()
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_load_state()
    with live_app.app_context():
        sam = db.session.get(Person, person_id)
        assert sam is not None and sam.setting("pictures") == "photos"

    page.goto(f"{live_server.url}/staff/reviews/{review_id}")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/person/q/1")
    page.wait_for_load_state("networkidle")
    big = page.locator(".big-picture img")
    assert "/person/photos/" in (big.get_attribute("src") or "")
    assert big.get_attribute("alt") == ALT
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", big.element_handle())
    assert_no_axe_violations(page, "prompt 1 with Sam's photo")
    context.close()
