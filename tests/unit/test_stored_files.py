"""The file store (issue 19): files in the database with the rows that point at them, and
migration 0021 moving the files an upload folder held into it (and back on a downgrade)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from facilitator.db import alembic_config, make_engine, upgrade
from facilitator.services.media import storage

from .audio_samples import wav


@pytest.mark.db
def test_put_info_get_delete_in_the_callers_transaction(session: Session) -> None:
    info = storage.put(session, "abc123-thumb.jpg", b"\xff\xd8 one", "image/jpeg")
    assert info.sha256 == hashlib.sha256(b"\xff\xd8 one").hexdigest() and info.byte_size == 6
    session.rollback()
    assert storage.get(session, "abc123-thumb.jpg") is None  # gone with its transaction
    storage.put(session, "abc123-thumb.jpg", b"\xff\xd8 one", "image/jpeg")
    storage.put(session, "abc123-large.jpg", b"\xff\xd8 two", "image/jpeg")
    storage.put(session, "voices/abc123.wav", b"RIFF", "audio/wav")
    session.commit()
    blob = storage.get(session, "abc123-large.jpg")
    assert blob is not None and blob.body == b"\xff\xd8 two" and blob.content_type == "image/jpeg"
    assert storage.keys_starting(session, "abc123") == ["abc123-large.jpg", "abc123-thumb.jpg"]
    assert storage.keys_starting(session, "abc_") == []  # a LIKE wildcard is only a character
    assert storage.delete_files(session, ["abc123-large.jpg", "missing.jpg"]) == 1
    session.commit()
    assert storage.info(session, "abc123-large.jpg") is None
    assert storage.keys_starting(session, "") == ["abc123-thumb.jpg", "voices/abc123.wav"]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL database made for the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite3'}"
        return
    admin = os.environ.get("TEST_DATABASE_URL", "")
    if not admin.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    base = make_url(admin)
    name = f"h19m_{uuid.uuid4().hex[:10]}"
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_moves_files_on_disk_into_the_store_and_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_database: str
) -> None:
    folder = tmp_path / "uploads"
    (folder / "voices").mkdir(parents=True)
    files = {
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0-thumb.jpg": b"\xff\xd8\xff thumb",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0-prompt.jpg": b"\xff\xd8\xff prompt" * 100,
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0-large.jpg": bytes(range(256)) * 400,
        "voices/" + "ab" * 20 + ".wav": wav(1.0),
    }
    for name, body in files.items():
        (folder / name).write_bytes(body)
    (folder / ".half.jpg.part").write_bytes(b"half")  # a partial write is left behind
    url = empty_database
    monkeypatch.setenv("UPLOAD_FOLDER", str(folder))
    upgrade(url, "0020_account_records")
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            assert storage.keys_starting(session, "") == sorted(files)
            for name, body in files.items():
                blob = storage.get(session, name)
                assert blob is not None and blob.body == body
                assert (
                    blob.sha256
                    == hashlib.sha256(body).hexdigest()
                    == hashlib.sha256((folder / name).read_bytes()).hexdigest()
                )
            assert storage.get(session, "voices/" + "ab" * 20 + ".wav").content_type == (  # type: ignore[union-attr]
                "audio/wav"
            )
    finally:
        engine.dispose()
    # The downgrade writes every stored file back (here into an empty folder) and drops the table.
    back = tmp_path / "back"
    monkeypatch.setenv("UPLOAD_FOLDER", str(back))
    command.downgrade(alembic_config(url), "0020_account_records")
    for name, body in files.items():
        assert (back / name).read_bytes() == body
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert "stored_files" not in inspect(connection).get_table_names()
    finally:
        engine.dispose()
