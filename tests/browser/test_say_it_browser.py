"""Say it (issue 24) in Chromium with a fake microphone: asked first, recorded, heard back,
kept; refused without consent; a recording made offline sent once on reconnect while the tablet
holds its unlock form; switch access through the recording controls; axe-core on every state.

The shared browser has no microphone, so these tests launch their own Chromium with
``--use-fake-ui-for-media-stream --use-fake-device-for-media-stream`` (a fake microphone that
plays a beep, and permission granted without a prompt).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Person, PersonRecording, Review
from facilitator.services.media import person_recordings, storage

from .conftest import CHROMIUM, CHROMIUM_ARGS, TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
HIGHLIGHT = """() => {
  const el = document.querySelector('.scan-highlight');
  return el ? el.textContent.replace(/\\s+/g, ' ').trim() : null;
}"""


@pytest.fixture
def microphone_browser(browser: Any) -> Iterator[Any]:
    """A Chromium of this test's own, with a fake microphone (the shared one has none)."""
    own = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + FAKE_MEDIA
    )
    yield own
    own.close()


def _prepare(app: Any, **settings: Any) -> int:
    with app.app_context():
        review = db.session.get(Review, 1)
        assert review is not None
        person = db.session.get(Person, review.person_id)
        assert person is not None
        person.settings = {**person.settings, "auto_advance": False, **settings}
        db.session.commit()
        return review.id


def _start(browser: Any, server: Any, review_id: int) -> tuple[Any, Any]:
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, server.url, "keyworker@demo.facilitator.test")
    page.goto(f"{server.url}/staff/reviews/{review_id}")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    return context, page


def _kept(app: Any) -> list[PersonRecording]:
    with app.app_context():
        rows = list(db.session.scalars(select(PersonRecording).order_by(PersonRecording.id)))
        db.session.expunge_all()
        return rows


def _state(page: Any) -> str | None:
    return page.locator("#main [data-say-it]").get_attribute("data-state")  # type: ignore[no-any-return]


def _record(page: Any, seconds: float = 1.5) -> None:
    main = page.locator("#main")
    main.get_by_role("button", name="Say it", exact=True).click()
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "recording")
    page.wait_for_timeout(int(seconds * 1000))
    main.get_by_role("button", name="Stop", exact=True).click()
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "stopped")


def test_asked_first_then_record_play_back_try_again_and_keep(
    microphone_browser: Any, live_app: Any, live_server: Any
) -> None:
    review_id = _prepare(live_app)
    context, page = _start(microphone_browser, live_server, review_id)
    page.goto(f"{live_server.url}/person/q/1")
    page.locator("#main").get_by_role("link", name="Say it").click()
    expect(page.locator("h1")).to_have_text("Can we keep your voice?")
    assert_no_axe_violations(page, "the consent question")
    page.locator("#main").get_by_role("button", name="Yes, keep my voice").click()
    expect(page.locator("h1")).not_to_have_text("Can we keep your voice?")
    for _ in range(10):
        heading = page.locator("h1").inner_text()
        if "hear your voice?" not in heading:
            break
        assert_no_axe_violations(page, "who may hear it")
        page.locator("#main").get_by_role("button", name="Yes", exact=True).click()
        expect(page.locator("h1")).not_to_have_text(heading)
    expect(page.locator("h1")).to_have_text("Say it")
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "ready")
    status = page.locator("#main [data-say-it] [role='status']")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(page.locator("#say-limit")).to_have_text("You can talk for up to 60 seconds.")
    assert_no_axe_violations(page, "ready to record")

    page.locator("#main").get_by_role("button", name="Say it", exact=True).click()
    expect(status).to_contain_text("Recording now")  # said in words, not colour
    expect(page.locator("#main [data-say-clock]")).to_be_visible()
    expect(page.locator("#main [data-say-progress]")).to_be_visible()
    assert_no_axe_violations(page, "recording")
    page.wait_for_timeout(1500)
    page.locator("#main").get_by_role("button", name="Stop", exact=True).click()
    expect(status).to_contain_text("Stopped. Listen to it.")
    assert_no_axe_violations(page, "stopped: listen, keep or try again")
    page.locator("#main").get_by_role("button", name="Listen to it").click()
    page.wait_for_function(
        "() => { const a = document.querySelector('#main [data-say-preview]');"
        " return a && (a.currentTime > 0 || !a.paused); }"
    )
    page.locator("#main").get_by_role("button", name="Try again").click()
    assert _state(page) == "ready" and _kept(live_app) == []
    _record(page)
    page.locator("#main").get_by_role("button", name="Keep it").click()
    expect(status).to_contain_text("Your voice is kept. Thank you.")
    assert_no_axe_violations(page, "kept")
    kept = _kept(live_app)
    assert len(kept) == 1 and kept[0].audio_format in ("webm", "ogg")
    assert 1000 <= kept[0].duration_ms <= 4000
    # What the server kept reads again as sound only.
    with live_app.app_context():
        blob = storage.get(db.session, person_recordings.key_for(kept[0]))
        assert blob is not None
        assert person_recordings.inspect(blob.body).duration_ms == kept[0].duration_ms
    page.reload()
    expect(page.locator("#main .said-recorded")).to_have_count(1)
    expect(page.locator("#main .said-recorded figcaption")).to_have_text("Said by you, recorded")
    assert_no_axe_violations(page, "with a kept recording")
    context.close()


def test_without_consent_there_is_no_recorder(
    microphone_browser: Any, live_app: Any, live_server: Any
) -> None:
    review_id = _prepare(live_app)
    context, page = _start(microphone_browser, live_server, review_id)
    page.goto(f"{live_server.url}/person/q/1/say")
    page.locator("#main").get_by_role("button", name="No, do not record me").click()
    expect(page.locator("#main")).to_contain_text("You said no to keeping your voice")
    expect(page.locator("#main [data-say-it]")).to_have_count(0)
    expect(page.locator("#main").get_by_role("link", name="I changed my mind")).to_be_visible()
    assert_no_axe_violations(page, "said no")
    # A recording sent anyway is refused.
    status = page.evaluate(
        """async () => {
          const token = (await (await fetch('/person/api/token')).json()).csrf_token;
          const form = new FormData();
          form.append('client_id', 'abcdefgh12345678'); form.append('review_id', '1');
          form.append('position', '1');
          form.append('recording', new Blob(['x'], {type: 'audio/webm'}), 'r.webm');
          const r = await fetch('/person/api/recordings', {method: 'POST', body: form,
            headers: {'X-CSRFToken': token, Accept: 'application/json'}});
          return r.status; }"""
    )
    assert status == 403 and _kept(live_app) == []
    context.close()


def test_offline_recording_waits_holds_the_unlock_and_is_sent_once(
    microphone_browser: Any, live_app: Any, live_server: Any
) -> None:
    review_id = _prepare(live_app)
    with live_app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        person_recordings.record_consent(db.session, review, "yes", [], None)
        db.session.commit()
    context, page = _start(microphone_browser, live_server, review_id)
    page.goto(f"{live_server.url}/person/q/1/say")
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "ready")
    context.set_offline(True)
    _record(page)
    page.locator("#main").get_by_role("button", name="Keep it").click()
    expect(page.locator("#main [data-say-it] [role='status']")).to_contain_text(
        "kept on this tablet"
    )
    waiting = page.locator("[data-voice-message]")
    expect(waiting).to_have_text(
        "1 recording is waiting to be sent. Keep the tablet on and near the wifi."
    )
    assert_no_axe_violations(page, "a recording waiting offline")
    assert _kept(live_app) == []
    # The break screen (the tablet keeps it) will not unlock while a recording waits.
    page.locator("#main").get_by_role("link", name="Back").click()
    page.locator("#main").get_by_role("link", name="Break").first.click()
    page.wait_for_selector("#main [data-hold-while-waiting]", state="attached")
    page.locator("#main .facilitator-area summary").click()
    expect(page.locator("#main .voice-held")).to_be_visible(timeout=10_000)
    expect(page.locator("#main [data-hold-while-waiting] button[type='submit']")).to_be_disabled()
    assert_no_axe_violations(page, "unlock held")

    context.set_offline(False)
    page.wait_for_function(
        "() => !document.querySelector('[data-voice-message]').textContent", timeout=30_000
    )
    assert len(_kept(live_app)) == 1
    expect(page.locator("#main [data-hold-while-waiting] button[type='submit']")).to_be_enabled()
    # Sent once: another pass finds nothing to send, and the server kept one.
    page.evaluate("async () => await window.Facilitator.voice.drain()")
    assert len(_kept(live_app)) == 1
    assert page.evaluate("async () => (await window.Facilitator.voice.waiting()).length") == 0
    context.close()


def test_two_switches_through_the_recording_controls(
    microphone_browser: Any, live_app: Any, live_server: Any
) -> None:
    review_id = _prepare(live_app, access="step", speech="off")
    with live_app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        person_recordings.record_consent(db.session, review, "yes", [], None)
        db.session.commit()
    context, page = _start(microphone_browser, live_server, review_id)
    page.goto(f"{live_server.url}/person/q/1/say")
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "ready")

    def press(key: str) -> None:
        page.wait_for_function(
            "() => Date.now() - Number(document.documentElement.dataset.switchPressedAt || 0) > 300"
        )
        page.keyboard.press(key)

    def step_to(text: str) -> None:
        for _ in range(20):
            if page.evaluate(HIGHLIGHT) == text:
                return
            press("Space")
        pytest.fail(f"the highlight never reached {text!r}")

    step_to("Say it")
    press("Enter")
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "recording")
    page.wait_for_timeout(1200)
    step_to("Stop")
    assert_no_axe_violations(page, "recording, with the switch highlight")
    press("Enter")
    expect(page.locator("#main [data-say-it]")).to_have_attribute("data-state", "stopped")
    step_to("Keep it")
    press("Enter")
    expect(page.locator("#main [data-say-it] [role='status']")).to_contain_text(
        "Your voice is kept."
    )
    assert len(_kept(live_app)) == 1
    context.close()
