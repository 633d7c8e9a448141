"""Where Flask-Limiter counts requests when there is no Redis: a small SQLite file.

Flask-Limiter's ``memory://`` storage counts in each worker process on its own, so with two
gunicorn workers a visitor met limits twice those configured (and more with more workers).
This storage keeps the counters in one SQLite file (by default ``instance/rate-limits.sqlite3``),
so every worker and every app instance on the machine shares one count. Instances on several
machines still need Redis (REDIS_URL), which takes precedence.

It is registered with the ``limits`` library under its own scheme, ``facilitator+sqlite``, and
supports the fixed-window strategy that the app uses. Each operation opens its own short
connection, so it is safe across processes, threads (gthread workers) and forks.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from limits.storage import Storage

SCHEME = "facilitator+sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
)
"""


def storage_uri(path: Path) -> str:
    """The RATELIMIT_STORAGE_URI for a counters file at ``path``."""
    return f"{SCHEME}:///{path}"


class SQLiteFileStorage(Storage):
    """Fixed-window counters in a SQLite file shared by every process that names it."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        prefix = f"{SCHEME}://"
        if not uri.startswith(prefix + "/"):
            raise ValueError(f"{SCHEME} needs an absolute file path: {prefix}/path/file.sqlite3")
        self.path = Path(uri[len(prefix) :])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The keys name client addresses and account ids: readable by this user only.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Autocommit: each statement below is its own atomic transaction.
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count, starting a new window if the old one ended."""
        now = time.time()
        with self._connect() as conn:
            row = conn.execute(
                "INSERT INTO counters (key, count, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET "
                "count = CASE WHEN expires_at <= ? THEN excluded.count ELSE count + excluded.count "
                "END, expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at "
                "ELSE expires_at END RETURNING count",
                (key, amount, now + expiry, now, now),
            ).fetchone()
            if row[0] == amount:  # a new window: a moment to drop the ended ones
                conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return int(row[0])

    def get(self, key: str) -> int:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._connect() as conn:
            row = conn.execute(
                "SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, now)
            ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            with self._connect() as conn:
                conn.execute("SELECT 1 FROM counters LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._connect() as conn:
            return conn.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
