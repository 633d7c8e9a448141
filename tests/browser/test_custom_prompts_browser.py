"""Custom prompts in Chromium: staff write one with an uploaded recording of a familiar voice;
on the tablet the prompt shows, Listen plays that recording (not the synthetic voice) and the
answer is stored. axe-core runs on each page. Chromium's own MediaRecorder output is checked
by the same code that checks uploads."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import CustomPrompt, Person, Response, Review, ReviewPrompt
from facilitator.services import reviews
from facilitator.services.media import voice_recordings

from ..unit import audio_samples as samples
from .conftest import TABLET, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

TEXT = "Do you like the new garden?"


def _prepare(app: Any) -> tuple[int, int]:
    with app.app_context():
        review = db.session.get(Review, 1)
        assert review is not None
        reviews.set_prompts(
            db.session, review, ["like-where-you-live", "favourite-food"], actor=None
        )
        person = db.session.get(Person, review.person_id)
        assert person is not None
        person.settings = {**person.settings, "speech": "on", "auto_advance": False}
        db.session.commit()
        return review.id, person.id


def test_write_a_prompt_with_a_familiar_voice_and_answer_it(
    browser: Any, live_app: Any, live_server: Any, tmp_path: Path
) -> None:
    review_id, sam = _prepare(live_app)
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server.url, "keyworker@demo.facilitator.test")

    page.goto(f"{live_server.url}/staff/people/{sam}/prompts/")
    assert_no_axe_violations(page, "own prompts, none yet")
    page.get_by_role("link", name="Write a prompt for all of Sam's reviews").click()
    page.wait_for_load_state("networkidle")
    assert_no_axe_violations(page, "new prompt form")
    # No microphone here: the recorder says so kindly, and the upload does the job.
    recorder = page.locator("[data-record-voice]")
    assert recorder.is_visible()
    page.get_by_role("button", name="Record the voice").click()
    status = page.locator("[data-record-status]")
    status.filter(has_text="upload").wait_for()
    assert "upload a recording" in status.inner_text()

    page.get_by_label("The question, in easy read").fill("Regarding the accommodation, is it nice?")
    page.locator("#advice .advice-list").wait_for()
    assert "accommodation" in page.locator("#advice").inner_text()
    page.get_by_label("The question, in easy read").fill(TEXT)
    page.get_by_label("Topic", exact=True).select_option("where-i-live")
    page.get_by_label("How Sam answers").select_option("yes-no")
    page.locator("input[name='picture'][value='gardening']").check()
    page.locator("#advice .advice-ok").wait_for()
    voice = tmp_path / "mum.wav"
    voice.write_bytes(samples.wav(1.5))
    page.get_by_label("Or upload a recording").set_input_files(str(voice))
    page.get_by_label("Whose voice it is").fill("Mum")
    assert_no_axe_violations(page, "new prompt form, filled in")
    page.get_by_role("button", name="Save the prompt").click()
    page.wait_for_load_state("networkidle")
    assert "The prompt is saved." in page.content()
    assert page.locator("audio").count() == 1
    assert_no_axe_violations(page, "own prompts, one saved")
    with live_app.app_context():
        row = db.session.scalar(select(CustomPrompt))
        assert row is not None and row.recording_id is not None

    # On the tablet: the prompt, its picture, and Mum's voice instead of the synthetic one.
    page.goto(f"{live_server.url}/staff/reviews/{review_id}")
    page.get_by_role("button", name="Start Sam's session on this tablet").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/person/q/2")
    assert page.locator("h1").inner_text() == TEXT
    assert_no_axe_violations(page, "custom prompt on the tablet")
    audio = page.locator("audio.prompt-audio")
    assert audio.count() == 1 and "/person/voice/" in (audio.get_attribute("src") or "")
    loaded = page.evaluate(
        """async () => { const a = document.querySelector('audio.prompt-audio');
        if (a.readyState < 1) {
          await new Promise((ok, no) => {
            a.addEventListener('loadedmetadata', ok); a.addEventListener('error', no); a.load();
          });
        }
        return a.duration; }"""
    )
    assert 1.3 < loaded < 1.7  # the recording's own length: it decodes and plays
    page.evaluate(
        """() => { window.__played = []; window.__spoken = [];
        const play = HTMLMediaElement.prototype.play;
        HTMLMediaElement.prototype.play = function () {
          window.__played.push(this.src); return play.call(this);
        };
        if (window.speechSynthesis) {
          window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
        } }"""
    )
    page.get_by_role("button", name="Listen").tap()
    page.wait_for_function("() => window.__played.length > 0")
    played = page.evaluate("() => window.__played")
    assert all("/person/voice/" in src for src in played)
    assert page.evaluate("() => window.__spoken") == []  # the browser's voice never spoke
    page.get_by_role("button", name="Yes", exact=True).tap()
    page.locator(".answer.chosen").wait_for()
    assert_no_axe_violations(page, "custom prompt answered")
    with live_app.app_context():
        answer = db.session.scalar(select(Response))
        assert answer is not None and answer.answer == ["yes"]
        asked = db.session.get(ReviewPrompt, answer.review_prompt_id)
        assert asked is not None and asked.custom_prompt_id == row.id
    context.close()


def test_chromium_recordings_pass_the_upload_check(browser: Any, live_server: Any) -> None:
    """What MediaRecorder makes in Chromium (WebM/Opus) is accepted, with its true length."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    encoded = page.evaluate(
        """async () => {
        const ctx = new AudioContext(); const osc = ctx.createOscillator();
        const out = ctx.createMediaStreamDestination(); osc.connect(out); osc.start();
        const rec = new MediaRecorder(out.stream, {mimeType: 'audio/webm;codecs=opus'});
        const chunks = []; rec.ondataavailable = (e) => chunks.push(e.data);
        const done = new Promise((ok) => { rec.onstop = ok; });
        rec.start(); await new Promise((ok) => setTimeout(ok, 1500)); rec.stop(); await done;
        const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
        let text = ''; bytes.forEach((b) => { text += String.fromCharCode(b); });
        return btoa(text); }"""
    )
    info = voice_recordings.inspect(base64.b64decode(encoded))
    assert info.audio_format == "webm"
    assert 1000 < info.duration_ms < 2200
    context.close()
