"""`flask audit verify` names the first broken entry, and `flask audit export` writes the log as
CSV, on SQLite and on a fresh PostgreSQL database (tampering there must not touch other tests)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from facilitator.extensions import db
from facilitator.models import AuditEvent
from facilitator.services import audit

from ..conftest import make_test_app, own_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_app(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Flask]:
    """An app on a database of its own."""
    if request.param == "sqlite":
        path = tmp_path / "cli.sqlite3"
        shutil.copy(sqlite_template, path)
        yield make_test_app(tmp_path, f"sqlite:///{path}")
        if db.engine is not None:
            db.engine.dispose()
        return
    with own_postgres_database("cli") as url:
        yield make_test_app(tmp_path, url)


def _entries(app: Flask, n: int = 5) -> list[int]:
    with app.app_context():
        ids = [
            audit.record(
                db.session, "test.event", actor_label="=tester", object_id=i, detail={"n": i}
            ).id
            for i in range(n)
        ]
        db.session.commit()
    return ids


def _tamper(app: Flask, sql: str) -> None:
    with app.app_context():
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("DROP TRIGGER audit_events_no_update"))
            db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            db.session.execute(
                text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
            )
        db.session.execute(text(sql))
        db.session.commit()


@pytest.mark.db
@pytest.mark.parametrize(
    ("sql", "broken_index", "problem"),
    [
        (
            "UPDATE audit_events SET action = 'forged' WHERE id = {id2}",
            2,
            "does not match its hash",
        ),
        ("DELETE FROM audit_events WHERE id = {id1}", 2, "expected entry"),
        ("UPDATE audit_events SET seq = seq + 100 WHERE id = {id1}", 2, "expected entry"),
    ],
)
def test_verify_names_the_first_broken_entry(
    cli_app: Flask, sql: str, broken_index: int, problem: str
) -> None:
    ids = _entries(cli_app)
    runner = cli_app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 5 entries checked" in ok.output
    _tamper(cli_app, sql.format(id1=ids[1], id2=ids[2]))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"broken at entry id {ids[broken_index]}" in broken.output and problem in broken.output


@pytest.mark.db
def test_verify_notices_a_missing_last_entry(cli_app: Flask) -> None:
    ids = _entries(cli_app, 3)
    _tamper(cli_app, f"DELETE FROM audit_events WHERE id = {ids[-1]}")
    broken = cli_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "the end of the log" in broken.output


@pytest.mark.db
def test_export_writes_the_chain_as_csv_and_is_itself_audited(
    cli_app: Flask, tmp_path: Path
) -> None:
    _entries(cli_app, 3)
    out = tmp_path / "audit.csv"
    result = cli_app.test_cli_runner().invoke(
        args=["audit", "export", "-o", str(out), "--action", "test."]
    )
    assert result.exit_code == 0, result.output
    assert "Exported 3 entries." in result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["actor_label"] == "'=tester"  # never a spreadsheet formula
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    with cli_app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (
            last is not None
            and last.action == "audit.exported"
            and last.actor_label == "command line"
        )
        assert last.detail == {"filter": {"action": "test."}}
    assert cli_app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    bad = cli_app.test_cli_runner().invoke(
        args=["audit", "export", "--from", "2027-02-01", "--to", "2027-01-01"]
    )
    assert bad.exit_code != 0 and "on or before" in bad.output
