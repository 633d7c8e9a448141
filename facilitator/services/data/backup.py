"""Backups of the SQLite database while the app runs, and restores checked before they land.

A backup goes through SQLite's online backup API (``Connection.backup``): it copies the pages
of one consistent snapshot while the app goes on reading and writing, which a file copy of a
database in WAL mode cannot promise. A restore checks the backup first (``PRAGMA
integrity_check``, a migration revision this code knows, an unbroken audit chain), keeps a
copy of the current database, and then writes the backup into the live file through the same
API, so that the running app sees the restored data on its next transaction.

PostgreSQL is backed up with its own tools (``pg_dump``, or continuous archiving); these
commands refuse it with a message saying so.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from ...db import alembic_config, upgrade
from .. import audit

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HELP = (
    "This database is PostgreSQL: back it up with PostgreSQL's own tools, for example "
    '`pg_dump --format=custom --file=facilitator.dump "$DATABASE_URL"` (without the '
    "'+psycopg' in the address) and restore with `pg_restore`, or use continuous archiving. "
    "The backup and restore commands are for SQLite."
)


class BackupError(RuntimeError):
    """A backup or restore was refused; the message says why and what to do."""


@dataclass
class Inspection:
    """What a database file holds, and whether it can be trusted."""

    path: Path
    size: int
    sha256: str
    integrity: str
    revision: str | None
    audit_entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sqlite_path(database_url: str) -> Path:
    """The file behind a SQLite DATABASE_URL; PostgreSQL is refused with pg_dump advice."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///").split("?", 1)[0]
        return Path(path).resolve()
    if database_url.startswith("postgresql"):
        raise BackupError(PG_DUMP_HELP)
    raise BackupError("Only SQLite databases can be backed up with this command.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(
    database_url: str, dest: Path, *, overwrite: bool = False, verify: bool = True
) -> Inspection:
    """Write a consistent copy of the live database to ``dest`` and check it.

    ``verify=False`` keeps the copy even if the database fails its checks (the copy kept
    before a restore: the database being replaced may be the broken one).
    """
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    dest = Path(dest).expanduser().resolve()
    if dest == source_path:
        raise BackupError("The backup must go to another file than the database itself.")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists. Choose another name, or add --force.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.partial")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        # One step: a single read transaction, so the copy is one moment of the database
        # while the app's writers carry on in the write-ahead log.
        source.backup(target)
        # A backup is one self-contained file, not a database waiting for its -wal file.
        target.execute("PRAGMA journal_mode=DELETE")
        target.commit()
    except sqlite3.Error as error:
        target.close()
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup failed: {error}. Nothing was written.") from error
    finally:
        source.close()
        target.close()
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, dest)
    _fsync_dir(dest.parent)
    report = inspect(dest, database_url)
    if verify and not report.ok:
        raise BackupError(
            f"The backup at {dest} failed its own check: {'; '.join(report.problems)}"
        )
    return report


def inspect(path: Path, database_url: str) -> Inspection:
    """Check a database file: SQLite, intact, at a known migration, audit chain unbroken."""
    path = Path(path).resolve()
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database.")
    report = Inspection(path, path.stat().st_size, _sha256(path), "", None, 0)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:
            rows = [str(error)]
        report.integrity = "ok" if rows == ["ok"] else "; ".join(rows[:5])
        if report.integrity != "ok":
            report.problems.append(f"the integrity check found: {report.integrity}")
        try:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError:
            found = []
        report.revision = found[0][0] if len(found) == 1 else None
    finally:
        connection.close()
    _check_revision(report, database_url)
    if report.integrity == "ok" and report.revision:
        _check_audit(report)
    return report


def _check_revision(report: Inspection, database_url: str) -> None:
    if report.revision is None:
        report.problems.append("it has no migration revision (is it a Facilitator database?)")
        return
    script = ScriptDirectory.from_config(alembic_config(database_url))
    try:
        known = script.get_revision(report.revision)
    except CommandError:
        known = None
    if known is None:
        report.problems.append(
            f"its migration revision {report.revision!r} is unknown to this version of the app"
        )


def _check_audit(report: Inspection) -> None:
    engine = create_engine(f"sqlite:///file:{report.path}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            result = audit.verify(session)
    except Exception as error:  # noqa: BLE001 - any failure to read the chain is a failed check
        report.problems.append(f"its audit trail could not be read: {error}")
        return
    finally:
        engine.dispose()
    report.audit_entries = result.checked
    if not result.ok:
        where = f"entry id {result.first_bad_id}" if result.first_bad_id else "the end"
        report.problems.append(f"its audit trail is broken at {where}: {result.problem}")


@dataclass
class Restored:
    """What a restore did."""

    backup: Inspection
    safety_copy: Path | None
    database: Inspection
    upgraded_from: str | None


def restore(database_url: str, source: Path, safety_folder: Path) -> Restored:
    """Check ``source``, keep a copy of the current database, then write the backup into it."""
    target_path = sqlite_path(database_url)
    checked = inspect(source, database_url)
    if not checked.ok:
        raise BackupError(
            f"{checked.path} was not restored: {'; '.join(checked.problems)}. "
            "The current database is unchanged."
        )
    if checked.path == target_path:
        raise BackupError("That file is the current database itself.")
    safety_copy = None
    if target_path.is_file():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        safety_copy = backup(
            database_url,
            safety_folder / f"before-restore-{stamp}.sqlite3",
            overwrite=True,
            verify=False,
        )
    target_path.parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(f"file:{checked.path}?mode=ro", uri=True)
    live = sqlite3.connect(target_path, timeout=30)
    try:
        live.execute("PRAGMA busy_timeout=30000")
        # Page by page into the live file under SQLite's own locks: the app's connections see
        # either the old database or the restored one, never a half-written file.
        reader.backup(live)
    except sqlite3.Error as error:
        raise BackupError(
            f"The restore failed: {error}. The database before it is kept at "
            f"{safety_copy.path if safety_copy else '(there was none)'}."
        ) from error
    finally:
        reader.close()
        live.close()
    upgrade(database_url)
    after = inspect(target_path, database_url)
    if not after.ok:
        raise BackupError(
            f"After the restore the database failed its check: {'; '.join(after.problems)}"
        )
    return Restored(
        backup=checked,
        safety_copy=safety_copy.path if safety_copy else None,
        database=after,
        upgraded_from=checked.revision if checked.revision != after.revision else None,
    )
