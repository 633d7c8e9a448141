"""The person's session in Chromium on a tablet, landscape and portrait, with touch.

A facilitator starts the session; the person answers every kind of prompt (own words, skip
and back included), hears real audio, confirms; the review shows each answer and how it was
captured. axe-core runs on every screen, in normal and high contrast.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from facilitator.accessible import speech
from facilitator.extensions import db
from facilitator.models import Person, Response, Review
from facilitator.prompts.library import all_spoken_texts, load_library
from facilitator.services import reviews

from ..conftest import need
from .conftest import TABLET, TABLET_PORTRAIT, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

ONE_OF_EACH = [
    "like-where-you-live",  # feelings-5
    "like-your-bedroom",  # feelings-3
    "want-to-move",  # yes-no
    "home-working",  # working
    "who-is-important",  # choose-many
    "job-or-college",  # choose-one
    "favourite-food",  # own-words
]


def _prepare(app: Any, high_contrast: bool) -> int:
    """Sam's review with one prompt of each kind, and its speech rendered for the test."""
    status = speech.speech_status()
    need(status.available, f"speech: {status.reason}")
    with app.app_context():
        review = db.session.get(Review, 1)
        assert review is not None
        reviews.set_prompts(db.session, review, ONE_OF_EACH, actor=None)
        person = db.session.get(Person, review.person_id)
        assert person is not None
        person.settings = {
            **person.settings,
            "high_contrast": high_contrast,
            "speech": "on",
            "auto_advance": False,
        }
        db.session.commit()
        english = [(text, lang) for text, lang in all_spoken_texts(load_library()) if lang == "en"]
        report = speech.render_many(
            Path(app.config["SPEECH_CACHE_DIR"]), english, rate=person.settings["speech_rate"]
        )
        assert not report.failed
        return review.id


def _swap(page: Any, locator: Any) -> None:
    """Tap something that htmx handles, and wait until the new screen has settled."""
    page.evaluate(
        "() => { window.__settled = new Promise(r => "
        "document.addEventListener('htmx:afterSettle', r, {once: true})); }"
    )
    locator.tap()
    page.evaluate("() => window.__settled")


def _tap(page: Any, name: str) -> None:
    _swap(page, page.get_by_role("button", name=name, exact=True))


def _link(page: Any, name: str) -> None:
    _swap(page, page.get_by_role("link", name=name, exact=True))


@pytest.mark.parametrize(
    ("viewport", "high_contrast"),
    [(TABLET, False), (TABLET_PORTRAIT, True)],
    ids=["landscape-normal", "portrait-high-contrast"],
)
def test_whole_session(
    browser: Any, live_app: Any, live_server: Any, viewport: dict, high_contrast: bool
) -> None:
    review_id = _prepare(live_app, high_contrast)
    context = browser.new_context(viewport=viewport, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, "keyworker@demo.facilitator.test")
    page.goto(f"{live_server.url}/staff/reviews/{review_id}")
    assert_no_axe_violations(page, "staff review before")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Hello.")
    assert page.locator(".site-header").count() == 0  # no staff navigation
    assert_no_axe_violations(page, "welcome")
    _link(page, "Start")

    # 1 feelings-5, with real audio
    assert "Question 1 of 7" in page.content()
    audio = page.locator("audio.prompt-audio")
    assert audio.count() == 1
    ready = page.evaluate(
        """async () => { const a = document.querySelector('audio.prompt-audio');
        if (a.readyState < 1) {
          await new Promise((ok, no) => {
            a.addEventListener('loadedmetadata', ok); a.addEventListener('error', no); a.load();
          });
        }
        return {duration: a.duration, state: a.readyState}; }"""
    )
    assert ready["duration"] > 0.5
    assert_no_axe_violations(page, "prompt 1")
    _tap(page, "Very good")
    assert page.locator(".answer.chosen").count() == 1
    assert_no_axe_violations(page, "prompt 1 answered")
    _link(page, "Next")

    # 2 feelings-3: skip it, then come back and answer it
    assert "Question 2 of 7" in page.content()
    _tap(page, "Skip")
    assert "Question 3 of 7" in page.content()
    _link(page, "Back")
    assert "Question 2 of 7" in page.content()
    _tap(page, "Good")
    _link(page, "Next")

    # 3 yes-no, then "tell me more" typed by the person
    _tap(page, "No")
    _link(page, "I want to say more")
    assert_no_axe_violations(page, "tell me more")
    page.get_by_label("Say it or write it in your own words.").fill(
        "I like my garden 🌻 <b>really</b>"
    )
    _swap(page, page.get_by_role("button", name="Save these words"))
    assert "I like my garden 🌻 <b>really</b>" in page.locator(".said").first.inner_text()
    _link(page, "Next")

    # 4 working
    _tap(page, "This is working")
    _link(page, "Next")

    # 5 choose-many: the person's choices may run over pages of 3
    page.locator("label.answer").first.tap()
    _tap(page, "Next")
    assert page.locator("label.answer input:checked").count() == 1
    assert_no_axe_violations(page, "choose many")
    _link(page, "Next")

    # 6 choose-one
    _swap(page, page.locator("button.answer").first)
    _link(page, "Next")

    # 7 own words, said and written down by the facilitator
    assert "Question 7 of 7" in page.content()
    assert_no_axe_violations(page, "own words prompt")
    page.locator("textarea#words").fill("Fish and chips on Friday")
    page.get_by_label("Sam said them and I, Tom Okafor, wrote them down word for word").check()
    _swap(page, page.get_by_role("button", name="Save these words"))
    _link(page, "Next")

    # Is this right?
    assert page.locator("h1").inner_text() == "This is what you told us. Is this right?"
    assert page.locator(".summary-row").count() == 7
    assert_no_axe_violations(page, "is this right")
    _tap(page, "Yes, this is right")
    # Supporter by supporter, Sam chooses who may see what he said.
    assert page.locator("h1").inner_text() == "Can Alex Carter see what you said?"
    assert_no_axe_violations(page, "consent to share")
    _tap(page, "Yes")
    assert page.locator("h1").inner_text() == "Can Mary Carter see what you said?"
    _tap(page, "No")
    assert_no_axe_violations(page, "thank you")
    page.get_by_label("Facilitator's PIN or password").fill("2468")
    page.get_by_role("button", name="Confirm the session").click()
    page.wait_for_load_state("networkidle")

    # The review shows the answers and how each was captured.
    assert page.locator("h1").inner_text().startswith("Sam's review")
    panel = page.locator(".person-panel").inner_text()
    assert "Very good" in panel and "tapped by the person" in panel
    assert "typed by Sam" in panel and "I like my garden" in panel
    assert "written down word for word by Tom Okafor" in panel
    assert_no_axe_violations(page, "staff review after")
    with live_app.app_context():
        assert db.session.query(Response).count() >= 8
    context.close()


def test_keyboard_only_answer(browser: Any, live_app: Any, live_server: Any) -> None:
    """Tab to an answer and press Enter: the keyboard reaches everything with visible focus."""
    review_id = _prepare(live_app, False)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in_page(page, live_server.url, "staff@demo.facilitator.test")
    page.goto(f"{live_server.url}/staff/reviews/{review_id}")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.goto(f"{live_server.url}/person/q/1")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('answer')"):
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    # htmx sends the answer after the key press: wait for the swapped screen, not for an idle
    # network (which can come before the request has even started).
    page.locator(".answer.chosen").wait_for()
    assert page.locator(".answer.chosen").count() == 1
    context.close()


def test_moving_on_by_itself_counts_down_and_waits_for_a_touch(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    """Switched on by staff (3 seconds here, with less movement): the screen counts down in
    words, says so once to screen readers, and any touch, key, "Wait" or "I want to say more"
    stops it; untouched, it goes on. axe-core runs on the counting and the stopped states."""
    with live_app.app_context():
        review = db.session.get(Review, 1)
        assert review is not None
        reviews.set_prompts(db.session, review, ONE_OF_EACH, actor=None)
        person = db.session.get(Person, review.person_id)
        assert person is not None
        person.settings = {
            **person.settings,
            "speech": "on",
            "reduced_motion": True,
            "auto_advance": True,
            "advance_delay_ms": 3000,
        }
        db.session.commit()
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, "keyworker@demo.facilitator.test")
    page.goto(f"{live_server.url}/staff/reviews/1")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    _link(page, "Start")
    box = page.locator("#main .advance-countdown")
    count = box.locator(".advance-count")
    said = box.locator("[role='status']")
    stopped = "Stopped. Take your time. Press Next when you are ready."

    # Untouched, it counts down in words and goes on after 3 seconds.
    assert "Question 1 of 7" in page.content()
    expect(box).to_be_hidden()
    _tap(page, "Very good")
    expect(box).to_be_visible()
    expect(count).to_have_text(re.compile(r"^Next question in [123] seconds?\.$"))
    expect(said).to_have_text(
        "Next question in 3 seconds. Touch the screen or press a key to stop it."
    )
    assert page.evaluate("document.body.classList.contains('reduced-motion')")
    assert_no_axe_violations(page, "counting down to the next question")
    started = page.evaluate("performance.now()")
    expect(page.locator("#main .progress-text")).to_have_text("Question 2 of 7", timeout=6_000)
    assert page.evaluate("performance.now()") - started > 1_500

    # A touch anywhere stops it; Next goes on when the person is ready.
    _tap(page, "Good")
    expect(box).to_be_visible()
    page.touchscreen.tap(10, 700)
    expect(count).to_have_text(stopped)
    expect(said).to_have_text(stopped)
    expect(box.get_by_role("button", name="Wait, I need more time")).to_be_hidden()
    page.wait_for_timeout(4_000)
    assert "Question 2 of 7" in page.content()
    assert_no_axe_violations(page, "countdown stopped")
    _link(page, "Next")

    # "Wait, I need more time", pressed with the keyboard: stopped, and focus on Next.
    _tap(page, "No")
    page.locator("#main [data-advance-stop]").focus()
    page.keyboard.press("Enter")
    expect(count).to_have_text(stopped)
    expect(page.locator("#main .screen-actions .button-next")).to_be_focused()
    page.wait_for_timeout(3_500)
    assert "Question 3 of 7" in page.content()
    _link(page, "Next")

    # "I want to say more" stops it too: the words screen stays until the person is done.
    _tap(page, "This is working")
    expect(box).to_be_visible()
    _link(page, "I want to say more")
    page.wait_for_timeout(3_500)
    expect(page.locator("#main textarea#words")).to_be_visible()
    assert_no_axe_violations(page, "tell me more, after a countdown")
    context.close()
