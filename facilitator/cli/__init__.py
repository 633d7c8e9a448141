"""flask commands: init-db, demo, users, audit, figures, export-person and retention (and the
custom-prompts, prompts, speech, backup and restore commands, from their own modules)."""

from __future__ import annotations

import sys
from datetime import date
from typing import TextIO

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from ..config import ConfigError
from ..db import upgrade
from ..extensions import db
from ..outputs.subject_access import export_zip, speech_files_for
from ..services import NotFound, ServiceError, accounts, audit
from ..services import demo as demo_service
from ..services.audit import browse as audit_browse
from ..services.data import privacy, retention
from ..services.reporting import figures
from ..text import clean_text
from .backup import backup_command, restore_command
from .custom_prompts import custom_prompts_cli
from .messages import messages_cli
from .prompts import prompts_cli
from .speech import speech_cli

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
figures_cli = AppGroup("figures", help="The stored traceability figures of each review.")


def _database_url() -> str:
    return str(current_app.config["DATABASE_URL"])


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Apply the database migrations (SQLite in instance/ unless DATABASE_URL is set), then
    count the traceability figures of any review not yet counted."""
    try:
        upgrade(_database_url())
    except OperationalError as error:
        click.echo(f"Could not reach the database: {error.orig}", err=True)
        sys.exit(2)
    # Reviews from before the figures were kept (or written without the services) are counted
    # now, at the upgrade, not by the first person to open the overdue actions page.
    figures.across(db.session)
    db.session.commit()
    click.echo("The database is up to date.")


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load even if demo data is already present.")
def demo(force: bool) -> None:
    """Load realistic demo data once (through the services, so it has an audit trail)."""
    session = db.session
    if demo_service.already_loaded(session) and not force:
        click.echo("Demo data is already loaded.")
    else:
        demo_service.load(session, hold_a_review=True)
        session.commit()
        click.echo("Demo data loaded.")
    click.echo(demo_service.sign_in_help())


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice(["admin", "manager", "staff", "advocate"]), prompt=True)
@click.password_option()
@click.option(
    "--all-services/--own-services",
    default=None,
    help="See the people of every service (the default for an administrator; a manager may "
    "be given it). Otherwise an administrator ticks the account's services in the browser.",
)
def create_user(email: str, name: str, role: str, password: str, all_services: bool | None) -> None:
    """Create an account from the command line."""
    if all_services is None:
        all_services = role == "admin"
    if all_services and role not in ("admin", "manager"):
        raise click.ClickException("Only a manager or an administrator can see all services.")
    try:
        user = accounts.create_user(
            db.session, email=clean_text(email), name=clean_text(name), role=role, password=password
        )
        if all_services:
            user.all_services = True
            audit.record(
                db.session,
                "user.services_changed",
                actor_label="flask users create",
                obj=user,
                detail={"added": [], "removed": [], "all_services": True, "by": "command"},
            )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Created {user.role} account for {user.email}. At their first sign-in they set up "
        "the second step (an authenticator app) with a QR code."
    )


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain and name the first broken entry."""
    result = audit.verify(db.session)
    if result.ok:
        click.echo(f"The audit trail is intact: {result.checked} entries checked.")
        return
    where = f"entry id {result.first_bad_id}" if result.first_bad_id else "the end of the log"
    click.echo(f"The audit trail is broken at {where}: {result.problem}.", err=True)
    sys.exit(1)


@audit_cli.command("export")
@click.option("--output", "-o", default="-", help="File to write (default: standard output).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC).")
@click.option("--person", "person_id", type=int, help="Only entries about this person id.")
@click.option("--user", "user_id", type=int, help="Only entries by this account id.")
@click.option("--action", help="Only this action (end with a dot for a family, e.g. 'review.').")
def audit_export(
    output: str,
    date_from: object,
    date_to: object,
    person_id: int | None,
    user_id: int | None,
    action: str | None,
) -> None:
    """Export the audit trail as CSV, in chain order, with each entry's hashes."""
    try:
        chosen = audit_browse.AuditFilter(
            person_id=person_id,
            user_id=user_id,
            action=action,
            date_from=date_from.date() if date_from else None,  # type: ignore[attr-defined]
            date_to=date_to.date() if date_to else None,  # type: ignore[attr-defined]
        )
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    audit_browse.record_export(db.session, chosen, actor=None, actor_label="command line")
    db.session.commit()
    count = -1  # the header is not an entry
    if output == "-":
        handle: TextIO = sys.stdout
    else:
        handle = open(output, "w", encoding="utf-8", newline="")
    try:
        for chunk in audit_browse.export_csv(db.session, chosen):
            handle.write(chunk)
            count += 1
    finally:
        if output != "-":
            handle.close()
    click.echo(f"Exported {count} entries.", err=True)


@click.command("export-person")
@with_appcontext
@click.argument("person_id", type=int)
@click.option("--output", "-o", help="ZIP file to write (default: person-<id>-subject-access.zip).")
def export_person(person_id: int, output: str | None) -> None:
    """Subject access: everything held about one person, as a ZIP (JSON, easy-read PDF, files)."""
    try:
        person = privacy.get_person(db.session, person_id)
    except NotFound as error:
        raise click.ClickException(f"There is no person with id {person_id}.") from error
    path = output or f"person-{person_id}-subject-access.zip"
    with current_app.test_request_context():
        data = export_zip(
            db.session, person, actor=None, actor_label="command line", how="command line"
        )
    with open(path, "wb") as handle:
        handle.write(data)
    db.session.commit()  # the audit entry, once the file is written
    click.echo(f"Wrote {path} ({len(data)} bytes). Check third-party information before release.")


@click.command("retention")
@with_appcontext
@click.option("--erase", is_flag=True, help="Erase what is due (needs --confirm too).")
@click.option("--confirm", is_flag=True, help="Confirm erasure: it cannot be undone.")
@click.option("--person", "person_id", type=int, help="Only this person id.")
def retention_command(erase: bool, confirm: bool, person_id: int | None) -> None:
    """List the people whose records are due for erasure (dry run), or erase them."""
    years = int(current_app.config["RETENTION_YEARS"])
    today = date.today()
    if erase and not confirm:
        raise click.ClickException("Erasing cannot be undone: add --confirm to erase.")
    found = retention.due(db.session, years=years, today=today, person_id=person_id)
    click.echo(f"Rule: {retention.RULE.format(years=years)} (RETENTION_YEARS={years}).")
    if not found:
        click.echo("Nothing is due for erasure.")
        return
    erased = 0
    for item in found:
        rows = sum(item.counts.values())
        line = (
            f"person {item.person_id}: care ended {item.care_ended_on}, due {item.due_on}, "
            f"{rows} records, {item.files} files"
        )
        if item.held_because:
            click.echo(f"{line}: held ({item.held_because})")
            continue
        if not erase:
            click.echo(f"{line}: due")
            continue
        retention.erase_person(
            db.session, item, years=years, today=today, actor=None,
            actor_label="command line",
            speech_files=speech_files_for(db.session, item.person_id),
        )  # fmt: skip
        db.session.commit()
        erased += 1
        click.echo(f"{line}: erased")
    if not erase:
        click.echo("Dry run: nothing was erased. Run with --erase --confirm to erase.")
    else:
        click.echo(f"Erased {erased} people's records.")


@figures_cli.command("rebuild")
def figures_rebuild() -> None:
    """Count every review's figures again (after a bulk import or a restore made without the
    app's services); committed every few hundred reviews."""
    counted = figures.rebuild(db.session, commit_every=True)
    db.session.commit()
    click.echo(f"Counted the figures of {counted} reviews.")


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    app.cli.add_command(init_db)
    app.cli.add_command(demo)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(figures_cli)
    app.cli.add_command(export_person)
    app.cli.add_command(retention_command)
    app.cli.add_command(custom_prompts_cli)
    app.cli.add_command(prompts_cli)
    app.cli.add_command(speech_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(messages_cli)


__all__ = ["ConfigError", "register_commands"]
