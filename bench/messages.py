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
        print(kind, json.dumps(results[kind]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
