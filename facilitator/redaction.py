"""Family link tokens kept out of every log: one rule, used by the app and by gunicorn.

A family link carries a secret token in its address (``/family/link/<token>``), and so does a
link to set a new password (``/sign-in/new-password/<token>``, issue 18). The app never
logs a path, but servers do: gunicorn's access log (read from the request environ) and its
error log (which quotes a malformed request line or header in full), and the development
server's request log. Everything here replaces the token with ``[token]``.

This module imports nothing from the app, so ``gunicorn.conf.py`` can use it without creating
the app. A reverse proxy in front (nginx, a load balancer) keeps its own access log: configure
it not to log that path, or not to log paths at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

MARK = "/family/link/"
MARKS = (MARK, "/sign-in/new-password/")
TOKEN_IN_PATH = re.compile(r"(/family/link/|/sign-in/new-password/)[^/?#\s\"']+")


def _marked(text: str) -> bool:
    return any(mark in text for mark in MARKS)


def redact(text: str) -> str:
    """Replace any link token in a path, URL, request line or log line with ``[token]``."""
    return TOKEN_IN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    """Link tokens out of a log record: its message, its arguments and any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _marked(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and _marked(record.exc_text):
            record.exc_text = redact(record.exc_text)
        return True


def add_filter(logger: logging.Logger) -> None:
    """Give ``logger`` one RedactTokens filter (adding it again changes nothing)."""
    if not any(isinstance(each, RedactTokens) for each in logger.filters):
        logger.addFilter(RedactTokens())


class RedactEnviron:
    """WSGI middleware: once the app has answered, hide the token from whatever logs the
    request environ (gunicorn's access log reads PATH_INFO, RAW_URI, REQUEST_URI, Referer)."""

    KEYS = ("PATH_INFO", "RAW_URI", "REQUEST_URI", "HTTP_REFERER")

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            return self.app(environ, start_response)
        finally:
            for key in self.KEYS:
                value = environ.get(key)
                if isinstance(value, str) and _marked(value):
                    environ[key] = redact(value)
