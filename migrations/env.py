"""Alembic environment: the target is facilitator's metadata, the URL comes from the config."""

from __future__ import annotations

from pathlib import Path

from alembic import context

from facilitator import models  # noqa: F401  (registers every table on the metadata)
from facilitator.config import database_url
from facilitator.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    return database_url(Path(__file__).resolve().parent.parent / "instance")


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
