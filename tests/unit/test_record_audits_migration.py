"""Migration 0026 (issue 20): the record audit's four tables, made and dropped again, on SQLite
and PostgreSQL; a review's rows cascade (erasing a review erases its checks), and the
downgrade leaves the reviews (and the audit log) as they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, inspect, select

from facilitator.db import alembic_config, make_engine, upgrade
from facilitator.models import utcnow

from .test_outcome_codes_migration import _row
from .test_stored_files import empty_database as empty_database  # noqa: F401 - a fixture

TABLES = {"record_audits", "record_audit_checks", "record_audit_answers", "record_audit_findings"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def database(empty_database: str) -> Iterator[str]:  # noqa: F811
    yield empty_database


def test_upgrade_makes_the_tables_and_downgrade_drops_them(database: str, tmp_path: Path) -> None:
    url = database
    upgrade(url, "0025_outcome_codes")
    assert not TABLES & _tables(url)
    upgrade(url, "0026_record_audits")
    assert TABLES <= _tables(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            found = MetaData()
            names = ["people", "reviews", *sorted(TABLES)]
            found.reflect(connection, only=names)
            t = found.tables
            connection.execute(t["people"].insert().values(_row(t["people"], id=3)))
            for review_id in (5, 6):
                connection.execute(
                    t["reviews"]
                    .insert()
                    .values(_row(t["reviews"], id=review_id, person_id=3, status="closed"))
                )
            connection.execute(
                t["record_audits"].insert().values(
                    id=1, month=date(2026, 10, 1), service_ids=[], sample_size=2,
                    pool_ids=[5, 6], seed="abc", started_at=utcnow(), version=1,
                )
            )  # fmt: skip
            for check_id, review_id in ((1, 5), (2, 6)):
                connection.execute(
                    t["record_audit_checks"]
                    .insert()
                    .values(id=check_id, record_audit_id=1, review_id=review_id, position=check_id)
                )
            connection.execute(
                t["record_audit_answers"]
                .insert()
                .values(check_id=1, item="consent", answer="not-met", note="No")
            )
            connection.execute(
                t["record_audit_findings"].insert().values(
                    record_audit_id=1, check_id=1, item="consent", what="No", status="open",
                    created_at=utcnow(), version=1,
                )
            )  # fmt: skip
            # Erasing a review erases its check, its answers and its finding; the audit stays.
            connection.execute(t["reviews"].delete().where(t["reviews"].c.id == 5))
            left = connection.execute(select(t["record_audit_checks"].c.review_id)).scalars()
            assert list(left) == [6]
            assert connection.execute(select(t["record_audit_answers"].c.id)).first() is None
            assert connection.execute(select(t["record_audit_findings"].c.id)).first() is None
            assert connection.execute(select(t["record_audits"].c.seed)).scalar() == "abc"
    finally:
        engine.dispose()
    command.downgrade(alembic_config(url), "0025_outcome_codes")
    after = _tables(url)
    assert not TABLES & after and {"reviews", "audit_events"} <= after
