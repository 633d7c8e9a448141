"""Kept prompt screens through the web: the same page as a fresh render, with its own CSRF
token and client ids, and a new screen as soon as anything it shows has changed."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.accessible import speech
from facilitator.extensions import db
from facilitator.models import Person, Response, Review
from facilitator.views.person.screen_cache import EXTENSION

from ..conftest import csrf_from
from .test_custom_prompts import _person_id, _post_new
from .test_person_mode import KEYWORKER, answer, start_session

CLIENT_IDS = re.compile(r'name="client_id" value="([0-9a-f]+)"')


def _kept(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions[EXTENSION]


def _plain(html: str) -> str:
    """The page without what differs on every response."""
    html = CLIENT_IDS.sub('name="client_id" value="-"', html)
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="-"', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": "-"', html)


def test_a_kept_screen_is_the_rendered_page_with_its_own_tokens(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    kept = _kept(app)
    kept.clear()
    first = client.get("/person/q/2")
    assert first.status_code == 200 and len(kept) == 1
    second = client.get("/person/q/2")
    assert second.status_code == 200 and len(kept) == 1  # served from the kept screen
    assert "no-store" in second.headers["Cache-Control"]
    a, b = first.get_data(as_text=True), second.get_data(as_text=True)
    for page in (a, b):
        assert kept.csrf_marker not in page and kept.client_marker not in page
        assert kept.skip_marker not in page
    # Every screen gets new client ids: two tablets' or two screens' answers never collide.
    assert set(CLIENT_IDS.findall(a)).isdisjoint(CLIENT_IDS.findall(b))
    assert len(set(CLIENT_IDS.findall(b))) == 2
    # The same page a render without keeping gives.
    app.extensions[EXTENSION] = None
    try:
        fresh = client.get("/person/q/2").get_data(as_text=True)
    finally:
        app.extensions[EXTENSION] = kept
    assert _plain(b) == _plain(fresh) == _plain(a)
    # The kept page's token and client id work, and a double tap still stores one answer.
    ids = CLIENT_IDS.findall(b)
    option = re.search(r'name="answer" value="([^"]+)"', b)
    assert option
    data = {"csrf_token": csrf_from(b), "client_id": ids[0], "answer": option.group(1)}
    assert client.post("/person/q/2", data=data).status_code == 303
    assert client.post("/person/q/2", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1


def test_an_answer_shows_at_once(app: Flask, client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    before = client.get("/person/q/1").get_data(as_text=True)
    assert 'aria-pressed="true"' not in before
    client.get("/person/q/2")
    response, _data = answer(client, 1, "good")
    assert response.status_code == 303
    after = client.get("/person/q/1?answered=1").get_data(as_text=True)
    assert 'aria-pressed="true"' in after and "Saved." in after
    # The progress row on the next screen ticks the first question.
    progress = client.get("/person/q/2").get_data(as_text=True)
    assert '<li class="done">' in progress
    # A change of mind too (a new row, never an edit).
    options = re.findall(r'name="answer" value="([^"]+)"', after)
    other = next(o for o in options if o != "good")
    assert answer(client, 1, other)[0].status_code == 303
    changed = client.get("/person/q/1").get_data(as_text=True)
    assert f'value="{other}" class="answer chosen" aria-pressed="true"' in changed
    assert 'value="good" class="answer" aria-pressed="false"' in changed


def test_a_change_of_settings_or_language_shows_at_once(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/q/1").get_data(as_text=True)
    assert "text-x-large" not in page and 'lang="en"' in page
    for text_size, language in (("x-large", "en"), ("x-large", "cy")):
        form = client.get("/person/settings?back=1").get_data(as_text=True)
        saved = client.post(
            "/person/settings",
            data={
                "csrf_token": csrf_from(form),
                "back": "1",
                "text_size": text_size,
                "speech": "on",
                "speech_rate": "135",
                "choices_per_screen": "3",
                "pictures": "pictures",
                "language": language,
                "access": "touch",
            },
        )
        assert saved.status_code == 303, saved.get_data(as_text=True)
        page = client.get("/person/q/1").get_data(as_text=True)
        assert "text-x-large" in page and f'lang="{language}"' in page


def test_a_message_waiting_is_shown_not_kept(app: Flask, client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    client.get("/person/q/1")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this screen only.")]
    shown = client.get("/person/q/1").get_data(as_text=True)
    assert "A message for this screen only." in shown
    assert "A message for this screen only." not in client.get("/person/q/1").get_data(as_text=True)


def test_new_speech_is_used_at_once(app: Flask, client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/q/1").get_data(as_text=True)
    folder = Path(app.config["SPEECH_CACHE_DIR"])
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        assert review is not None
        rate = int(review.person.setting("speech_rate") or speech.DEFAULT_RATE)
    sentence = re.search(r"<h1>(.*?)</h1>", page)
    assert sentence
    name = speech.audio_filename(sentence.group(1), "en", rate)
    assert name not in page
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"ID3" + b"\0" * 200)  # rendered by `flask speech render`
    try:
        assert name in client.get("/person/q/1").get_data(as_text=True)
    finally:
        (folder / name).unlink()


def test_screens_are_kept_per_review(app: Flask, client: FlaskClient, demo: dict) -> None:
    other = app.test_client()
    start_session(client, demo["reviews"]["Sam"])
    reviews = [r for name, r in demo["reviews"].items() if name != "Sam"]
    with app.app_context():
        second = next(
            r
            for r in reviews
            if (found := db.session.get(Review, r)) is not None
            and found.person.language == "en"
            and len(found.prompts) >= 1
            and found.status.value in ("planned", "person_in_progress")
        )
    start_session(other, second)
    kept = _kept(app)
    kept.clear()
    client.get("/person/q/1")
    other.get("/person/q/1")
    assert len(kept) == 2


def test_a_review_with_staffs_own_prompts_is_not_kept(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    staff = app.test_client()
    from ..conftest import sign_in

    sign_in(staff, KEYWORKER)
    assert _post_new(staff, _person_id(app, review_id)).status_code == 302
    start_session(client, review_id)
    kept = _kept(app)
    kept.clear()
    assert client.get("/person/q/1").status_code == 200
    assert len(kept) == 0


def test_a_person_shown_their_own_photos_is_not_kept(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    with app.app_context():
        person = db.session.get(Person, _person_id(app, review_id))
        assert person is not None
        person.settings = {**person.settings, "pictures": "photos"}
        db.session.commit()
    start_session(client, review_id)
    kept = _kept(app)
    kept.clear()
    assert client.get("/person/q/1").status_code == 200
    assert len(kept) == 0


def test_spoken_cues_follow_the_speech_folder(app: Flask, client: FlaskClient, demo: dict) -> None:
    """The library's cue words are looked up once per state of the speech folder, so speech
    rendered later is used at once, and each screen's own answers are looked up every time."""
    import json
    from html import unescape

    from facilitator.prompts.library import load_library

    from .test_switch_access_settings import _settings_form

    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    data = {
        **_settings_form(client),
        "access": "scan",
        "scan_rate": "1",
        "scan_rounds": "3",
        "switch_keys": "1-2",
        "scan_cue": "on",
        "speech": "on",
        "back": "1",
    }
    assert client.post("/person/settings", data=data).status_code == 303

    def cues() -> dict[str, str]:
        html = client.get("/person/q/1").get_data(as_text=True)
        found = re.search(r"data-cues='([^']*)'", html)
        assert found
        return json.loads(unescape(found.group(1)))

    before = cues()
    library = load_library()
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        rate = int(review.person.setting("speech_rate") or speech.DEFAULT_RATE)
    back = library.screen_text("button-back", "en", fallback=True)
    page = client.get("/person/q/1").get_data(as_text=True)
    option = re.search(r'<span class="answer-label">([^<]+)</span>', page)
    assert option
    folder = Path(app.config["SPEECH_CACHE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for text in (back, unescape(option.group(1))):
        if text not in before:
            path = folder / speech.audio_filename(text, "en", rate)
            path.write_bytes(b"ID3" + b"\0" * 200)
            written.append((text, path))
    assert written, "the demo speech folder already has these words: pick others"
    try:
        after = cues()
        for text, path in written:
            assert after[text].endswith(path.name)
    finally:
        for _text, path in written:
            path.unlink()
    assert all(text not in cues() for text, _path in written)
