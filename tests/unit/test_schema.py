"""The migrations create exactly the models' schema, with the SQLite settings we rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from facilitator import models  # noqa: F401
from facilitator.db import Base, make_engine


@pytest.mark.db
def test_migrations_match_models(session: Session) -> None:
    context = MigrationContext.configure(session.connection(), opts={"compare_type": False})
    assert compare_metadata(context, Base.metadata) == []


def test_sqlite_pragmas(sqlite_template: Path) -> None:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as conn:
        _check_pragmas(conn)
    engine.dispose()


def _check_pragmas(conn: Connection) -> None:
    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
