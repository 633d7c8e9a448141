"""Messages delivered per second (issue 18): a queue of 1,000 in the outbox, sent by one worker
round after round (``delivery.deliver``, batches of 50) to a real SMTP server on loopback
(aiosmtpd, STARTTLS and AUTH, tests/mail_server.py), on a fresh database of each kind.

Run alone: .venv/bin/python bench/messages.py [--count 1000] [--databases sqlite,postgresql]
or as the ``messages`` part of ``make bench`` (bench/run.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from facilitator.db import make_engine  # noqa: E402
from facilitator.services.messages import delivery, outbox, transports  # noqa: E402
from tests.mail_server import MailServer  # noqa: E402


def _fill(session: Session, count: int) -> None:
    for i in range(count):
        outbox.enqueue(
            session,
            key=f"bench:{i}",
            kind="bench",
            channel="email",
            to=f"supporter{i}@example.org",
            language="en",
            subject=f"Your link to a review ({i})",
            text="Hello,\n\nOpen your link: https://care.example/f/{secret}\n\nThank you.\n",
            html="<h1>Your link</h1><p><a href='https://care.example/f/{secret}'>Open it</a></p>",
            secret=f"secret-{i:06d}",
        )
    session.commit()


def deliver_rate(url: str, count: int = 1000, batch: int = 50) -> dict[str, Any]:
    """Fill the outbox of the database at ``url`` with ``count`` messages and time their sending."""
    engine = make_engine(url)
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as folder:
        server = MailServer(Path(folder)).start()
        try:
            with Session(engine) as session:
                started = time.perf_counter()
                _fill(session, count)
                enqueue_s = time.perf_counter() - started
                transport = transports.SmtpTransport(server.url, "bench@example.org", timeout=10)
                started = time.perf_counter()
                sent = 0
                while sent < count:
                    done = delivery.deliver(session, transport, batch=batch)
                    if not done.claimed:
                        break
                    sent += done.sent
                seconds = time.perf_counter() - started
            arrived = server.count()
        finally:
            server.stop()
    engine.dispose()
    return {
        "messages": count,
        "sent": sent,
        "arrived_at_server": arrived,
        "seconds": round(seconds, 2),
        "messages_per_second": round(sent / seconds, 1) if seconds else None,
        "enqueue_per_second": round(count / enqueue_s, 1) if enqueue_s else None,
        "batch": batch,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    import run  # lazy: bench/run.py's database helpers, only when run alone

    results = {}
    for kind in args.databases.split(","):
        if kind == "postgresql" and not run.pg_available():
            print("PostgreSQL is not reachable: skipped.")
            continue
        with run.database(kind, "messages") as url:
            results[kind] = deliver_rate(url, args.count)
        with run.database(kind, "alert") as url:
            results[kind]["flag_to_alert"] = flag_to_alert(url)
        print(kind, json.dumps(results[kind]))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def flag_to_alert(url: str, trials: int = 3, interval: float = 0.5) -> dict[str, Any]:
    """The delay from a safety flag committed to its alert accepted by the SMTP server.

    The demo data in a fresh database; a real worker process (``flask messages work``, polling
    every ``interval`` seconds) sends to aiosmtpd on loopback; a facilitator flags one of the
    person's answers ``trials`` times (the demo's held review has 3), a few seconds apart; the
    time is to the first lead's alert.
    """
    import os
    import signal
    import statistics
    import subprocess

    from sqlalchemy import select

    from facilitator import create_app
    from facilitator.extensions import db
    from facilitator.models import Response, SafetyFlag, User
    from facilitator.services import demo
    from facilitator.services.governance import safeguarding

    secret_key = "bench-" + "m" * 40
    with tempfile.TemporaryDirectory(prefix="bench-alert-") as folder:
        server = MailServer(Path(folder)).start()
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret_key, "INSTANCE_PATH": folder})
        with app.app_context():
            demo.load(db.session, hold_a_review=True)  # a review held today: answers to flag
            db.session.commit()
        env = {**os.environ, "DATABASE_URL": url, "MAIL_URL": server.url,
               "SECRET_KEY": secret_key}  # fmt: skip
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "flask", "--app", "facilitator", "messages", "work",
             "--interval", str(interval)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        delays: list[float] = []
        try:
            time.sleep(8)  # the worker starts and sends what the demo data put in the outbox
            with app.app_context():
                flagged = select(SafetyFlag.response_id)
                answers = db.session.scalars(
                    select(Response)
                    .where(Response.id.not_in(flagged), Response.skipped.is_(False))
                    .order_by(Response.id)
                    .limit(trials)
                ).all()
                staff = db.session.scalar(
                    select(User).where(User.email == "manager@demo.facilitator.test")
                )
                for answer in answers:
                    before = server.count()
                    safeguarding.flag_words(db.session, answer, actor=staff)  # type: ignore[arg-type]
                    db.session.commit()
                    started = time.perf_counter()
                    if server.wait_for(before + 1, timeout=30):
                        delays.append(time.perf_counter() - started)
                    time.sleep(1.3)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            server.stop()
    return {
        "trials": trials,
        "arrived": len(delays),
        "worker_interval_s": interval,
        "median_s": round(statistics.median(delays), 2) if delays else None,
        "max_s": round(max(delays), 2) if delays else None,
    }
