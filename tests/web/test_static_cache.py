"""Static files: content-hashed addresses, cached for a year; everything else as before."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import event

from facilitator import static_cache
from facilitator.extensions import db
from facilitator.static_cache import static_url
from tests.conftest import csrf_from, sign_in


def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(
    app: Flask, client: FlaskClient
) -> None:
    with app.test_request_context():
        address = url_for("static", filename="css/app.css")
    assert re.search(r"/static/css/app\.css\?v=[0-9a-f]{12}$", address)
    response = client.get(address)
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    assert "no-store" not in cache
    response.close()


def test_an_old_hash_or_none_gets_no_long_lived_caching(client: FlaskClient) -> None:
    for address in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(address)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
        response.close()


def test_pages_still_link_hashed_assets_and_are_not_cached(client: FlaskClient) -> None:
    response = client.get("/sign-in")
    page = response.get_data(as_text=True)
    assert re.search(r'/static/css/app\.css\?v=[0-9a-f]{12}"', page)
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_the_web_app_manifest_keeps_its_address(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("static", filename="manifest.webmanifest") == "/static/manifest.webmanifest"


def test_current_static_text_is_sent_compressed_at_the_highest_level(
    app: Flask, client: FlaskClient
) -> None:
    with app.test_request_context():
        address = url_for("static", filename="vendor/htmx.min.js")
    original = (Path(app.static_folder or "") / "vendor" / "htmx.min.js").read_bytes()
    for accept, encoding, decode in (
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
    ):
        response = client.get(address, headers={"Accept-Encoding": accept})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decode(response.data) == original
        best = brotli.compress(original, quality=11) if encoding == "br" else None
        if best is not None:
            assert len(response.data) == len(best)
        response.close()
    plain = client.get(address, headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and plain.data == original
    plain.close()


def test_static_files_carry_only_the_headers_that_matter_to_them(
    app: Flask, client: FlaskClient
) -> None:
    with app.test_request_context():
        address = url_for("static", filename="vendor/pictures/flat/tick.svg")
    response = client.get(address)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    # An SVG opened on its own is a document: it may run nothing and be framed nowhere.
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    for page_only in ("Permissions-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert page_only not in headers
    for never_revalidated in ("ETag", "Last-Modified", "Content-Disposition"):
        assert never_revalidated not in headers
    response.close()
    page = client.get("/sign-in")
    assert "Permissions-Policy" in page.headers and "X-Frame-Options" in page.headers


def test_a_locked_tablet_fetches_pictures_without_a_database_query(
    app: Flask, client: FlaskClient, demo: dict[str, object]
) -> None:
    engine = db.engine
    assert engine is not None
    sign_in(client, "keyworker@demo.facilitator.test")
    page = client.get("/staff/reviews/1").get_data(as_text=True)
    started = client.post("/person/start/1", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 303
    with app.test_request_context():
        address = url_for("static", filename="vendor/pictures/flat/tick.svg")
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(address)
        assert response.status_code == 200
        response.close()
        assert statements == []
        assert client.get("/person/q/1").status_code == 200
        assert statements, "the prompt screen itself does look the session up"
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_static_addresses_are_remembered_per_mount_point(app: Flask) -> None:
    with app.test_request_context("/"):
        plain = url_for("static", filename="css/app.css")
    with app.test_request_context("/", base_url="http://localhost/care"):
        mounted = url_for("static", filename="css/app.css")
    with app.test_request_context("/"):
        again = url_for("static", filename="css/app.css")
    assert plain.startswith("/static/css/app.css?v=")
    assert mounted == "/care" + plain
    assert again == plain


def test_static_url_is_url_for_built_once_per_mount_point(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def counting_url_for(endpoint: str, **values: str) -> str:
        built.append(values["filename"])
        return url_for(endpoint, **values)

    monkeypatch.setattr(static_cache, "url_for", counting_url_for)
    with app.test_request_context("/"):
        plain = static_url("css/person.css")
        assert plain == url_for("static", filename="css/person.css")
        assert static_url("css/person.css") == plain
    with app.test_request_context("/", base_url="http://localhost/care"):
        assert static_url("css/person.css") == "/care" + plain
    with app.test_request_context("/"):
        assert static_url("css/person.css") == plain
    assert built == ["css/person.css", "css/person.css"]  # once at /, once at /care


def test_flask_is_not_patched(app: Flask) -> None:
    """The hash comes from a url_defaults hook: url_for stays Flask's own."""
    assert "url_for" not in vars(app)
    assert app.jinja_env.globals["url_for"] == app.url_for
    assert any(
        getattr(hook, "__name__", "") == "_add_version"
        for hooks in app.url_default_functions.values()
        for hook in hooks
    )


def test_every_script_on_a_person_page_carries_its_hash(
    client: FlaskClient, demo: dict[str, object]
) -> None:
    sign_in(client, "keyworker@demo.facilitator.test")
    page = client.get("/staff/reviews/1").get_data(as_text=True)
    client.post("/person/start/1", data={"csrf_token": csrf_from(page)})
    html = client.get("/person/q/1").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) > 10  # htmx, app.js and person mode's small scripts
    assert all(re.search(r"\?v=[0-9a-f]{12}$", src) for src in scripts), scripts
