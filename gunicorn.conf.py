"""gunicorn settings for `make run` and production (read from the folder gunicorn starts in).

Family links carry a secret token in their address; no log gunicorn writes may record it: not
the access log, and not the error log, where a malformed request line or header is quoted.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from gunicorn.glogging import Logger

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
# Threaded workers: a connection that sends nothing yet (a browser's preconnect, a tab left open)
# or sends slowly holds one thread for a few seconds, then waits in the worker's poller, instead
# of holding a whole sync worker until the 30 s timeout kills it (docs/benchmarks.md, "Idle
# connections"). The app keeps nothing per thread that is not locked or thread-local.
worker_class = os.environ.get("WORKER_CLASS", "gthread")
threads = int(os.environ.get("THREADS", "8"))
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
control_socket_disable = True

# X-Forwarded-Proto (and the other scheme and forwarder headers) are believed only when the app
# is told a proxy is in front (TRUSTED_PROXIES, read by ProxyFix in facilitator/security.py):
# otherwise any client on this machine could make a plain-HTTP request look like HTTPS.
trusted_proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or "0")
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if trusted_proxies > 0 else ""
)

TOKEN_IN_PATH = re.compile(r"(/family/link/)[^/?#\s\"']+")


def redact(text: str) -> str:
    """Replace a link token in a path or request line with a fixed marker."""
    return TOKEN_IN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    """Link tokens out of an error-log record: its message, arguments and any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/family/link/" in message:
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and "/family/link/" in record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingLogger(Logger):
    """gunicorn's logger, with link tokens removed from every access-log field and from every
    error-log record (gunicorn quotes a malformed request line or header there in full)."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        if not any(type(f).__name__ == "RedactTokens" for f in self.error_log.filters):
            self.error_log.addFilter(RedactTokens())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


logger_class = RedactingLogger
