"""Response headers that every page carries, and caching rules for personal data."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# Files, not pages: the static folder, and the app's icon at /favicon.ico (views/main.py).
STATIC_ENDPOINTS = frozenset({"static", "main.favicon"})

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

STATIC_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def register_security(app: Flask) -> None:
    """Add security headers; trust a reverse proxy only when told how many there are."""
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.after_request
    def _close_replaced_files(response: Response) -> Response:
        # Flask-Compress swaps a static file's body for compressed bytes without closing the
        # file; closing it with the response keeps file handles from leaking. (Registered
        # after Compress, so it runs before it.)
        original = response.response
        if response.direct_passthrough and hasattr(original, "close"):
            response.call_on_close(original.close)
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        if request.endpoint in STATIC_ENDPOINTS:
            # A picture, font, style sheet or script is not a page: the page's headers (about
            # 400 bytes, sent with each of the 30 files of a first prompt) do nothing for it.
            # An SVG opened on its own is a document, so it keeps a policy that runs nothing.
            headers.setdefault("Content-Security-Policy", STATIC_CSP)
            headers.setdefault("X-Content-Type-Options", "nosniff")
            if request.is_secure:
                headers.setdefault("Strict-Transport-Security", HSTS)
            return response
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: Flask-WTF refuses HTTPS POSTs without a Referer.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint not in STATIC_ENDPOINTS and (
            current_user.is_authenticated or request.path.startswith(("/family", "/person"))
        ):
            # Pages about people must never sit in a shared tablet's or proxy's cache.
            headers["Cache-Control"] = "no-store"
        return response
