"""flask commands: init-db, demo, users, audit (and the prompts and speech groups)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .config import ConfigError
from .extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")


def _database_url() -> str:
    return str(current_app.config["DATABASE_URL"])


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Apply the database migrations (SQLite in instance/ unless DATABASE_URL is set)."""
    from sqlalchemy.exc import OperationalError

    from .db import upgrade

    try:
        upgrade(_database_url())
    except OperationalError as error:
        click.echo(f"Could not reach the database: {error.orig}", err=True)
        sys.exit(2)
    click.echo("The database is up to date.")


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load even if demo data is already present.")
def demo(force: bool) -> None:
    """Load realistic demo data once (through the services, so it has an audit trail)."""
    from .services import demo as demo_service

    session = db.session
    if demo_service.already_loaded(session) and not force:
        click.echo("Demo data is already loaded.")
    else:
        demo_service.load(session)
        session.commit()
        click.echo("Demo data loaded.")
    click.echo(demo_service.sign_in_help())


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice(["admin", "manager", "staff", "advocate"]), prompt=True)
@click.password_option()
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create an account from the command line."""
    from .services import ServiceError, accounts

    try:
        user = accounts.create_user(
            db.session, email=email, name=name, role=role, password=password
        )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} account for {user.email}.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain and name the first broken entry."""
    from .services import audit

    result = audit.verify(db.session)
    if result.ok:
        click.echo(f"The audit trail is intact: {result.checked} entries checked.")
        return
    where = f"entry id {result.first_bad_id}" if result.first_bad_id else "the end of the log"
    click.echo(f"The audit trail is broken at {where}: {result.problem}.", err=True)
    sys.exit(1)


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    app.cli.add_command(init_db)
    app.cli.add_command(demo)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    from .accessible.speech_cli import speech_cli
    from .prompts.cli import prompts_cli

    app.cli.add_command(prompts_cli)
    app.cli.add_command(speech_cli)


__all__ = ["ConfigError", "register_commands"]
