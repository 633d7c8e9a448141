"""Static files cached for a year: every static URL carries a hash of the file's content.

``url_for('static', filename=...)`` gains ``?v=<hash>`` (a ``url_defaults`` hook, Flask's own
way to add values to built URLs); ``static_url(filename)`` (a template global too) gives the
same address, built once per process and mount point for the pages that use some forty of
them (a person-mode screen's pictures, styles and scripts). A request whose ``v`` matches the
file's current content is answered with ``Cache-Control: public, max-age=31536000, immutable``,
so a tablet or a reverse proxy keeps CSS, JavaScript, fonts and pictures until they change,
and a changed file gets a new address. Without ``v`` (or with an old one) Flask's default
revalidation applies. The web app manifest keeps its plain address.

A response with the current hash carries no validators (it is never revalidated), and its
text (CSS, JavaScript, SVG) is sent compressed at the highest level, Brotli or gzip as the
browser accepts, compressed once per process rather than on every request.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, current_app, has_request_context, request, url_for
from flask.wrappers import Response

YEAR = 31536000
# The web app manifest keeps one address: browsers identify an installed app by it.
STABLE = (".webmanifest",)
ENCODINGS = ["br", "gzip"]


def register_static_cache(app: Flask) -> None:
    """Add the content hash to static URLs and long-lived caching to matching responses."""
    hashes: dict[str, tuple[float, str]] = {}
    folder = Path(app.static_folder or "")

    def content_hash(filename: str) -> str | None:
        # Files do not change under a running server, so each is read once per process;
        # in debug mode a changed file (new mtime) is hashed again.
        cached = hashes.get(filename)
        if cached is not None and not app.debug:
            return cached[1]
        path = folder / filename
        try:
            if not path.resolve().is_relative_to(folder.resolve()):
                return None
            mtime = path.stat().st_mtime
        except OSError:
            return None
        if cached is None or cached[0] != mtime:
            cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            hashes[filename] = cached
        return cached[1]

    @app.url_defaults
    def _add_version(endpoint: str, values: dict[str, Any]) -> None:
        filename = str(values.get("filename") or "")
        wanted = endpoint == "static" and "v" not in values and filename
        if wanted and not filename.endswith(STABLE):
            digest = content_hash(filename)
            if digest:
                values["v"] = digest

    app.extensions["static_cache"] = {"urls": {}}
    app.jinja_env.globals["static_url"] = static_url

    compressed: dict[tuple[str, str, str], bytes] = {}

    def compressed_body(filename: str, digest: str, encoding: str) -> bytes:
        # Once per file, encoding and process, at the highest level: a first prompt over poor
        # wifi is smaller, and later requests cost no compression at all.
        key = (filename, digest, encoding)
        if key not in compressed:
            data = (folder / filename).read_bytes()
            if encoding == "br":
                compressed[key] = brotli.compress(data, quality=11)
            else:
                compressed[key] = gzip.compress(data, compresslevel=9, mtime=0)
        return compressed[key]

    @app.after_request
    def _cache_for_a_year(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename")
        wanted = request.args.get("v")
        if not (wanted and filename and wanted == content_hash(str(filename))):
            return response
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
        # Never revalidated, so validators and the download name are bytes for nothing.
        for header in ("ETag", "Last-Modified", "Content-Disposition"):
            response.headers.pop(header, None)
        encoding = request.accept_encodings.best_match(ENCODINGS)
        if (
            response.status_code == 200
            and encoding
            and response.mimetype in app.config.get("COMPRESS_MIMETYPES", ())
            and (response.content_length or 0) >= int(app.config.get("COMPRESS_MIN_SIZE", 500))
            and "Content-Encoding" not in response.headers
        ):
            body = compressed_body(str(filename), wanted, encoding)
            response.close()  # the file Flask opened
            response.direct_passthrough = False
            response.set_data(body)
            response.headers["Content-Encoding"] = encoding
            response.vary.add("Accept-Encoding")
        return response


def static_url(filename: str) -> str:
    """The content-hashed address of a static file, built once per process and mount point.

    The same as ``url_for('static', filename=filename)``; outside a request, or in debug mode
    (where files change under the server), it is built every time.
    """
    if current_app.debug or not has_request_context():
        return url_for("static", filename=filename)
    urls: dict[tuple[str, str], str] = current_app.extensions["static_cache"]["urls"]
    key = (request.script_root, filename)
    found = urls.get(key)
    if found is None:
        found = urls[key] = url_for("static", filename=filename)
    return found
