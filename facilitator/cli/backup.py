"""``flask backup PATH`` and ``flask restore PATH``: one verified archive of the database, which
holds the photos and recordings too (``services/data/archive.py``: SQLite through its online
backup API, PostgreSQL through ``pg_dump --format=custom``, with a manifest of checksums). A
plain SQLite file made by an older ``flask backup`` can still be restored."""

from __future__ import annotations

import tarfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..services import audit
from ..services.data.archive import check_archive, make_archive, restore_archive
from ..services.data.backup import BackupError, inspect, restore, sqlite_path
from ..services.media import storage


def _objects() -> storage.ObjectStoreBackend | None:
    """The object store the files are kept in (FILE_STORE=s3), or None (the database)."""
    return current_app.extensions.get(storage.EXTENSION)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write one verified archive of the database and its stored files to PATH (safe while
    the app runs)."""
    try:
        manifest = make_archive(
            str(current_app.config["DATABASE_URL"]), path, overwrite=force, objects=_objects()
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up to {path.resolve()} ({_size(path.stat().st_size)}): {manifest.kind} "
        f"database, integrity ok, migration {manifest.revision}, audit trail intact "
        f"({manifest.audit_entries} entries), {len(manifest.files)} stored files with their "
        f"checksums; the archive was read back and matches its manifest.\n"
        f"database sha256 {manifest.database_sha256}"
    )


def _restore_archive(url: str, path: Path, yes: bool) -> None:
    try:
        manifest = check_archive(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"The archive {path} ({_size(path.stat().st_size)}) matches its manifest: "
        f"{manifest.kind} database from {manifest.created_at}, migration {manifest.revision}, "
        f"{manifest.audit_entries} audit entries, {len(manifest.files)} stored files."
    )
    if not yes:
        click.confirm(
            "Replace the current database with it? (a backup of the current one is kept)",
            abort=True,
        )
    safety_folder = Path(current_app.instance_path) / "backups"
    try:
        done = restore_archive(url, path, safety_folder, objects=_objects())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    db.scoped.remove()
    audit.record(
        db.session,
        "database.restored",
        actor_label="command line",
        detail={
            "backup": path.name,
            "sha256": manifest.database_sha256,
            "safety_copy": done.safety_copy.name if done.safety_copy else None,
            "files": done.files_checked,
        },
    )
    db.session.commit()
    if done.safety_copy:
        click.echo(f"The database before the restore is kept at {done.safety_copy}.")
    click.echo(
        f"Restored. The audit trail is intact ({done.audit_entries + 1} entries, with this "
        f"restore recorded) and all {done.files_checked} stored files match their checksums."
    )


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Restore the database from a backup archive at PATH (or an older plain SQLite backup),
    after checking it."""
    url = str(current_app.config["DATABASE_URL"])
    if path.is_file() and tarfile.is_tarfile(path):
        _restore_archive(url, path, yes)
        return
    try:
        target = sqlite_path(url)
        checked = inspect(path, url)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if not checked.ok:
        raise click.ClickException(
            f"{checked.path} will not be restored: {'; '.join(checked.problems)}. "
            "The current database is unchanged."
        )
    click.echo(
        f"The backup {checked.path} ({_size(checked.size)}) is sound: integrity ok, migration "
        f"{checked.revision}, audit trail intact ({checked.audit_entries} entries)."
    )
    if not yes:
        click.confirm(
            f"Replace the database at {target} with it? (a copy of the current one is kept)",
            abort=True,
        )
    try:
        done = restore(url, path, target.parent / "backups")
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    db.scoped.remove()
    audit.record(
        db.session,
        "database.restored",
        actor_label="command line",
        detail={
            "backup": done.backup.path.name,
            "sha256": done.backup.sha256,
            "safety_copy": done.safety_copy.name if done.safety_copy else None,
        },
    )
    db.session.commit()
    if done.safety_copy:
        click.echo(f"The database before the restore is kept at {done.safety_copy}.")
    if done.upgraded_from:
        click.echo(
            f"The restored database was brought up to date from migration {done.upgraded_from}."
        )
    click.echo(
        f"Restored. The database passes its integrity check and its audit trail is intact "
        f"({done.database.audit_entries + 1} entries, with this restore recorded)."
    )
