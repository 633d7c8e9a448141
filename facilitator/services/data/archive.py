"""One verified backup archive of everything: the database, which now holds the files too.

``flask backup PATH`` writes a tar archive with two members:

- the database: ``database.sqlite3`` (SQLite's online backup API, ``backup.py``) or
  ``database.pgdump`` (PostgreSQL's ``pg_dump --format=custom``, taken in a snapshot exported
  from a repeatable-read transaction, so the manifest below describes exactly what it holds);
- ``manifest.json``: the database member's SHA-256 and size, its migration, how many audit
  entries it holds (the chain verified when the backup was taken), and every stored file
  (photos, recordings: key, size, SHA-256, each checked against its bytes);
- with an object store (``FILE_STORE=s3``), the files themselves: ``files/<key>``, read from the
  bucket and checked against the SHA-256 their rows record (the database holds only the index).

The archive is read back before the command says it is done. ``flask restore PATH`` checks the
database member against the manifest, keeps a backup of the current database, restores, and
then verifies the audit chain and every file's checksum in the restored database (with an
object store: puts each file of the archive back into the bucket, then reads every one back
and checks it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ...db import upgrade
from .. import audit
from . import backup as sqlite_backup
from .backup import BackupError

FORMAT = "facilitator-backup"
VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class Manifest:
    """What an archive holds."""

    kind: str  # "sqlite" or "postgresql"
    database_member: str
    database_sha256: str
    database_bytes: int
    revision: str | None
    audit_entries: int
    files: list[dict[str, Any]] = field(default_factory=list)
    created_at: str = ""
    file_store: str = "database"  # "s3": the files are members of the archive too

    def to_json(self) -> str:
        return json.dumps(
            {"format": FORMAT, "version": VERSION, **self.__dict__}, indent=2, sort_keys=True
        )

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise BackupError(
                "This is not a Facilitator backup archive (its manifest is not ours)."
            )
        data.pop("format")
        data.pop("version")
        return cls(**data)


def is_postgresql(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The address for pg_dump / pg_restore (no driver, no password) and their environment."""
    url = make_url(database_url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client program, or a refusal saying what to install."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client programs.")
    return found


def _files_in(
    connection: Connection, objects: Any = None, into: Path | None = None
) -> list[dict[str, Any]]:
    """Every stored file with its size and SHA-256, each checked against its bytes (from the
    object store when there is one; written under ``into`` when given)."""
    rows = connection.execute(
        text("SELECT key, content_type, byte_size, sha256, body FROM stored_files ORDER BY key")
    )
    files = []
    for key, content_type, size, digest, body in rows:
        body = bytes(body) if body else b""
        if objects is not None and size and not body:
            body = objects.read(key) or b""
        actual = hashlib.sha256(body).hexdigest()
        if actual != digest or len(body) != size:
            raise BackupError(f"The stored file {key} does not match its checksum: not backed up.")
        entry = {"key": key, "bytes": size, "sha256": digest}
        if into is not None:
            entry["content_type"] = content_type
            target = into / key
            if not target.resolve().is_relative_to(into.resolve()):
                raise BackupError(f"The stored file {key} has a name that cannot be archived.")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            entry["member"] = f"files/{key}"
        files.append(entry)
    return files


def _chain(connection: Connection) -> int:
    with Session(bind=connection) as session:
        result = audit.verify(session)
    if not result.ok:
        raise BackupError(f"The audit trail is broken ({result.problem}): not backed up.")
    return result.checked


def _dump_postgresql(database_url: str, dest: Path, objects: Any = None) -> Manifest:
    engine = create_engine(database_url, isolation_level="REPEATABLE READ")
    try:
        try:
            connection = engine.connect()
        except OperationalError as error:
            raise BackupError(
                f"Could not reach the database to back it up: {error.orig}. Nothing was written."
            ) from error
        with connection:
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision = MigrationContext.configure(connection).get_current_revision()
            files = _files_in(connection, objects, _files_folder(dest, objects))
            entries = _chain(connection)
            address, env = _libpq(database_url)
            done = subprocess.run(  # noqa: S603 - fixed command, no shell
                [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={dest}",
                 f"--dbname={address}"],
                env=env, capture_output=True, text=True, timeout=3600, check=False,
            )  # fmt: skip
            connection.rollback()
    finally:
        engine.dispose()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return Manifest("postgresql", "database.pgdump", _sha256_file(dest), dest.stat().st_size,
                    revision, entries, files)  # fmt: skip


def _files_folder(dest: Path, objects: Any) -> Path | None:
    return dest.parent / "files" if objects is not None else None


def _dump_sqlite(database_url: str, dest: Path, objects: Any = None) -> Manifest:
    report = sqlite_backup.backup(database_url, dest, overwrite=True)
    engine = create_engine(f"sqlite:///file:{dest}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            files = _files_in(connection, objects, _files_folder(dest, objects))
    finally:
        engine.dispose()
    return Manifest("sqlite", "database.sqlite3", report.sha256, report.size, report.revision,
                    report.audit_entries, files)  # fmt: skip


def make_archive(
    database_url: str, dest: Path, *, overwrite: bool = False, objects: Any = None
) -> Manifest:
    """Write one archive of the database and every stored file (from ``objects``, the object
    store, when the files are kept there) and check it."""
    dest = Path(dest).expanduser().resolve()
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists. Choose another name, or add --force.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".backup-") as work:
        if is_postgresql(database_url):
            manifest = _dump_postgresql(database_url, Path(work) / "database.pgdump", objects)
        else:
            manifest = _dump_sqlite(database_url, Path(work) / "database.sqlite3", objects)
        if objects is not None:
            manifest.file_store = "s3"
        manifest.created_at = datetime.now(UTC).isoformat(timespec="seconds")
        partial = Path(work) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            archive.add(Path(work) / manifest.database_member, manifest.database_member)
            for entry in manifest.files:
                if "member" in entry:
                    archive.add(Path(work) / entry["member"], entry["member"])
            raw = manifest.to_json().encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, dest)
    check_archive(dest)
    return manifest


def _extract(archive_path: Path, work: Path) -> tuple[Manifest, Path]:
    """The manifest and the database member, checked against it, extracted into ``work``."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise BackupError(f"{archive_path} has no manifest.")
            manifest = Manifest.from_json(member.read())
            source = archive.extractfile(manifest.database_member)
            if source is None:
                raise BackupError(f"{archive_path} has no {manifest.database_member}.")
            target = work / Path(manifest.database_member).name
            with target.open("wb") as out:
                shutil.copyfileobj(source, out)
    except (tarfile.TarError, KeyError, json.JSONDecodeError) as error:
        raise BackupError(f"{archive_path} is not a readable backup archive: {error}") from error
    if _sha256_file(target) != manifest.database_sha256:
        raise BackupError(f"{archive_path}: the database in it does not match its manifest.")
    return manifest, target


def check_archive(archive_path: Path) -> Manifest:
    """Read an archive back: its manifest and its database's checksum."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"There is no file at {archive_path}.")
    with tempfile.TemporaryDirectory() as work:
        manifest, _ = _extract(archive_path, Path(work))
    return manifest


@dataclass
class RestoredArchive:
    manifest: Manifest
    safety_copy: Path | None
    audit_entries: int
    files_checked: int


def verify_restored(database_url: str, manifest: Manifest, objects: Any = None) -> tuple[int, int]:
    """After a restore: the audit chain is unbroken and every file of the manifest is there
    with its checksum (recomputed from its bytes). Returns (audit entries, files checked)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            entries = _chain(connection)
            found = {f["key"]: f for f in _files_in(connection, objects)}
    finally:
        engine.dispose()
    for expected in manifest.files:
        got = found.get(expected["key"])
        if got is None or got["sha256"] != expected["sha256"]:
            raise BackupError(
                f"After the restore the file {expected['key']} is missing or differs."
            )
    if entries < manifest.audit_entries:
        raise BackupError("After the restore the audit trail is shorter than the backup's.")
    return entries, len(manifest.files)


def _put_files_back(archive_path: Path, manifest: Manifest, objects: Any | None) -> None:
    """The archive's files into the object store, each checked against the manifest first
    (with ``objects`` None: only checked)."""
    with tarfile.open(archive_path, "r") as archive:
        for entry in manifest.files:
            member = archive.extractfile(entry["member"])
            body = member.read() if member is not None else b""
            if hashlib.sha256(body).hexdigest() != entry["sha256"]:
                raise BackupError(
                    f"{archive_path}: the file {entry['key']} in it does not match its manifest."
                )
            if objects is not None:
                objects.write(entry["key"], body, entry.get("content_type") or "")


def restore_archive(
    database_url: str, archive_path: Path, safety_folder: Path, objects: Any = None
) -> RestoredArchive:
    """Check the archive, keep a backup of the current database, restore, verify."""
    archive_path = Path(archive_path).resolve()
    with tempfile.TemporaryDirectory() as work:
        manifest, database = _extract(archive_path, Path(work))
        if manifest.file_store == "s3" and objects is None:
            raise BackupError(
                "This archive holds the files of an object store: set FILE_STORE=s3 and the "
                "bucket's settings to restore it. Nothing was changed."
            )
        if manifest.file_store == "s3":
            _put_files_back(archive_path, manifest, None)  # every file checked before anything
        wanted = "postgresql" if is_postgresql(database_url) else "sqlite"
        if manifest.kind != wanted:
            raise BackupError(
                f"This archive holds a {manifest.kind} database; DATABASE_URL is {wanted}."
            )
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        safety_folder.mkdir(parents=True, exist_ok=True)
        if manifest.kind == "sqlite":
            done = sqlite_backup.restore(database_url, database, safety_folder)
            safety = done.safety_copy
        else:
            safety = safety_folder / f"before-restore-{stamp}.tar"
            make_archive(database_url, safety, overwrite=True, objects=objects)
            address, env = _libpq(database_url)
            run = subprocess.run(  # noqa: S603 - fixed command, no shell
                [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                 "--single-transaction", f"--dbname={address}", str(database)],
                env=env, capture_output=True, text=True, timeout=3600, check=False,
            )  # fmt: skip
            if run.returncode != 0:
                raise BackupError(
                    f"pg_restore failed: {run.stderr.strip()[:500]}. The database before it "
                    f"is kept in {safety}."
                )
            upgrade(database_url)
    if manifest.file_store == "s3":
        _put_files_back(archive_path, manifest, objects)
    entries, files = verify_restored(database_url, manifest, objects)
    return RestoredArchive(manifest, safety, entries, files)
