"""The tablet's side door: answers sent as JSON from its queue, the service worker, the manifest.

The JSON endpoint stores each answer once per client id (the same id and content returns the
first result; other content under the same id is refused with 409); the list of addresses the
service worker keeps covers every picture, sound and file the review's screens use; unlocking
and signing out tell the browser to empty the tablet. Ten identical answers sent at once to a
real server store one row, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.serving import make_server

from facilitator.extensions import db
from facilitator.models import AuditEvent, Response, Review
from facilitator.prompts.library import load_library

from ..conftest import (
    csrf_from,
    make_test_app,
    own_postgres_database,
    second_factor_code,
    sign_in,
)
from .test_person_mode import KEYWORKER, start_session

ROOT = Path(__file__).resolve().parents[2]


def _token(client: FlaskClient) -> str:
    response = client.get("/person/api/token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return str(response.get_json()["csrf_token"])


def _send(client: FlaskClient, token: str, **body: Any):  # type: ignore[no-untyped-def]
    return client.post("/person/api/answers", json=body, headers={"X-CSRFToken": token})


def _prompt_types(app: Flask, review_id: int) -> list[str]:
    library = load_library()
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        return [library.prompt(rp.library_prompt_id or "").answer_type.id for rp in review.prompts]


def _first(types: list[str], *kinds: str) -> int:
    return next(i for i, kind in enumerate(types, start=1) if kind in kinds)


def test_same_id_same_content_is_a_replay(app: Flask, client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    token = _token(client)
    body = {"client_id": str(uuid.uuid4()), "position": 1, "action": "answer", "answer": ["good"]}
    first = _send(client, token, **body)
    assert first.status_code == 200
    assert first.get_json()["ok"] is True and first.get_json()["replay"] is False
    assert first.get_json()["next"] == "/person/q/1?answered=1"
    again = _send(client, token, **body)
    assert again.status_code == 200 and again.get_json()["replay"] is True
    assert again.get_json()["id"] == first.get_json()["id"]
    clash = _send(client, token, **{**body, "answer": ["not-good"]})
    assert clash.status_code == 409
    assert clash.get_json() == {
        "ok": False,
        "duplicate": True,
        "error": "This answer was already saved with different content, so it was not changed. "
        "Please answer the question again.",
    }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
        recorded = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "response.recorded")
        )
        assert db.session.scalar(recorded) == 1


def test_skip_and_words_move_on_like_the_plain_forms(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    token = _token(client)
    skip = _send(client, token, client_id=str(uuid.uuid4()), position=2, action="skip")
    assert skip.status_code == 200 and skip.get_json()["next"] == "/person/q/3"
    total = len(_prompt_types(app, review_id))
    last = _send(client, token, client_id=str(uuid.uuid4()), position=total, action="skip")
    assert last.get_json()["next"] == "/person/check"
    words = "I like my garden 🌻 <b>really</b>"
    said = _send(
        client,
        token,
        client_id=str(uuid.uuid4()),
        position=3,
        action="words",
        words=words,
        method="scribed",
    )
    assert said.status_code == 200 and said.get_json()["next"] == "/person/q/3?answered=1"
    with app.app_context():
        row = db.session.get(Response, said.get_json()["id"])
        assert row is not None and row.own_words == words and row.capture_method == "scribed"
        assert row.captured_by_id is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"position": 99, "action": "answer", "answer": ["good"]}, "not in this review"),
        ({"position": "1", "action": "answer", "answer": ["good"]}, "not in this review"),
        ({"position": 1, "action": "delete", "answer": ["good"]}, "could not be read"),
        ({"position": 1, "action": "answer", "answer": "good"}, "could not be read"),
        (
            {"position": 1, "action": "answer", "answer": ["no-such-option"]},
            "not one of the choices",
        ),
        ({"position": 1, "action": "answer", "answer": []}, "Choose an answer"),
        ({"position": 1, "action": "words", "words": "   "}, "no words to save"),
        (
            {"position": 1, "action": "words", "words": "hi", "method": "tapped"},
            "how the words were captured",
        ),
        (
            {"position": 1, "action": "words", "words": "hi", "method": "guessed"},
            "how the words were captured",
        ),
        ({"position": 1, "action": "words", "words": "a" * 5001}, "Up to 5,000"),
    ],
)
def test_invalid_answers_are_refused_with_400(
    client: FlaskClient, demo: dict, body: dict, message: str
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    response = _send(client, _token(client), client_id=str(uuid.uuid4()), **body)
    assert response.status_code == 400
    assert response.get_json()["ok"] is False and message in response.get_json()["error"]


def test_malformed_client_id_and_body(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    token = _token(client)
    bad_id = _send(client, token, client_id="x", position=1, action="answer", answer=["good"])
    assert bad_id.status_code == 400 and "id is missing or malformed" in bad_id.get_json()["error"]
    not_json = client.post(
        "/person/api/answers", data="answer=good", headers={"X-CSRFToken": token}
    )
    assert not_json.status_code == 400 and not_json.get_json()["ok"] is False


def test_another_reviews_answer_is_refused(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    response = _send(
        client,
        _token(client),
        client_id=str(uuid.uuid4()),
        review_id=demo["reviews"]["Ellis"],
        position=1,
        action="answer",
        answer=["good"],
    )
    assert response.status_code == 403 and "another review" in response.get_json()["error"]


def test_expired_or_missing_token_asks_for_a_new_one(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    body = {"client_id": str(uuid.uuid4()), "position": 1, "action": "answer", "answer": ["good"]}
    refused = client.post("/person/api/answers", json=body)
    assert refused.status_code == 400
    assert refused.get_json() == {
        "ok": False,
        "csrf": True,
        "error": "The security token had expired. Nothing was saved.",
    }
    assert _send(client, _token(client), **body).status_code == 200


def test_json_endpoints_need_a_locked_tablet(client: FlaskClient, demo: dict) -> None:
    signed_out = client.get("/person/api/token")
    assert signed_out.status_code == 401 and signed_out.get_json()["signed_in"] is False
    sign_in(client, KEYWORKER)
    not_locked = client.get("/person/api/offline-urls")
    assert not_locked.status_code == 403 and not_locked.get_json()["locked"] is False


def test_service_worker_is_javascript_scoped_to_person_mode(
    client: FlaskClient, demo: dict
) -> None:
    for signed_in in (False, True):
        if signed_in:
            start_session(client, demo["reviews"]["Sam"])
        with client.get("/person/sw.js", buffered=True) as response:
            pass
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Service-Worker-Allowed"] == "/person/"
        assert (
            "no-cache" in response.headers["Cache-Control"]
            or "no-store" in response.headers["Cache-Control"]
        )
        assert 'self.addEventListener("fetch"' in response.get_data(as_text=True)


def test_manifest_and_icons(client: FlaskClient, tmp_path: Path) -> None:
    with client.get("/static/manifest.webmanifest", buffered=True) as response:
        pass
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/person/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    # The icons are drawn at set-up (scripts/make_icons.py) into the git-ignored vendor folder.
    import subprocess
    import sys

    from PIL import Image

    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_icons.py"), "--dest", str(tmp_path)],
        check=True,
    )
    for icon in manifest["icons"]:
        name = icon["src"].rsplit("/", 1)[-1]
        with Image.open(tmp_path / name, formats=["PNG"]) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.mode == "RGBA"


def test_layout_links_the_manifest_and_the_status_region(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/q/1").get_data(as_text=True)
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page
    assert 'role="status" aria-live="polite"' in page
    waiting = json.loads(re.search(r"data-waiting='([^']+)'", page).group(1))  # type: ignore[union-attr]
    assert waiting == {
        "one": "{n} answer is waiting to be sent. Keep the tablet on and near the wifi.",
        "other": "{n} answers are waiting to be sent. Keep the tablet on and near the wifi.",
    }
    assert '<template id="saved-on-tablet">' in page
    assert "<script>" not in page  # no inline script (the CSP forbids it)


def test_welsh_waiting_message_has_every_plural_category(app: Flask) -> None:
    from flask_babel import force_locale

    from facilitator.views.person.sync import waiting_messages

    with app.test_request_context(), force_locale("cy"):
        forms = waiting_messages()
    assert set(forms) == {"one", "two", "few", "many", "other"}  # Welsh; 0 is never shown
    assert all("{n}" in text for text in forms.values())


URL_IN_PAGE = re.compile(r'(?:src|href|data-audio)="(/(?:static|person/audio)/[^"?#]+)"')


def test_offline_list_covers_every_file_the_screens_use(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    listing = client.get("/person/api/offline-urls").get_json()
    pages, assets = listing["pages"], set(listing["assets"])
    total = len(_prompt_types(app, review_id))
    for n in range(1, total + 1):
        assert f"/person/q/{n}" in pages and f"/person/q/{n}/words" in pages
        assert f"/person/break?back={n}" in pages
    for page in ("/person/", "/person/break", "/person/check", "/person/done"):
        assert page in pages
    assert listing["review"] == review_id and len(listing["version"]) == 16
    used: set[str] = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        used |= set(URL_IN_PAGE.findall(response.get_data(as_text=True)))
    used.discard("/static/manifest.webmanifest")  # fetched by the browser itself, not the page
    missing = used - assets
    assert not missing, f"used by the screens but not kept offline: {sorted(missing)}"
    for asset in assets:
        with client.get(asset, buffered=True) as response:
            assert response.status_code == 200, asset
    # The same list a second time: same version, so the tablet does not fetch it all again.
    assert client.get("/person/api/offline-urls").get_json()["version"] == listing["version"]


def test_offline_list_includes_speech_that_exists(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from facilitator.accessible import speech

    review_id = demo["reviews"]["Sam"]
    library = load_library()
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        sentence = library.prompt(review.prompts[0].library_prompt_id or "").text("en")
        rate = int(review.person.setting("speech_rate") or speech.DEFAULT_RATE)
    audio_dir = Path(app.config["SPEECH_CACHE_DIR"])
    audio_dir.mkdir(parents=True, exist_ok=True)
    name = speech.audio_filename(sentence, "en", rate)
    (audio_dir / name).write_bytes(b"ID3" + b"\x00" * 64)
    start_session(client, review_id)
    assets = client.get("/person/api/offline-urls").get_json()["assets"]
    assert f"/person/audio/{name}" in assets
    assert sum(1 for a in assets if a.startswith("/person/audio/")) == 1  # only files that exist


def test_unlock_confirm_and_sign_out_clear_the_tablet(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/break").get_data(as_text=True)
    wrong = client.post("/person/break", data={"csrf_token": csrf_from(page), "secret": "0000"})
    assert wrong.status_code == 400 and "Clear-Site-Data" not in wrong.headers
    right = client.post("/person/break", data={"csrf_token": csrf_from(page), "secret": "2468"})
    assert right.status_code == 303 and right.headers["Clear-Site-Data"] == '"cache", "storage"'
    review_page = client.get(f"/staff/reviews/{demo['reviews']['Sam']}").get_data(as_text=True)
    client.post(
        f"/person/start/{demo['reviews']['Sam']}", data={"csrf_token": csrf_from(review_page)}
    )
    done = client.get("/person/done").get_data(as_text=True)
    confirmed = client.post("/person/done", data={"csrf_token": csrf_from(done), "secret": "2468"})
    assert confirmed.status_code == 303 and "storage" in confirmed.headers["Clear-Site-Data"]
    home = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
    signed_out = client.post("/sign-out", data={"csrf_token": csrf_from(home)})
    assert signed_out.status_code == 302 and "storage" in signed_out.headers["Clear-Site-Data"]


# --- ten identical answers at once, against a real server -----------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A database of its own for a server that commits for real (dropped afterwards)."""
    if request.param == "sqlite":
        path = tmp_path / "server.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    with own_postgres_database("sync") as url:
        yield url


class _Tablet:
    """A cookie-keeping HTTP client, like the tablet's browser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def form(self, path: str, page: str, **fields: str) -> int:
        body = urllib.parse.urlencode({"csrf_token": csrf_from(page), **fields}).encode()
        return self.open(path, body, {"Content-Type": "application/x-www-form-urlencoded"})[0]


@pytest.mark.db
def test_ten_identical_answers_at_once_store_one(tmp_path: Path, server_database: str) -> None:
    from facilitator.services import demo as demo_service

    app = make_test_app(tmp_path, server_database, TESTING=False)
    with app.app_context():
        data = demo_service.load(db.session)
        db.session.commit()
        review_id = data["reviews"]["Sam"].id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        tablet = _Tablet(f"http://127.0.0.1:{server.server_port}")
        _, page = tablet.open("/sign-in")
        tablet.form("/sign-in", page.decode(), email=KEYWORKER, password="demo-password-2026")
        with app.app_context():
            code = second_factor_code(db.session, KEYWORKER)
        tablet.form("/sign-in/code", page.decode(), code=code)
        _, page = tablet.open(f"/staff/reviews/{review_id}")
        tablet.form(f"/person/start/{review_id}", page.decode())
        _, token = tablet.open("/person/api/token")
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": json.loads(token)["csrf_token"],
        }
        body = json.dumps(
            {
                "client_id": str(uuid.uuid4()),
                "review_id": review_id,
                "position": 1,
                "action": "answer",
                "answer": ["good"],
            }
        ).encode()
        start = threading.Barrier(10)
        results: list[tuple[int, dict]] = []

        def send() -> None:
            start.wait()
            status, reply = tablet.open("/person/api/answers", body, headers)
            results.append((status, json.loads(reply)))

        senders = [threading.Thread(target=send) for _ in range(10)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=60)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert [status for status, _ in results] == [200] * 10, results
    assert sorted(reply["replay"] for _, reply in results) == [False] + [True] * 9
    assert len({reply["id"] for _, reply in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
        recorded = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "response.recorded")
        )
        assert db.session.scalar(recorded) == 1
        from facilitator.services import audit

        assert audit.verify(db.session).ok
    if db.engine is not None:
        db.engine.dispose()


# One prompt of each of the library's 7 answer types, with an answer the person could give.
EVERY_TYPE: list[tuple[str, dict[str, Any]]] = [
    ("like-where-you-live", {"answer": ["very-good"]}),  # feelings-5
    ("like-your-bedroom", {"answer": ["not-good"]}),  # feelings-3
    ("want-to-move", {"answer": ["no"]}),  # yes-no
    ("home-working", {"answer": ["not-working"]}),  # working
    ("job-or-college", {"answer": ["college"]}),  # choose-one
    ("who-is-important", {"answer": ["family", "pets"]}),  # choose-many
    ("favourite-food", {"action": "words", "words": "Chips", "method": "scribed"}),  # own-words
]


def _stored_as(row: Response) -> tuple[Any, ...]:
    return (row.review_prompt_id, row.answer, row.own_words, row.capture_method, row.skipped)


def test_every_answer_type_is_stored_alike_by_the_form_and_the_queue(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    """Each answer type, a skip of each, and own words: the JSON queue stores what the plain
    form stores (one shared parsing in services/reviews/responses.py), once per client id."""
    from facilitator.services import reviews

    review_id = demo["reviews"]["Sam"]
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        reviews.set_prompts(db.session, review, [p for p, _a in EVERY_TYPE], actor=None)
        db.session.commit()
    assert _prompt_types(app, review_id) == [
        "feelings-5", "feelings-3", "yes-no", "working", "choose-one", "choose-many", "own-words",
    ]  # fmt: skip
    start_session(client, review_id)
    token = _token(client)
    cases = [(n, given) for n, (_p, given) in enumerate(EVERY_TYPE, start=1)]
    cases += [(n, {"action": "skip"}) for n in range(1, 7)]
    more = {"action": "words", "method": "typed"}
    cases += [(n, {**more, "words": f"More about {n}"}) for n in (1, 6)]
    sent: list[str] = []
    for position, given in cases:
        form_id, queue_id = uuid.uuid4().hex, uuid.uuid4().hex
        sent += [form_id, queue_id]
        path = f"/person/q/{position}" + ("/words" if given.get("action") == "words" else "")
        fields: dict[str, Any] = {"csrf_token": token, "client_id": form_id, **given}
        if given.get("action") == "words":
            del fields["action"]
        posted = client.post(path, data=fields)
        assert posted.status_code == 303, (position, given, posted.get_data(as_text=True)[:300])
        queued = _send(client, token, client_id=queue_id, position=position, **given)
        assert queued.status_code == 200 and queued.get_json()["ok"] is True, (position, given)
        assert queued.get_json()["next"] in posted.headers["Location"]
        again = _send(client, token, client_id=queue_id, position=position, **given)
        assert again.get_json()["replay"] is True
        with app.app_context():
            by_form = db.session.scalar(select(Response).where(Response.client_id == form_id))
            by_queue = db.session.scalar(select(Response).where(Response.client_id == queue_id))
            assert by_form is not None and by_queue is not None
            assert _stored_as(by_form) == _stored_as(by_queue), (position, given)
    with app.app_context():
        stored = select(func.count()).select_from(Response).where(Response.review_id == review_id)
        assert db.session.scalar(stored) == len(sent)  # each once, nothing else
        assert db.session.scalar(
            select(func.count(func.distinct(Response.client_id))).where(
                Response.client_id.in_(sent)
            )
        ) == len(sent)
