"""Logs never hold a password, a PIN, a sign-in code or its secret, a family link's token or code,
or what anyone said.

A whole journey runs with distinctive secrets: a staff member signs in (password and second
factor), hands the tablet to the person, who answers in their own words and gives it back with
the PIN; a family member opens a link, types the code and sends their views; a manager opens
the record and makes a subject access export. Every log record is captured on the way: the
app's loggers, the audit log's entries, werkzeug's request log from a real development server,
and gunicorn's access-log lines formatted by gunicorn.conf.py for every request of the journey.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, request, request_finished
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from facilitator.db import make_engine
from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    ConsentDecision,
    Review,
    Role,
    Service,
    StaffService,
    Supporter,
    User,
)
from facilitator.services import accounts
from facilitator.services.family import links
from facilitator.services.reviews import consent

from ..conftest import csrf_from, second_factor_code
from .test_family import _person_done

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Quokka-Lantern-8813-pw"
PIN = "9173"
ANSWER = "Zephyrine-answer: I want to live near the lighthouse"
SCRIBED = "Marmalade-scribed: my brother visits on Tuesdays"
FAMILY_VIEW = "Tangerine-family: the stairs worry us a lot"
EMAIL = "logs-test@example.org"


class Capture(logging.Handler):
    """Keeps every record, formatted as a real handler would write it (with any traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Any:
    handler = Capture()
    root = logging.getLogger()
    # Everything the app and the servers say, at every level; SQLAlchemy's echo stays off, as
    # in production.
    names = ("facilitator", "werkzeug", "flask", "gunicorn.access", "gunicorn.error")
    loggers = [logging.getLogger(n) for n in names]
    old = [(lg, lg.level) for lg in loggers]
    root.addHandler(handler)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for lg, level in old:
        lg.setLevel(level)


def _gunicorn_conf() -> Any:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gunicorn_lines(environs: list[dict[str, Any]], handler: Capture) -> list[str]:
    """The access-log line gunicorn (configured by gunicorn.conf.py) writes for each request."""
    from gunicorn.config import Config

    conf = _gunicorn_conf()
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", conf.access_log_format)
    logger = conf.logger_class(cfg)
    logger.access_log.addHandler(handler)
    before = len(handler.lines)
    for environ in environs:
        query = environ.get("QUERY_STRING", "")
        environ = {
            **environ,
            "RAW_URI": environ["PATH_INFO"] + (f"?{query}" if query else ""),
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        resp = SimpleNamespace(status="200 OK", sent=123, headers=[])
        logger.access(resp, [], environ, timedelta(milliseconds=12))
    logger.access_log.removeHandler(handler)
    lines = handler.lines[before:]
    assert len(lines) == len(environs)
    return lines


def _werkzeug_lines(app: Flask, paths: list[str]) -> None:
    """Requests through a real development server, so that werkzeug writes its request log."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in paths:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}").close()
            except urllib.error.HTTPError as error:
                error.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _sign_in(client: FlaskClient, email: str, password: str) -> str | None:
    """Sign in through the forms; the second-factor code typed, if one was asked for."""
    page = client.get("/sign-in")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    if not response.headers["Location"].startswith(("/sign-in/code", "/sign-in/set-up")):
        return None
    with client.application.app_context():
        code = second_factor_code(db.session, email)
    done = client.post("/sign-in/code", data={"code": code, "csrf_token": token})
    assert done.status_code == 302
    return code


def _secret_found(secret: str, text: str) -> bool:
    if secret.isdigit():  # a short code: only as a number of its own
        return re.search(rf"(?<!\d){re.escape(secret)}(?!\d)", text) is not None
    return secret in text


def test_no_secret_or_view_in_any_log(app: Flask, demo: dict, captured: Capture) -> None:
    environs: list[dict[str, Any]] = []

    def _keep(sender: Flask, response: Any, **extra: Any) -> None:
        environs.append({k: v for k, v in request.environ.items() if isinstance(v, str)})

    request_finished.connect(_keep, app)
    secrets: dict[str, str] = {
        "password": PASSWORD, "PIN": PIN, "answer": ANSWER, "scribed words": SCRIBED,
        "family view": FAMILY_VIEW,
    }  # fmt: skip
    review_id = demo["reviews"]["Sam"]
    with app.app_context():
        staff = accounts.create_user(
            db.session, email=EMAIL, name="Logs Tester", role=Role.STAFF, password=PASSWORD
        )
        accounts.set_pin(db.session, staff, PIN)
        for service_id in db.session.scalars(select(Service.id)):  # works where Sam lives
            db.session.add(StaffService(user_id=staff.id, service_id=service_id))
        review = db.session.get(Review, review_id)
        assert review is not None
        review.facilitator_id = staff.id
        db.session.commit()

    # A wrong password first (its text is a secret too), then the right one and the code.
    client = app.test_client()
    page = client.get("/sign-in")
    wrong = {"email": EMAIL, "password": PASSWORD + "-wrong"}
    client.post("/sign-in", data={**wrong, "csrf_token": csrf_from(page.get_data(as_text=True))})
    secrets["wrong password"] = PASSWORD + "-wrong"
    code = _sign_in(client, EMAIL, PASSWORD)
    # Staff have a second factor by default, once the app has the second step.
    assert code is not None or "/sign-in/code" not in {r.rule for r in app.url_map.iter_rules()}
    if code is not None:
        secrets["sign-in code"] = code
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == EMAIL))
            assert user is not None and user.totp_secret
            secrets["authenticator secret"] = user.totp_secret

        # Another browser signs in with a recovery code instead of the app's code.
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == EMAIL))
            assert user is not None
            recovery = accounts.regenerate_recovery_codes(db.session, user, PASSWORD, "127.0.0.1")
            db.session.commit()
        secrets.update({f"recovery code {i}": c for i, c in enumerate(recovery)})
        other = app.test_client()
        html = other.get("/sign-in").get_data(as_text=True)
        step = other.post("/sign-in", data={"email": EMAIL, "password": PASSWORD,
                                            "csrf_token": csrf_from(html)})  # fmt: skip
        assert step.headers["Location"].startswith("/sign-in/code")
        used = other.post(
            "/sign-in/code", data={"code": recovery[0], "csrf_token": csrf_from(html)}
        )
        assert used.status_code == 302 and not used.headers["Location"].startswith("/sign-in")

    # The person answers in their own words, a facilitator scribes, the PIN unlocks.
    page = client.get(f"/staff/reviews/{review_id}")
    assert client.post(f"/person/start/{review_id}", data={
        "csrf_token": csrf_from(page.get_data(as_text=True))}).status_code == 303  # fmt: skip
    for position, words, method in ((1, ANSWER, "typed"), (2, SCRIBED, "scribed")):
        html = client.get(f"/person/q/{position}/words").get_data(as_text=True)
        client_id = re.search(r'name="client_id" value="([0-9a-f]+)"', html)
        assert client_id
        saved = client.post(f"/person/q/{position}/words", data={
            "csrf_token": csrf_from(html), "client_id": client_id.group(1), "words": words,
            "method": method,
        })  # fmt: skip
        assert saved.status_code in (302, 303)
    html = client.get("/person/break").get_data(as_text=True)
    client.post("/person/break", data={"csrf_token": csrf_from(html), "secret": PIN})

    # A family member opens a link, types the code and sends their views.
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        _person_done(review)
        alex = db.session.scalars(select(Supporter).where(Supporter.name == "Alex Carter")).one()
        consent.record_person_choice(db.session, review, alex, ConsentDecision.YES, "tapped", staff)
        issued = links.issue_link(db.session, review, alex, staff, verifier="code")
        db.session.commit()
    secrets["link token"] = issued.token
    assert issued.code
    secrets["link code"] = issued.code
    family = app.test_client()
    html = family.get(f"/family/link/{issued.token}").get_data(as_text=True)
    family.post(f"/family/link/{issued.token}", data={"csrf_token": csrf_from(html)})
    html = family.get("/family/confirm").get_data(as_text=True)
    family.post("/family/confirm", data={"csrf_token": csrf_from(html), "secret": "000000"})
    family.post("/family/confirm", data={"csrf_token": csrf_from(html), "secret": issued.code})
    html = family.get("/family/review").get_data(as_text=True)
    sent = family.post("/family/review", data={
        "csrf_token": csrf_from(html), "action": "send",
        "t_where_i_live-working": FAMILY_VIEW, "t_where_i_live-rating": "not-good",
    })  # fmt: skip
    assert sent.status_code == 302

    # A manager reads the record and makes a subject access export.
    manager = app.test_client()
    _sign_in(manager, "manager@demo.facilitator.test", "demo-password-2026")
    assert manager.get(f"/staff/reviews/{review_id}/record/").status_code == 200
    with app.app_context():
        person_id = db.session.get(Review, review_id).person_id  # type: ignore[union-attr]
    export = manager.get(f"/staff/people/{person_id}/subject-access.zip")
    assert export.status_code == 200

    # The same token and paths through a real development server, for werkzeug's request log.
    _werkzeug_lines(app, [f"/family/link/{issued.token}", f"/family/link/{issued.token}?x=1"])
    request_finished.disconnect(_keep, app)
    gunicorn = _gunicorn_lines(environs, captured)
    assert any("/family/link/[token]" in line for line in gunicorn)
    assert any(line.startswith("werkzeug") and "/family/link/" in line for line in captured.lines)

    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        audit_text = [
            json.dumps([e.actor_label, e.action, e.object_type, e.object_id, e.detail])
            for e in entries
        ]
    assert any("response.recorded" in line for line in audit_text)
    assert any("person.subject_access_export" in line for line in audit_text)

    sources = {"log records": captured.lines, "audit entries": audit_text}
    problems = [
        f"the {what} is in the {where}: {line[:200]}"
        for where, lines in sources.items()
        for line in lines
        for what, secret in secrets.items()
        if _secret_found(secret, line)
    ]
    assert not problems, "\n".join(problems)
    assert len(captured.lines) > len(environs)  # the capture saw the journey


def test_database_errors_never_carry_the_values(tmp_path: Path) -> None:
    """A database error's message (which an unhandled-error log prints) omits the values."""
    engine = make_engine(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, words TEXT UNIQUE)")
        conn.exec_driver_sql("INSERT INTO t (words) VALUES (?)", (ANSWER,))
    from sqlalchemy import text

    with pytest.raises(IntegrityError) as raised, engine.begin() as conn:
        conn.execute(text("INSERT INTO t (words) VALUES (:w)"), {"w": ANSWER})
    assert ANSWER not in str(raised.value)
    engine.dispose()
