"""gunicorn settings for `make run` and production (read from the folder gunicorn starts in).

Family links carry a secret token in their address; no log gunicorn writes may record it: not
the access log, and not the error log, where a malformed request line or header is quoted.
The rule lives in ``facilitator/redaction.py`` (which does not create the app), shared with
the app's own logs.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from facilitator.redaction import add_filter, redact

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
# Threaded workers: a connection that sends nothing yet (a browser's preconnect, a tab left open)
# or sends slowly holds one thread for a few seconds, then waits in the worker's poller, instead
# of holding a whole sync worker until the 30 s timeout kills it (docs/benchmarks.md, "Idle
# connections"). The app keeps nothing per thread that is not locked or thread-local.
worker_class = os.environ.get("WORKER_CLASS", "gthread")
threads = int(os.environ.get("THREADS", "8"))
# With LOG_FORMAT=json the app writes one JSON line per request itself (with the request id:
# facilitator/observability.py), so gunicorn's text access log is turned off.
accesslog = None if os.environ.get("LOG_FORMAT", "").strip().lower() == "json" else "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
control_socket_disable = True

# X-Forwarded-Proto (and the other scheme and forwarder headers) are believed only when the app
# is told a proxy is in front (TRUSTED_PROXIES, read by ProxyFix in facilitator/security.py):
# otherwise any client on this machine could make a plain-HTTP request look like HTTPS.
trusted_proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or "0")
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if trusted_proxies > 0 else ""
)

class RedactingLogger(Logger):
    """gunicorn's logger, with link tokens removed from every access-log field and from every
    error-log record (gunicorn quotes a malformed request line or header there in full)."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        add_filter(self.error_log)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


logger_class = RedactingLogger


def child_exit(server: Any, worker: Any) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, a worker that exits stops counting in /metrics' sums."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # lazy: only with multiprocess metrics

        multiprocess.mark_process_dead(worker.pid)
