"""Static files cached for a year: every static URL carries a hash of the file's content.

``url_for('static', filename=...)`` gains ``?v=<hash>``; a request whose ``v`` matches the
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

from flask import Flask, request
from flask.globals import _cv_request
from flask.wrappers import Response

try:  # Flask-Compress depends on one of the two
    import brotli
except ImportError:  # pragma: no cover
    import brotlicffi as brotli  # type: ignore[no-redef]

YEAR = 31536000
# The web app manifest keeps one address: browsers identify an installed app by it.
STABLE = (".webmanifest",)
ENCODINGS = ["br", "gzip"]
PLAIN_STATIC = frozenset({"filename", "_anchor", "_method", "_scheme", "_external"})


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

    # A person-mode screen builds some forty picture, style and script addresses; each is the
    # same for the life of the process (its hash does not change), so each is built once.
    built: dict[tuple[str | None, str], str] = {}
    build = app.url_for

    def url_for(endpoint: str, /, **values: Any) -> str:
        filename = values.get("filename")
        plain = (
            endpoint == "static"
            and filename
            and values.keys() <= PLAIN_STATIC  # flask.url_for passes its options, usually None
            and values.get("_anchor") is None
            and values.get("_method") is None
            and values.get("_scheme") is None
            and not values.get("_external")
            and not app.debug
        )
        if not plain:
            return build(endpoint, **values)
        ctx = _cv_request.get(None)  # the request's mount point, without a proxy per call
        key = (ctx.request.environ.get("SCRIPT_NAME", "") if ctx else None, str(filename))
        found = built.get(key)
        if found is None:
            found = built[key] = build(endpoint, **values)
        return found

    app.url_for = url_for  # type: ignore[method-assign,assignment]
    app.jinja_env.globals["url_for"] = url_for

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
