"""One backup archive of everything (issue 19): the database with the stored files, a manifest
of checksums, read back when written; a restore checks the archive, restores, and verifies the
audit chain and every file. Taken while a tablet keeps answering, a backup restored holds every
answer committed before the backup began (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from facilitator.db import make_engine, upgrade
from facilitator.models import CaptureMethod, Response
from facilitator.services import audit
from facilitator.services.data import archive
from facilitator.services.data.backup import BackupError
from facilitator.services.media import storage
from facilitator.services.reviews import responses

from . import factories

PHOTO = b"\xff\xd8\xff a photo's bytes " * 50


def _postgres_admin() -> str | None:
    import os

    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(params=["sqlite", "postgresql"])
def two_databases(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[str, str]]:
    """A database to back up (migrated) and an empty one to restore into."""
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "live.sqlite3")
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}", f"sqlite:///{tmp_path / 'back.sqlite3'}"
        return
    admin = _postgres_admin()
    if admin is None:
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    base = make_url(admin)
    names = [f"h19_{uuid.uuid4().hex[:10]}", f"h19_{uuid.uuid4().hex[:10]}"]
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
    upgrade(urls[0])
    upgrade(urls[1])
    try:
        yield urls[0], urls[1]
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_while_answering_restores_every_answer_committed_before_it(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    live, other = two_databases
    engine = make_engine(live)
    with Session(engine) as session:
        world = factories.world(session, started=True)
        storage.put(session, "0123456789abcdef-thumb.jpg", PHOTO, "image/jpeg")
        session.commit()
        review_id, staff_id = world.review.id, world.staff.id  # type: ignore[union-attr]
    committed: list[str] = []
    stop = threading.Event()
    problems: list[BaseException] = []

    def tablet() -> None:
        try:
            with Session(engine) as session:
                from facilitator.models import Review, User

                review = session.get(Review, review_id)
                staff = session.get(User, staff_id)
                assert review is not None and staff is not None
                n = 0
                while not stop.is_set():
                    client_id = factories.cid()
                    responses.record_words(
                        session, review, review.prompts[-1], client_id=client_id,
                        words=f"Answer {n}", method=CaptureMethod.TYPED, facilitator=staff,
                    )  # fmt: skip
                    session.commit()
                    committed.append(client_id)  # acknowledged to the tablet
                    n += 1
        except BaseException as error:  # noqa: BLE001 - reported by the test
            problems.append(error)

    writer = threading.Thread(target=tablet)
    writer.start()
    try:
        while len(committed) < 10 and writer.is_alive():
            threading.Event().wait(0.01)
        before = list(committed)  # every answer acknowledged before the backup began
        made = archive.make_archive(live, tmp_path / "backup.tar")
        while len(committed) < len(before) + 5 and writer.is_alive():
            threading.Event().wait(0.01)  # the tablet went on answering
    finally:
        stop.set()
        writer.join(timeout=60)
        engine.dispose()
    assert not problems, problems
    assert made.files == [
        {"key": "0123456789abcdef-thumb.jpg", "bytes": len(PHOTO),
         "sha256": storage.sha256_of(PHOTO)},
    ]  # fmt: skip
    with tarfile.open(tmp_path / "backup.tar") as tar:
        assert sorted(tar.getnames()) == sorted([made.database_member, "manifest.json"])

    done = archive.restore_archive(other, tmp_path / "backup.tar", tmp_path / "safety")
    assert done.files_checked == 1 and done.audit_entries >= made.audit_entries
    restored = make_engine(other)
    try:
        with Session(restored) as session:
            found = set(session.scalars(select(Response.client_id)))
            assert set(before) <= found, f"{len(set(before) - found)} answers lost"
            assert len(found & set(committed)) >= len(before)
            blob = storage.get(session, "0123456789abcdef-thumb.jpg")
            assert blob is not None and blob.body == PHOTO
            assert audit.verify(session).ok
    finally:
        restored.dispose()


def test_a_damaged_archive_is_refused(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "live.sqlite3")
    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    archive.make_archive(live, tmp_path / "good.tar")
    with pytest.raises(BackupError, match="already exists"):
        archive.make_archive(live, tmp_path / "good.tar")
    raw = bytearray((tmp_path / "good.tar").read_bytes())
    raw[4096] ^= 0xFF  # a byte of the database member
    (tmp_path / "bad.tar").write_bytes(bytes(raw))
    with pytest.raises(BackupError, match="does not match its manifest"):
        archive.check_archive(tmp_path / "bad.tar")
    (tmp_path / "not.tar").write_bytes(b"hello")
    with pytest.raises(BackupError, match="not a readable backup archive"):
        archive.check_archive(tmp_path / "not.tar")
