"""200 simulated tablets through nginx (HTTPS) on two app instances; then the same with one
instance stopped halfway (issue 19). A benchmark: it reports figures and asserts nothing.

Run: .venv/bin/python bench/nginx_two_instances.py [--tablets 200] [--seconds 60]
Needs PostgreSQL (BENCH_DATABASE_URL, as bench/run.py), Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/15) and Debian's nginx. The deployment is tests/nginx_stack.py's: deploy/'s
nginx site on loopback high ports with a throwaway certificate, in front of two gunicorn
instances (2 workers each) on one database and one Redis. Each tablet is a signed-in facilitator's
browser locked to a person's review, with one keep-alive HTTPS connection (reopened when nginx or
an instance closes it): it thinks 2-8 s, shows the next prompt, thinks, answers it. Static files
are not fetched (nginx serves them from disk; a tablet keeps them for a year). Writes
bench/results/nginx_two_instances.json (git-ignored).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    ANSWER,
    CSRF,
    SECRET,
    STAFF,
    database,
    load_demo,
    machine,
    percentile,
    second_factor_code,
)
from tests import nginx_stack  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "nginx_two_instances.json"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


class HttpsClient:
    """A tablet's browser: a cookie jar and one keep-alive HTTPS connection to nginx."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPSConnection | None = None
        self.location = ""

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, str, float]:
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = origin
            headers["Referer"] = origin + path
        started = time.perf_counter()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(
                    "127.0.0.1", self.port, context=nginx_stack.insecure(), timeout=60
                )
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # nginx closed an idle keep-alive connection: a browser opens a new one.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        elapsed = (time.perf_counter() - started) * 1000
        self.location = response.getheader("Location") or ""
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data.decode("utf-8", "replace"), elapsed


class Tablet:
    """A signed-in facilitator's browser locked to a person's review, through nginx."""

    def __init__(self, port: int, review_id: int, database_url: str) -> None:
        from facilitator.services.demo import DEMO_PASSWORD

        self.client = HttpsClient(port)
        token = CSRF.search(self.client.request("GET", "/sign-in")[1])
        assert token, "no CSRF token on the sign-in page"
        form = {"email": STAFF, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        status, _t, _ms = self.client.request("POST", "/sign-in", form)
        if status not in (302, 303):
            raise RuntimeError(f"sign-in failed with {status}")
        if urllib.parse.urlsplit(self.client.location).path in ("/sign-in/code", "/sign-in/set-up"):
            with SECOND_STEP:
                code = second_factor_code(database_url, STAFF)
                status, _t, _ms = self.client.request(
                    "POST", "/sign-in/code", {"code": code, "csrf_token": token.group(1)}
                )
            if status not in (302, 303):
                raise RuntimeError(f"second step failed with {status}")
        token = CSRF.search(self.client.request("GET", f"/staff/reviews/{review_id}")[1])
        assert token
        status, _t, _ms = self.client.request(
            "POST", f"/person/start/{review_id}", {"csrf_token": token.group(1)}
        )
        if status not in (302, 303):
            raise RuntimeError(f"could not start person mode on review {review_id}: {status}")
        self.positions: list[int] = []
        self.options: dict[int, list[str]] = {}
        self.csrf = ""
        for position in range(1, 6):
            page = self.client.request("GET", f"/person/q/{position}")[1]
            options, found = ANSWER.findall(page), CSRF.search(page)
            if not options or not found:
                break
            self.csrf = found.group(1)
            self.options[position] = options
            self.positions.append(position)
        if not self.positions:
            raise RuntimeError(f"review {review_id} has no answerable prompt")

    def prompt(self, position: int) -> tuple[int, float]:
        status, _t, ms = self.client.request("GET", f"/person/q/{position}")
        return status, ms

    def answer(self, position: int) -> tuple[int, float]:
        form = {
            "csrf_token": self.csrf,
            "client_id": uuid.uuid4().hex,
            "answer": random.choice(self.options[position]),
        }
        status, _t, ms = self.client.request("POST", f"/person/q/{position}", form)
        return status, ms


SECOND_STEP = threading.Lock()


def make_tablets(port: int, count: int, reviews: list[int], url: str) -> list[Tablet]:
    tablets: list[Tablet | None] = [None] * count
    failures: list[str] = []

    def make(index: int) -> None:
        try:
            tablets[index] = Tablet(port, reviews[index % len(reviews)], url)
        except Exception as error:  # noqa: BLE001
            failures.append(f"{type(error).__name__}: {error}")

    for start in range(0, count, 8):
        threads = [
            threading.Thread(target=make, args=(i,)) for i in range(start, min(count, start + 8))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        print(f"  {len(failures)} tablets failed to start: {failures[0]}", flush=True)
    return [t for t in tablets if t is not None]


def startable_reviews(port: int, url: str) -> list[int]:
    from sqlalchemy import create_engine, select

    from facilitator.models import Review, ReviewStatus

    engine = create_engine(url)
    with engine.connect() as conn:
        candidates = list(
            conn.scalars(
                select(Review.id)
                .where(Review.status != ReviewStatus.CLOSED)
                .order_by(Review.id)
                .limit(11)
            )
        )
    engine.dispose()
    found = []
    for review_id in candidates:
        try:
            Tablet(port, review_id, url)
        except Exception:  # noqa: BLE001, S112 - not startable: try the next review
            continue
        found.append(review_id)
    return found or [1]


def load(
    tablets: list[Tablet],
    seconds: float,
    think: tuple[float, float],
    halfway: Any = None,
) -> dict[str, Any]:
    """Each tablet: think, show the next prompt, think, answer it; for ``seconds``. With
    ``halfway``, it is called once half the time has passed (an instance is stopped)."""
    samples: list[tuple[float, float, int | str]] = []  # (when, ms, status or error)
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds
    stop = threading.Event()

    def run(tablet: Tablet) -> None:
        mine: list[tuple[float, float, int | str]] = []
        step = 0
        stop.wait(random.uniform(0, think[1]))  # stagger the start
        while not stop.is_set() and time.monotonic() < deadline:
            position = tablet.positions[step % len(tablet.positions)]
            for call in (tablet.prompt, tablet.answer):
                at = time.monotonic() - started
                try:
                    status, ms = call(position)
                    mine.append((at, ms, status))
                except Exception as error:  # noqa: BLE001
                    mine.append(
                        (at, (time.monotonic() - started - at) * 1000, type(error).__name__)
                    )
                if stop.wait(random.uniform(*think)) or time.monotonic() >= deadline:
                    break
            step += 1
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in tablets]
    for thread in threads:
        thread.start()
    stopped_at = None
    if halfway is not None:
        time.sleep(seconds / 2)
        stopped_at = round(time.monotonic() - started, 1)
        halfway()
    time.sleep(max(0.0, deadline - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    wall = time.monotonic() - started
    latencies = [ms for _at, ms, _s in samples]
    errors = [s for _at, _ms, s in samples if not isinstance(s, int) or s >= 400]
    result: dict[str, Any] = {
        "tablets": len(tablets),
        "seconds": seconds,
        "think_s": list(think),
        "requests": len(samples),
        "rps": round(len(samples) / wall, 1),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": round(max(latencies), 1) if latencies else 0,
        "errors": len(errors),
        "error_kinds": dict(Counter(str(e) for e in errors)),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    if stopped_at is not None:
        after = [(at, ms, s) for at, ms, s in samples if at >= stopped_at]
        around = [ms for at, ms, _s in samples if stopped_at <= at < stopped_at + 5]
        result["instance_stopped_at_s"] = stopped_at
        result["after_stop"] = {
            "requests": len(after),
            "p95_ms": percentile([ms for _a, ms, _s in after], 0.95),
            "p99_ms": percentile([ms for _a, ms, _s in after], 0.99),
            "errors": sum(1 for _a, _m, s in after if not isinstance(s, int) or s >= 400),
            "p99_ms_first_5_s": percentile(around, 0.99),
        }
    return result


def by_instance(proxy: nginx_stack.Nginx, ports: dict[str, str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for line in proxy.log(settle=0.5):
        upstream = line["upstream"].split(", ")[-1].rsplit(":", 1)[-1]
        counts[ports.get(upstream, "nginx")] += 1
    return dict(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    if not nginx_stack.nginx_available():
        print("nginx is not installed (scripts/setup.sh test): nothing measured.")
        return 1
    result: dict[str, Any] = {
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "settings": {"tablets": args.tablets, "seconds": args.seconds, "instances": 2,
                     "workers_each": 2, "threads_each": 8},
    }  # fmt: skip
    settings = {
        "SECRET_KEY": SECRET,
        "REDIS_URL": REDIS,
        "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}",
        "RATELIMIT_SIGN_IN": "100000 per minute",
        "WORKERS": "2",
    }
    with database("postgresql", "nginx") as url:
        load_demo(url)
        with nginx_stack.kept_folder("bench-instances-") as folder:
            with (
                nginx_stack.instance(url, folder, **settings) as a,
                nginx_stack.instance(url, folder, **settings) as b,
                nginx_stack.nginx([a.port, b.port]) as proxy,
            ):
                ports = {str(a.port): "A", str(b.port): "B"}
                print(f"nginx {proxy.url} -> A :{a.port}, B :{b.port}", flush=True)
                reviews = startable_reviews(proxy.https_port, url)
                print(f"  {args.tablets} tablets signing in on reviews {reviews} ...", flush=True)
                began = time.monotonic()
                tablets = make_tablets(proxy.https_port, args.tablets, reviews, url)
                result["tablets_started"] = len(tablets)
                result["start_seconds"] = round(time.monotonic() - began, 1)
                print(f"  both instances, {args.seconds:.0f} s ...", flush=True)
                result["both"] = load(tablets, args.seconds, (2.0, 8.0))
                result["both"]["requests_by_instance"] = by_instance(proxy, ports)
                print(f"  {json.dumps(result['both'])}", flush=True)
                print(f"  one stopped halfway, {args.seconds:.0f} s ...", flush=True)
                before = by_instance(proxy, ports)
                result["one_stopped"] = load(tablets, args.seconds, (2.0, 8.0), halfway=a.stop)
                total = by_instance(proxy, ports)
                result["one_stopped"]["requests_by_instance"] = {
                    k: total.get(k, 0) - before.get(k, 0) for k in total
                }
                print(f"  {json.dumps(result['one_stopped'])}", flush=True)
                result["nginx_errors"] = [
                    line for line in proxy.error_log().splitlines() if "[error]" in line
                ][:5]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    for name in ("both", "one_stopped"):
        r = result[name]
        print(
            f"{name}: {r['tablets']} tablets, {r['requests']} requests ({r['rps']}/s), "
            f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, "
            f"errors {r['errors']} {r['error_kinds']}, by instance {r['requests_by_instance']}"
        )
    print(f"load average before {result['load_average_before']}; written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
