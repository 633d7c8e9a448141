"""Actions and 'You said, we did' in Chromium, with axe-core on every page.

Staff build an action from a captured review (the easy-read advice arrives while typing),
open the record, then hand the tablet over: the person sees and hears 'You said, we did'.
At the next review the person answers 'did it happen?' by tapping.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from facilitator.accessible import speech
from facilitator.extensions import db
from facilitator.models import ActionFollowUp, CaptureMethod, Review, ReviewKind, User, UserSession
from facilitator.services import reviews
from facilitator.services.reviews import person_session, responses

from .conftest import TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser
KEYWORKER = "keyworker@demo.facilitator.test"


def _capture(app: Any) -> int:
    """Sam's views, captured and confirmed: a tapped answer and words said aloud."""
    with app.app_context():
        session = db.session
        review = session.get(Review, 1)
        staff = session.scalar(select(User).where(User.email == KEYWORKER))
        assert review is not None and staff is not None
        tablet = UserSession(public_id=uuid.uuid4().hex, user_id=staff.id)
        session.add(tablet)
        session.flush()
        person_session.start(session, review, staff, tablet)
        responses.record_choice(
            session,
            review,
            review.prompts[0],
            client_id=uuid.uuid4().hex,
            answer=["good"],
            facilitator=staff,
        )
        responses.record_words(
            session,
            review,
            review.prompts[0],
            client_id=uuid.uuid4().hex,
            words="I like my garden, I want to grow tomatoes",
            method=CaptureMethod.SCRIBED,
            facilitator=staff,
        )
        person_session.confirm(session, review, tablet, "2468")
        session.commit()
        return review.id


def _swap(page: Any, locator: Any) -> None:
    """Tap something that htmx handles (person mode is hx-boosted), and wait for the swap."""
    page.evaluate(
        "() => { window.__settled = new Promise(r => "
        "document.addEventListener('htmx:afterSettle', r, {once: true})); }"
    )
    locator.tap()
    page.evaluate("() => window.__settled")


def _render_action_speech(app: Any, review_id: int) -> bool:
    """Render the action sentences as `flask outputs render-speech` does; False without eSpeak."""
    if not speech.speech_status().available:
        return False
    result = app.test_cli_runner().invoke(
        args=["outputs", "render-speech", "--review", str(review_id)]
    )
    assert result.exit_code == 0, result.output
    return "0 failed" in result.output


def test_build_actions_and_show_you_said(browser: Any, live_app: Any, live_server: Any) -> None:
    review_id = _capture(live_app)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, KEYWORKER)

    # The builder: pick what Sam said, write the action, advice arrives while typing.
    page.goto(f"{live_server.url}/staff/reviews/{review_id}/actions/")
    assert page.locator("h1").inner_text() == "Actions from what Sam said"
    assert "Statements no action answers yet" in page.content()
    assert_no_axe_violations(page, "action builder")
    page.locator("label.statement-choice", has_text="grow tomatoes").click()
    page.get_by_label("What will happen (for the record)").fill(
        "Tom helps Sam plant tomatoes in the garden in May."
    )
    easy = page.get_by_label("What will happen, in easy read for Sam")
    easy.press_sequentially("Tom will facilitate planting three tomato plants.", delay=5)
    advice = page.locator("#advice")
    advice.locator("li", has_text="facilitate").wait_for()
    assert "digits" in advice.inner_text() and "Choose a picture" in advice.inner_text()
    assert advice.get_attribute("aria-live") == "polite"
    assert_no_axe_violations(page, "builder with advice")
    easy.fill("")
    easy.press_sequentially("Tom will help you plant 3 tomato plants.", delay=5)
    page.locator("label.picture-choice", has_text="gardening").click()
    page.locator("#advice .advice-ok").wait_for()
    page.get_by_label("Who will help (the owner)").fill("Tom Okafor")
    page.get_by_label("By when").fill("2027-05-31")
    page.get_by_role("button", name="Save the action").click()
    page.wait_for_load_state()
    assert "The action is saved." in page.content()
    assert (
        "Every statement has an action that answers it." not in page.content()
    )  # "Good" is still open
    assert page.locator(".action-item").count() == 1
    assert_no_axe_violations(page, "builder after saving")

    # The record for the file: the person first.
    page.goto(f"{live_server.url}/staff/reviews/{review_id}/record/")
    assert_no_axe_violations(page, "review record")
    page.goto(f"{live_server.url}/staff/reviews/{review_id}/record/print")
    assert page.locator(".site-header").count() == 0
    assert_no_axe_violations(page, "review record, print")

    audio = _render_action_speech(live_app, review_id)

    # 'You said, we did' for staff, then on the tablet for Sam.
    page.goto(f"{live_server.url}/staff/reviews/{review_id}/you-said/")
    assert_no_axe_violations(page, "you said, staff")
    page.get_by_role("button", name="Show “You said, we did” on this tablet").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "You said, we did"
    assert page.locator(".site-header").count() == 0  # person mode: nothing else
    item = page.locator(".you-said-item")
    assert item.count() == 1
    text = item.inner_text()
    assert "I like my garden, I want to grow tomatoes" in text
    assert "Tom will help you plant 3 tomato plants." in text and "31 May 2027" in text
    listen = item.get_by_role("button", name="Listen")
    assert listen.get_attribute("data-say", timeout=2000).startswith("You said: I like my garden")
    if audio:
        src = listen.get_attribute("data-audio")
        assert src and src.startswith("/person/audio/")
        duration = page.evaluate(
            """async (src) => { const a = new Audio(src);
            await new Promise((ok, no) => {
              a.addEventListener('loadedmetadata', ok); a.addEventListener('error', no);
            });
            return a.duration; }""",
            src,
        )
        assert duration > 2
    assert_no_axe_violations(page, "you said, person mode")
    page.goto(f"{live_server.url}/staff/")  # the tablet stays locked
    assert page.url.endswith("/person/")
    page.goto(f"{live_server.url}/person/you-said/finish")
    assert_no_axe_violations(page, "you said, finish")
    page.get_by_label("Facilitator's PIN or password").fill("2468")
    page.get_by_role("button", name="Unlock the tablet").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Sam's review")

    # A year on: did it happen? Sam taps an answer.
    with live_app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        later = reviews.plan_review(
            db.session,
            review.person,
            actor=None,
            kind=ReviewKind.PLANNED,
            scheduled_for=date(2031, 3, 12),
            facilitator=None,
        )
        db.session.commit()
        later_id = later.id
    page.goto(f"{live_server.url}/staff/reviews/{later_id}")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/person/you-said/earlier")
    assert_no_axe_violations(page, "did it happen, intro")
    _swap(page, page.get_by_role("link", name="Next"))
    assert page.locator("h1").inner_text() == "Did it happen?"
    assert "We said we would" in page.content()
    assert_no_axe_violations(page, "did it happen")
    _swap(page, page.get_by_role("button", name="Partly"))
    assert page.locator("h1").inner_text() == "Thank you for telling us."
    assert_no_axe_violations(page, "did it happen, thank you")
    with live_app.app_context():
        row = db.session.scalar(select(ActionFollowUp))
        assert row is not None and row.answer == "partly" and row.review_id == later_id
    context.close()
