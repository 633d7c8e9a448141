"""files every instance sees: photos and recorded voices in the database (issue 19)

Revision ID: 0021_stored_files
Revises: 0020_account_records
Create Date: 2026-12-07 17:30:00

One new table, ``stored_files`` (key, content type, size, SHA-256, when, bytes), the default
file store. The upgrade moves every file found in the upload folder (photos at its top,
recordings in ``voices/``) into the table under its name there, checks each SHA-256 against
the file, and leaves the files on disk untouched (delete the folder once the app is seen to
serve them). The downgrade writes every stored file back into the upload folder (existing
files are not overwritten) before dropping the table, and prints how many it wrote.

The upload folder is the alembic attribute ``upload_folder`` if one is given, else the
UPLOAD_FOLDER environment variable, else ``instance/uploads`` beside the code (the app's
default).
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

import facilitator.models.base

revision = "0021_stored_files"
down_revision = "0020_account_records"
branch_labels = None
depends_on = None

TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".wav": "audio/wav",
    ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".webm": "audio/webm",
}  # fmt: skip


def _folder() -> Path:
    given = context.config.attributes.get("upload_folder") or os.environ.get("UPLOAD_FOLDER")
    if given:
        return Path(given)
    return Path(__file__).resolve().parents[2] / "instance" / "uploads"


def _table() -> sa.Table:
    return sa.table(
        "stored_files",
        sa.column("key", sa.String()),
        sa.column("content_type", sa.String()),
        sa.column("byte_size", sa.Integer()),
        sa.column("sha256", sa.String()),
        sa.column("created_at", facilitator.models.base.UTCDateTime()),
        sa.column("body", sa.LargeBinary()),
    )


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", facilitator.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )
    if context.is_offline_mode():
        return
    folder = _folder()
    if not folder.is_dir():
        return
    table = _table()
    bind = op.get_bind()
    moved = 0
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in TYPES:
            continue  # partial writes (".x.part") and anything that is not ours stay behind
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        bind.execute(table.insert().values(
            key=key, content_type=TYPES[path.suffix.lower()], byte_size=len(body),
            sha256=digest, created_at=created, body=body,
        ))  # fmt: skip
        stored = bind.execute(sa.select(table.c.body).where(table.c.key == key)).scalar_one()
        if hashlib.sha256(stored).hexdigest() != digest:  # pragma: no cover - a broken driver
            raise RuntimeError(f"{key}: the stored copy differs from the file; nothing moved")
        moved += 1
    if moved:
        print(f"0021: {moved} files moved from {folder} into stored_files (checksums equal).")


def downgrade() -> None:
    if not context.is_offline_mode():
        folder = _folder()
        table = _table()
        bind = op.get_bind()
        written = 0
        for key, body, digest in bind.execute(
            sa.select(table.c.key, table.c.body, table.c.sha256).order_by(table.c.key)
        ):
            path = folder / key
            if not path.resolve().is_relative_to(folder.resolve()):
                continue
            if hashlib.sha256(body).hexdigest() != digest:
                raise RuntimeError(f"{key}: its bytes do not match their SHA-256; stopped")
            if path.exists():
                continue
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            written += 1
        print(f"0021 downgrade: {written} stored files written back to {folder}; table dropped.")
    op.drop_table("stored_files")
