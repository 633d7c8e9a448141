"""Static files: content-hashed addresses, cached for a year; everything else as before."""

from __future__ import annotations

import re

from flask import Flask, url_for
from flask.testing import FlaskClient


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
