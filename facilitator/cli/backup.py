"""``flask backup PATH`` and ``flask restore PATH``: the SQLite database, copied and checked
(the copying and the checks are ``services/data/backup.py``). PostgreSQL is backed up with its
own tools (the commands say how)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..services import audit
from ..services.data.backup import BackupError, backup, inspect, restore, sqlite_path


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent backup of the SQLite database to PATH (safe while the app runs)."""
    try:
        report = backup(str(current_app.config["DATABASE_URL"]), path, overwrite=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up to {report.path} ({_size(report.size)}): integrity ok, migration "
        f"{report.revision}, audit trail intact ({report.audit_entries} entries).\n"
        f"sha256 {report.sha256}"
    )


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Restore the SQLite database from a backup at PATH, after checking it."""
    url = str(current_app.config["DATABASE_URL"])
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
