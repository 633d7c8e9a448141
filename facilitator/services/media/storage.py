"""One storage for the files kept about a person: photos (every size) and recorded voices.

Every read and write of those files goes through this module, so the backend can change in
one place. The backend built and tested here is the database (:class:`DatabaseBackend`, the
table ``stored_files``): SQLite and PostgreSQL both carry the files, every app instance sees
the same ones, and a file is written in the same transaction as the row that points at it (an
upload whose commit fails leaves nothing behind; a backup, restore, subject-access export or
erasure covers rows and files together).

The second backend is an S3-compatible object store (:class:`ObjectStoreBackend`,
``FILE_STORE=s3`` with ``S3_BUCKET``, ``S3_ENDPOINT_URL`` and credentials; ``boto3``). The row
in ``stored_files`` stays the index (key, type, size, SHA-256, when: every listing, ETag check,
export and erasure reads it in the same transaction as ever) with an empty ``body``; the bytes
are an object under the same key. An object written for a transaction that rolls back is
deleted again; an object whose row is deleted is deleted after the commit (so a rolled-back
erasure loses nothing). The bytes read back are checked against the row's SHA-256.
Rows written while the database was the store keep their bytes and are still served from them.
Tested against moto's S3 server on loopback (tests/web/test_object_store.py), not AWS or MinIO.

Keys are the file names the upload folder used before (``<stem>-<size>.jpg`` for a photo,
``voices/<name>`` for a recording), so exports keep their names and migration 0021 moved the
files across unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import current_app, has_app_context
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, undefer

from ...models import StoredFile, utcnow

BACKENDS = ("database", "s3")
EXTENSION = "facilitator.file_store"


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


class StoredFileMismatch(RuntimeError):
    """An object's bytes do not match the SHA-256 its row records."""


# Objects written, and objects to delete, by each session's open transaction.
_WRITTEN = "facilitator.objects_written"
_DOOMED = "facilitator.objects_doomed"


class ObjectStoreBackend(DatabaseBackend):
    """Rows in ``stored_files`` as the index, bytes as objects in an S3-compatible bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(self, session: Session, key: str, body: bytes, content_type: str) -> FileInfo:
        digest = sha256_of(body)
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata={"sha256": digest},
        )
        session.info.setdefault(_WRITTEN, []).append((self, key))
        row = StoredFile(
            key=key,
            content_type=content_type,
            byte_size=len(body),
            sha256=digest,
            created_at=utcnow(),
            body=b"",
        )
        session.add(row)
        session.flush()
        return _info(row)

    def read(self, key: str) -> bytes | None:
        """An object's bytes, or None if there is no such object."""
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        return bytes(found["Body"].read())

    def write(self, key: str, body: bytes, content_type: str) -> None:
        """Put an object (restore): no row is written."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata={"sha256": sha256_of(body)},
        )

    def get(self, session: Session, key: str) -> Blob | None:
        row = session.scalar(
            select(StoredFile).where(StoredFile.key == key).options(undefer(StoredFile.body))
        )
        if row is None:
            return None
        body = row.body if row.body else self.read(key)  # bytes from before the switch, or S3
        if body is None:
            return None
        if sha256_of(body) != row.sha256:
            raise StoredFileMismatch(f"the object {key} does not match its checksum")
        return Blob(row.key, row.content_type, row.byte_size, row.sha256, row.created_at, body)

    def delete(self, session: Session, keys: list[str]) -> int:
        removed = super().delete(session, keys)
        session.info.setdefault(_DOOMED, []).extend((self, key) for key in keys)
        return removed

    def remove_objects(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
            )


def _by_backend(pairs: list[tuple[ObjectStoreBackend, str]]) -> dict[int, tuple[Any, list[str]]]:
    grouped: dict[int, tuple[Any, list[str]]] = {}
    for backend, key in pairs:
        grouped.setdefault(id(backend), (backend, []))[1].append(key)
    return grouped


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for backend, keys in _by_backend(session.info.pop(_DOOMED, [])).values():
        backend.remove_objects(keys)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DOOMED, None)
    for backend, keys in _by_backend(session.info.pop(_WRITTEN, [])).values():
        backend.remove_objects(keys)


DATABASE = DatabaseBackend()


def object_store(config: dict[str, Any] | Any) -> ObjectStoreBackend:
    """The object store the settings name (FILE_STORE=s3)."""
    import boto3  # lazy: boto3 and botocore take a second to import; only with FILE_STORE=s3

    client = boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or "us-east-1",
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
    )
    return ObjectStoreBackend(client, str(config["S3_BUCKET"]))


def register_file_store(app: Any) -> None:
    """Give the app the backend its FILE_STORE setting names."""
    if app.config.get("FILE_STORE", "database") == "s3":
        app.extensions[EXTENSION] = object_store(app.config)


def backend() -> Backend:
    """The current app's backend (the database outside an app)."""
    if has_app_context():
        found = current_app.extensions.get(EXTENSION)
        if found is not None:
            return found  # type: ignore[no-any-return]
    return DATABASE


def put(session: Session, key: str, body: bytes, content_type: str) -> FileInfo:
    """Store ``body`` under ``key`` (a new key: files are never overwritten)."""
    return backend().put(session, key, body, content_type)


def info(session: Session, key: str) -> FileInfo | None:
    """A stored file's size, type and SHA-256, without its bytes; None if there is none."""
    return backend().info(session, key)


def get(session: Session, key: str) -> Blob | None:
    """A stored file with its bytes; None if there is none."""
    return backend().get(session, key)


def delete_files(session: Session, keys: list[str]) -> int:
    """Remove these files (missing ones are fine); how many there were."""
    return backend().delete(session, keys)


def keys_starting(session: Session, prefix: str) -> list[str]:
    """The keys of the stored files whose name starts with ``prefix``."""
    return backend().keys(session, prefix)
