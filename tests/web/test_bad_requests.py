"""Bad requests get a kind 400 or 404, never a 500 and never a traceback in the log.

Issue 21, item 6: ids past the database's integer range in any address, a review that does not
exist, JSON nested hundreds of levels deep (or too large) sent to the tablet's answer queue, and
a malformed chunked body sent to a real gunicorn, which anyone can do to the sign-in page.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from ..conftest import csrf_from, sign_in
from .test_access_matrix import ANON, FAMILY, PERSON, VISITORS, _visitor_client
from .test_person_mode import start_session

ROOT = Path(__file__).resolve().parents[2]
# Past PostgreSQL's integer (the ids' type there), past a 64-bit integer (SQLite's, and what
# psycopg and sqlite3 can bind), far past both, and more digits than Python turns into an int.
DATABASE_ID_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id column there
OUT_OF_RANGE = ["2147483648", str(2**63), "99999999999999999999999", "9" * 5000]


def _int_rules(app: Flask) -> list:  # type: ignore[type-arg]
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def _fill(rule, number: str) -> str:  # type: ignore[no-untyped-def]
    """The rule's address with ``number`` for every int and a harmless word for the rest."""
    url = rule.rule
    for _converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", url):
        value = number if isinstance(rule._converters[name], IntegerConverter) else "x" * 32
        url = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{name}>", value, url)
    return url


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [r.getMessage() for r in loud]
    assert "Traceback" not in caplog.text


def test_the_int_converter_is_the_database_id_converter(app: Flask) -> None:
    rules = _int_rules(app)
    assert len(rules) > 60  # every address with a number in it
    converters = {
        type(c).__name__ for r in rules for c in r._converters.values()
        if isinstance(c, IntegerConverter)
    }  # fmt: skip
    assert converters == {"DatabaseId"}


@pytest.mark.parametrize("visitor", VISITORS)
def test_out_of_range_ids_in_every_address_get_a_kind_404(
    app: Flask, demo: dict, visitor: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every route in the URL map with an int converter, every method, every kind of visitor."""
    client = _visitor_client(app, demo, visitor)
    start = {ANON: "/sign-in", PERSON: "/person/", FAMILY: "/family/review"}.get(
        visitor, "/account/language"
    )
    token = csrf_from(client.get(start).get_data(as_text=True))
    caplog.clear()
    caplog.set_level(logging.INFO)
    rules = _int_rules(app)
    walked: set[str] = set()
    problems: list[str] = []
    for rule in rules:
        for number in OUT_OF_RANGE:
            url = _fill(rule, number)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token} if method == "POST" else None
                response = client.open(url, method=method, data=data)
                body = response.get_data(as_text=True)
                response.close()
                walked.add(rule.endpoint + " " + rule.rule)
                status = response.status_code
                if visitor == PERSON:
                    # A locked tablet answers anything outside its review before the address
                    # is even looked at: back to its screen (GET) or a kind 403 (POST).
                    ok = (status in (302, 303) and response.headers["Location"] == "/person/") or (
                        status == 403 and "You cannot see this page" in body
                    )
                else:
                    ok = status == 404 and "Page not found" in body
                if not ok:
                    problems.append(f"{visitor}: {method} {url[:80]} -> {status} ({rule.endpoint})")
    assert walked == {r.endpoint + " " + r.rule for r in rules}
    assert not problems, "\n".join(problems[:20])
    _no_errors_logged(caplog)


def test_the_largest_id_still_reaches_the_view(
    app: Flask, demo: dict, caplog: pytest.LogCaptureFixture
) -> None:
    """In range but not there: the view's own kind 404, for staff and for an advocate."""
    client = _visitor_client(app, demo, "staff")
    caplog.set_level(logging.INFO)
    for url in (f"/staff/people/{DATABASE_ID_MAX}", f"/staff/reviews/{DATABASE_ID_MAX}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.get_data(as_text=True)
    _no_errors_logged(caplog)


def test_starting_a_review_that_does_not_exist_is_a_kind_404(
    app: Flask, demo: dict, caplog: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()
    sign_in(client, "keyworker@demo.facilitator.test")
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    caplog.set_level(logging.INFO)
    response = client.post("/person/start/999999", data={"csrf_token": token})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    # The tablet is not locked to anything: the staff pages still open.
    assert client.get("/staff/").status_code == 200
    _no_errors_logged(caplog)


# --- JSON the tablet's queue could never send ----------------------------------------------------


def _tablet(app: Flask, demo: dict):  # type: ignore[no-untyped-def]
    client = app.test_client()
    start_session(client, demo["reviews"]["Sam"])
    token = client.get("/person/api/token").get_json()["csrf_token"]
    return client, token


def _post_json(client, token: str, raw: str | bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/person/api/answers",
        data=raw,
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize("depth", [40, 500, 100_000])
def test_deeply_nested_json_is_refused_with_a_400(
    app: Flask, demo: dict, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    client, token = _tablet(app, demo)
    caplog.set_level(logging.INFO)
    nested = "[" * depth + "]" * depth
    deep_object = '{"a":' * depth + "1" + "}" * depth
    for raw in (
        nested,
        '{"position": 1, "answer": ' + nested + "}",
        '{"position": 1, "client_id": "' + "[" * 50 + '", "x": ' + deep_object + "}",
    ):
        response = _post_json(client, token, raw)
        assert response.status_code == 400, response.status_code
        body = response.get_json()
        assert body["ok"] is False and "could not be read" in body["error"]
    _no_errors_logged(caplog)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16", "utf-32"])
def test_deep_json_in_another_encoding_is_refused_with_a_400(
    app: Flask, demo: dict, encoding: str, caplog: pytest.LogCaptureFixture
) -> None:
    """JSON parsers also read UTF-16 and UTF-32; their bytes must not hide the nesting.

    In UTF-16-LE the character U+4E22 is the bytes 22 4E: read as UTF-8, a closing quote.
    """
    client, token = _tablet(app, demo)
    caplog.set_level(logging.INFO)
    text = '{"position": 1, "a": "\u4e22", "answer": ' + "[" * 20_000 + "]" * 20_000 + "}"
    response = _post_json(client, token, text.encode(encoding))
    assert response.status_code == 400, response.status_code
    assert "could not be read" in response.get_json()["error"]
    _no_errors_logged(caplog)


def test_brackets_inside_strings_are_not_nesting(app: Flask, demo: dict) -> None:
    """Words full of brackets and quotes are words: the answer is stored."""
    client, token = _tablet(app, demo)
    words = '[[[[{{{{ "quoted \\" [" ]]]] }}}}' * 20
    raw = json.dumps(
        {"client_id": uuid.uuid4().hex, "position": 1, "action": "words", "words": words,
         "method": "typed"}
    )  # fmt: skip
    response = _post_json(client, token, raw)
    assert response.status_code == 200, response.get_json()


def test_oversized_json_is_refused_with_a_400(
    app: Flask, demo: dict, caplog: pytest.LogCaptureFixture
) -> None:
    client, token = _tablet(app, demo)
    caplog.set_level(logging.INFO)
    raw = json.dumps({"client_id": uuid.uuid4().hex, "position": 1, "answer": ["good"] * 100_000})
    response = _post_json(client, token, raw)
    assert response.status_code == 400
    assert "could not be read" in response.get_json()["error"]
    _no_errors_logged(caplog)


# --- a malformed chunked body, to a real gunicorn -----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


CHUNKED_BODIES = {
    "chunk size not hexadecimal": b"zz\r\nemail=a\r\n0\r\n\r\n",
    "chunk longer than its size": b"5\r\nemail=a\r\n0\r\n\r\n",
    "chunk extension with a bare CR": b"5;a\rb\r\nemail\r\n0\r\n\r\n",
    "body ends inside a chunk": b"100\r\nemail=a",
    "no last chunk": b"5\r\nemail\r\n",
}


def test_malformed_chunked_bodies_get_a_400_from_a_real_server(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "chunked.sqlite3"
    shutil.copy(sqlite_template, database)
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    environ = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY="chunked-" + "k" * 40,
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="1",
        SPEECH_CACHE_DIR=str(tmp_path / "audio"),
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    for name in ("FACILITATOR_ENV", "REDIS_URL"):
        environ.pop(name, None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "facilitator:create_app()"],
            cwd=ROOT, env=environ, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if b" 200 " in _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")[:20]:
                        break
                except OSError:
                    pass
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.2)
            head = (
                b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for name, body in CHUNKED_BODIES.items():
                answer = _raw(port, head + body)
                status = answer.split(b"\r\n", 1)[0]
                assert status in (b"HTTP/1.1 400 BAD REQUEST", b"HTTP/1.1 400 Bad Request"), (
                    name,
                    status,
                )
                if b"text/html" in answer.split(b"\r\n\r\n", 1)[0]:
                    assert b"Something was not quite right" in answer, name
            # The server is still there and well.
            assert b" 200 " in _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")[:20]
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    logged = log_path.read_text()
    assert "Traceback" not in logged and "unhandled error" not in logged, logged[-3000:]
    assert "ERROR" not in logged, logged[-3000:]


# --- numbers past the database's range in a query string or a form -----------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest, app: Flask, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app on SQLite, or on a PostgreSQL database of its own (the demo data commits)."""
    if request.param == "sqlite":
        yield app
        return
    from facilitator.extensions import db

    from ..conftest import make_test_app, own_postgres_database

    with own_postgres_database("bad") as url:
        application = make_test_app(tmp_path / "pg", url)
        yield application
        if db.engine is not None:
            db.engine.dispose()


def _demo(app: Flask) -> None:
    from facilitator.extensions import db
    from facilitator.services import demo

    with app.app_context():
        demo.load(db.session)
        db.session.commit()


def test_numbers_past_the_range_in_a_query_or_a_form_are_a_kind_400(
    any_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    _demo(any_app)
    client = any_app.test_client()
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/staff/").get_data(as_text=True)
    person = re.search(r'href="/staff/people/(\d+)"', page)
    assert person
    token = csrf_from(page)
    caplog.set_level(logging.INFO)
    huge = "99999999999999999999999"
    for response in (
        client.get(f"/staff/?page={huge}"),
        client.post(
            f"/staff/people/{person.group(1)}/reviews/new",
            data={
                "csrf_token": token,
                "scheduled_for": "2027-01-05",
                "kind": "planned",
                "facilitator_id": huge,
            },
        ),  # fmt: skip
    ):
        assert response.status_code in (400, 404), response.status_code
        assert "Something was not quite right" in response.get_data(as_text=True)
    # The session is still usable afterwards (the failed transaction was rolled back).
    assert client.get("/staff/").status_code == 200
    _no_errors_logged(caplog)
