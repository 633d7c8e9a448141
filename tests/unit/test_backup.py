"""Backups while the database is being written, and restores that check before they replace.

The backup goes through SQLite's online backup API while writers keep appending to the
audit chain; every backup taken that way passes ``PRAGMA integrity_check`` and audit
verification. A restore refuses a file that is not SQLite, is damaged, has an unknown
migration or a broken audit chain, and otherwise replaces the live database and keeps a copy
of the one it replaced.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from facilitator.db import make_engine
from facilitator.models import AuditEvent, User
from facilitator.services import audit
from facilitator.services import demo as demo_service
from facilitator.services.data import backup as backups

from ..conftest import make_test_app


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated SQLite database in WAL mode, with the demo data, and an engine on it."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with Session(engine) as session:
        demo_service.load(session)
        session.commit()
    yield url, engine
    engine.dispose()


def _entries(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _write(engine: Engine, n: int) -> None:
    with Session(engine) as session:
        for i in range(n):
            audit.record(session, "test.event", actor_label="tester", detail={"n": i})
            session.commit()


def _check(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        connection.close()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            assert audit.verify(session).ok
    finally:
        engine.dispose()


def test_backup_while_writers_append_is_consistent(
    live: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = live
    stop = threading.Event()
    written = [0]
    problems: list[BaseException] = []

    def writer() -> None:
        try:
            with Session(engine) as session:
                while not stop.is_set():
                    audit.record(
                        session, "test.write", actor_label="writer", detail={"n": written[0]}
                    )
                    session.commit()
                    written[0] += 1
        except BaseException as error:  # noqa: BLE001 - reported by the test
            problems.append(error)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    reports = []
    try:
        while written[0] < 20:
            threading.Event().wait(0.01)
        for i in range(5):
            reports.append(backups.backup(url, tmp_path / f"during-{i}.sqlite3"))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not problems, problems
    assert written[0] > 20
    for report in reports:
        assert report.ok and report.integrity == "ok"
        assert report.revision and report.audit_entries > 0
        _check(report.path)
    # Each backup is one moment: later backups hold at least as many entries as earlier ones.
    counts = [report.audit_entries for report in reports]
    assert counts == sorted(counts)
    assert _entries(engine) >= counts[-1]


def test_backup_refusals(live: tuple[str, Engine], tmp_path: Path) -> None:
    url, _engine = live
    first = backups.backup(url, tmp_path / "b.sqlite3")
    with pytest.raises(backups.BackupError, match="already exists"):
        backups.backup(url, tmp_path / "b.sqlite3")
    assert backups.backup(url, tmp_path / "b.sqlite3", overwrite=True).ok
    with pytest.raises(backups.BackupError, match="another file"):
        backups.backup(url, Path(url.removeprefix("sqlite:///")))
    with pytest.raises(backups.BackupError, match="pg_dump"):
        backups.backup("postgresql+psycopg://u@h:5432/d", tmp_path / "x.sqlite3")
    with pytest.raises(backups.BackupError, match="no database"):
        backups.backup(f"sqlite:///{tmp_path / 'missing.sqlite3'}", tmp_path / "y.sqlite3")
    assert not list(tmp_path.glob(".*.partial"))
    assert first.sha256 and first.size > 0


def test_restore_replaces_the_live_database_and_keeps_a_copy(
    live: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = live
    before = _entries(engine)
    saved = backups.backup(url, tmp_path / "saved.sqlite3")
    _write(engine, 7)  # changes after the backup, lost by the restore but kept in the copy
    with Session(engine) as session:  # an open connection in the pool, like a running app
        session.execute(text("SELECT 1"))
    done = backups.restore(url, saved.path, tmp_path / "backups")
    assert done.backup.audit_entries == before
    assert done.database.integrity == "ok" and done.database.audit_entries == before
    assert _entries(engine) == before  # the engine of the "running app" sees the restore
    assert done.safety_copy is not None and done.safety_copy.parent == tmp_path / "backups"
    with sqlite3.connect(done.safety_copy) as copy:
        assert copy.execute("SELECT count(*) FROM audit_events").fetchone() == (before + 7,)
    with Session(engine) as session:
        assert audit.verify(session).ok
        assert session.scalar(select(func.count()).select_from(User)) > 0
    live_path = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(live_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _tamper(path: Path, *sql: str) -> None:
    connection = sqlite3.connect(path)
    try:
        for statement in sql:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("not-sqlite", "not a SQLite database"),
        ("corrupt", "integrity check"),
        ("unknown-revision", "unknown to this version"),
        ("no-revision", "no migration revision"),
        ("audit", "audit trail is broken"),
    ],
)
def test_restore_refuses_a_bad_backup(
    live: tuple[str, Engine], tmp_path: Path, damage: str, message: str
) -> None:
    url, engine = live
    bad = backups.backup(url, tmp_path / "bad.sqlite3").path
    if damage == "not-sqlite":
        bad.write_bytes(b"PK\x03\x04 this is a zip file, not a database")
    elif damage == "corrupt":
        _corrupt_an_index(bad)
    elif damage == "unknown-revision":
        _tamper(bad, "UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    elif damage == "no-revision":
        _tamper(bad, "DROP TABLE alembic_version")
    else:
        _tamper(
            bad,
            "DROP TRIGGER audit_events_no_update",
            "UPDATE audit_events SET action = 'forged' WHERE id = 3",
        )
    live_before = _entries(engine)
    with pytest.raises(backups.BackupError, match=message):
        backups.restore(url, bad, tmp_path / "backups")
    assert _entries(engine) == live_before  # nothing replaced
    assert not (tmp_path / "backups").exists()


def _corrupt_an_index(path: Path) -> None:
    """Overwrite the pages of one index with zeros: integrity_check then reports it."""
    connection = sqlite3.connect(path)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        name, root = connection.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE type = 'index' AND rootpage > 1 "
            "AND tbl_name = 'audit_events' ORDER BY rootpage LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d" + b"\xff" * 64)  # a table-leaf page type where an index page was
    assert name


def test_cli_backup_and_restore(live: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = live
    app = make_test_app(tmp_path, url)
    runner = app.test_cli_runner()
    target = tmp_path / "cli-backup.sqlite3"
    made = runner.invoke(args=["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert "integrity ok" in made.output and "audit trail intact" in made.output
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "already exists" in again.output
    _write(engine, 3)
    kept = _entries(engine)
    declined = runner.invoke(args=["restore", str(target)], input="n\n")
    assert declined.exit_code != 0 and _entries(engine) == kept  # asked, and nothing changed
    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Restored." in restored.output and "before the restore is kept" in restored.output
    with Session(engine) as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "database.restored"
        assert last.detail["backup"] == "cli-backup.sqlite3"
        assert audit.verify(session).ok
    missing = runner.invoke(args=["restore", str(tmp_path / "nothing.sqlite3"), "--yes"])
    assert missing.exit_code != 0 and "no file" in missing.output
    from facilitator.extensions import db

    if db.engine is not None:
        db.engine.dispose()


def test_cli_says_when_postgresql_cannot_be_reached(tmp_path: Path) -> None:
    """PostgreSQL is backed up too (pg_dump, tests/unit/test_backup_archive.py); a database
    that does not answer is said plainly, and nothing is written."""
    app = make_test_app(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.tar")])
    assert result.exit_code != 0 and "Could not reach the database" in result.output
    assert not (tmp_path / "x.tar").exists()
    from facilitator.extensions import db

    if db.engine is not None:
        db.engine.dispose()
