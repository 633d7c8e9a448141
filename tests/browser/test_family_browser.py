"""A family member on a phone: opens the link, confirms, reads what was shared, saves a draft,
comes back later, and sends their views. axe-core runs on every page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from .conftest import PHONE, assert_no_axe_violations

pytestmark = pytest.mark.browser

STAFF = "staff@demo.facilitator.test"


def _prepare(app: Any) -> tuple[str, str]:
    """Sam has answered and confirmed, agreed that Alex may see it; Alex gets a link."""
    from facilitator.extensions import db
    from facilitator.models import (
        CaptureMethod,
        ConsentDecision,
        Response,
        Review,
        ReviewStatus,
        Supporter,
        User,
        utcnow,
    )
    from facilitator.services.family import links
    from facilitator.services.reviews import consent

    with app.app_context():
        staff = db.session.scalars(select(User).where(User.email == STAFF)).one()
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        review = db.session.scalars(select(Review).where(Review.person_id == alex.person_id)).one()
        answers = {
            "like-where-you-live": ["good"],
            "who-is-important": ["family", "pets"],
            "support-working": ["working"],
        }
        for rp in review.prompts:
            if rp.library_prompt_id in answers:
                db.session.add(
                    Response(
                        review_id=review.id,
                        review_prompt_id=rp.id,
                        client_id=uuid.uuid4().hex,
                        answer=answers[rp.library_prompt_id],
                        capture_method=CaptureMethod.TAPPED,
                    )
                )
        first = review.prompts[0]
        db.session.add(
            Response(
                review_id=review.id,
                review_prompt_id=first.id,
                client_id=uuid.uuid4().hex,
                answer=[],
                own_words="I like my garden",
                capture_method=CaptureMethod.TYPED,
            )
        )
        review.person_confirmed_at = utcnow()
        review.status = ReviewStatus.PERSON_DONE
        consent.record_person_choice(db.session, review, alex, ConsentDecision.YES, "tapped", staff)
        issued = links.issue_link(db.session, review, alex, staff)
        db.session.commit()
        assert issued.code is not None
        return issued.token, issued.code


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _open_and_confirm(page: Any, base: str, token: str, code: str) -> None:
    page.goto(f"{base}/family/link/{token}")
    assert page.locator("h1").inner_text() == "Share your views"
    assert_no_axe_violations(page, "link page")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/family/confirm"  # the token is gone from the address
    assert page.locator("h1").inner_text() == "Check it is you"
    assert_no_axe_violations(page, "confirm page")
    page.get_by_label("The 6-digit code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/family/review"


def test_family_member_on_a_phone(browser: Any, live_app: Any, live_server: Any) -> None:
    token, code = _prepare(live_app)
    base = live_server.url

    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = context.new_page()
    _open_and_confirm(page, base, token, code)
    assert page.locator("h1").inner_text() == "Sam's review: your views"
    said = page.locator(".person-panel")
    assert "Sam agreed that you can see this." in said.inner_text()
    assert "I like my garden" in said.inner_text() and "Pets" in said.inner_text()
    assert_no_axe_violations(page, "family review page")
    _no_sideways_scroll(page)

    page.locator("#t_where_i_live-working").fill("The garden is lovely")
    page.locator("#t_where_i_live-not_working").fill("The stairs worry me")
    page.locator("label[for='t_where_i_live-rating-4']").click()  # "Not good"
    page.get_by_role("button", name="Save and come back later").click()
    page.wait_for_load_state()
    assert "Your views are saved." in page.locator("#messages").inner_text()
    assert_no_axe_violations(page, "after saving a draft")
    context.close()

    # Later, on the same phone with a new browser session: the link and code again.
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = context.new_page()
    _open_and_confirm(page, base, token, code)
    assert page.locator("#t_where_i_live-working").input_value() == "The garden is lovely"
    assert page.locator("#t_where_i_live-rating-4").is_checked()
    page.locator("#t_where_i_live-would_like").fill("A bedroom downstairs")
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/family/sent"
    assert page.locator("h1").inner_text() == "Thank you: your views have been sent"
    sent = page.locator("main").inner_text()
    assert "The stairs worry me" in sent and "A bedroom downstairs" in sent and "Not good" in sent
    assert_no_axe_violations(page, "sent page")
    _no_sideways_scroll(page)

    page.get_by_role("button", name="Finish on this device").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "You have finished for now"
    assert_no_axe_violations(page, "finished page")
    context.close()


def test_a_link_that_does_not_work_on_a_phone(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/family/link/{'A' * 43}")
    assert page.locator("h1").inner_text() == "We could not find this link"
    assert "Sam" not in page.content()
    assert_no_axe_violations(page, "unknown link page")
    _no_sideways_scroll(page)
    context.close()


def test_staff_make_a_link_and_the_family_member_uses_it(
    browser: Any, tablet: Any, live_app: Any, live_server: Any
) -> None:
    from facilitator.extensions import db
    from facilitator.models import Review, Supporter

    _prepare(live_app)  # Sam is done; an earlier link for Alex exists and will be replaced
    with live_app.app_context():
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        review_id = db.session.scalars(
            select(Review.id).where(Review.person_id == alex.person_id)
        ).one()
    from .conftest import sign_in_page

    sign_in_page(tablet, live_server.url, STAFF)
    tablet.goto(f"{live_server.url}/staff/reviews/{review_id}/links")
    assert tablet.locator("h1").inner_text() == "Links and consent for Sam's review"
    assert_no_axe_violations(tablet, "links page")
    tablet.get_by_role(
        "button", name="Make a new link for Alex Carter (the current one stops working)"
    ).click()
    tablet.wait_for_load_state()
    assert tablet.locator("h1").inner_text() == "The link for Alex Carter"
    assert_no_axe_violations(tablet, "link shown once")
    url = tablet.get_by_label("The link").input_value()
    code = tablet.get_by_label("The code").input_value()

    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = context.new_page()
    token = url.rsplit("/", 1)[1]
    _open_and_confirm(page, live_server.url, token, code)
    assert page.locator("h1").inner_text() == "Sam's review: your views"
    context.close()
