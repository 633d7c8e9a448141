"""Photos served from the file store (issue 19): only to those allowed, never cached where
shared, never sniffed, with the SHA-256 of the bytes as ETag and a 304 on a repeat visit."""

from __future__ import annotations

import hashlib

from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import db
from facilitator.services.media import storage

from ..conftest import sign_in
from .test_photos import ADVOCATE, BAD, _person_id, _photo, _upload, staff  # noqa: F401


def wire_bytes(response) -> int:  # type: ignore[no-untyped-def]
    """The bytes of a response as sent: status line, headers and body."""
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in response.headers.items()
    )
    return len(head.encode()) + 2 + len(response.get_data())


def test_repeat_view_is_a_304(app: Flask, staff: FlaskClient, demo: dict) -> None:  # noqa: F811
    sam = _person_id(app, demo, "Sam")
    assert _upload(staff, sam, (BAD / "gps.jpg").read_bytes()).status_code == 303
    photo = _photo(app, sam)
    address = f"/photos/{photo.public_id}/prompt.jpg"
    first = staff.get(address)
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    with app.app_context():
        stored = storage.info(db.session, f"{photo.file_stem}-prompt.jpg")
    assert stored is not None
    assert first.headers["ETag"] == f'"{stored.sha256}"'
    assert hashlib.sha256(first.get_data()).hexdigest() == stored.sha256
    for response in (first,):
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    again = staff.get(address, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    assert wire_bytes(again) * 5 < wire_bytes(first)
    changed = staff.get(address, headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert changed.status_code == 200 and changed.get_data() == first.get_data()


def test_a_304_is_only_for_those_allowed(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    sam = _person_id(app, demo, "Sam")
    assert _upload(client, sam, (BAD / "gps.jpg").read_bytes()).status_code == 303
    photo = _photo(app, sam)
    etag = client.get(f"/photos/{photo.public_id}/thumb.jpg").headers["ETag"]
    other = app.test_client()
    sign_in(other, ADVOCATE)  # not assigned to Sam
    refused = other.get(f"/photos/{photo.public_id}/thumb.jpg", headers={"If-None-Match": etag})
    assert refused.status_code == 404 and "ETag" not in refused.headers
