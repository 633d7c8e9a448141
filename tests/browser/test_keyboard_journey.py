"""The staff journey with a keyboard only: plan a review, read the layers, write an action.

After signing in, nothing is clicked and no field is filled by script: every step is Tab,
Shift+Tab, Enter, Space or typing. At every focus stop the focused element must show a visible
focus indicator (a solid outline at least 2 px wide, or a box shadow) and be on screen; a step
that Tab cannot reach within a page's worth of presses fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import TABLET, sign_in_page
from .test_actions_browser import KEYWORKER, _capture

pytestmark = pytest.mark.browser

# A date typed into a date field as its parts, the day and month the same so that it does not
# matter whether the browser's field runs day-month-year or month-day-year.
SAME_EITHER_WAY = "05052027"
MAX_PRESSES = 120  # per step: more than any page here has focus stops

# What the focused element is and how its focus shows.
FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    type: el.type || '',
    text: (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
    label: label.trim().replace(/\\s+/g, ' ').slice(0, 120),
    outline: s.outlineStyle,
    outlineWidth: parseFloat(s.outlineWidth) || 0,
    shadow: s.boxShadow,
    visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight
      && box.right > 0 && box.left < window.innerWidth,
  };
}"""


class Keyboard:
    """Tab through a page, checking the focus indicator at every stop."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.stops = 0
        self.problems: list[str] = []

    def _check(self, focused: dict[str, Any]) -> None:
        self.stops += 1
        name = focused["text"] or focused["label"]
        where = f"{self.page.url} {focused['tag']}#{focused['id']} {name!r}"
        outline = focused["outline"] not in ("none", "hidden") and focused["outlineWidth"] >= 2
        shadow = focused["shadow"] not in ("", "none")
        if not (outline or shadow):
            self.problems.append(
                f"no visible focus: {where} (outline {focused['outline']} "
                f"{focused['outlineWidth']}px, box-shadow {focused['shadow']})"
            )
        if not focused["visible"]:
            self.problems.append(f"focused but off screen: {where}")

    def press(self, key: str) -> dict[str, Any] | None:
        self.page.keyboard.press(key)
        focused = self.page.evaluate(FOCUSED_JS)
        if focused:
            self._check(focused)
        return focused  # type: ignore[no-any-return]

    def tab_to(self, wanted: str, *, back: bool = False, exact: bool = False) -> dict[str, Any]:
        """Press Tab (or Shift+Tab) until the focused element's text or label has ``wanted``."""
        for _ in range(MAX_PRESSES):
            focused = self.press("Shift+Tab" if back else "Tab")
            if focused is None:
                continue
            names = (focused["text"], focused["label"])
            if any((n == wanted) if exact else (wanted in n) for n in names):
                return focused
        pytest.fail(f"Tab never reached {wanted!r} on {self.page.url}")

    def tab_through(self) -> list[dict[str, Any]]:
        """Every focus stop from here to the end of the page."""
        seen = []
        for _ in range(MAX_PRESSES * 2):
            focused = self.press("Tab")
            if focused is None:
                return seen
            seen.append(focused)
        pytest.fail(f"Tab never left {self.page.url}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=2)

    def enter_and_wait(self) -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.page.wait_for_load_state()


def test_staff_journey_with_the_keyboard_only(
    browser: Any, live_app: Any, live_server: Any
) -> None:
    review_id = _capture(live_app)  # Sam has answered and confirmed: layers and actions are open
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, KEYWORKER)
    page.goto(f"{live_server.url}/staff/")
    keys = Keyboard(page)

    # The skip link comes first and shows.
    assert keys.press("Tab")["text"] == "Skip to main content"  # type: ignore[index]

    # 1. Plan a review: Sam's page, "Plan a review", the date typed, the rest as it is.
    keys.tab_to("Sam", exact=True)
    keys.enter_and_wait()
    assert page.locator("h1").inner_text().startswith("Sam")
    keys.tab_to("Plan a review", exact=True)
    keys.enter_and_wait()
    assert page.locator("h1").inner_text() == "Plan a review for Sam"
    kind = keys.tab_to("planned review", exact=True)  # a radio group: the checked one takes focus
    assert kind["type"] == "radio"
    date = keys.tab_to("Date", exact=True)
    assert date["type"] == "date"
    keys.type(SAME_EITHER_WAY)
    assert page.evaluate("document.activeElement.value") == "2027-05-05"
    keys.tab_to("Facilitator", exact=True)
    keys.tab_to("Plan the review", exact=True)
    keys.enter_and_wait()
    assert "The review is planned." in page.locator("#messages").inner_text()
    assert "/prompts" in page.url

    # 2. Read the layers: back to the review Sam has answered, every focus stop on it in turn.
    keys.tab_to("People and reviews", exact=True)
    keys.enter_and_wait()
    keys.tab_to("Sam's review", exact=True)
    keys.enter_and_wait()
    assert page.url.endswith(f"/staff/reviews/{review_id}")
    assert page.locator("h2", has_text="Other views, after Sam's").count() == 1
    stops = keys.tab_through()
    names = [s["text"] or s["label"] for s in stops]
    assert "Add a staff note" in names, names  # the layers are reached
    # A staff note in the layer: open it with Enter, choose nothing, type, send with Enter.
    keys.tab_to("Add a staff note", back=True, exact=True)
    page.keyboard.press("Enter")
    assert page.locator("details.layers-add-note").get_attribute("open") is not None
    keys.tab_to("About", exact=True)
    keys.tab_to("Note", exact=True)
    keys.type("Sam's brother will help with the garden.")
    keys.tab_to("Add the note", exact=True)
    keys.enter_and_wait()
    assert "Sam's brother will help with the garden." in page.locator("main").inner_text()

    # 3. Write an action: Shift+Tab is as good as Tab for getting back up the page.
    keys.tab_through()  # to the end, then back up to the action button
    keys.tab_to("Write an action from what Sam said", back=True, exact=True)
    keys.enter_and_wait()
    assert page.locator("h1").inner_text() == "Actions from what Sam said"
    statement = keys.tab_to("grow tomatoes")
    assert statement["type"] == "checkbox"
    page.keyboard.press("Space")
    assert page.locator("input[name=statement]:checked").count() == 1
    keys.tab_to("What will happen (for the record)", exact=True)
    keys.type("Tom helps Sam plant tomatoes in the garden in May.")
    keys.tab_to("What will happen, in easy read for Sam", exact=True)
    keys.type("Tom will help you plant 3 tomato plants.")
    page.locator("#advice").wait_for()
    picture = keys.tab_to("No picture")
    assert picture["type"] == "radio"
    keys.tab_to("Who will help (the owner)", exact=True)
    keys.type("Tom Okafor")
    keys.tab_to("By when", exact=True)
    keys.type(SAME_EITHER_WAY)
    keys.tab_to("Save the action", exact=True)
    keys.enter_and_wait()
    assert "The action is saved." in page.locator("#messages").inner_text()
    assert page.locator(".action-item").count() == 1

    print(f"\nkeyboard journey: {keys.stops} focus stops checked")
    assert keys.stops > 40
    assert not keys.problems, "\n".join(keys.problems)
    context.close()
