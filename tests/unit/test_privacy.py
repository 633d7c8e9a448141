"""Subject access and retention, on SQLite and PostgreSQL.

Completeness is checked against the schema itself: a row is made in every table that can hold
something about a person (however the table came to exist), then the export must contain each
one and erasure must remove each one, while another person's rows stay untouched.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from facilitator.db import Base
from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    Contribution,
    ContributionStatus,
    Layer,
    Person,
    Response,
    ReviewStatus,
    Role,
    Service,
    SupporterRole,
    UserSession,
    utcnow,
)
from facilitator.models.base import UTCDateTime
from facilitator.services import NotFound, ServiceError, audit, people
from facilitator.services.data import privacy, retention
from facilitator.services.family import links
from facilitator.services.media import storage

from .. import old_revision
from .factories import cid, person, review, signed_in, user

TODAY = date(2035, 6, 1)


# --- which tables hold something about a person: worked out from the schema alone ----------------


def tables_about_a_person(metadata: MetaData) -> set[str]:
    """Every table with a foreign key, direct or through other such tables, to people."""
    found = {"people"}
    changed = True
    while changed:
        changed = False
        for table in metadata.tables.values():
            if table.name in found or table.name == "users":
                continue
            if any(fk.column.table.name in found for fk in table.foreign_keys):
                found.add(table.name)
                changed = True
    return found


def uncovered(metadata: MetaData) -> set[str]:
    covered = {k.table for k in privacy.KINDS} | set(privacy.NOT_HELD)
    return tables_about_a_person(metadata) - covered


def test_every_table_about_a_person_is_covered() -> None:
    assert not uncovered(Base.metadata), (
        "add these tables to privacy.KINDS (exported and erased) or privacy.NOT_HELD (with why)"
    )
    assert {k.table for k in privacy.kinds()} == {
        k.table for k in privacy.KINDS if k.table in Base.metadata.tables
    }


def test_a_new_table_with_a_person_or_review_key_is_noticed() -> None:
    copy = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(copy)
    Table("new_notes", copy, Column("id", Integer, primary_key=True),
          Column("review_id", ForeignKey("reviews.id")))  # fmt: skip
    Table("new_pets", copy, Column("id", Integer, primary_key=True),
          Column("person_id", ForeignKey("people.id")))  # fmt: skip
    Table("new_pet_photos", copy, Column("id", Integer, primary_key=True),
          Column("pet_id", ForeignKey("new_pets.id")))  # fmt: skip
    assert uncovered(copy) == {"new_notes", "new_pets", "new_pet_photos"}


# --- a row in every table, made from the schema -------------------------------------------------


def _value(column: Column[Any], n: int) -> Any:
    kind = column.type
    enum_class = getattr(kind, "enum_class", None)
    if enum_class is not None and issubclass(enum_class, enum.Enum):
        return list(enum_class)[-1]
    if isinstance(kind, UTCDateTime):
        return utcnow()
    if isinstance(kind, Date):
        return date(2020, 1, 1)
    if isinstance(kind, Time):
        return time(10, 0)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, (String, Text)):
        length = getattr(kind, "length", None) or 64
        return uuid.uuid4().hex[: max(1, min(length, 32))]
    raise AssertionError(f"no test value for {column}")


def fill(session: Session, person_id: int, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """One row in every table about a person, its foreign keys pointing at this person's rows."""
    made: dict[str, list[dict[str, Any]]] = {"people": [{"id": person_id}]}
    service = Service(name=f"Service {uuid.uuid4().hex[:8]}", kind="care_home")
    session.add(service)
    session.flush()
    for table in Base.metadata.sorted_tables:
        if table.name not in tables_about_a_person(Base.metadata) or table.name == "people":
            continue
        if table.name in privacy.NOT_HELD:
            continue
        values: dict[str, Any] = {}
        for column in table.columns:
            fks = list(column.foreign_keys)
            if fks:
                parent = fks[0].column.table.name
                if parent == "users":
                    values[column.name] = user_id
                elif parent == "services":  # the service a person or review belongs to
                    values[column.name] = service.id
                elif parent != table.name and made.get(parent):
                    values[column.name] = made[parent][0][fks[0].column.name]
                elif not column.nullable:
                    raise AssertionError(f"{table.name}.{column.name} needs a {parent} row")
            elif column.primary_key and isinstance(column.type, Integer):
                continue
            elif not column.nullable or column.name in privacy.FILE_COLUMNS:
                values[column.name] = _value(column, 1)
        result = session.execute(insert(table).values(**values))
        if "id" in table.c:
            values["id"] = result.inserted_primary_key[0]  # type: ignore[index]
        made[table.name] = [values]
    session.flush()
    return made


def _held_ids(session: Session, made: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """How many of the rows made for a person are still in each table."""
    left = {}
    for name, rows in made.items():
        table = Base.metadata.tables[name]
        key = [c for c in table.primary_key.columns]
        count = 0
        for row in rows:
            where = [c == row[c.name] for c in key]
            count += session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        left[name] = count
    return left


@pytest.fixture
def two_people(session: Session) -> dict[str, Any]:
    staff = user(session, Role.MANAGER)
    ann = person(session, staff, "Ann")
    bob = person(session, staff, "Bob")
    mine = fill(session, ann.id, staff.id)
    theirs = fill(session, bob.id, staff.id)
    for made in (mine, theirs):
        for rows in made.values():
            for row in rows:
                for column in privacy.FILE_COLUMNS:
                    if row.get(column):
                        storage.put(session, f"{row[column]}-thumb.jpg", b"jpeg", "image/jpeg")
    return {"staff": staff, "ann": ann, "bob": bob, "mine": mine, "theirs": theirs}


@pytest.mark.db
def test_export_holds_every_row_about_the_person_and_nothing_about_another(
    session: Session, two_people: dict[str, Any]
) -> None:
    ann, mine, theirs = two_people["ann"], two_people["mine"], two_people["theirs"]
    document = privacy.export_document(session, ann.id)
    assert document["person"]["id"] == ann.id and document["person"]["preferred_name"] == "Ann"
    for name, rows in mine.items():
        if name == "people":
            continue
        exported = document["tables"][name]
        assert len(exported) == 1, f"{name}: {len(exported)} rows exported"
        if "id" in rows[0]:
            assert exported[0]["id"] == rows[0]["id"]
            assert exported[0]["id"] != theirs[name][0]["id"]
    expected_files = sum(1 for rows in mine.values() for r in rows
                         for c in privacy.FILE_COLUMNS if r.get(c))  # fmt: skip
    assert expected_files >= 1 and len(document["files"]) == expected_files
    json.loads(privacy.export_json(document))  # all of it is JSON


@pytest.mark.db
def test_erasure_removes_every_row_and_file_and_leaves_another_person_alone(
    session: Session, two_people: dict[str, Any]
) -> None:
    ann, bob, staff = (two_people[k] for k in ("ann", "bob", "staff"))
    for who in (ann, bob):
        who.care_ended_on = date(2026, 1, 31)
    review_id = two_people["mine"]["reviews"][0]["id"]
    tablet = signed_in(session, staff)
    tablet.person_mode_review_id = review_id
    audit.record(session, "person.viewed", actor=staff, person_id=ann.id)
    session.flush()
    _close_cases(session, (ann.id, bob.id))
    before = len(storage.keys_starting(session, ""))

    # Not yet due the day before the eighth anniversary; due on it. A dry run erases nothing.
    assert retention.due(session, years=8, today=date(2034, 1, 30)) == []
    found = retention.due(session, years=8, today=date(2034, 1, 31), person_id=ann.id)
    assert [(d.person_id, d.due_on, d.held_because) for d in found] == [
        (ann.id, date(2034, 1, 31), None)
    ]
    assert found[0].files >= 1 and found[0].counts["reviews"] == 1
    assert all(
        v == len(two_people["mine"][k]) for k, v in _held_ids(session, two_people["mine"]).items()
    )
    assert len(storage.keys_starting(session, "")) == before

    erased = retention.erase_person(session, found[0], years=8, today=TODAY, actor=None,
                                    actor_label="command line")  # fmt: skip
    session.flush()
    left = {k: v for k, v in _held_ids(session, two_people["mine"]).items() if v}
    assert left == {}, f"rows left after erasure: {left}"
    assert all(v == 1 for v in _held_ids(session, two_people["theirs"]).values())
    assert len(storage.keys_starting(session, "")) == before - erased.files
    assert all(
        key.split("-")[0] not in _stems(two_people["mine"])
        for key in storage.keys_starting(session, "")
    )
    assert session.get(UserSession, tablet.id).person_mode_review_id is None  # type: ignore[union-attr]
    assert session.get(Person, bob.id) is not None

    entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.erased")).one()
    assert entry.person_id == ann.id and entry.actor_label == "command line"
    assert entry.detail["counts"]["reviews"] == 1 and entry.detail["counts"]["people"] == 1
    assert entry.detail["care_ended_on"] == "2026-01-31" and entry.detail["due_on"] == "2034-01-31"
    assert (
        entry.detail["retention_years"] == 8 and "8 years after care ends" in entry.detail["rule"]
    )
    assert "Ann" not in json.dumps(entry.detail) and "Ann" not in entry.actor_label
    # The entries about Ann stay, hash chain and all.
    kept = session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == ann.id)
                           .order_by(AuditEvent.seq)).all()  # fmt: skip
    assert kept == ["person.created", "person.viewed", "person.erased"]
    assert audit.verify(session).ok


def _stems(made: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {
        str(r[c]) for rows in made.values() for r in rows for c in privacy.FILE_COLUMNS if r.get(c)
    }


def _close_cases(session: Session, ids: tuple[int, ...]) -> None:
    from facilitator.models import CaseStatus, Complaint
    from facilitator.models.governance import FlagStatus, SafetyFlag

    for row in session.scalars(select(Complaint).where(Complaint.person_id.in_(ids))):
        row.status = CaseStatus.CLOSED
    for flag in session.scalars(select(SafetyFlag).where(SafetyFlag.person_id.in_(ids))):
        flag.status = FlagStatus.CLEARED
    session.flush()


@pytest.mark.db
def test_an_open_complaint_or_safety_flag_holds_erasure(
    session: Session, two_people: dict[str, Any]
) -> None:
    from facilitator.models import CaseStatus, Complaint

    ann = two_people["ann"]
    ann.care_ended_on = date(2020, 1, 1)
    _close_cases(session, (ann.id,))
    complaint = session.scalars(select(Complaint).where(Complaint.person_id == ann.id)).one()
    complaint.status = CaseStatus.OPEN
    session.flush()
    (item,) = retention.due(session, years=8, today=TODAY, person_id=ann.id)
    assert item.held_because == "open complaint"
    with pytest.raises(ServiceError, match="held"):
        retention.erase_person(session, item, years=8, today=TODAY, actor=None)
    assert session.get(Person, ann.id) is not None


@pytest.mark.db
def test_retention_is_counted_from_the_day_care_ended(session: Session) -> None:
    staff = user(session)
    still = person(session, staff, "Still supported")
    recent = person(session, staff, "Recent")
    recent.care_ended_on = date(2030, 6, 2)
    leap = person(session, staff, "Leap")
    leap.care_ended_on = date(2024, 2, 29)
    session.flush()
    due = {d.person_id: d.due_on for d in retention.due(session, years=5, today=TODAY)}
    assert still.id not in due and recent.id not in due
    assert due[leap.id] == date(2029, 2, 28)
    with pytest.raises(ServiceError):
        retention.due(session, years=0, today=TODAY)


@pytest.mark.db
def test_care_ended_is_recorded_and_audited(session: Session) -> None:
    staff = user(session)
    sam = person(session, staff)
    retention.record_care_ended(
        session, sam, on=date(2026, 3, 31), actor=staff, today=date(2026, 4, 1)
    )
    assert sam.care_ended_on == date(2026, 3, 31)
    with pytest.raises(ServiceError, match="future"):
        retention.record_care_ended(
            session, sam, on=date(2026, 4, 2), actor=staff, today=date(2026, 4, 1)
        )
    retention.record_care_ended(session, sam, on=None, actor=staff, today=date(2026, 4, 1))
    assert sam.care_ended_on is None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == sam.id)).all()
    assert "person.care_ended" in actions and "person.care_resumed" in actions


@pytest.mark.db
def test_export_of_a_real_review(session: Session) -> None:
    """Corrections and what they replaced, who captured them, links without secrets, others' views
    marked with who gave them, and the audit entries about the person."""
    staff = user(session, Role.STAFF, name="Sian Jones")
    sam = person(session, staff)
    alex = people.add_supporter(session, sam, actor=staff, name="Alex Carter",
                                relationship="brother", role=SupporterRole.FAMILY)  # fmt: skip
    rev = review(session, staff, sam)
    first = Response(review_id=rev.id, review_prompt_id=rev.prompts[0].id, client_id=cid(),
                     answer=[], own_words="pizza", capture_method=CaptureMethod.SCRIBED,
                     captured_by_id=staff.id)  # fmt: skip
    session.add(first)
    session.flush()
    fixed = Response(review_id=rev.id, review_prompt_id=rev.prompts[0].id, client_id=cid(),
                     answer=[], own_words="pasta", capture_method=CaptureMethod.SCRIBED,
                     captured_by_id=staff.id, supersedes_id=first.id,
                     correction_reason="Sam told me later")  # fmt: skip
    session.add(fixed)
    session.add(Contribution(review_id=rev.id, layer=Layer.FAMILY, topic_id="where-i-live",
                             supporter_id=alex.id, status=ContributionStatus.SUBMITTED,
                             body={"working": "The garden"}))  # fmt: skip
    rev.person_confirmed_at = utcnow()
    rev.status = ReviewStatus.PERSON_DONE
    issued = links.issue_link(session, rev, alex, staff, verifier="code")
    privacy.record_export(session, sam.id, actor=staff, how="test")
    session.flush()

    document = privacy.export_document(session, sam.id)
    text = privacy.export_json(document)
    said = {r["own_words"]: r for r in document["tables"]["responses"]}
    assert (
        said["pizza"]["capture_method"] == "scribed" and said["pizza"]["captured_by_id"] == staff.id
    )
    assert said["pasta"]["supersedes_id"] == said["pizza"]["id"]
    assert {"id": staff.id, "name": "Sian Jones", "role": "staff", "job_title": None} in document[
        "accounts"
    ]
    (link,) = document["tables"]["invitation_links"]
    assert "token_hash" not in link and "verifier_hash" not in link and link["expires_at"]
    assert link["state"] == "active"
    assert issued.token not in text and links.hash_token(issued.token) not in text
    (view,) = document["tables"]["contributions"]
    assert view["given_by"] == "Alex Carter (brother, family)" and view["body"] == {
        "working": "The garden"
    }
    assert "contributions" in document["third_party_tables"]
    assert any("Third-party" in note for note in document["notes_for_provider"])
    actions = [e["action"] for e in document["audit_events"]]
    assert "person.created" in actions and "person.subject_access_export" in actions
    export_entry = document["audit_events"][-1]
    assert export_entry["detail"] == {"format_version": 1, "how": "test"}
    lines = {line.key: line.count for line in privacy.summary_lines(document)}
    assert lines["answers"] == 2 and lines["others_said"] == 1 and lines["reviews"] == 1


@pytest.mark.db
def test_no_such_person(session: Session) -> None:
    with pytest.raises(NotFound):
        privacy.holdings(session, 987654)
    assert retention.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_retention_years_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from facilitator.config import ConfigError, retention_years

    monkeypatch.delenv("RETENTION_YEARS", raising=False)
    assert retention_years() == 8
    monkeypatch.setenv("RETENTION_YEARS", " 10 ")
    assert retention_years() == 10
    for bad in ("0", "eight", "-3", "101", "7.5"):
        monkeypatch.setenv("RETENTION_YEARS", bad)
        with pytest.raises(ConfigError, match="RETENTION_YEARS must be a whole number"):
            retention_years()


def test_migration_keeps_the_audit_chain_and_its_guard(tmp_path: Path) -> None:
    """On SQLite, 0008 rebuilds audit_events: the rows (and so their hashes) are copied
    unchanged and the table is append-only again afterwards."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from facilitator.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0007_custom_prompts")
    engine = make_engine(url)
    with Session(engine) as before:
        # Rows as that revision had them (today's models have columns 0007 did not).
        tables = old_revision.tables(before, "users", "people")
        staff_id = old_revision.insert(
            before, tables["users"], role="staff", email="sian@example.org"
        )
        ann_id = old_revision.insert(before, tables["people"], preferred_name="Ann")
        audit.record(
            before, "person.viewed", actor_label=f"user {staff_id}", person_id=ann_id,
            detail={"n": 1},
        )  # fmt: skip
        before.commit()
        hashes = before.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq)).all()
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as after:
        # The entries made before are unchanged (later migrations may add their own after).
        kept = after.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq)).all()
        assert kept[: len(hashes)] == hashes
        assert audit.verify(after).ok
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                after.execute(text(statement))
            after.rollback()
    engine.dispose()
