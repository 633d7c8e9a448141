"""What an operator sees of each request: a request id, JSON logs and Prometheus metrics.

- **Request id.** Taken from the ``X-Request-ID`` header (nginx passes its ``$request_id``)
  when it is a short plain token, else made up here; kept in ``g.request_id``, written into
  every log line of the request and returned in the response's ``X-Request-ID``.
- **JSON logs.** With ``LOG_FORMAT=json`` every log record of the app is one JSON object a
  line on standard error (time, level, logger, message, request id), and each request adds
  one line (method, endpoint, status, milliseconds). Link tokens are removed from every line
  (``redaction.py``), as from the text logs.
- **Metrics.** Request counts (by method, endpoint and status) and latencies (by method and
  endpoint) for Prometheus, exposed by ``/metrics`` only to a scraper that presents
  ``METRICS_TOKEN`` (``views/main.py``). Labels are endpoint names, never addresses, so no
  token or id reaches them. With several gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` to
  an empty folder so the workers' figures are added together (docs/deploy.md).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from werkzeug.wrappers import Response

from .redaction import RedactTokens, redact

LOG = logging.getLogger("facilitator.request")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter("facilitator_requests", "Requests answered", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "facilitator_request_seconds",
    "Time to answer a request",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and any ``http``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            line["request_id"] = rid
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            line["http"] = http
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def use_json_logs(level: int = logging.INFO) -> logging.Handler:
    """Send every log record to standard error as JSON (replacing an earlier JSON handler)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "facilitator_json", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokens())
    handler.facilitator_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return handler


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format (every worker's, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def register_observability(app: Flask) -> None:
    """Request ids, the per-request log line and metrics; JSON logs when LOG_FORMAT=json."""
    json_logs = str(app.config.get("LOG_FORMAT", "text")).lower() == "json"
    if json_logs:
        use_json_logs()

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started is not None else 0.0
        endpoint = request.endpoint or "unmatched"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(request.method, endpoint).observe(seconds)
        if json_logs:
            LOG.info(
                "%s %s %s",
                request.method,
                endpoint,
                response.status_code,
                extra={
                    "request_id": rid,
                    "http": {
                        "method": request.method,
                        "path": redact(request.path),
                        "endpoint": endpoint,
                        "status": response.status_code,
                        "ms": round(seconds * 1000, 1),
                    },
                },
            )
        return response
