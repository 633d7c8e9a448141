"""Switch access and the keyboard in person mode, in Chromium.

A keyboard-only session (every prompt type, tell me more, the confirm screen) with a visible
focus at every stop; a whole session with one switch and automatic scanning (the test presses
when the highlight is on the wanted item: it waits on the highlight, never on the clock); a
session with two switches; the settings screen changed with the switch; axe-core with the
highlight showing; the highlight in high contrast.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from facilitator.extensions import db
from facilitator.models import Person, Review
from facilitator.services import reviews

from .conftest import TABLET, assert_no_axe_violations, sign_in_page

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
PIN = "2468"


def _prepare(app: Any, prompts: list[str], **settings: Any) -> int:
    """Sam's review with these prompts, and Sam's settings for the test."""
    with app.app_context():
        review = db.session.get(Review, 1)
        assert review is not None
        reviews.set_prompts(db.session, review, prompts, actor=None)
        person = db.session.get(Person, review.person_id)
        assert person is not None
        person.settings = {**person.settings, "auto_advance": False, "speech": "on", **settings}
        db.session.commit()
        return review.id


def _stored(app: Any, key: str) -> Any:
    with app.app_context():
        review = db.session.get(Review, 1)
        assert review is not None
        person = db.session.get(Person, review.person_id)
        assert person is not None
        return person.setting(key)


def _start(browser: Any, server: Any, review_id: int, **context: Any) -> tuple[Any, Any]:
    """A facilitator signs in and hands the tablet over: the welcome screen."""
    ctx = browser.new_context(viewport=TABLET, locale="en-GB", **context)
    page = ctx.new_page()
    sign_in_page(page, server.url, "keyworker@demo.facilitator.test")
    page.goto(f"{server.url}/staff/reviews/{review_id}")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Hello.")
    return ctx, page


def _expect_swap(page: Any) -> None:
    """Before a press that brings a new screen: note when it has settled, and where the
    scanning highlight started on it (switch-access.js sets it up on the same event, first)."""
    page.evaluate(
        "() => { window.__settled = false; document.addEventListener('htmx:afterSettle', () => {"
        " window.__settled = true; const el = document.querySelector('.scan-highlight');"
        " window.__firstHighlight = el ? el.textContent.replace(/\\s+/g, ' ').trim() : null;"
        " }, {once: true}); }"
    )


def _first_highlight(page: Any) -> str | None:
    return page.evaluate("() => window.__firstHighlight")  # type: ignore[no-any-return]


def _settled(page: Any) -> None:
    try:
        page.wait_for_function("() => window.__settled === true", timeout=20000)
    except PlaywrightError:  # say where the tablet was, and what the scan was doing
        state = page.evaluate(
            "() => [document.documentElement.dataset.scanState,"
            " (document.querySelector('.scan-highlight') || {}).textContent]"
        )
        pytest.fail(f"no new screen after the press: {page.url} {_heading(page)!r} {state}")


def _heading(page: Any) -> str:
    return str(page.locator("h1").inner_text())


# --- the keyboard ---------------------------------------------------------------------------

FOCUS_SEEN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  // A tick box shows its focus on the whole answer around it (focus-within).
  const shown = el.closest('label.answer') || el;
  const style = getComputedStyle(shown);
  const named = el.closest('label') || (el.labels && el.labels[0]) || el;
  const describe = named.innerText || el.getAttribute('aria-label') || el.name || el.tagName;
  return {text: describe.trim().replace(/\\s+/g, ' '), tag: el.tagName,
          width: parseFloat(style.outlineWidth), style: style.outlineStyle,
          colour: style.outlineColor};
}"""


def _tab_to(
    page: Any, text: str, *, exact: bool = True, tag: str | None = None, limit: int = 60
) -> None:
    """Press Tab until the focus is on `text`; every stop on the way shows a clear focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen = page.evaluate(FOCUS_SEEN)
        if seen is None:
            continue
        assert seen["style"] != "none" and seen["width"] >= 3, f"focus not visible on {seen}"
        assert seen["colour"] in ("rgb(0, 0, 0)", "rgb(11, 12, 12)"), (
            f"low-contrast focus on {seen}"
        )
        if tag and seen["tag"] != tag:
            continue
        if (seen["text"] == text) if exact else (text in seen["text"]):
            return
    pytest.fail(f"Tab never reached {text!r}")


def _key_swap(
    page: Any, text: str, key: str = "Enter", exact: bool = True, tag: str | None = None
) -> None:
    _tab_to(page, text, exact=exact, tag=tag)
    _expect_swap(page)
    page.keyboard.press(key)
    _settled(page)


def test_keyboard_only_whole_session(browser: Any, live_app: Any, live_server: Any) -> None:
    review_id = _prepare(live_app, ONE_OF_EACH)
    ctx, page = _start(browser, live_server, review_id)
    assert page.get_attribute("[data-switch-access]", "data-method") == "touch"

    # No trap: Tab goes all the way round the welcome screen and Shift+Tab comes back.
    stops = []
    for _ in range(25):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)"))
    assert len(set(stops)) >= 4 and stops[0] in stops[1:], "Tab goes round, never stuck"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)") == stops[-2]

    _key_swap(page, "Start")
    # 1 feelings-5: Enter on an answer
    assert "Question 1 of 7" in page.content()
    _key_swap(page, "Very good")
    assert page.locator(".answer.chosen").inner_text().strip() == "Very good"
    _key_swap(page, "Next")

    # 2 feelings-3: Space on an answer; skip, back
    assert "Question 2 of 7" in page.content()
    _key_swap(page, "Skip")
    assert "Question 3 of 7" in page.content()
    _key_swap(page, "Back")
    assert "Question 2 of 7" in page.content()
    _key_swap(page, "Good", key="Space")
    assert page.locator(".answer.chosen").inner_text().strip() == "Good"
    _key_swap(page, "Next")

    # 3 yes-no, then "tell me more" typed on the keyboard
    _key_swap(page, "No")
    _key_swap(page, "I want to say more")
    assert_no_axe_violations(page, "tell me more, keyboard")
    _tab_to(page, "Say it or write it in your own words.", exact=False)
    assert page.evaluate("() => document.activeElement.id") == "words"
    page.keyboard.type("I like my garden. Enter and Space type here.")
    _key_swap(page, "Save these words")
    assert (
        "I like my garden. Enter and Space type here." in page.locator(".said").first.inner_text()
    )
    _key_swap(page, "Next")

    # 4 working
    _key_swap(page, "This is working", exact=False)
    _key_swap(page, "Next")

    # 5 choose-many: Enter ticks a box as Space does; the Next button sends them
    boxes = page.locator("label.answer input[type='checkbox']")
    first = str(page.locator("label.answer").nth(0).inner_text()).strip()
    second = str(page.locator("label.answer").nth(1).inner_text()).strip()
    _tab_to(page, first)
    page.keyboard.press("Enter")
    assert boxes.nth(0).is_checked()
    _tab_to(page, second)
    page.keyboard.press("Space")
    assert boxes.nth(1).is_checked()
    page.keyboard.press("Enter")  # and Enter again unticks
    assert not boxes.nth(1).is_checked()
    _key_swap(page, "Next")
    assert page.locator("label.answer input:checked").count() == 1
    assert_no_axe_violations(page, "choose many, keyboard")
    _key_swap(page, "Next", tag="A")

    # 6 choose-one
    option = str(page.locator("button.answer").nth(1).inner_text()).strip()
    _key_swap(page, option)
    _key_swap(page, "Next")

    # 7 own words
    assert "Question 7 of 7" in page.content()
    _tab_to(page, "Say it or write it in your own words.", exact=False)
    page.keyboard.type("Fish and chips on Friday")
    _tab_to(page, "Sam typed them")  # a group of radio buttons is one Tab stop: arrows move
    page.keyboard.press("ArrowDown")
    assert page.get_by_label(
        "Sam said them and I, Tom Okafor, wrote them down word for word"
    ).is_checked()
    _key_swap(page, "Save these words")
    _key_swap(page, "Next")

    # Is this right?, then who may see it, then the facilitator confirms
    assert _heading(page) == "This is what you told us. Is this right?"
    _key_swap(page, "Yes, this is right")
    assert _heading(page) == "Can Alex Carter see what you said?"
    _key_swap(page, "Yes")
    assert _heading(page) == "Can Mary Carter see what you said?"
    _key_swap(page, "No", key="Space")
    assert_no_axe_violations(page, "thank you, keyboard")
    _tab_to(page, "Facilitator's PIN or password", exact=False)
    page.keyboard.type(PIN)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _heading(page).startswith("Sam's review")
    panel = page.locator(".person-panel").inner_text()
    assert "Very good" in panel and "I like my garden" in panel and "Fish and chips" in panel
    ctx.close()


# --- switches ---------------------------------------------------------------------------------

HIGHLIGHT = """() => {
  const el = document.querySelector('.scan-highlight');
  if (!el) { return null; }
  const part = el.querySelector('.answer-label') || el.querySelector('legend');
  return (part ? part.textContent : el.textContent).replace(/\\s+/g, ' ').trim();
}"""


def _highlighted(page: Any) -> str | None:
    return page.evaluate(HIGHLIGHT)  # type: ignore[no-any-return]


def _wait_highlight(page: Any, text: str, timeout: float = 90000) -> None:
    """Wait until the scanning highlight is on `text` (however long the scan takes) and a press
    would count (not within the bounce time of the last one).

    If the scan has gone round its rounds and stopped, the person presses to start it again.
    """
    for _ in range(6):
        page.wait_for_function(
            "(text) => document.documentElement.dataset.scanState === 'stopped'"
            f" || ({HIGHLIGHT})() === text",
            arg=text,
            timeout=timeout,
            polling="raf",
        )
        if page.evaluate("() => document.documentElement.dataset.scanState") == "stopped":
            _switch(page, "Space")
            continue
        _ready_for_a_press(page)
        if _highlighted(page) == text:
            return
    pytest.fail(f"the highlight never reached {text!r}")


def _ready_for_a_press(page: Any) -> None:
    """A press within 250 ms of the last is taken as the switch bouncing: a person is slower."""
    page.wait_for_function(
        "() => Date.now() - Number(document.documentElement.dataset.switchPressedAt || 0) > 300"
    )


def _switch(page: Any, key: str) -> None:
    """One press of a switch, as a person makes it (not within the bounce time of the last)."""
    _ready_for_a_press(page)
    page.keyboard.press(key)


def _press_on(page: Any, text: str, key: str = "Space", swap: bool = True) -> None:
    """The person presses the switch when the highlight reaches `text`."""
    if swap:
        _expect_swap(page)
    _wait_highlight(page, text)
    page.keyboard.press(key)
    if swap:
        _settled(page)


def test_one_switch_scanning_whole_session(browser: Any, live_app: Any, live_server: Any) -> None:
    review_id = _prepare(live_app, ONE_OF_EACH, access="scan", scan_rate_ms=1000, scan_rounds=3)
    ctx, page = _start(browser, live_server, review_id)
    assert page.get_attribute("[data-switch-access]", "data-method") == "scan"
    _press_on(page, "Start")

    # 1 feelings-5: the second answer; after an answer the highlight starts on Next
    assert "Question 1 of 7" in page.content()
    assert_no_axe_violations(page, "prompt, highlight on an answer")
    _press_on(page, "Good")
    assert page.locator(".answer.chosen").inner_text().strip() == "Good"
    assert _first_highlight(page) == "Next"
    _press_on(page, "Next")

    # 2 feelings-3: Skip and Back are reached by the scan
    assert "Question 2 of 7" in page.content()
    _press_on(page, "Skip")
    assert "Question 3 of 7" in page.content()
    _press_on(page, "Back")
    assert "Question 2 of 7" in page.content()
    _press_on(page, "Not good")
    _press_on(page, "Next")

    # 3 yes-no, then tell me more: the facilitator types (Space types a space in the box),
    # then leaves the box, and the person's switch saves the words.
    _press_on(page, "Yes")
    _press_on(page, "I want to say more")
    page.locator("textarea#words").click()
    page.keyboard.type("I like my garden and the birds")
    page.keyboard.press("Tab")
    assert page.locator("textarea#words").input_value() == "I like my garden and the birds"
    _press_on(page, "Save these words")
    assert "I like my garden and the birds" in page.locator(".said").first.inner_text()
    _press_on(page, "Next")

    # 4 working
    _press_on(page, "This is working")
    _press_on(page, "Next")

    # 5 choose-many: two ticks, the scan carrying on after each, then the form's Next
    labels = [str(t).strip() for t in page.locator("label.answer .answer-label").all_inner_texts()]
    _press_on(page, labels[0], swap=False)
    page.wait_for_function(
        "() => document.querySelectorAll('label.answer input:checked').length === 1"
    )
    _press_on(page, labels[2], swap=False)
    page.wait_for_function(
        "() => document.querySelectorAll('label.answer input:checked').length === 2"
    )
    _press_on(page, "Next")
    assert page.locator("label.answer input:checked").count() == 2
    _press_on(page, "Next")

    # 6 choose-one: the last answer, at the end of the answers
    option = str(page.locator("button.answer .answer-label").last.inner_text()).strip()
    _press_on(page, option)
    assert page.locator(".answer.chosen").inner_text().strip() == option
    _press_on(page, "Next")

    # 7 own words, written down by the facilitator
    assert "Question 7 of 7" in page.content()
    page.locator("textarea#words").fill("Curry")
    page.locator("textarea#words").blur()
    _press_on(page, "Save these words")
    _press_on(page, "Next")

    # Is this right? Then who may see it: one switch all the way.
    assert _heading(page) == "This is what you told us. Is this right?"
    assert_no_axe_violations(page, "is this right, highlight")
    _press_on(page, "Yes, this is right")
    _press_on(page, "Yes")
    assert _heading(page) == "Can Mary Carter see what you said?"
    _press_on(page, "Not sure")
    # The facilitator's PIN is typed, not scanned: Enter in the box confirms.
    assert page.locator(".facilitator-area .scan-highlight").count() == 0
    page.get_by_label("Facilitator's PIN or password").fill(PIN)
    with page.expect_navigation():
        page.get_by_label("Facilitator's PIN or password").press("Enter")
    assert _heading(page).startswith("Sam's review")
    panel = page.locator(".person-panel").inner_text()
    assert "Good" in panel and "I like my garden and the birds" in panel and "Curry" in panel
    ctx.close()


def test_scanning_goes_round_then_waits_for_a_press(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    review_id = _prepare(live_app, ONE_OF_EACH[:2], access="scan", scan_rate_ms=750, scan_rounds=1)
    ctx, page = _start(browser, live_server, review_id)
    stopped = "() => document.documentElement.dataset.scanState === 'stopped'"
    page.wait_for_function(stopped)
    message = page.locator("[data-switch-message]")
    assert message.inner_text() == "Press your switch to start again."
    assert page.locator(".scan-highlight").count() == 0
    assert_no_axe_violations(page, "scanning stopped")
    _switch(page, "Enter")  # the press starts the scan again, it chooses nothing
    _wait_highlight(page, "Start")
    assert message.inner_text() == ""
    assert _heading(page).startswith("Hello.")
    order = ["Start"]
    while True:
        now = page.wait_for_function(
            "(last) => { if (document.documentElement.dataset.scanState === 'stopped') {"
            " return 'stopped'; }"
            f" const now = ({HIGHLIGHT})(); return now && now !== last ? now : false; }}",
            arg=order[-1],
            polling="raf",
        ).json_value()
        if now == "stopped":
            break
        order.append(now)
    # The main action first, then Listen, then the rest; Break and Help last.
    assert order == ["Start", "Listen", "Settings", "I need a break", "Help"], order
    assert message.inner_text() == "Press your switch to start again."
    ctx.close()


def test_touch_anywhere_is_the_switch(browser: Any, live_app: Any, live_server: Any) -> None:
    review_id = _prepare(
        live_app, ONE_OF_EACH[:2], access="scan", scan_rate_ms=1000, switch_tap=True
    )
    ctx, page = _start(browser, live_server, review_id, has_touch=True)
    # A tap on "I need a break" while the highlight is on Start chooses Start.
    _expect_swap(page)
    _wait_highlight(page, "Start")
    page.get_by_role("link", name="I need a break").tap()
    _settled(page)
    assert "Question 1 of 2" in page.content()
    _expect_swap(page)
    _wait_highlight(page, "Very good")
    page.locator("h1").tap()
    _settled(page)
    assert page.locator(".answer.chosen").inner_text().strip() == "Very good"
    ctx.close()


def test_two_switches_step_and_select(browser: Any, live_app: Any, live_server: Any) -> None:
    prompts = ["like-where-you-live", "who-is-important", "favourite-food"]
    review_id = _prepare(live_app, prompts, access="step", scan_cue=True)
    ctx, page = _start(browser, live_server, review_id)
    box = page.locator("[data-switch-access]")

    def step_to(text: str) -> None:
        for _ in range(30):
            if _highlighted(page) == text:
                return
            _switch(page, "Space")
            # The spoken cue says what the highlight is on.
            assert box.get_attribute("data-last-cue") == _highlighted(page)
        pytest.fail(f"the highlight never reached {text!r}")

    def select(swap: bool = True) -> None:
        if swap:
            _expect_swap(page)
        _switch(page, "Enter")
        if swap:
            _settled(page)

    assert _highlighted(page) == "Start"
    # Nothing moves without a press.
    page.wait_for_timeout(1500)
    assert _highlighted(page) == "Start"
    select()
    step_to("Not good")
    select()
    assert page.locator(".answer.chosen").inner_text().strip() == "Not good"
    assert _highlighted(page) == "Next"
    select()
    # choose-many
    labels = [str(t).strip() for t in page.locator("label.answer .answer-label").all_inner_texts()]
    step_to(labels[1])
    select(swap=False)
    assert page.locator("label.answer input:checked").count() == 1
    step_to("Next")
    select()
    select()  # the highlight starts on Next after an answer
    # own words, then wrap round: after the last item the first comes again
    page.locator("textarea#words").fill("Pizza")
    page.locator("textarea#words").blur()
    assert _highlighted(page) == "Save these words"
    step_to("Help")
    _switch(page, "Space")
    assert _highlighted(page) == "Save these words"
    select()
    select()  # Next
    assert _heading(page) == "This is what you told us. Is this right?"
    assert page.locator(".summary-row").count() == 3
    select()
    step_to("Yes")
    select()
    step_to("No")
    select()
    assert_no_axe_violations(page, "thank you, two switches")
    page.get_by_label("Facilitator's PIN or password").fill(PIN)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the session").click()
    assert _heading(page).startswith("Sam's review")
    ctx.close()


def test_other_keys_and_the_cue_follows_speech(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    """Keys 1 and 2 (as some interfaces send); with speech off there is no spoken cue."""
    review_id = _prepare(
        live_app, ONE_OF_EACH[:2], access="step", switch_keys="1-2", scan_cue=True, speech="off"
    )
    ctx, page = _start(browser, live_server, review_id)
    assert _highlighted(page) == "Start"
    _switch(page, "Space")  # not this person's switch: nothing moves
    assert _highlighted(page) == "Start"
    _switch(page, "1")
    assert _highlighted(page) != "Start"
    assert page.get_attribute("[data-switch-access]", "data-last-cue") is None
    while _highlighted(page) != "Start":
        _switch(page, "1")
    _expect_swap(page)
    _switch(page, "2")
    _settled(page)
    assert "Question 1 of 2" in page.content()
    ctx.close()


def test_settings_changed_with_one_switch(browser: Any, live_app: Any, live_server: Any) -> None:
    review_id = _prepare(live_app, ONE_OF_EACH[:2], access="scan", scan_rate_ms=750, scan_rounds=3)
    ctx, page = _start(browser, live_server, review_id)
    _wait_highlight(page, "Settings")
    with page.expect_navigation():
        _switch(page, "Space")
    assert _heading(page) == "Settings for Sam"
    # Each group of settings is one step; choosing one scans inside it.
    page.wait_for_selector("fieldset.setting.scan-highlight")
    assert_no_axe_violations(page, "settings, highlight on a group")
    _press_on(page, "Text size", swap=False)
    group = page.locator("fieldset.scan-group legend")
    assert group.inner_text() == "Text size"
    page.wait_for_selector("fieldset.scan-group .scan-highlight")
    assert_no_axe_violations(page, "settings, inside a group")
    # Leaving the group changes nothing; the highlight comes back to the group.
    _press_on(page, "Back to all settings", swap=False)
    assert group.count() == 0 and page.locator(".scan-exit").count() == 0
    # The scan rate: slower, so the box stays longer on each thing.
    _press_on(page, "One switch: how long the box stays on each thing", swap=False)
    _press_on(page, "Slow: 3 seconds", swap=False)
    assert page.get_by_label("Slow: 3 seconds").is_checked()
    _wait_highlight(page, "Save settings")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert _heading(page).startswith("Hello.")
    assert _stored(live_app, "scan_rate_ms") == 3000 and _stored(live_app, "text_size") == "large"
    assert page.get_attribute("[data-switch-access]", "data-rate") == "3000"
    ctx.close()


def test_highlight_is_clear_in_high_contrast(browser: Any, live_app: Any, live_server: Any) -> None:
    review_id = _prepare(
        live_app, ONE_OF_EACH[:2], access="step", high_contrast=True, reduced_motion=True
    )
    ctx, page = _start(browser, live_server, review_id)
    _expect_swap(page)
    _switch(page, "Enter")  # Start
    _settled(page)
    assert "high-contrast" in (page.get_attribute("body", "class") or "")
    _switch(page, "Space")
    look = page.evaluate(
        """() => { const el = document.querySelector('.scan-highlight');
        const s = getComputedStyle(el), mark = getComputedStyle(el, '::after');
        const body = getComputedStyle(document.body);
        return {width: parseFloat(s.outlineWidth), style: s.outlineStyle,
                colour: s.outlineColor, offset: parseFloat(s.outlineOffset),
                shadow: s.boxShadow, transition: s.transitionDuration, mark: mark.content,
                markBorder: mark.borderTopColor, background: body.backgroundColor}; }"""
    )
    # Shape, not colour alone: a 6px black outline clear of the answer, a white gap, a wide
    # yellow ring, and a black corner mark; black on the white page is 21:1.
    assert look["style"] == "solid" and look["width"] >= 6 and look["offset"] >= 4
    assert look["colour"] == "rgb(0, 0, 0)" and look["background"] == "rgb(255, 255, 255)"
    assert "rgb(255, 221, 0)" in look["shadow"] and "rgb(255, 255, 255)" in look["shadow"]
    assert look["mark"] == '""' and look["markBorder"] == "rgb(0, 0, 0)"
    assert look["transition"] in ("0s", "")
    assert_no_axe_violations(page, "prompt in high contrast, highlight showing")
    ctx.close()
