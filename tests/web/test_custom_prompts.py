"""Custom prompts through the web: authoring with a recorded voice, kind refusals, who may hear
a recording, and the prompt asked, spoken and answered in the person's session."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from facilitator.extensions import db
from facilitator.models import CustomPrompt, Response, Review, ReviewPrompt, VoiceRecording
from facilitator.services.media import storage, voice_recordings

from ..conftest import csrf_from, sign_in
from ..unit import audio_samples as samples
from .test_person_mode import KEYWORKER, start_session

HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def _person_id(app: Flask, review_id: int) -> int:
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        return review.person_id


def _form(**extra) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "text": "Do you like the new garden?",
        "topic_id": "where-i-live",
        "answer_type": "yes-no",
        "picture": "gardening",
        "alt": "",
        "speaker": "Mum",
    }
    data.update(extra)
    return data


def _post_new(
    client: FlaskClient, person_id: int, recording: tuple[bytes, str] | None = None, **extra
):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/people/{person_id}/prompts/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **_form(**extra)}
    if recording is not None:
        data["recording"] = FileStorage(io.BytesIO(recording[0]), recording[1], "recording")
    # Encoded here, in memory: the test client would spool a large body to a temporary file
    # that it never closes.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/staff/people/{person_id}/prompts/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _row(app: Flask) -> tuple[int, str | None]:
    with app.app_context():
        row = db.session.scalar(select(CustomPrompt).order_by(CustomPrompt.id.desc()))
        assert row is not None
        recording = db.session.get(VoiceRecording, row.recording_id) if row.recording_id else None
        return row.id, recording.public_id if recording else None


def _position(app: Flask, review_id: int, prompt_id: int) -> int:
    with app.app_context():
        rp = db.session.scalar(
            select(ReviewPrompt).where(
                ReviewPrompt.review_id == review_id, ReviewPrompt.custom_prompt_id == prompt_id
            )
        )
        assert rp is not None
        return rp.position


def test_staff_write_a_prompt_with_a_recorded_voice(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    sam = _person_id(app, review_id)
    sign_in(client, KEYWORKER)
    assert f"/staff/people/{sam}/prompts/" in client.get(f"/staff/people/{sam}").get_data(
        as_text=True
    )
    index = client.get(f"/staff/people/{sam}/prompts/").get_data(as_text=True)
    assert "No prompts written for Sam yet." in index
    form = client.get(f"/staff/people/{sam}/prompts/new").get_data(as_text=True)
    assert "record-voice.js" in form and 'type="file"' in form and "data-record-voice" in form
    saved = _post_new(client, sam, (samples.wav(1.5), "mums-voice.wav"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    prompt_id, public_id = _row(app)
    assert public_id is not None
    index = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The prompt is saved." in index and "Do you like the new garden?" in index
    assert "Recorded by Mum" in index and f"/prompts/voices/{public_id}" in index
    heard = client.get(f"/staff/people/{sam}/prompts/voices/{public_id}")
    assert heard.status_code == 200 and heard.mimetype == "audio/wav"
    assert heard.data == samples.wav(1.5)
    assert heard.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in heard.headers["Cache-Control"]
    heard.close()
    with app.app_context():
        recording = db.session.scalar(select(VoiceRecording))
        assert recording is not None
        stored = storage.get(db.session, voice_recordings.key_for(recording))
        assert stored is not None and stored.body == samples.wav(1.5)
        assert "mums-voice" not in recording.file_name
    # In the review's prompts, after the library's "where I live" prompt.
    review_page = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert "Do you like the new garden?" in review_page
    assert _position(app, review_id, prompt_id) == 2


def test_advice_while_typing_and_on_submit(app: Flask, client: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo["reviews"]["Sam"])
    sign_in(client, KEYWORKER)
    page = client.get(f"/staff/people/{sam}/prompts/new").get_data(as_text=True)
    assert 'hx-trigger="input changed delay:400ms"' in page
    partial = client.post(
        f"/staff/people/{sam}/prompts/advice",
        data={"text": "Regarding your accommodation, is it sufficient?"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_from(page)},
    ).get_data(as_text=True)
    assert 'id="advice"' in partial and "<html" not in partial
    assert "accommodation" in partial and "Choose a picture or a photo" in partial
    saved = _post_new(client, sam, text="Do you require three more visits?", picture="")
    assert saved.status_code == 302  # advice never blocks
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "easy-read check has advice" in page


def test_bad_input_is_refused_kindly_and_nothing_typed_is_lost(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam = _person_id(app, demo["reviews"]["Sam"])
    sign_in(client, KEYWORKER)
    cases = [
        ({"text": ""}, None, "Write the question"),
        ({"answer_type": "choose-one", "choice-1": "Tea"}, None, "at least 2 choices"),
        ({}, (HTML, "voice.wav"), "not a sound recording we can use"),
        ({}, (samples.wav(2.0)[:-3000], "voice.wav"), "cut short"),
        ({}, (b"", "voice.mp3"), "The file is empty"),
        ({}, (samples.wav(2.0) + b"\0" * (2 * 1024 * 1024), "voice.wav"), "Up to 2 MB"),
        ({}, (samples.wav(31.0, rate=8000), "voice.wav"), "Keep it to 30 seconds"),
    ]
    for extra, recording, message in cases:
        text = extra.pop("text", "Is your bed comfy?")
        refused = _post_new(client, sam, recording, text=text, **extra)
        body = refused.get_data(as_text=True)
        assert refused.status_code == 400, message
        assert message in body, message
        assert 'role="alert"' in body
        if text:
            assert text in body  # what was typed is still there
    with app.app_context():
        assert db.session.scalar(select(CustomPrompt)) is None
        assert db.session.scalar(select(VoiceRecording)) is None
    # A good recording with a mistake elsewhere is kept, and used on the next try.
    refused = _post_new(client, sam, (samples.wav(1.0), "voice.wav"), text="")
    body = refused.get_data(as_text=True)
    kept = re.search(r'name="kept_recording" value="([^"]+)"', body)
    assert refused.status_code == 400 and kept and kept.group(1)
    assert "Saved recording" in body
    saved = _post_new(client, sam, None, kept_recording=kept.group(1))
    assert saved.status_code == 302
    assert _row(app)[1] == kept.group(1)


def test_others_are_refused(app: Flask, client: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo["reviews"]["Sam"])
    ellis = _person_id(app, demo["reviews"]["Ellis"])
    sign_in(client, KEYWORKER)
    assert _post_new(client, sam, (samples.wav(1.0), "v.wav")).status_code == 302
    _prompt_id, public_id = _row(app)
    # The recording is Sam's: under Ellis's address it does not exist.
    assert client.get(f"/staff/people/{ellis}/prompts/voices/{public_id}").status_code == 404
    assert client.get(f"/staff/people/{sam}/prompts/voices/not-a-recording").status_code == 404
    # Another person's review cannot be used for Sam's prompt.
    ellis_review = demo["reviews"]["Ellis"]
    assert client.get(f"/staff/people/{sam}/prompts/new?review={ellis_review}").status_code == 404
    advocate = app.test_client()
    sign_in(advocate, "advocate@demo.facilitator.test")
    assert advocate.get(f"/staff/people/{sam}/prompts/").status_code == 403
    assert advocate.get(f"/staff/people/{sam}/prompts/voices/{public_id}").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(f"/staff/people/{sam}/prompts/voices/{public_id}").status_code in (
        302,
        401,
    )
    # A tablet locked to Ellis's review cannot hear Sam's recording.
    tablet = app.test_client()
    start_session(tablet, demo["reviews"]["Ellis"])
    assert tablet.get(f"/person/voice/{public_id}").status_code == 404


def test_asked_heard_and_answered_in_the_persons_session(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    sam = _person_id(app, review_id)
    sign_in(client, KEYWORKER)
    assert _post_new(client, sam, (samples.wav(1.0), "v.wav")).status_code == 302
    prompt_id, public_id = _row(app)
    position = _position(app, review_id, prompt_id)
    tablet = app.test_client()
    start_session(tablet, review_id)
    page = tablet.get(f"/person/q/{position}").get_data(as_text=True)
    assert "Do you like the new garden?" in page
    voice = f"/person/voice/{public_id}"
    assert f'data-audio="{voice}"' in page and f'src="{voice}"' in page
    assert "recorded-voice" in page
    heard = tablet.get(voice)
    assert heard.status_code == 200 and heard.data == samples.wav(1.0)
    heard.close()
    assert voice in tablet.get("/person/api/offline-urls").get_json()["pages"]
    # Answered and stored exactly like a library prompt.
    data = {
        "csrf_token": csrf_from(page),
        "client_id": re.findall(r'name="client_id" value="([0-9a-f]+)"', page)[0],
        "action": "answer",
        "answer": "yes",
    }
    assert tablet.post(f"/person/q/{position}", data=data).status_code == 303
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response is not None and response.answer == ["yes"]
        rp = db.session.get(ReviewPrompt, response.review_prompt_id)
        assert rp is not None and rp.custom_prompt_id == prompt_id
        assert rp.library_prompt_id == f"custom-{prompt_id}"
    assert "Do you like the new garden?" in tablet.get("/person/check").get_data(as_text=True)
    # Staff pages that look prompts up by key find it.
    for url in (f"/staff/reviews/{review_id}", f"/staff/reviews/{review_id}/record/"):
        assert "Do you like the new garden?" in client.get(url).get_data(as_text=True), url
    exported = client.get(f"/staff/reviews/{review_id}/record/export.json").get_json()
    assert any(c["id"] == prompt_id for c in exported["custom_prompts"])
    # A change now is a new version; the answer keeps the words asked.
    edit = client.get(f"/staff/people/{sam}/prompts/{prompt_id}").get_data(as_text=True)
    assert "A change is saved as a new version" in edit
    changed = client.post(
        f"/staff/people/{sam}/prompts/{prompt_id}",
        data={
            "csrf_token": csrf_from(edit),
            **_form(text="Do you like the garden now?"),
            "kept_recording": public_id,
            "remove_recording": "on",
        },
    )
    assert changed.status_code == 302
    assert "saved as a new version" in client.get(changed.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        old = db.session.get(CustomPrompt, prompt_id)
        assert old is not None and old.superseded_by_id is not None
        assert old.texts == {"en": "Do you like the new garden?"}
        new = db.session.get(CustomPrompt, old.superseded_by_id)
        assert new is not None and new.recording_id is None and new.version == 2
    # Retired, not deletable: the answer stays.
    index = client.get(f"/staff/people/{sam}/prompts/").get_data(as_text=True)
    assert f"/prompts/{prompt_id}/delete" not in index


def _photo(app: Flask, person_id: int, stem: str) -> tuple[int, str]:
    from facilitator.models import Photo

    with app.app_context():
        photo = Photo(
            person_id=person_id, public_id=stem[:32], alt_text=f"The front door ({stem})",
            label="Front door", width=640, height=480, file_stem=stem * 2, file_format="jpeg",
            byte_size=100,
        )  # fmt: skip
        db.session.add(photo)
        db.session.commit()
        return photo.id, photo.public_id


def test_a_photo_of_the_persons_own(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    sam = _person_id(app, review_id)
    ellis = _person_id(app, demo["reviews"]["Ellis"])
    sams_photo, public_id = _photo(app, sam, "samsdoor0123456789abcdef")
    ellis_photo, _ = _photo(app, ellis, "ellisdoor123456789abcdef")
    sign_in(client, KEYWORKER)
    form = client.get(f"/staff/people/{sam}/prompts/new").get_data(as_text=True)
    assert f'name="photo_id" value="{sams_photo}"' in form
    assert f'value="{ellis_photo}"' not in form  # only Sam's photos may be chosen
    refused = _post_new(client, sam, photo_id=str(ellis_photo))
    assert refused.status_code == 400 and "one of Sam&#39;s own photos" in refused.get_data(
        as_text=True
    ).replace("'", "&#39;")
    assert _post_new(client, sam, photo_id=str(sams_photo), picture="").status_code == 302
    prompt_id, _recording = _row(app)
    tablet = app.test_client()
    start_session(tablet, review_id)
    page = tablet.get(f"/person/q/{_position(app, review_id, prompt_id)}").get_data(as_text=True)
    assert f'src="/person/photos/{public_id}/prompt.jpg"' in page
    assert 'alt="The front door (samsdoor0123456789abcdef)"' in page
    offline = tablet.get("/person/api/offline-urls").get_json()
    assert f"/person/photos/{public_id}/prompt.jpg" in offline["pages"] + offline["assets"]


def test_synthetic_voice_rendered_ahead_browser_voice_until_then(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from facilitator.accessible import speech

    from ..conftest import need

    need(speech.speech_status().available, "speech: eSpeak NG is needed")
    review_id = demo["reviews"]["Sam"]
    sam = _person_id(app, review_id)
    sign_in(client, KEYWORKER)
    assert _post_new(client, sam, text="Is your garden sunny?").status_code == 302
    prompt_id, _recording = _row(app)
    tablet = app.test_client()
    start_session(tablet, review_id)
    url = f"/person/q/{_position(app, review_id, prompt_id)}"
    before = tablet.get(url).get_data(as_text=True)
    listen = re.search(r'<button type="button" class="button listen"[^>]*>', before)
    assert listen and "data-audio" not in listen.group(0)  # the browser's voice, for now
    result = app.test_cli_runner().invoke(args=["custom-prompts", "render-speech"])
    assert result.exit_code == 0, result.output
    assert "rendered" in result.output
    after = tablet.get(url).get_data(as_text=True)
    audio = re.search(r'data-audio="(/person/audio/[0-9a-f]{64}\.mp3)"', after)
    assert audio, "the rendered speech is used"
    played = tablet.get(audio.group(1))
    assert played.status_code == 200 and played.mimetype == "audio/mpeg"
    played.close()


def test_picture_choices_written_changed_and_shown(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    sam = _person_id(app, review_id)
    sign_in(client, KEYWORKER)
    saved = _post_new(
        client, sam, text="Which drink do you like?", topic_id="food", answer_type="choose-one",
        picture="glass", **{"choice-1": "Tea", "choice-2": "Juice", "choice-2-picture": "sun"},
    )  # fmt: skip
    assert saved.status_code == 302
    prompt_id, _recording = _row(app)
    edit = client.get(f"/staff/people/{sam}/prompts/{prompt_id}").get_data(as_text=True)
    assert 'name="choice-1" maxlength="80" lang="en" value="Tea"' in edit
    assert '<option value="sun" selected>' in edit
    tablet = app.test_client()
    start_session(tablet, review_id)
    page = tablet.get(f"/person/q/{_position(app, review_id, prompt_id)}").get_data(as_text=True)
    assert 'value="choice-1"' in page and ">Tea<" in page and ">Juice<" in page
    assert "vendor/pictures/flat/sun.svg" in page
