"""One storage for the files kept about a person: photos (every size) and recorded voices.

Every read and write of those files goes through this module, so the backend can change in
one place. The backend built and tested here is the database (:class:`DatabaseBackend`, the
table ``stored_files``): SQLite and PostgreSQL both carry the files, every app instance sees
the same ones, and a file is written in the same transaction as the row that points at it (an
upload whose commit fails leaves nothing behind; a backup, restore, subject-access export or
erasure covers rows and files together).

An S3-compatible object store would be a second class with the same four methods
(:class:`Backend`); it is NOT built. Until it is, ``FILE_STORAGE`` accepts only "database"
(docs/deploy.md).

Keys are the file names the upload folder used before (``<stem>-<size>.jpg`` for a photo,
``voices/<name>`` for a recording), so exports keep their names and migration 0021 moved the
files across unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, undefer

from ...models import StoredFile, utcnow

BACKENDS = ("database",)


@dataclass(frozen=True)
class FileInfo:
    """What is known about a stored file without reading its bytes."""

    key: str
    content_type: str
    byte_size: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class Blob(FileInfo):
    """A stored file with its bytes."""

    body: bytes


class Backend(Protocol):
    """Where the files live. Every method takes the session of the unit of work."""

    def put(self, session: Session, key: str, body: bytes, content_type: str) -> FileInfo: ...

    def info(self, session: Session, key: str) -> FileInfo | None: ...

    def get(self, session: Session, key: str) -> Blob | None: ...

    def delete(self, session: Session, keys: list[str]) -> int: ...

    def keys(self, session: Session, prefix: str) -> list[str]: ...


def sha256_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _info(row: StoredFile) -> FileInfo:
    return FileInfo(row.key, row.content_type, row.byte_size, row.sha256, row.created_at)


class DatabaseBackend:
    """Files as rows of ``stored_files``, in the caller's transaction."""

    def put(self, session: Session, key: str, body: bytes, content_type: str) -> FileInfo:
        row = StoredFile(
            key=key,
            content_type=content_type,
            byte_size=len(body),
            sha256=sha256_of(body),
            created_at=utcnow(),
            body=body,
        )
        session.add(row)
        session.flush()
        return _info(row)

    def info(self, session: Session, key: str) -> FileInfo | None:
        row = session.scalar(select(StoredFile).where(StoredFile.key == key))
        return _info(row) if row is not None else None

    def get(self, session: Session, key: str) -> Blob | None:
        row = session.scalar(
            select(StoredFile).where(StoredFile.key == key).options(undefer(StoredFile.body))
        )
        if row is None:
            return None
        return Blob(row.key, row.content_type, row.byte_size, row.sha256, row.created_at, row.body)

    def delete(self, session: Session, keys: list[str]) -> int:
        if not keys:
            return 0
        found = session.scalars(select(StoredFile.key).where(StoredFile.key.in_(keys))).all()
        session.execute(
            delete(StoredFile)
            .where(StoredFile.key.in_(keys))
            .execution_options(synchronize_session=False)
        )
        for row in [o for o in session.identity_map.values() if isinstance(o, StoredFile)]:
            if row.key in keys:
                session.expunge(row)
        return len(found)

    def keys(self, session: Session, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return list(
            session.scalars(
                select(StoredFile.key)
                .where(StoredFile.key.like(f"{escaped}%", escape="\\"))
                .order_by(StoredFile.key)
            )
        )


BACKEND: Backend = DatabaseBackend()


def put(session: Session, key: str, body: bytes, content_type: str) -> FileInfo:
    """Store ``body`` under ``key`` (a new key: files are never overwritten)."""
    return BACKEND.put(session, key, body, content_type)


def info(session: Session, key: str) -> FileInfo | None:
    """A stored file's size, type and SHA-256, without its bytes; None if there is none."""
    return BACKEND.info(session, key)


def get(session: Session, key: str) -> Blob | None:
    """A stored file with its bytes; None if there is none."""
    return BACKEND.get(session, key)


def delete_files(session: Session, keys: list[str]) -> int:
    """Remove these files (missing ones are fine); how many there were."""
    return BACKEND.delete(session, keys)


def keys_starting(session: Session, prefix: str) -> list[str]:
    """The keys of the stored files whose name starts with ``prefix``."""
    return BACKEND.keys(session, prefix)
