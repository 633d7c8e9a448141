"""Files staff upload about a person (photos, recorded voices): how often an account may send
one, and how a stored file is sent back (privately, never sniffed, with its SHA-256 as ETag)."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

from ...extensions import db
from ...services.media import storage


def upload_limit() -> str:
    """How many requests that may carry an upload an account may send (RATELIMIT_UPLOADS)."""
    return str(current_app.config["RATELIMIT_UPLOADS"])


def uploader_key() -> str:
    """Uploads are counted per account (all its sessions together), not per address."""
    if current_user.is_authenticated:
        return f"uploads:{current_user.user.id}"
    return f"uploads:{request.remote_addr}"


def send_private(key: str, mimetype: str, filename: str) -> Response:
    """A stored file about a person: never cached anywhere shared, never sniffed, and inert
    even if a browser were tricked into rendering it as a document (404 if it is not stored).

    Its ETag is the SHA-256 of its bytes, the same on every instance: a client that sends it
    back in If-None-Match gets a 304 with no body, and the bytes are not even read.
    """
    found = storage.info(db.session, key)
    if found is None:
        abort(404)
    if found.sha256 in request.if_none_match:
        response = Response(status=304)
    else:
        blob = storage.get(db.session, key)
        if blob is None:  # pragma: no cover - removed between the two reads
            abort(404)
        response = Response(blob.body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(found.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
