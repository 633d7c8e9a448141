"""CSRF on forms and htmx requests, and kind pages for bad requests."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from ..conftest import csrf_from, make_test_app, sign_in


def test_form_post_without_token_is_refused(client: FlaskClient, demo: dict) -> None:
    response = client.post(
        "/sign-in", data={"email": "staff@demo.facilitator.test", "password": "demo-password-2026"}
    )
    assert response.status_code == 400
    assert "the form had expired" in response.get_data(as_text=True)


def test_htmx_post_with_header_token_succeeds(client: FlaskClient, demo: dict) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = csrf_from(page)
    assert f'"X-CSRFToken": "{token}"' in page  # set once on the page for htmx
    response = client.post(
        "/language",
        data={"language": "cy", "back": "/sign-in"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 302
    assert 'lang="cy"' in client.get("/sign-in").get_data(as_text=True)


def test_htmx_post_without_token_gets_a_fragment_for_the_message_area(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "cy"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"
    body = response.get_data(as_text=True)
    assert "<html" not in body and "the form had expired" in body


def test_unknown_route_gets_a_kind_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_gets_a_kind_page(client: FlaskClient) -> None:
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "cannot be used in that way" in response.get_data(as_text=True)


def test_oversized_body_is_refused_kindly(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/sign-in", data={"email": "a" * 5000, "password": "x"})
    assert response.status_code == 413
    assert "too big" in response.get_data(as_text=True)


def test_unreachable_database_gets_a_503_page_without_a_stack_trace(tmp_path: Path) -> None:
    app = make_test_app(
        tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none", PROPAGATE_EXCEPTIONS=False
    )
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "cannot reach the database" in body
    assert "Traceback" not in body and "psycopg" not in body


def test_welsh_interface(client: FlaskClient) -> None:
    page = client.get("/sign-in", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert 'lang="cy"' in page
    assert "Mewngofnodi" in page  # "Sign in"


def test_language_switcher_labels_each_language_in_its_own_name(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'lang="cy"' in page and "Cymraeg" in page
    assert 'lang="en"' in page and "English" in page


def test_headers(client: FlaskClient, demo: dict) -> None:
    response = client.get("/sign-in")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    sign_in(client, "staff@demo.facilitator.test")
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"


def test_language_switcher_never_echoes_odd_addresses(client: FlaskClient) -> None:
    page = client.get("/no-such-page%00%22x").get_data(as_text=True)
    assert 'name="back" value="/"' in page
    page = client.get("/family/link/SECRETTOKEN123456").get_data(as_text=True)
    assert "SECRETTOKEN123456" not in page


def test_hsts_only_over_https_and_forwarded_headers_only_from_a_trusted_proxy(
    tmp_path: Path, sqlite_template: Path
) -> None:
    import shutil

    path = tmp_path / "proxy.sqlite3"
    shutil.copy(sqlite_template, path)
    direct = make_test_app(tmp_path / "a", f"sqlite:///{path}").test_client()
    forged = direct.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers  # no proxy trusted: ignored
    assert (
        "Strict-Transport-Security" in direct.get("/sign-in", base_url="https://localhost").headers
    )
    behind = make_test_app(tmp_path / "b", f"sqlite:///{path}", TRUSTED_PROXIES=1).test_client()
    assert "Strict-Transport-Security" not in behind.get("/sign-in").headers
    secure = behind.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
