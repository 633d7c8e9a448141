"""A provider's whole year in Chromium (issue 17), from an empty database, with axe-core on
every distinct page visited.

`flask users create` makes the first administrator, who signs in (setting up the second step)
and builds the team in the browser: a service, a staff member and a manager with their
services, the staff member's tablet PIN. The staff member signs in with the temporary password,
chooses their own, records a person and a supporter and plans the first review. The person gives
their views on the tablet; staff write an action linked to both statements, show "You said, we
did" on the tablet, try to close (refused: nobody told of the outcome yet), record who was told,
and close. The next review is planned 12 months on, by the provider's interval. At that review
the person answers "did it happen?" on the tablet, and staff see the answer beside the earlier
action and on the next review's own page.

The clock: the app reads ``date.today()`` (the due list, the home page), and the next review's
date comes from the closed review's date, not from today; so the first review is dated today,
the next one is checked to be the same day a year on, and the person is asked about the earlier
action at that review without waiting for the date (nothing refuses holding a review early).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import ActionFollowUp, OutcomeAction, Review, ReviewStatus, User
from facilitator.services.reviews.lifecycle import add_months

from ..conftest import make_test_app
from .conftest import TABLET, LiveServer, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

ADMIN = "first.admin@care.local"
STAFF = "sian@care.local"
MANAGER = "mair@care.local"
PIN = "5826"


@pytest.fixture
def empty_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Any]:
    """The app on a migrated, empty SQLite database: no demo, no accounts."""
    path = tmp_path / "year.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_test_app(tmp_path, f"sqlite:///{path}", TESTING=False)
    yield app
    if db.engine is not None:
        db.engine.dispose()


class Walk:
    """One browser tab on the live server; axe-core runs once on each distinct page."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.checked: set[str] = set()

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.axe()

    def axe(self, name: str = "") -> None:
        """axe-core on the page now shown, once per page (address with numbers kept)."""
        key = name or urlsplit(self.page.url).path
        if key not in self.checked:
            self.checked.add(key)
            assert_no_axe_violations(self.page, key)

    def submit(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state("networkidle")

    def h1(self) -> str:
        return str(self.page.locator("h1").inner_text())

    def main(self) -> str:
        return str(self.page.locator("main").inner_text())

    def swap(self, locator: Any) -> None:
        """Tap something htmx handles in person mode, and wait for the new screen."""
        self.page.evaluate(
            "() => { window.__settled = new Promise(r => "
            "document.addEventListener('htmx:afterSettle', r, {once: true})); }"
        )
        locator.tap()
        self.page.evaluate("() => window.__settled")
        self.axe()


def test_a_year_from_an_empty_database(browser: Any, empty_app: Any, tmp_path: Path) -> None:
    app = empty_app
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
    made = app.test_cli_runner().invoke(
        args=["users", "create", "--email", ADMIN, "--name", "Bethan Price", "--role", "admin",
              "--password", "a-long-first-password"]
    )  # fmt: skip
    assert made.exit_code == 0, made.output

    with LiveServer(app) as server:
        context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
        try:
            _walk(app, context, server.url)
        finally:
            context.close()


def _walk(app: Any, context: Any, base: str) -> None:
    today = date.today()
    page = context.new_page()
    walk = Walk(page, base)

    # --- The first administrator builds the team. ---------------------------------------
    sign_in_page(page, base, ADMIN, "a-long-first-password")
    assert urlsplit(page.url).path != "/sign-in", walk.main()[:500]
    walk.go("/admin/services")
    page.get_by_label("Name of the service").fill("Riverside supported living")
    page.get_by_label("Supported living").check()
    walk.submit("Add the service")
    assert "Riverside supported living" in walk.h1()
    walk.axe()
    walk.go("/admin/users")
    for name, email, role in (("Sian Jones", STAFF, "staff"), ("Mair Evans", MANAGER, "manager")):
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Role").select_option(role)
        page.get_by_label("Temporary password").fill("temporary-password-1")
        walk.submit("Create account")
        assert name in walk.main()
    with app.app_context():
        ids = {u.email: u.id for u in db.session.scalars(select(User))}
    for email in (STAFF, MANAGER):
        walk.go(f"/admin/users/{ids[email]}/services")
        page.get_by_label("Riverside supported living").check()
        walk.submit("Save the services")
        assert "now sees the people of these services" in walk.main()
    walk.go(f"/admin/users/{ids[STAFF]}")
    page.get_by_label("New tablet PIN").fill(PIN)
    walk.submit("Set the PIN")
    assert "The tablet PIN for Sian Jones is set." in walk.main()
    page.close()

    # --- Staff: their own password, a person, a supporter, a review planned. ------------
    staff_context = context.browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    try:
        _staff_year(app, staff_context, base, today, walk.checked)
    finally:
        staff_context.close()


def _staff_year(app: Any, context: Any, base: str, today: date, checked: set[str]) -> None:
    page = context.new_page()
    walk = Walk(page, base)
    walk.checked = checked
    sign_in_page(page, base, STAFF, "temporary-password-1")
    assert urlsplit(page.url).path == "/account"  # a temporary password is changed first
    walk.axe()
    page.get_by_label("Current password").fill("temporary-password-1")
    page.get_by_label("New password", exact=True).fill("sians-own-password")
    page.get_by_label("New password again").fill("sians-own-password")
    walk.submit("Change password")
    walk.go("/staff/")
    page.get_by_role("link", name="Record a person").click()
    page.wait_for_load_state()
    walk.axe()
    page.get_by_label("Preferred name").fill("Dylan")
    page.get_by_label("Full name").fill("Dylan Morgan")
    page.get_by_label("English").check()
    walk.submit("Record this person")
    assert walk.h1() == "Dylan"
    walk.axe("person page")
    person_path = urlsplit(page.url).path
    page.get_by_role("link", name="Add a supporter").click()
    page.wait_for_load_state()
    walk.axe()
    page.get_by_label("Name", exact=True).fill("Rhian Morgan")
    page.get_by_label("Who they are to Dylan").select_option("mother")
    page.get_by_label("family member").check()
    page.get_by_label("Email address (optional)").fill("rhian@example.org")
    page.get_by_label("By a second email").check()
    page.locator("input[name=language][value=en]").check()
    page.get_by_label("None", exact=True).check()
    walk.submit("Add this supporter")
    assert "Rhian Morgan is added." in walk.main()

    walk.go(f"{person_path}/reviews/new")
    page.get_by_label("first review").check()
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Facilitator").select_option(label="Sian Jones (staff)")
    walk.submit("Plan the review")
    assert urlsplit(page.url).path.endswith("/prompts")
    walk.axe()
    page.evaluate(
        "() => document.querySelectorAll('input[name=prompt]').forEach(e => e.checked = false)"
    )
    page.get_by_label("Do you like where you live? (Feelings: 5 faces)").check()
    page.get_by_label("Do you want to move to a new home? (Yes, no or not sure)").check()
    walk.submit("Save the prompts")
    first_path = urlsplit(page.url).path
    assert walk.h1() == f"Dylan's review, {today.day} {today:%B %Y}"
    walk.axe()
    walk.go(f"{first_path}/meeting")  # when, where, who: seen, not needed for the year
    walk.go(first_path)

    # --- Dylan's views on the tablet. ----------------------------------------------------
    walk.submit("Start Dylan's session on this tablet")
    assert walk.h1().startswith("Hello.")
    walk.axe()
    walk.swap(page.get_by_role("link", name="Start", exact=True))
    walk.swap(page.get_by_role("button", name="Very good", exact=True))
    walk.swap(page.get_by_role("link", name="Next", exact=True))
    assert walk.h1() == "Do you want to move to a new home?"
    walk.swap(page.get_by_role("button", name="No", exact=True))
    walk.swap(page.get_by_role("link", name="Next", exact=True))
    assert walk.h1() == "This is what you told us. Is this right?"
    walk.swap(page.get_by_role("button", name="Yes, this is right", exact=True))
    assert walk.h1() == "Can Rhian Morgan see what you said?"
    walk.swap(page.get_by_role("button", name="Yes", exact=True))
    page.get_by_label("Facilitator's PIN or password").fill(PIN)
    walk.submit("Confirm the session")
    assert urlsplit(page.url).path == first_path
    assert "Very good" in walk.main()
    walk.axe("review after the person's views")

    # --- An action linked to both statements; "You said, we did" on the tablet. ---------
    walk.go(f"{first_path}/actions/")
    page.locator("label.statement-choice", has_text="Do you like where you live?").click()
    page.locator("label.statement-choice", has_text="Do you want to move").click()
    page.get_by_label("What will happen (for the record)").fill(
        "Sian helps Dylan plant a vegetable bed in the garden by May."
    )
    page.get_by_label("What will happen, in easy read for Dylan").fill(
        "Sian will help you plant vegetables in the garden."
    )
    page.locator("label.picture-choice", has_text="gardening").click()
    page.get_by_label("Who will help (the owner)").fill("Sian Jones")
    page.get_by_label("By when").fill(add_months(today, 5).isoformat())
    walk.submit("Save the action")
    assert "The action is saved." in walk.main()
    assert "Every statement has an action that answers it." in walk.main()
    walk.axe("actions after saving")
    with app.app_context():
        action = db.session.scalars(select(OutcomeAction)).one()
        assert len(action.responses) == 2  # it traces back to both statements
    walk.go(f"{first_path}/you-said/")
    walk.submit("Show “You said, we did” on this tablet")
    assert walk.h1() == "You said, we did"
    assert "Sian will help you plant vegetables in the garden." in walk.main()
    walk.axe()
    walk.go("/person/you-said/finish")
    page.get_by_label("Facilitator's PIN or password").fill(PIN)
    walk.submit("Unlock the tablet")
    assert urlsplit(page.url).path == first_path

    # --- Closing: refused until someone is recorded as told; then closed. ---------------
    walk.go(f"{first_path}/close")
    page.get_by_label("What was agreed").fill(
        "Dylan stays at home; Sian helps him grow vegetables."
    )
    page.get_by_label("Who agreed it").fill("Dylan, Rhian Morgan (mother), Sian Jones")
    walk.submit("Close the review")
    assert "Nobody is recorded as told of the decisions yet." in walk.main()
    assert "Dylan stays at home" in page.get_by_label("What was agreed").input_value()  # kept
    walk.axe("close refused")
    page.get_by_role("link", name="Record who was told, and how").click()
    page.wait_for_load_state()
    walk.axe()
    page.get_by_label("What were they told about?").select_option("review-outcome")
    page.get_by_label("Dylan", exact=True).check()
    page.get_by_label("When").fill(today.isoformat())
    page.get_by_label("How", exact=True).select_option("in-person")
    page.get_by_label("easy read").check()
    walk.submit("Record it")
    assert "Recorded." in walk.main()
    walk.go(f"{first_path}/close")
    page.get_by_label("What was agreed").fill(
        "Dylan stays at home; Sian helps him grow vegetables."
    )
    page.get_by_label("Who agreed it").fill("Dylan, Rhian Morgan (mother), Sian Jones")
    walk.submit("Close the review")
    assert walk.h1() == "Dylan's review is closed"
    assert "The next review is planned." in walk.main()
    walk.axe("closed")

    # --- The next review: 12 months on, by the provider's interval. ----------------------
    page.get_by_role("link", name="The next review").click()
    page.wait_for_load_state()
    next_path = urlsplit(page.url).path
    due = add_months(today, 12)
    assert walk.h1() == f"Dylan's review, {due.day} {due:%B %Y}"
    with app.app_context():
        first, nxt = db.session.scalars(select(Review).order_by(Review.id)).all()
        assert first.status == ReviewStatus.CLOSED
        assert nxt.scheduled_for == due and nxt.status == ReviewStatus.PLANNED
        assert [p.library_prompt_id for p in nxt.prompts] == [
            p.library_prompt_id for p in first.prompts
        ]
        next_id = nxt.id
    walk.go("/staff/reviews/due")  # a year away: not due in the next 8 weeks
    assert next_path not in page.content()

    # --- At that review, Dylan answers "did it happen?" on the tablet. -------------------
    walk.go(next_path)
    walk.submit("Start Dylan's session on this tablet")
    walk.swap(page.get_by_role("link", name="Tell us what happened"))
    assert walk.h1() == "Did it happen?"
    walk.swap(page.get_by_role("link", name="Next", exact=True))
    assert "Sian will help you plant vegetables in the garden." in walk.main()
    walk.axe("did it happen, the action")
    walk.swap(page.get_by_role("button", name="Yes", exact=True))
    assert walk.h1() == "Thank you for telling us."
    walk.swap(page.get_by_role("link", name="Carry on"))
    assert walk.h1().startswith("Hello.")
    walk.swap(page.get_by_role("link", name="Start", exact=True))
    walk.swap(page.get_by_role("button", name="Good", exact=True))
    walk.swap(page.get_by_role("link", name="Next", exact=True))
    walk.swap(page.get_by_role("button", name="No", exact=True))
    walk.swap(page.get_by_role("link", name="Next", exact=True))
    walk.swap(page.get_by_role("button", name="Yes, this is right", exact=True))
    walk.swap(page.get_by_role("button", name="Yes", exact=True))
    page.get_by_label("Facilitator's PIN or password").fill(PIN)
    walk.submit("Confirm the session")
    assert urlsplit(page.url).path == next_path
    with app.app_context():
        answer = db.session.scalars(select(ActionFollowUp)).one()
        assert answer.answer == "yes" and answer.review_id == next_id

    # --- Staff see the answer, beside the earlier action and at the next review. --------
    walk.go(f"{first_path}/you-said/")
    assert "At a later review Dylan said it happened: Yes" in walk.main()
    walk.go(f"{next_path}/you-said/")
    shown = walk.main()
    assert "Sian helps Dylan plant a vegetable bed in the garden by May." in shown
    assert f"(from the review on {today.day} {today:%B %Y})" in shown
    assert "Did it happen? Dylan said: Yes" in shown
    assert len(walk.checked) >= 20, sorted(walk.checked)
