"""The SQLite rate-limit storage: one count for every process naming the file, windows that end."""

from __future__ import annotations

import time
from pathlib import Path

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from facilitator.rate_limits import SQLiteFileStorage, storage_uri


def test_two_storages_on_one_file_share_a_count_and_a_window_ends(tmp_path: Path) -> None:
    uri = storage_uri(tmp_path / "limits" / "rate-limits.sqlite3")
    first, second = storage_from_string(uri), storage_from_string(uri)
    assert isinstance(first, SQLiteFileStorage) and first.check()
    assert (first.path.stat().st_mode & 0o777) == 0o600  # client addresses: ours only
    limit = parse("3 per 1 second")
    a, b = FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)
    assert [a.hit(limit, "k"), b.hit(limit, "k"), a.hit(limit, "k")] == [True, True, True]
    assert not b.hit(limit, "k")  # the fourth, on either, is over the shared limit
    assert a.hit(limit, "other")  # another key has its own count
    reset_at, remaining = b.get_window_stats(limit, "k")
    assert remaining == 0 and time.time() < reset_at <= time.time() + 1
    time.sleep(1.1)
    assert a.hit(limit, "k")  # a new window
    assert second.get(limit.key_for("k")) == 1
    first.clear(limit.key_for("k"))
    assert second.get(limit.key_for("k")) == 0
    assert a.hit(limit, "third")  # ("other" ended with its window and was dropped then)
    assert first.reset() == 1 and second.get(limit.key_for("third")) == 0
