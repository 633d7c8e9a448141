"""The audit chain: intact on a normal run, broken at the row that was changed."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from facilitator.services import audit

pytestmark = pytest.mark.db


def _entries(session: Session, n: int = 5) -> list[int]:
    ids = []
    for i in range(n):
        ids.append(
            audit.record(
                session,
                "test.event",
                actor_label="tester",
                object_type="x",
                object_id=i,
                detail={"n": i},
            ).id
        )
    session.commit()
    return ids


def _without_guard(session: Session, sql: str) -> None:
    """Tamper as an attacker with database access would: switch off the guard first."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    session.execute(text(sql))


def test_normal_run_verifies(session: Session) -> None:
    _entries(session)
    result = audit.verify(session)
    assert result.ok and result.checked == 5


def test_database_refuses_update_and_delete(session: Session) -> None:
    ids = _entries(session, 2)
    for sql in (
        f"UPDATE audit_events SET action = 'x' WHERE id = {ids[0]}",
        f"DELETE FROM audit_events WHERE id = {ids[0]}",
    ):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(sql))
        nested.rollback()


def test_tampered_row_breaks_the_chain_at_that_row(session: Session) -> None:
    ids = _entries(session)
    _without_guard(session, f"UPDATE audit_events SET action = 'forged' WHERE id = {ids[2]}")
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_id == ids[2]
    assert "hash" in (result.problem or "")


def test_deleted_row_breaks_the_chain_at_the_next_row(session: Session) -> None:
    ids = _entries(session)
    _without_guard(session, f"DELETE FROM audit_events WHERE id = {ids[1]}")
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_id == ids[2]


def test_reordered_rows_break_the_chain(session: Session) -> None:
    ids = _entries(session)
    _without_guard(
        session,
        f"UPDATE audit_events SET seq = CASE id WHEN {ids[1]} THEN -1 ELSE seq END WHERE id IN "
        f"({ids[1]})",
    )
    session.execute(text(f"UPDATE audit_events SET seq = {2} WHERE id = {ids[3]}"))
    session.execute(text(f"UPDATE audit_events SET seq = {4} WHERE id = {ids[1]}"))
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_id == ids[3]


def test_deleting_the_last_row_is_noticed(session: Session) -> None:
    ids = _entries(session)
    _without_guard(session, f"DELETE FROM audit_events WHERE id = {ids[-1]}")
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and "missing" in (result.problem or "")
