"""Joint problem-solving meetings in Chromium (issue 17): the staff pages (arranging, the
record, the easy-read agenda), the tablet's screens (the agenda with Listen, a prompt, thanks)
and the invited advocate's pages pass axe-core, 320 px and 200 % text, like every swept page."""

from __future__ import annotations

from typing import Any

import pytest

from ..web.test_joint_meetings import _ellis_view
from .conftest import AXE, TABLET, sign_in_page
from .test_sweep import _check_page, context  # noqa: F401  (the sweep's context fixture)

pytestmark = pytest.mark.browser


def _meeting(app: Any) -> tuple[int, int]:
    """Ellis's differing view and a joint meeting about it, with what Jo said at it."""
    from datetime import date, time

    from facilitator.extensions import db
    from facilitator.models import Review, User
    from facilitator.services.governance import differing, joint_meetings

    with app.app_context():
        users = {u.email: u.id for u in db.session.query(User)}
        _review, view_id, _said = _ellis_view(app, {"reviews": {"Ellis": 2}, "users": users})
        staff = db.session.get(User, users["staff@demo.facilitator.test"])
        view = differing.get(db.session, view_id)
        review = db.session.get(Review, view.review_id)
        assert staff is not None and review is not None
        meeting = joint_meetings.arrange(
            db.session, review, staff, joint_meetings.Arrangement(
                "Where will you go on Saturdays?", date.today(), time(14), False,
                "Oak House lounge", [],
            ), view=view,
        )  # fmt: skip
        jo = next(k for k in meeting.invitees if k.startswith("supporter:"))
        joint_meetings.add_note(db.session, meeting, staff, jo, "Ellis should choose.")
        joint_meetings.add_option(db.session, meeting, staff, "The allotment", "Ellis")
        db.session.commit()
        return view_id, meeting.id


def test_joint_meeting_pages_pass_the_checks(
    context: Any,  # noqa: F811
    browser: Any,
    live_app: Any,
    live_server: Any,
) -> None:
    view_id, meeting_id = _meeting(live_app)
    base = live_server.url
    page = context.new_page()
    sign_in_page(page, base, "staff@demo.facilitator.test")
    problems: list[str] = []
    for path in (
        "/staff/reviews/2/joint-meetings",
        f"/staff/differing-views/{view_id}/joint-meeting",
        f"/staff/joint-meetings/{meeting_id}",
        f"/staff/joint-meetings/{meeting_id}/agenda",
    ):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        problems += _check_page(page, path)
    # A refusal, shown on the page with what was typed.
    page.goto(f"{base}/staff/joint-meetings/{meeting_id}")
    page.fill("#said", "I want the allotment")
    page.locator("form[action$='/notes'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "how the person" in page.content()
    problems += _check_page(page, "a refused note")

    # The tablet: the agenda with Listen, the person's prompts, thanks.
    page.goto(f"{base}/staff/joint-meetings/{meeting_id}")
    page.get_by_role("button", name="Give the tablet to Ellis").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/person/meetings/{meeting_id}/")
    assert page.locator("button.listen").count() > 3
    problems += _check_page(page, "the person's agenda")
    page.get_by_role("link", name="Tell us what you think").click()
    page.wait_for_load_state()
    problems += _check_page(page, "the meeting's first prompt")
    page.locator("label.answer", has_text="Not sure").click()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    assert page.url.endswith("/q/2")
    page.fill("#words", "I like the allotment")
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Next").click()  # nothing on the third: a kind refusal
    page.wait_for_load_state()
    assert "Tap an answer" in page.content()
    problems += _check_page(page, "a refused answer on the tablet")
    page.goto(f"{base}/person/meetings/{meeting_id}/thanks")
    problems += _check_page(page, "thanks")

    # The invited advocate, in a browser of their own (this one is the locked tablet now).
    other = browser.new_context(viewport=TABLET, locale="en-GB")
    other.add_init_script(script=AXE.read_text())
    try:
        advocate = other.new_page()
        sign_in_page(advocate, base, "advocate@demo.facilitator.test")
        for path in (
            "/advocate/joint-meetings/",
            f"/advocate/joint-meetings/{meeting_id}",
            f"/advocate/joint-meetings/{meeting_id}/agenda",
        ):
            response = advocate.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            problems += _check_page(advocate, path)
            if path.endswith(str(meeting_id)):
                assert "Ellis should choose." in advocate.content()
    finally:
        other.close()
    assert not problems, "\n".join(problems)
