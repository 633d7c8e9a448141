"""A request that only read ends with COMMIT on PostgreSQL (so psycopg keeps its prepared
statements); anything that wrote, or has changes not yet sent, is still rolled back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from facilitator.db import end_read_only, make_engine
from facilitator.models import Person

from ..conftest import make_test_app, own_postgres_database

pytestmark = pytest.mark.db


def _people(session: Session) -> int:
    return session.scalar(select(func.count(Person.id))) or 0


def test_only_a_transaction_that_read_is_committed(tmp_path: Path, sqlite_template: Path) -> None:
    with own_postgres_database("readonly") as url:
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                session.execute(select(func.count(Person.id)))
                assert end_read_only(session) is True and not session.in_transaction()
                # Written and sent (flushed): never committed here.
                session.add(Person(preferred_name="Ola", full_name="Ola Nowak"))
                session.flush()
                assert end_read_only(session) is False
                session.rollback()
                # Changes not yet sent: never committed here.
                session.add(Person(preferred_name="Ola", full_name="Ola Nowak"))
                assert end_read_only(session) is False
                session.rollback()
                # Written by a Core statement: never committed here.
                session.execute(insert(Person).values(preferred_name="Ola", full_name="Ola Nowak"))
                assert end_read_only(session) is False
                session.rollback()
                assert _people(session) == 0
        finally:
            engine.dispose()
    # SQLite keeps no prepared statements to lose: its transactions end as before.
    path = tmp_path / "copy.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            session.execute(select(func.count(Person.id)))
            assert end_read_only(session) is False
    finally:
        engine.dispose()


def test_a_request_that_wrote_without_committing_is_rolled_back(tmp_path: Path) -> None:
    from facilitator.extensions import db

    with own_postgres_database("readonly") as url:
        app = make_test_app(tmp_path, url)
        with app.app_context():
            db.session.add(Person(preferred_name="Ola", full_name="Ola Nowak"))
            db.session.flush()
        with app.app_context():
            assert _people(db.session) == 0
        # Reads end with COMMIT: after five, the statement is prepared and stays prepared.
        for _ in range(6):
            with app.app_context():
                _people(db.session)
        with app.app_context():
            prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements"))
            assert any("count(people.id)" in statement for statement in prepared)
