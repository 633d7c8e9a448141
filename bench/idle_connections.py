"""Idle connections against gunicorn: is a normal request still served, and how fast?

A browser opens connections it may never use (preconnect, a second connection for later) and
keeps them open; a slow client sends its request a little at a time. With sync workers each
such connection holds a whole worker until gunicorn's timeout (30 s) kills it ("WORKER TIMEOUT
... no URI read"). This opens IDLE connections that send nothing (or, with --partial, half a
request line) against gunicorn with WORKERS workers, then asks for `/healthz` every half second
and reports how many were answered and how long each took.

Run: .venv/bin/python bench/idle_connections.py [--worker-class sync|gthread] [--threads 8]
     [--idle 20] [--workers 2] [--seconds 40] [--partial]
Loopback only, bounded in time (about --seconds plus start-up); prints one JSON object.
It uses gunicorn.conf.py, with --worker-class and --threads given on gunicorn's command line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "bench-idle-" + "s" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _probe(port: int, timeout: float) -> float | None:
    """Seconds for GET /healthz on a new connection, or None if not answered in time."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return time.monotonic() - started if response.status == 200 else None
    except OSError:
        return None
    finally:
        conn.close()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from facilitator.db import upgrade

    folder = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    database = folder / "bench.sqlite3"
    upgrade(f"sqlite:///{database}")
    port = _free_port()
    env = dict(
        os.environ, HOST="127.0.0.1", PORT=str(port), WORKERS=str(args.workers),
        DATABASE_URL=f"sqlite:///{database}", SECRET_KEY=SECRET,
        RATELIMIT_STORAGE_URI=f"facilitator+sqlite:///{folder / 'rate-limits.sqlite3'}",
    )  # fmt: skip
    env.pop("FACILITATOR_ENV", None)
    # gunicorn turns sync workers with more than one thread into gthread workers: one for sync.
    threads = args.threads if args.worker_class == "gthread" else 1
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
               "--worker-class", args.worker_class, "--threads", str(threads),
               "facilitator:create_app()"]  # fmt: skip
    log_path = folder / "error.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn command, no outside input
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
    idle: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while _probe(port, 2) is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + log_path.read_text()[-2000:])
            time.sleep(0.2)
        baseline = [t for t in (_probe(port, 5) for _ in range(10)) if t is not None]
        for _ in range(args.idle):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if args.partial:
                sock.sendall(b"GET /healthz HT")
            idle.append(sock)
        time.sleep(0.2)  # the workers accept them
        probes: list[float | None] = []
        first_at = time.monotonic()
        end = first_at + args.seconds
        while time.monotonic() < end:
            started = time.monotonic()
            probes.append(_probe(port, min(args.probe_timeout, max(0.5, end - started))))
            time.sleep(max(0.0, 0.5 - (time.monotonic() - started)))
    finally:
        for sock in idle:
            sock.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log_text = log_path.read_text(errors="replace")
    shutil.rmtree(folder, ignore_errors=True)
    answered = [p for p in probes if p is not None]
    return {
        "worker_class": args.worker_class,
        "worker_class_used": "gthread" if "Using worker: gthread" in log_text else "sync",
        "threads": threads,
        "workers": args.workers,
        "idle_connections": args.idle,
        "idle_sends": "half a request line" if args.partial else "nothing",
        "seconds": args.seconds,
        "baseline_ms_median": round(1000 * statistics.median(baseline), 1),
        "probes": len(probes),
        "answered": len(answered),
        "first_probe_ms": None if probes[0] is None else round(1000 * probes[0], 1),
        "answered_ms_median": round(1000 * statistics.median(answered), 1) if answered else None,
        "answered_ms_max": round(1000 * max(answered), 1) if answered else None,
        "worker_timeouts_logged": log_text.count("WORKER TIMEOUT"),
        "probe_ms": [None if p is None else round(1000 * p) for p in probes],
        "log_tail": log_text[-1500:] if args.verbose else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--probe-timeout", type=float, default=10)
    parser.add_argument("--partial", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="add the error log's tail")
    args = parser.parse_args()
    if not 1 <= args.idle <= 200 or not 1 <= args.seconds <= 300:
        parser.error("--idle is 1 to 200 and --seconds 1 to 300")
    print(json.dumps(measure(args)), flush=True)


if __name__ == "__main__":
    main()
