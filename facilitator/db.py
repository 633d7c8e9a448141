"""The database: one engine per app, one session per request, migrations through Alembic.

Services receive a SQLAlchemy ``Session`` as an argument, so they are tested without Flask.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

LOG = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Stable constraint names, so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, FULL sync so a power cut loses nothing, FKs enforced."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings this app relies on for each backend.

    hide_parameters: a database error's message (and so the log of an unhandled error) never
    carries the values, which may be what a person said.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **kwargs)
    event.listen(engine, "begin", _nothing_written_yet)
    event.listen(engine, "before_cursor_execute", _note_writes)
    return engine


# PostgreSQL: psycopg prepares a statement the fifth time a connection runs it (after that the
# server no longer plans it: about 0.35 ms of its CPU for each of the queries every request
# makes), but forgets every prepared statement on ROLLBACK. A request that only read ends its
# transaction with COMMIT instead (the same thing for a transaction that wrote nothing), so the
# statements stay prepared. Anything other than a SELECT counts as writing, and a transaction
# that wrote, or has changes not yet sent, is rolled back as before.
READS = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def _nothing_written_yet(conn: Any) -> None:
    conn.info["wrote"] = False


def _note_writes(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not READS.match(statement):
        conn.info["wrote"] = True


def end_read_only(session: Session) -> bool:
    """COMMIT the session's transaction if it only read (PostgreSQL); True if it did."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.info.get("wrote", True):
        return False
    session.commit()
    return True


class Database:
    """Holds the engine and the request-scoped session for one app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.scoped: scoped_session[Session] = scoped_session(sessionmaker())
        # Services take a Session; the scoped session stands in for this request's one (it
        # passes every call on), so it is typed as one. remove() and configure() are on scoped.
        self.session: Session = cast(Session, self.scoped)

    def init_app(self, app: Flask) -> None:
        """Bind to DATABASE_URL and close the session at the end of every request."""
        self.engine = make_engine(str(app.config["DATABASE_URL"]))
        self.scoped.configure(bind=self.engine, expire_on_commit=False)
        app.extensions["database"] = self

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            if exc is None:
                try:
                    end_read_only(self.scoped())
                except Exception:  # noqa: BLE001 - the session is closed (rolled back) below
                    LOG.warning("Could not end a read-only transaction", exc_info=True)
            self.scoped.remove()

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        assert self.engine is not None
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.commit()  # read only: as every request that only reads (see READS)


def alembic_config(url: str) -> Any:
    """An Alembic Config pointing at our migrations and the given database."""

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
