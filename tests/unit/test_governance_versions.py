"""Optimistic versions of the governance records: one home for check, bump and audit
(services/governance/versions.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, CaseStatus, Complaint, Role
from facilitator.services import ServiceError, StaleVersion
from facilitator.services.governance import complaints, today
from facilitator.services.governance.versions import StaleRecord, change, sent_version

from .factories import user

SERVICES = Path(__file__).resolve().parents[2] / "facilitator" / "services" / "governance"


def _complaint(session: Session) -> tuple[Complaint, object]:
    manager = user(session, Role.MANAGER, name="Morgan Evans")
    complaint = complaints.receive(
        session,
        actor=manager,
        raised_by="Rhys Hughes",
        raised_by_role="son",
        about="Not told",
        topic="family-involvement",
        received_on=today(),
    )
    session.flush()
    return complaint, manager


def _entries(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _must_be_open(record: Complaint) -> None:
    if record.status != CaseStatus.OPEN:
        raise ServiceError("closed")


@pytest.mark.db
def test_a_change_from_the_current_version_is_bumped_and_audited_once(session: Session) -> None:
    complaint, manager = _complaint(session)
    with change(
        session, complaint, "1", actor=manager, action="test.changed", person_id=None
    ) as step:
        assert step.next_version == 2 and complaint.version == 1  # bumped only at the end
        complaint.about = "Not told in time"
        step.detail["reason"] = "typo"
    assert complaint.version == 2
    [entry] = _entries(session, "test.changed")
    assert entry.object_type == "complaints" and entry.object_id == str(complaint.id)
    assert entry.detail == {"reason": "typo"} and entry.actor_user_id == manager.id  # type: ignore[attr-defined]


@pytest.mark.db
def test_a_stale_version_is_refused_with_both_versions_and_leaves_no_trace(
    session: Session,
) -> None:
    complaint, manager = _complaint(session)
    before = session.scalar(select(func.count(AuditEvent.id)))
    for sent, read_as in ((0, 0), ("2", 2), ("two", None), (None, None)):
        with pytest.raises(StaleRecord) as refused:
            with change(session, complaint, sent, actor=manager, action="x", person_id=None):
                pytest.fail("the block must not run from a stale version")
        assert isinstance(refused.value, StaleVersion)  # answered 409 at the edge
        assert (refused.value.stored, refused.value.sent) == (1, read_as)
        assert "Someone else changed this record" in str(refused.value)
    assert complaint.version == 1
    assert session.scalar(select(func.count(AuditEvent.id))) == before


@pytest.mark.db
def test_a_refusal_inside_the_change_is_neither_bumped_nor_audited(session: Session) -> None:
    complaint, manager = _complaint(session)
    with pytest.raises(ServiceError, match="no date"):
        with change(session, complaint, 1, actor=manager, action="test.refused", person_id=None):
            raise ServiceError("no date")
    assert complaint.version == 1 and _entries(session, "test.refused") == []


@pytest.mark.db
def test_the_records_own_rule_is_checked_after_its_version(session: Session) -> None:
    complaint, manager = _complaint(session)
    complaint.status = CaseStatus.RESOLVED
    with pytest.raises(StaleRecord):  # a stale page hears that first, not "closed"
        with change(
            session, complaint, 7, actor=manager, action="x", person_id=None, check=_must_be_open
        ):
            pass
    with pytest.raises(ServiceError, match="closed"):
        with change(
            session, complaint, 1, actor=manager, action="x", person_id=None, check=_must_be_open
        ):
            pytest.fail("a closed record is not changed")
    assert complaint.version == 1


@pytest.mark.db
def test_the_audit_entry_can_name_the_row_the_change_made(session: Session) -> None:
    complaint, manager = _complaint(session)
    other, _ = _complaint(session)
    with change(session, complaint, 1, actor=manager, action="test.named", person_id=None) as step:
        step.obj = other
    [entry] = _entries(session, "test.named")
    assert entry.object_id == str(other.id) and complaint.version == 2 and other.version == 1


def test_sent_versions_are_read_as_numbers_or_none() -> None:
    assert [sent_version(v) for v in (3, "3", " 4 ", "", "x", None)] == [3, 3, 4, None, None, None]


def _calls(tree: ast.AST, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in names:
                found.append(f"{name}() at line {node.lineno}")
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "version":
                    found.append(f".version set at line {node.lineno}")
    return found


def test_every_register_changes_versions_only_through_the_one_home() -> None:
    """No governance service checks, bumps or sets a version itself: versions.change does."""
    outside = {
        path.name: _calls(ast.parse(path.read_text(encoding="utf-8")), {"check_version", "bump"})
        for path in sorted(SERVICES.glob("*.py"))
        if path.name != "versions.py"
    }
    assert {name: found for name, found in outside.items() if found} == {}
