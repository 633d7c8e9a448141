"""Photos and recordings in an S3-compatible object store (FILE_STORE=s3, issue 19).

The object store here is moto's S3 server (``moto.server.ThreadedMotoServer``), a real HTTP
server on loopback that boto3 talks to as it would to any S3 endpoint. It is NOT AWS and NOT
MinIO: what differs there (consistency, multipart limits, permissions) is not tested here.

Checked: an upload goes through the app into the bucket (the row keeps the index, not the
bytes) and is served back with its ETag and a 304; an object written for a transaction that
rolls back is removed; a deletion reaches the bucket only when its transaction commits; bytes
that do not match their checksum are never served; a backup archive holds the files and a
restore puts them back into an empty bucket, checked; an archive whose file was altered is
refused before anything is restored; the settings refuse what cannot work.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.config import ConfigError, file_store
from facilitator.db import make_engine
from facilitator.extensions import db
from facilitator.models import StoredFile
from facilitator.services.data import archive
from facilitator.services.data.backup import BackupError
from facilitator.services.media import storage

from ..conftest import make_test_app, sign_in
from ..nginx_stack import free_port
from .test_photos import BAD, STAFF, _person_id, _photo, _upload

PHOTO = b"\xff\xd8\xff a photo's bytes " * 100
boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a loopback port, for this module."""
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new bucket, and the settings that name it (FILE_STORE=s3)."""
    name = f"facilitator-{uuid.uuid4().hex[:12]}"
    settings = {
        "FILE_STORE": "s3",
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "moto-test-key",
        "S3_SECRET_ACCESS_KEY": "moto-test-secret",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    _client(s3_endpoint).create_bucket(Bucket=name)
    yield name


def _client(endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="moto-test-key",
        aws_secret_access_key="moto-test-secret",
    )


def _objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = _client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path, bucket: str) -> Iterator[Flask]:
    """The app on a fresh SQLite copy, its files in the bucket."""
    path = tmp_path / "app.sqlite3"
    shutil.copy(sqlite_template, path)
    application = make_test_app(tmp_path, f"sqlite:///{path}")
    yield application
    if db.engine is not None:
        db.engine.dispose()


def test_a_photo_goes_into_the_bucket_and_is_served_from_it(
    app: Flask, client: FlaskClient, demo: dict, bucket: str, s3_endpoint: str
) -> None:
    assert isinstance(app.extensions[storage.EXTENSION], storage.ObjectStoreBackend)
    assert sign_in(client, STAFF).status_code == 302
    sam = _person_id(app, demo, "Sam")
    assert _upload(client, sam, (BAD / "gps.jpg").read_bytes()).status_code == 303
    photo = _photo(app, sam)
    stored = _objects(s3_endpoint, bucket)
    assert (
        sorted(stored) == sorted(k for k in stored if k.startswith(photo.file_stem))
        and len(stored) >= 3
    )  # every size
    with app.app_context():
        rows = db.session.scalars(select(StoredFile)).all()
        bodies = db.session.execute(select(StoredFile.key, StoredFile.body)).all()
        assert {r.key for r in rows} == set(stored)
        assert all(body == b"" for _key, body in bodies)  # the row is the index only
        for row in rows:
            assert row.sha256 == hashlib.sha256(stored[row.key]).hexdigest()
    address = f"/photos/{photo.public_id}/prompt.jpg"
    first = client.get(address)
    assert first.status_code == 200
    assert first.get_data() == stored[f"{photo.file_stem}-prompt.jpg"]
    assert "no-store" in first.headers["Cache-Control"]
    again = client.get(address, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_an_object_is_removed_when_its_transaction_rolls_back_and_kept_until_a_delete_commits(
    app: Flask, bucket: str, s3_endpoint: str
) -> None:
    with app.app_context():
        storage.put(db.session, "rolled-back-thumb.jpg", PHOTO, "image/jpeg")
        assert "rolled-back-thumb.jpg" in _objects(s3_endpoint, bucket)
        db.session.rollback()
        assert "rolled-back-thumb.jpg" not in _objects(s3_endpoint, bucket)

        storage.put(db.session, "kept-thumb.jpg", PHOTO, "image/jpeg")
        db.session.commit()
        assert storage.delete_files(db.session, ["kept-thumb.jpg"]) == 1
        db.session.rollback()  # the erasure did not happen: the file must still be there
        assert "kept-thumb.jpg" in _objects(s3_endpoint, bucket)
        blob = storage.get(db.session, "kept-thumb.jpg")
        assert blob is not None and blob.body == PHOTO
        storage.delete_files(db.session, ["kept-thumb.jpg"])
        db.session.commit()
        assert "kept-thumb.jpg" not in _objects(s3_endpoint, bucket)
        assert storage.get(db.session, "kept-thumb.jpg") is None


def test_bytes_that_do_not_match_their_checksum_are_never_served(
    app: Flask, bucket: str, s3_endpoint: str
) -> None:
    with app.app_context():
        storage.put(db.session, "changed-thumb.jpg", PHOTO, "image/jpeg")
        db.session.commit()
        _client(s3_endpoint).put_object(Bucket=bucket, Key="changed-thumb.jpg", Body=b"other")
        with pytest.raises(storage.StoredFileMismatch):
            storage.get(db.session, "changed-thumb.jpg")


def test_a_backup_holds_the_files_and_a_restore_puts_them_back_checked(
    app: Flask, bucket: str, s3_endpoint: str, tmp_path: Path, sqlite_template: Path
) -> None:
    with app.app_context():
        storage.put(db.session, "a-thumb.jpg", PHOTO, "image/jpeg")
        storage.put(db.session, "voices/b.webm", b"a voice" * 300, "audio/webm")
        db.session.commit()
        objects = app.extensions[storage.EXTENSION]
        live = str(app.config["DATABASE_URL"])
    archive_path = tmp_path / "backup.tar"
    manifest = archive.make_archive(live, archive_path, objects=objects)
    assert manifest.file_store == "s3" and len(manifest.files) == 2
    with tarfile.open(archive_path) as tar:
        names = set(tar.getnames())
        assert {"files/a-thumb.jpg", "files/voices/b.webm"} <= names
        member = tar.extractfile("files/a-thumb.jpg")
        assert member is not None and member.read() == PHOTO

    # Into a new database and an empty bucket: every file back, read back and checked.
    other_bucket = f"restored-{uuid.uuid4().hex[:10]}"
    _client(s3_endpoint).create_bucket(Bucket=other_bucket)
    restored_into = storage.ObjectStoreBackend(_client(s3_endpoint), other_bucket)
    target = tmp_path / "restored.sqlite3"
    shutil.copy(sqlite_template, target)
    done = archive.restore_archive(
        f"sqlite:///{target}", archive_path, tmp_path / "safety", objects=restored_into
    )
    assert done.files_checked == 2
    assert _objects(s3_endpoint, other_bucket) == {
        "a-thumb.jpg": PHOTO,
        "voices/b.webm": b"a voice" * 300,
    }
    engine = make_engine(f"sqlite:///{target}")
    with Session(engine) as session:
        assert {r.key for r in session.scalars(select(StoredFile))} == {
            "a-thumb.jpg",
            "voices/b.webm",
        }
    engine.dispose()

    # Without the object store's settings, such an archive is refused, nothing changed.
    with pytest.raises(BackupError, match="FILE_STORE=s3"):
        archive.restore_archive(f"sqlite:///{target}", archive_path, tmp_path / "safety")

    # A file altered inside the archive: refused before the database is touched.
    altered = tmp_path / "altered.tar"
    with tarfile.open(archive_path) as source, tarfile.open(altered, "w") as out:
        for info in source.getmembers():
            data = source.extractfile(info)
            body = data.read() if data is not None else b""
            if info.name == "files/a-thumb.jpg":
                body = b"not the photo" + body[13:]
            info.size = len(body)
            import io

            out.addfile(info, io.BytesIO(body))
    untouched = tmp_path / "untouched.sqlite3"
    shutil.copy(sqlite_template, untouched)
    before = untouched.read_bytes()
    with pytest.raises(BackupError, match="does not match its manifest"):
        archive.restore_archive(
            f"sqlite:///{untouched}", altered, tmp_path / "safety2", objects=restored_into
        )
    assert untouched.read_bytes() == before


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"FILE_STORE": "disk"}, "FILE_STORE 'disk' is not known"),
        ({"FILE_STORE": "s3", "S3_BUCKET": ""}, "S3_BUCKET is not set"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], says: str
) -> None:
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=says):
        file_store()


def test_the_database_stays_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FILE_STORE", raising=False)
    assert file_store() == "database"
