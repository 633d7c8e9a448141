"""The edge: one unit of work per request, and refusals answered once (views/edge.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, Flask, jsonify, render_template_string
from sqlalchemy import text

from facilitator.extensions import db
from facilitator.services import NotAllowed, NotFound, ServiceError, StaleVersion
from facilitator.views import edge

from ..conftest import make_test_app

probe = Blueprint("edge_probe", __name__)
PAGE = "<!doctype html><html lang='en'><head><title>Probe</title></head><body><main><h1>Probe</h1><p>{{ message }}</p></main></body></html>"  # noqa: E501


def _write(value: str) -> None:
    db.session.execute(text("INSERT INTO edge_probe (value) VALUES (:v)"), {"v": value})


@probe.post("/probe/ok")
def ok():  # type: ignore[no-untyped-def]
    _write("ok")
    return "saved"


@probe.post("/probe/refused")
def refused():  # type: ignore[no-untyped-def]
    edge.on_refusal(lambda error: render_template_string(PAGE, message=str(error)))
    _write("refused")
    raise ServiceError("Please choose an answer.")


@probe.post("/probe/bare")
def bare():  # type: ignore[no-untyped-def]
    _write("bare")
    raise ServiceError("Please choose an answer.")


@probe.post("/probe/stale")
def stale():  # type: ignore[no-untyped-def]
    raise StaleVersion("Someone else changed this.", stored=3, sent=2)


@probe.post("/probe/<kind>")
def other(kind: str):  # type: ignore[no-untyped-def]
    _write(kind)
    raise {"missing": NotFound, "forbidden": NotAllowed}[kind]("no")


@probe.post("/probe/crash")
def crash():  # type: ignore[no-untyped-def]
    _write("crash")
    raise RuntimeError("boom")


@probe.post("/probe/answered-400")
def answered_400():  # type: ignore[no-untyped-def]
    _write("answered-400")
    return jsonify(error="bad"), 400


@probe.post("/probe/back")
def back():  # type: ignore[no-untyped-def]
    edge.refusal_returns_to("/probe/page")
    raise ServiceError("That did not work.")


@probe.get("/probe/read")
def read():  # type: ignore[no-untyped-def]
    _write("get")  # a GET is not committed by the edge unless it keeps a trace
    return "read"


@probe.get("/probe/opened")
def opened():  # type: ignore[no-untyped-def]
    _write("opened")  # an audited read: the view says it leaves a trace
    edge.keep_trace()
    return "opened"


@probe.get("/probe/opened-then-missing")
def opened_then_missing():  # type: ignore[no-untyped-def]
    _write("opened")
    edge.keep_trace()
    raise NotFound("gone")


@pytest.fixture
def probe_app(tmp_path: Path) -> Flask:
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'edge.sqlite3'}", WTF_CSRF_ENABLED=False)
    app.register_blueprint(probe)
    edge.init_app(app)
    with app.app_context():
        db.session.execute(text("CREATE TABLE edge_probe (value TEXT)"))
        db.session.commit()
    return app


def _rows(app: Flask) -> list[str]:
    with app.app_context():
        return [r[0] for r in db.session.execute(text("SELECT value FROM edge_probe"))]


def test_a_write_that_succeeds_is_committed(probe_app: Flask) -> None:
    assert probe_app.test_client().post("/probe/ok").status_code == 200
    assert _rows(probe_app) == ["ok"]


def test_a_refusal_rolls_back_and_shows_the_named_page_with_the_message(probe_app: Flask) -> None:
    response = probe_app.test_client().post("/probe/refused")
    assert response.status_code == 400
    assert "Please choose an answer." in response.get_data(as_text=True)
    assert _rows(probe_app) == []


def test_a_refusal_without_a_page_is_a_kind_page_a_fragment_or_json(probe_app: Flask) -> None:
    client = probe_app.test_client()
    page = client.post("/probe/bare")
    assert page.status_code == 400 and "Please choose an answer." in page.get_data(as_text=True)
    fragment = client.post("/probe/bare", headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and fragment.headers["HX-Retarget"] == "#messages"
    json = client.post("/probe/bare", json={})
    assert json.status_code == 400 and json.get_json() == {"error": "Please choose an answer."}
    assert _rows(probe_app) == []


def test_a_stale_version_is_409_with_both_versions(probe_app: Flask) -> None:
    response = probe_app.test_client().post("/probe/stale", json={})
    assert response.status_code == 409
    assert response.get_json() == {"error": "Someone else changed this.", "stored": 3, "sent": 2}


@pytest.mark.parametrize(("kind", "status"), [("missing", 404), ("forbidden", 403)])
def test_not_found_and_not_allowed_are_404_and_403(
    probe_app: Flask, kind: str, status: int
) -> None:
    assert probe_app.test_client().post(f"/probe/{kind}").status_code == status
    assert _rows(probe_app) == []


def test_a_crash_or_an_answer_of_400_rolls_back(probe_app: Flask) -> None:
    client = probe_app.test_client()
    assert client.post("/probe/crash").status_code == 500
    assert client.post("/probe/answered-400").status_code == 400
    assert _rows(probe_app) == []


def test_a_refusal_can_return_to_a_page_with_the_message(probe_app: Flask) -> None:
    response = probe_app.test_client().post("/probe/back")
    assert response.status_code == 303 and response.headers["Location"].endswith("/probe/page")


def test_a_get_is_never_committed_by_the_edge(probe_app: Flask) -> None:
    assert probe_app.test_client().get("/probe/read").status_code == 200
    assert _rows(probe_app) == []


def test_a_get_that_keeps_a_trace_is_committed_only_when_answered(probe_app: Flask) -> None:
    client = probe_app.test_client()
    assert client.get("/probe/opened-then-missing").status_code == 404
    assert _rows(probe_app) == []
    assert client.get("/probe/opened").status_code == 200
    assert _rows(probe_app) == ["opened"]
    assert client.get("/probe/read").status_code == 200  # the mark lasts one request
    assert _rows(probe_app) == ["opened"]


def test_every_view_of_the_app_runs_inside_the_edge(app: Flask) -> None:
    unwrapped = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not getattr(view, "unit_of_work", False)
    ]
    assert unwrapped == []
