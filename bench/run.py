"""`make bench`: throughput, load, page weight, Lighthouse, speech and scale, in one run.

Run: .venv/bin/python bench/run.py [--quick] [--only throughput,load,...] [options]
Prints a table and writes bench/results/latest.json (git-ignored). A benchmark reports
figures; it asserts nothing. Every request is to 127.0.0.1 and every phase is bounded in
time. PostgreSQL parts use BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres):
a fresh database is created for each part and dropped afterwards; without PostgreSQL they
are skipped and the JSON says so.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
STAFF = "keyworker@demo.facilitator.test"
MANAGER = "manager@demo.facilitator.test"
SECRET = "bench-" + "s" * 40
PARTS = ("throughput", "load", "page_weight", "lighthouse", "speech", "scale", "messages")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANSWER = re.compile(r'name="answer" value="([^"]+)"')


# --- machine ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU, cores, memory and the versions the figures depend on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    versions: dict[str, str] = {"python": platform.python_version()}
    from importlib.metadata import version

    for package in ("flask", "sqlalchemy", "gunicorn", "psycopg"):
        try:
            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is reported, not fatal
            versions[package] = "missing"
    for name, command in (("node", ["node", "--version"]),
                          ("chromium", ["/usr/bin/chromium", "--version"]),
                          ("espeak-ng", ["espeak-ng", "--version"])):
        versions[name] = _first_line(command)
    versions["postgresql"] = _pg_version()
    versions["sqlite"] = __import__("sqlite3").sqlite_version
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "os": platform.platform(), "versions": versions,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def _first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception:  # noqa: BLE001
        return "missing"


def _pg_version() -> str:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            value = str(conn.execute(text("SHOW server_version")).scalar())
        engine.dispose()
        return value
    except Exception:  # noqa: BLE001
        return "unavailable"


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def database(kind: str, label: str) -> Iterator[str]:
    """A fresh, migrated, empty database of ``kind`` ('sqlite' or 'postgresql'); removed after."""
    from sqlalchemy import create_engine, text

    from facilitator.db import upgrade

    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        try:
            upgrade(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"bench_{label}_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        if url in _ENGINES:
            _ENGINES.pop(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_available() -> bool:
    return _pg_version() != "unavailable"


def app_for(url: str, **extra: Any) -> Any:
    from facilitator import create_app

    config = {"DATABASE_URL": url, "SECRET_KEY": SECRET,
              "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-"),
              "SPEECH_CACHE_DIR": str(ROOT / "instance" / "audio")}
    config.update(extra)
    return create_app(config)


def load_demo(url: str) -> str | None:
    """The demo data; returns a family link path if one could be issued, else None."""
    from sqlalchemy import select

    from facilitator.extensions import db
    from facilitator.models import Review, Supporter, User
    from facilitator.models.enums import NonParticipationReason
    from facilitator.services import demo
    from facilitator.services.family import links
    from facilitator.services.reviews import person_first

    app = app_for(url)
    with app.app_context():
        demo.load(db.session)
        db.session.commit()
        staff = db.session.scalar(select(User).where(User.email == STAFF))
        # Links follow the person's own views: on a later demo review (not the first, which
        # the tablets use) whose person has supporters, record that the person declined
        # today, then issue a link to one of them.
        for review in db.session.scalars(select(Review).where(Review.id > 1).order_by(Review.id.desc())):
            supporters = list(db.session.scalars(
                select(Supporter).where(Supporter.person_id == review.person_id)))
            if not supporters:
                continue
            for supporter in supporters:
                try:
                    if not person_first.person_views_done(db.session, review):
                        person_first.record_non_participation(
                            db.session, review, actor=staff,
                            reason=NonParticipationReason.DECLINED,
                            what_was_tried="Offered another day and a different room.",
                            try_again_on=None)
                    issued = links.issue_link(db.session, review, supporter, staff)
                except Exception:  # noqa: BLE001 - try the next supporter
                    db.session.rollback()
                    continue
                db.session.commit()
                return f"/family/link/{issued.token}"
    return None


# --- HTTP ---------------------------------------------------------------------------------------


class Client:
    """A browser-like client: a cookie jar and one request at a time, loopback only."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.location = ""

    def request(self, method: str, path: str, form: dict[str, Any] | None = None,
                timeout: float = 30) -> tuple[int, str, float]:
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "gzip, br"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        elapsed = (time.perf_counter() - started) * 1000
        self.location = response.getheader("Location") or ""
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        text = data.decode("utf-8", "replace") if response.getheader(
            "Content-Encoding") is None else ""
        return response.status, text, elapsed

    def get_plain(self, path: str) -> str:
        """A page's HTML (uncompressed), to read tokens from."""
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return text
        finally:
            conn.close()

    def sign_in(self, email: str) -> None:
        from facilitator.services.demo import DEMO_PASSWORD

        token = CSRF.search(self.get_plain("/sign-in"))
        assert token, "no CSRF token on the sign-in page"
        status, _t, _ms = self.request("POST", "/sign-in", {
            "email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
        if status not in (302, 303):
            raise RuntimeError(f"sign-in failed with {status}")
        if urllib.parse.urlsplit(self.location).path in SECOND_STEP:
            with SECOND_FACTOR_LOCK:  # one code per account and time step: one at a time
                code = second_factor_code(DATABASES[self.port], email)
                status, _t, _ms = self.request("POST", "/sign-in/code", {
                    "code": code, "csrf_token": token.group(1)})
            if status not in (302, 303):
                raise RuntimeError(f"second sign-in step failed with {status}")


SECOND_STEP = ("/sign-in/code", "/sign-in/set-up")
SECOND_FACTOR_LOCK = threading.Lock()
DATABASES: dict[int, str] = {}  # port -> database URL of the server on it
_ENGINES: dict[str, Any] = {}


def _engine(url: str) -> Any:
    """One SQLAlchemy engine per database URL for the bench's own look-ups."""
    from facilitator.db import make_engine

    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def second_factor_code(url: str, email: str) -> str:
    """The current authenticator code for a demo account, as its owner's app would show it.

    The bench stands in for the person holding the phone: it enrols the account directly in
    the database if needed and forgets the last step used, since it signs one account in many
    times within one 30-second step (each tablet has its own server-side session).
    """
    import pyotp
    from sqlalchemy import select, update

    from facilitator.models import User

    with _engine(url).begin() as conn:
        row = conn.execute(select(User.id, User.totp_secret, User.totp_enabled_at)
                           .where(User.email == email)).one()
        secret = row.totp_secret or pyotp.random_base32(32)
        conn.execute(update(User).where(User.id == row.id).values(
            totp_secret=secret, totp_enabled_at=row.totp_enabled_at or datetime.now(UTC),
            totp_last_step=None))
    return str(pyotp.TOTP(secret).now())


class Tablet:
    """A signed-in facilitator's browser locked to a person's review."""

    def __init__(self, port: int, review_id: int) -> None:
        self.client = Client(port)
        self.client.sign_in(STAFF)
        token = CSRF.search(self.client.get_plain(f"/staff/reviews/{review_id}"))
        assert token
        status, _t, _ms = self.client.request(
            "POST", f"/person/start/{review_id}", {"csrf_token": token.group(1)})
        if status not in (302, 303):
            raise RuntimeError(f"could not start person mode on review {review_id}: {status}")
        self.positions: list[int] = []
        self.csrf = ""
        self.options: dict[int, list[str]] = {}
        for position in range(1, 6):
            page = self.client.get_plain(f"/person/q/{position}")
            options = ANSWER.findall(page)
            found = CSRF.search(page)
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

    def prompt_first_view(self, position: int) -> tuple[int, float]:
        status, _t, ms = self.client.request(
            "GET", f"/person/q/{position}?first={uuid.uuid4().hex}")
        return status, ms

    def answer(self, position: int) -> tuple[int, float]:
        status, _t, ms = self.client.request("POST", f"/person/q/{position}", {
            "csrf_token": self.csrf, "client_id": uuid.uuid4().hex,
            "answer": random.choice(self.options[position])})
        return status, ms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(url: str, workers: int) -> Iterator[tuple[int, int]]:
    """gunicorn with the project's gunicorn.conf.py on a free port; yields (port, pid).

    Its error log goes to a file, not a pipe: a pipe nobody reads fills up after a few
    tracebacks and then blocks every worker that writes to it. The file's tail is printed
    when the server logged errors.
    """
    port = free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), WORKERS=str(workers),
               DATABASE_URL=url, SECRET_KEY=SECRET, RATELIMIT_SIGN_IN="100000 per minute",
               SPEECH_CACHE_DIR=str(ROOT / "instance" / "audio"))
    env.pop("FACILITATOR_ENV", None)
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "facilitator:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Client(port).request("GET", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + _tail(log.name))
            time.sleep(0.2)
        DATABASES[port] = url
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if "Traceback" in _tail(log.name, 200000):
            print("  gunicorn logged errors; the last of them:\n" + _tail(log.name), flush=True)
        Path(log.name).unlink(missing_ok=True)


def _tail(path: str, size: int = 3000) -> str:
    try:
        return Path(path).read_text(errors="replace")[-size:]
    except OSError:
        return ""


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return round(ordered[index], 1)


# --- 1. throughput ------------------------------------------------------------------------------


def closed_loop(work: list[Callable[[], tuple[int, float]]], seconds: float) -> dict[str, Any]:
    """Each callable in its own thread, back to back, for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(call: Callable[[], tuple[int, float]]) -> None:
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            try:
                status, ms = call()
            except Exception:  # noqa: BLE001 - counted as an error
                bad += 1
                continue
            if status >= 400:
                bad += 1
            mine.append(ms)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(call,)) for call in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {"requests": len(latencies), "rps": round(len(latencies) / wall, 1),
            "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
            "errors": errors[0]}


def throughput(port: int, tablets: list[Tablet], seconds: float) -> dict[str, Any]:
    """The prompt screen and the answer POST against /healthz, same server and concurrency."""
    minimal = [Client(port) for _ in tablets]
    before = [round(x, 2) for x in os.getloadavg()]  # 1, 5 and 15 minutes: how busy the machine was
    # "prompt" asks for the same screen again and again, which the app serves from a screen it
    # has kept (views/person/screen_cache.py); "prompt_first_view" adds a query value that is
    # new each time, so every screen is rendered: a screen's first view, as after each answer.
    rounds: dict[str, list[dict[str, Any]]] = {
        "minimal": [], "prompt": [], "prompt_first_view": [], "answer": []}
    for _round in range(2):  # interleaved, so a noisy neighbour hits all three alike
        rounds["minimal"].append(closed_loop(
            [lambda c=c: c.request("GET", "/healthz")[::2] for c in minimal], seconds / 2))
        rounds["prompt"].append(closed_loop(
            [lambda t=t: t.prompt(t.positions[0]) for t in tablets], seconds / 2))
        rounds["prompt_first_view"].append(closed_loop(
            [lambda t=t: t.prompt_first_view(t.positions[0]) for t in tablets], seconds / 2))
        rounds["answer"].append(closed_loop(
            [lambda t=t: t.answer(t.positions[0]) for t in tablets], seconds / 2))
    merged = {}
    for name, runs in rounds.items():
        merged[name] = {
            "rps": round(sum(r["rps"] for r in runs) / len(runs), 1),
            "p50_ms": round(statistics.mean(r["p50_ms"] for r in runs), 1),
            "p95_ms": round(statistics.mean(r["p95_ms"] for r in runs), 1),
            "requests": sum(r["requests"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }
    merged["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    base = merged["minimal"]["rps"] or 1
    merged["prompt_screen_ratio"] = round(merged["prompt"]["rps"] / base, 2)
    merged["answer_post_ratio"] = round(merged["answer"]["rps"] / base, 2)
    merged["prompt_first_view_ratio"] = round(merged["prompt_first_view"]["rps"] / base, 2)
    merged["load_average_before"] = before
    merged["concurrency"] = len(tablets)
    merged["seconds_each"] = seconds
    return merged


# --- 2. load ------------------------------------------------------------------------------------


def make_tablets(port: int, count: int, review_ids: list[int]) -> list[Tablet]:
    tablets: list[Tablet | None] = [None] * count
    failures: list[str] = []

    def make(index: int) -> None:
        try:
            tablets[index] = Tablet(port, review_ids[index % len(review_ids)])
        except Exception as error:  # noqa: BLE001
            failures.append(str(error))

    for start in range(0, count, 8):
        threads = [threading.Thread(target=make, args=(i,)) for i in range(start, min(count, start + 8))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} tablets failed to start: {failures[0]}")
    return [t for t in tablets if t is not None]


def startable_reviews(port: int) -> list[int]:
    """Demo reviews a person's session can be started on."""
    from sqlalchemy import select

    from facilitator.models import Review, ReviewStatus

    with _engine(DATABASES[port]).connect() as conn:
        candidates = list(conn.scalars(select(Review.id).where(
            Review.status != ReviewStatus.CLOSED).order_by(Review.id).limit(11)))
    found = []
    for review_id in candidates:
        try:
            Tablet(port, review_id)
        except Exception:  # noqa: BLE001
            continue
        found.append(review_id)
    return found or [1]


def load(port: int, pid: int, tablets: list[Tablet], seconds: float, think: tuple[float, float]) -> dict[str, Any]:
    """Each tablet: think, show the next prompt, think, answer it; for ``seconds``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    stop = threading.Event()

    def run(tablet: Tablet) -> None:
        mine: list[float] = []
        step = 0
        stop.wait(random.uniform(0, think[1]))  # stagger the start
        while not stop.is_set() and time.monotonic() < deadline:
            position = tablet.positions[step % len(tablet.positions)]
            for call in (tablet.prompt, tablet.answer):
                try:
                    status, ms = call(position)
                    mine.append(ms)
                    if status >= 400:
                        with lock:
                            errors.append(str(status))
                except Exception as error:  # noqa: BLE001
                    with lock:
                        errors.append(type(error).__name__)
                if stop.wait(random.uniform(*think)) or time.monotonic() >= deadline:
                    break
            step += 1
        with lock:
            latencies.extend(mine)

    cpu_before, busy_before = process_tree_cpu(pid), machine_busy()
    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in tablets]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, deadline - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join(timeout=40)
    wall = time.monotonic() - started
    cpu_after, busy_after = process_tree_cpu(pid), machine_busy()
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    return {"tablets": len(tablets), "seconds": seconds, "think_s": list(think),
            "requests": len(latencies), "rps": round(len(latencies) / wall, 1),
            "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99), "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5],
            "gunicorn_cpu_percent_of_one_core": round(100 * (cpu_after - cpu_before) / wall, 1),
            "machine_busy_percent": round(100 * busy, 1),
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}


# --- 3. page weight -----------------------------------------------------------------------------


def page_weight() -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "page_weight.py")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": (out.stderr or out.stdout)[-500:]}
    return json.loads(lines[-1])


# --- 4. Lighthouse ------------------------------------------------------------------------------


def lighthouse(port: int, pages: dict[str, tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """Mobile Lighthouse (the default form factor) on each page; cookies as extra headers."""
    binary = ROOT / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        return {"error": "lighthouse is not installed (npm ci)"}
    results: dict[str, Any] = {}
    folder = Path(tempfile.mkdtemp(prefix="bench-lh-"))
    try:
        for name, (path, cookies) in pages.items():
            output = folder / f"{name}.json"
            command = [str(binary), f"http://127.0.0.1:{port}{path}", "--quiet",
                       "--output=json", f"--output-path={output}",
                       "--only-categories=accessibility,performance",
                       "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-dev-shm-usage"]
            if cookies:
                command.append("--extra-headers=" + json.dumps(
                    {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}))
            try:
                subprocess.run(command, env=dict(os.environ, CHROME_PATH="/usr/bin/chromium"),
                               capture_output=True, timeout=240, cwd=ROOT)
                report = json.loads(output.read_text())
            except Exception as error:  # noqa: BLE001
                results[name] = {"error": type(error).__name__}
                continue
            categories = report.get("categories", {})
            results[name] = {key: (round(100 * categories[key]["score"])
                                   if categories.get(key, {}).get("score") is not None else None)
                             for key in ("accessibility", "performance")}
            results[name]["final_url"] = report.get("finalDisplayedUrl", "").replace(
                f"http://127.0.0.1:{port}", "")
            if "/family/link/" in results[name]["final_url"]:
                results[name]["final_url"] = "/family/link/[token]"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


# --- 5. speech ----------------------------------------------------------------------------------


def speech(limit_per_language: int | None) -> dict[str, Any]:
    from facilitator.accessible import speech as tts
    from facilitator.prompts.library import all_spoken_texts

    status = tts.speech_status(refresh=True)
    if not status.available:
        return {"error": f"speech unavailable: {status.reason}"}
    folder = Path(tempfile.mkdtemp(prefix="bench-speech-"))
    try:
        by_lang: dict[str, list[tuple[str, str]]] = {}
        for text, lang in all_spoken_texts():
            by_lang.setdefault(lang, []).append((text, lang))
        first_text, first_lang = by_lang["en"][0] if "en" in by_lang else next(iter(by_lang.values()))[0]
        started = time.perf_counter()
        tts.render_one(folder, first_text, first_lang)
        one_ms = (time.perf_counter() - started) * 1000
        per_language: dict[str, Any] = {}
        max_bytes = 0
        for lang, items in sorted(by_lang.items()):
            chosen = items[:limit_per_language] if limit_per_language else items
            report = tts.render_many(folder, chosen)
            again = tts.render_many(folder, chosen)
            max_bytes = max(max_bytes, report.max_bytes)
            per_language[lang] = {
                "texts": len(chosen), "of": len(items), "rendered": report.rendered,
                "failed": len(report.failed), "seconds": round(report.seconds, 2),
                "kib_total": round(report.bytes_total / 1024, 1),
                "again_rendered": again.rendered, "again_cached": again.cached,
                "again_ms": round(again.seconds * 1000, 1)}
        return {"one_prompt_ms": round(one_ms, 1), "languages": per_language,
                "audio_kib_max": round(max_bytes / 1024, 1),
                "cache_hits_cost_no_synthesis": all(v["again_rendered"] == 0 for v in per_language.values())}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- 6. scale -----------------------------------------------------------------------------------

SERVICES = ["Riverside Supported Living", "Hillview Day Service", "Home Care North",
            "Home Care South", "Oak House"]


def _synthetic(url: str, start_people: int, end_people: int, reviews_each: int,
               answers_each: int) -> None:
    """Bulk-insert people start..end with their reviews, prompts and answers (executemany)."""
    from sqlalchemy import create_engine, func, insert, select, text

    from facilitator.db import make_engine
    from facilitator.models import (
        Person, PersonService, Response, Review, ReviewPrompt, Service, User)
    from facilitator.prompts.library import load_library

    library = load_library()
    chosen = []
    for topic in library.topics:
        for prompt in library.prompts_for_topic(topic.id):
            if prompt.choices:
                chosen.append((prompt.id, topic.id, prompt.choices[0].id))
    engine = make_engine(url)
    today = date.today()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        staff_id = conn.scalar(select(User.id).where(User.email == STAFF))
        # Each person in one of the demo's services, so that the staff pages (need to know,
        # issue 25) see them as a provider's staff would.
        service_ids = list(conn.scalars(select(Service.id).order_by(Service.id)))
        ids = {model: (conn.scalar(select(func.max(model.id))) or 0)
               for model in (Person, Review, ReviewPrompt, Response)}
        pid, rid, qid, aid = ids[Person], ids[Review], ids[ReviewPrompt], ids[Response]
        batch: dict[str, list[dict[str, Any]]] = {"p": [], "ps": [], "r": [], "q": [], "a": []}

        def flush() -> None:
            for key, model in (("p", Person), ("ps", PersonService), ("r", Review),
                               ("q", ReviewPrompt), ("a", Response)):
                if batch[key]:
                    conn.execute(insert(model), batch[key])
                    batch[key] = []

        for n in range(start_people, end_people):
            pid += 1
            batch["p"].append({"id": pid, "preferred_name": f"P{n}", "full_name": f"Person {n}",
                               "service": SERVICES[n % len(SERVICES)], "language": "en",
                               "preferred_formats": [], "substantial_difficulty": [],
                               "settings": {}})
            service_id = service_ids[n % len(service_ids)] if service_ids else None
            if service_id is not None:
                batch["ps"].append({"person_id": pid, "service_id": service_id,
                                    "started_on": today - timedelta(days=2000)})
            for k in range(reviews_each):
                rid += 1
                planned = k == reviews_each - 1
                when = today + timedelta(days=(n % 60)) if planned else today - timedelta(
                    days=60 * (reviews_each - k) + n % 50)
                closed_at = None if planned else datetime.combine(when, datetime.min.time(), UTC)
                batch["r"].append({
                    "id": rid, "person_id": pid, "kind": "planned" if k else "first",
                    "status": "planned" if planned else "closed", "scheduled_for": when,
                    "facilitator_id": staff_id, "created_by_id": staff_id, "service_id": service_id,
                    "person_started_at": closed_at, "person_confirmed_at": closed_at,
                    "closed_at": closed_at, "created_at": now})
                for position in range(1, answers_each + 1):
                    qid += 1
                    prompt_id, topic_id, option = chosen[(position - 1) % len(chosen)]
                    batch["q"].append({"id": qid, "review_id": rid, "position": position,
                                       "library_prompt_id": prompt_id, "topic_id": topic_id})
                    if planned:
                        continue
                    aid += 1
                    batch["a"].append({"id": aid, "review_id": rid, "review_prompt_id": qid,
                                       "client_id": f"bench-{aid}", "answer": [option],
                                       "capture_method": "tapped", "captured_by_id": staff_id,
                                       "skipped": False, "flagged_for_safety": False,
                                       "extra": {}, "created_at": closed_at})
            if len(batch["a"]) >= 20000:
                flush()
        flush()
        if engine.dialect.name == "postgresql":
            for table in ("people", "reviews", "review_prompts", "responses"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    del create_engine


def _time_pages(url: str, runs: int) -> dict[str, Any]:
    """Milliseconds (median of ``runs`` after one warm-up) for the three pages, via the app."""
    from sqlalchemy import func, select

    from facilitator.extensions import db
    from facilitator.models import Review, ReviewStatus
    from facilitator.services.demo import DEMO_PASSWORD

    app = app_for(url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        review_id = db.session.scalar(select(func.max(Review.id)).where(
            Review.status == ReviewStatus.CLOSED))
    timings: dict[str, Any] = {}
    for email, name, path in ((STAFF, "open_review", f"/staff/reviews/{review_id}"),
                              (STAFF, "review_list", "/staff/"),
                              (MANAGER, "governance_dashboard", "/governance/"),
                              (MANAGER, "governance_outcomes", "/governance/outcomes"),
                              (STAFF, "actions_overdue", "/staff/actions/overdue")):
        client = app.test_client()
        signed = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
        if urllib.parse.urlsplit(signed.headers.get("Location", "")).path in SECOND_STEP:
            client.post("/sign-in/code", data={"code": second_factor_code(url, email)})
        samples = []
        status = 0
        for attempt in range(runs + 1):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status_code
            if attempt:
                samples.append(elapsed)
            elif name == "actions_overdue":  # its first view counts and stores new reviews
                timings["actions_overdue_first"] = round(elapsed, 1)
            if elapsed > 15000:
                samples.append(elapsed)
                break
        timings[name] = round(statistics.median(samples), 1) if status == 200 else f"HTTP {status}"
    return timings


def _time_pack(url: str) -> dict[str, Any]:
    """The evidence pack (issue 20) for the whole data set, every service, the last 365 days:
    seconds to count its figures (and with the optional trends) and to write each format, and
    each file's size."""
    from flask_babel import force_locale

    from facilitator.extensions import db
    from facilitator.outputs import evidence_pack as written
    from facilitator.services.reporting import dashboard, evidence_pack

    app = app_for(url)
    out: dict[str, Any] = {}
    with app.test_request_context(), force_locale("en"):
        period = dashboard.make_period(date.today() - timedelta(days=364), date.today())
        started = time.perf_counter()
        pack = evidence_pack.build(db.session, period)
        out["build_s"] = round(time.perf_counter() - started, 2)
        for kind, write in (("csv", lambda: written.to_csv(pack)),
                            ("json", lambda: written.to_json(pack, "en")),
                            ("pdf", lambda: written.to_pdf(pack, "en", author="Bench"))):
            started = time.perf_counter()
            body = write()
            out[f"{kind}_s"] = round(time.perf_counter() - started, 2)
            out[f"{kind}_kib"] = round(len(body if isinstance(body, bytes) else body.encode()) / 1024, 1)
        started = time.perf_counter()  # again: WeasyPrint's fonts are set up on its first PDF
        written.to_pdf(pack, "en", author="Bench")
        out["pdf_again_s"] = round(time.perf_counter() - started, 2)
        out["reviews_held"] = pack.value("reviews-held").value
        started = time.perf_counter()  # the optional section: 8 quarters of every figure
        evidence_pack.build(db.session, period, extras=("trends",))
        out["with_trends_s"] = round(time.perf_counter() - started, 2)
        db.session.remove()
    return out


def _time_backup(url: str) -> dict[str, Any]:
    """`flask backup` and `flask restore` of the whole data set (issue 19): seconds and the
    archive's size. The restore goes back over the same database, as an operator's would after
    a bad upgrade, and includes its own safety copy of the database it replaces and the audit
    chain's check."""
    import tempfile

    from facilitator.services.data import archive

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as work:
        target = Path(work) / "facilitator.backup"
        started = time.perf_counter()
        manifest = archive.make_archive(url, target)
        out["backup_s"] = round(time.perf_counter() - started, 1)
        out["archive_mib"] = round(target.stat().st_size / 2**20, 1)
        out["files"] = len(manifest.files)
        started = time.perf_counter()
        archive.restore_archive(url, target, Path(work) / "safety")
        out["restore_s"] = round(time.perf_counter() - started, 1)
    return out


def scale(kind: str, sizes: list[int], reviews_each: int, answers_each: int, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with database(kind, "scale") as url:
        load_demo(url)
        done = 0
        for size in sizes:
            started = time.perf_counter()
            _synthetic(url, done, size, reviews_each, answers_each)
            done = size
            timings = _time_pages(url, runs)
            timings["evidence_pack"] = _time_pack(url)
            timings["backup"] = _time_backup(url)
            timings["insert_s"] = round(time.perf_counter() - started, 1)
            timings["reviews"] = size * reviews_each
            timings["answers"] = size * (reviews_each - 1) * answers_each
            out[str(size)] = timings
            print(f"  scale {kind} {size} people: {timings}", flush=True)
    return out


# --- the run ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller run: 50 tablets for 30 s, scale to 1,000 people")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--tablets", type=int)
    parser.add_argument("--load-seconds", type=float)
    parser.add_argument("--throughput-seconds", type=float)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--scale-sizes", help="people counts, e.g. 1000,10000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    args = parser.parse_args()
    quick = args.quick
    tablets_n = args.tablets or (50 if quick else 200)
    load_s = args.load_seconds or (30.0 if quick else 120.0)
    tp_s = args.throughput_seconds or (6.0 if quick else 20.0)
    sizes = [int(s) for s in (args.scale_sizes or ("100,1000" if quick else "1000,10000")).split(",")]
    parts = [p for p in args.only.split(",") if p]
    kinds = [k for k in args.databases.split(",") if k]
    if "postgresql" in kinds and not pg_available():
        print("PostgreSQL is not reachable: its parts are skipped.", flush=True)
        kinds.remove("postgresql")
    started = time.monotonic()
    result: dict[str, Any] = {
        "machine": machine(), "mode": "quick" if quick else "full",
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "settings": {"tablets": tablets_n, "load_seconds": load_s, "throughput_seconds": tp_s,
                     "concurrency": args.concurrency, "workers": args.workers,
                     "scale_sizes": sizes, "reviews_per_person": 10, "answers_per_review": 20},
        "prompt_screen_ratio": None, "answer_post_ratio": None, "load_p95_ms": None,
        "load_p99_ms": None, "load_errors": None, "first_prompt_kib": None,
        "first_prompt_js_kib": None, "audio_kib_max": None, "lighthouse": {}, "scale": {},
        "throughput": {}, "load": {}, "speech": {}, "page_weight": {}, "messages": {}}

    # Throughput first, on every database, each on a fresh database and server: it is the figure
    # most sensitive to what ran before it (after Lighthouse and the 200-tablet load test, the
    # PostgreSQL prompt screen measured 0.45 of /healthz, against 0.54 when measured on its own).
    passes = [[p for p in ("throughput",) if p in parts],
              [p for p in ("lighthouse", "load") if p in parts]]
    for wanted in (w for w in passes if w):
        for kind in kinds:
            with database(kind, "serve") as url:
                family = load_demo(url)
                with gunicorn(url, args.workers) as (port, pid):
                    print(f"[{kind}] gunicorn on {port} with {args.workers} workers", flush=True)
                    reviews = startable_reviews(port)
                    if "lighthouse" in wanted and kind == kinds[0]:
                        person = Tablet(port, reviews[0])
                        staff = Client(port)
                        staff.sign_in(STAFF)
                        pages = {"person_prompt": (f"/person/q/{person.positions[0]}", person.client.cookies),
                                 "staff_review": (f"/staff/reviews/{reviews[0]}", staff.cookies)}
                        if family:
                            pages["family_link"] = (family, {})
                        print("  lighthouse ...", flush=True)
                        result["lighthouse"] = lighthouse(port, pages)
                        if not family:
                            result["lighthouse"]["family_link"] = {"error": "no link could be issued on the demo data"}
                        result["lighthouse_database"] = kind
                    if "throughput" in wanted:
                        print("  throughput ...", flush=True)
                        tablets = make_tablets(port, args.concurrency, reviews)
                        result["throughput"][kind] = throughput(port, tablets, tp_s)
                    if "load" in wanted:
                        print(f"  load: {tablets_n} tablets for {load_s:.0f} s ...", flush=True)
                        tablets = make_tablets(port, tablets_n, reviews)
                        result["load"][kind] = load(port, pid, tablets, load_s, (2.0, 8.0))
        if result["throughput"]:
            first = result["throughput"][kinds[0]]
            result["prompt_screen_ratio"] = first["prompt_screen_ratio"]
            result["answer_post_ratio"] = first["answer_post_ratio"]
        if result["load"]:
            result["load_p95_ms"] = max(v["p95_ms"] for v in result["load"].values())
            result["load_p99_ms"] = max(v["p99_ms"] for v in result["load"].values())
            result["load_errors"] = sum(v["errors"] for v in result["load"].values())
    if "page_weight" in parts:
        print("page weight ...", flush=True)
        weight = page_weight()
        result["page_weight"] = weight
        result["first_prompt_kib"] = weight.get("first_prompt_kib")
        result["first_prompt_js_kib"] = weight.get("first_prompt_js_kib")
    if "speech" in parts:
        print("speech ...", flush=True)
        result["speech"] = speech(None)
        result["audio_kib_max"] = result["speech"].get("audio_kib_max")
    if "messages" in parts:
        from messages import deliver_rate, flag_to_alert  # lazy: only when this part runs

        for kind in kinds:
            print(f"messages on {kind} ...", flush=True)
            with database(kind, "messages") as url:
                result["messages"][kind] = deliver_rate(url, 200 if quick else 1000)
            with database(kind, "alert") as url:
                result["messages"][kind]["flag_to_alert"] = flag_to_alert(url)
    if "scale" in parts:
        for kind in kinds:
            print(f"scale on {kind} ...", flush=True)
            result["scale"][kind] = scale(kind, sizes, 10, 20, 3 if quick else 5)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(table(result))
    print(f"\nWritten to {args.output}")
    return 0


def table(r: dict[str, Any]) -> str:
    """The figures as a Markdown table (also pasted into docs/benchmarks.md)."""
    rows = [("Figure", "Result", "Goal")]

    def add(name: str, value: Any, goal: str) -> None:
        rows.append((name, "n/a" if value is None else str(value), goal))

    for kind, t in r["throughput"].items():
        add(f"Throughput {kind}: minimal /healthz", f"{t['minimal']['rps']} req/s, p50 {t['minimal']['p50_ms']} ms, p95 {t['minimal']['p95_ms']} ms (load average {t.get('load_average_before', ['?'])[0]} before)", "")
        add(f"Throughput {kind}: prompt screen", f"{t['prompt']['rps']} req/s, p50 {t['prompt']['p50_ms']} ms, p95 {t['prompt']['p95_ms']} ms (ratio {t['prompt_screen_ratio']})", ">= 0.5 of minimal")
        if "prompt_first_view" in t:
            add(f"Throughput {kind}: prompt screen, first view", f"{t['prompt_first_view']['rps']} req/s, p50 {t['prompt_first_view']['p50_ms']} ms, p95 {t['prompt_first_view']['p95_ms']} ms (ratio {t['prompt_first_view_ratio']})", "")
        add(f"Throughput {kind}: answer POST", f"{t['answer']['rps']} req/s, p50 {t['answer']['p50_ms']} ms, p95 {t['answer']['p95_ms']} ms (ratio {t['answer_post_ratio']})", "")
    for kind, v in r["load"].items():
        add(f"Load {kind}: {v['tablets']} tablets, {v['seconds']:.0f} s", f"{v['rps']} req/s, p95 {v['p95_ms']} ms, p99 {v['p99_ms']} ms, errors {v['errors']}, gunicorn CPU {v['gunicorn_cpu_percent_of_one_core']}% of a core, machine {v['machine_busy_percent']}% busy", "p95 < 300, p99 < 800, 0 errors")
    add("First prompt (compressed, no audio)", r["first_prompt_kib"] and f"{r['first_prompt_kib']} KiB", "< 100 KiB")
    add("  of which JavaScript", r["first_prompt_js_kib"] and f"{r['first_prompt_js_kib']} KiB", "< 30 KiB")
    add("Largest prompt audio", r["audio_kib_max"] and f"{r['audio_kib_max']} KiB", "< 40 KiB")
    for page, scores in r["lighthouse"].items():
        add(f"Lighthouse mobile: {page}", ", ".join(f"{k} {v}" for k, v in scores.items() if k != "final_url"), "a11y 100, perf >= 95")
    for kind, m in (r.get("messages") or {}).items():
        add(f"Messages delivered {kind}: {m['messages']} to loopback SMTP (STARTTLS, AUTH)", f"{m['messages_per_second']} messages/s, all {m['arrived_at_server']} arrived", "")
        if m.get("flag_to_alert"):
            a = m["flag_to_alert"]
            add(f"Safety flag to alert {kind} (worker every {a['worker_interval_s']} s)", f"median {a['median_s']} s, max {a['max_s']} s, {a['arrived']} of {a['trials']} arrived", "")
    s = r.get("speech") or {}
    if "one_prompt_ms" in s:
        add("Speech: one prompt", f"{s['one_prompt_ms']} ms", "")
        for lang, v in s["languages"].items():
            add(f"Speech: library {lang}", f"{v['rendered']} texts in {v['seconds']} s; again: {v['again_cached']} hits, {v['again_rendered']} rendered, {v['again_ms']} ms", "hits cost no synthesis")
    elif s:
        add("Speech", s.get("error"), "")
    for kind, by_size in r["scale"].items():
        for size, t in by_size.items():
            add(f"Scale {kind}: {int(size):,} people, {t['reviews']:,} reviews, {t['answers']:,} answers",
                f"review {t['open_review']} ms, list {t['review_list']} ms, dashboard {t['governance_dashboard']} ms, overdue actions {t.get('actions_overdue', 'n/a')} ms", "nearly flat")
            if t.get("evidence_pack"):
                e = t["evidence_pack"]
                add(f"Evidence pack {kind}: {int(size):,} people, every service, 365 days",
                    f"figures {e['build_s']} s (with 8 quarters' trends {e.get('with_trends_s')} s); PDF {e['pdf_s']} s (again {e.get('pdf_again_s')} s), {e['pdf_kib']} KiB; CSV {e['csv_s']} s, {e['csv_kib']} KiB; JSON {e['json_s']} s, {e['json_kib']} KiB", "")
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
