"""Files staff upload about a person (photos, recorded voices): where they live, how often an
account may send one, and how a stored file is sent back (privately, never sniffed)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request, send_file
from flask_login import current_user
from werkzeug.wrappers import Response


def upload_folder() -> Path:
    """Where uploaded files live (UPLOAD_FOLDER, outside the static folder)."""
    return Path(current_app.config["UPLOAD_FOLDER"])


def upload_limit() -> str:
    """How many requests that may carry an upload an account may send (RATELIMIT_UPLOADS)."""
    return str(current_app.config["RATELIMIT_UPLOADS"])


def uploader_key() -> str:
    """Uploads are counted per account (all its sessions together), not per address."""
    if current_user.is_authenticated:
        return f"uploads:{current_user.user.id}"
    return f"uploads:{request.remote_addr}"


def send_private(path: Path, mimetype: str, filename: str) -> Response:
    """A stored file about a person: never cached anywhere shared, never sniffed, and inert
    even if a browser were tricked into rendering it as a document."""
    response = send_file(path, mimetype=mimetype, max_age=0, conditional=True, etag=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
