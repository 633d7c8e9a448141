"""Subject access (UK GDPR Article 15): everything held about one person, and where it is.

The same map of "what belongs to a person" serves the export here and erasure in
:mod:`facilitator.services.data.retention`, so the two can never disagree.

``KINDS`` lists every table that holds rows about a person, parents before children. A row
belongs to the person when any of its foreign keys points at a row that already belongs to
them (the person's own row, their supporters, their reviews, ...): the columns are read from
the schema, so a new foreign key is followed without anyone remembering to. A new *table*
with such a key must be added to ``KINDS`` (or to ``NOT_HELD``, with the reason): the test
``test_every_table_about_a_person_is_covered`` fails until it is.

Secrets are never exported: an invitation link's token hash and code verifier are left out.
The audit entries about the person are exported as they are (they hold ids, not content).

One thing at a little over 400 lines: the map of what is held and the document and ZIP built
from it (the easy-read summary and the PDF are ``outputs/subject_access.py``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from ... import models  # noqa: F401  (every table registered on the metadata)
from ...db import Base
from ...models import AuditEvent, InvitationLink, Person, User, utcnow
from .. import NotFound, audit
from ..family.links import link_state
from ..media import storage

FORMAT = "facilitator.subject-access"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Kind:
    """One table that holds rows about a person."""

    table: str
    # Columns never exported (secrets), though the rows are erased with everything else.
    hidden: frozenset[str] = frozenset()
    # Written by, or about, someone other than the person (family, advocates, staff...).
    third_party: bool = False


# Rows are found (and erased) in the schema's dependency order, not this one.
KINDS: tuple[Kind, ...] = (
    Kind("people"),
    Kind("person_services"),
    Kind("cover_grants", third_party=True),
    Kind("supporters", third_party=True),
    Kind("legal_authorities", third_party=True),
    Kind("involvement_agreements", third_party=True),
    Kind("agreement_answers"),
    Kind("custom_prompts"),
    Kind("photos"),
    Kind("voice_recordings", third_party=True),
    Kind("reviews"),
    Kind("review_prompts"),
    Kind("review_closures", third_party=True),
    Kind("review_meetings", third_party=True),
    Kind("non_participation"),
    Kind("responses"),
    # The person's own voice (issue 24); a transcript in it is a facilitator's, with their id.
    Kind("recording_consents"),
    Kind("person_recordings"),
    Kind("action_recordings"),
    Kind("contributions", third_party=True),
    Kind("consents"),
    Kind("invitation_links", hidden=frozenset({"token_hash", "verifier_hash"})),
    Kind("differing_views", third_party=True),
    Kind("differing_view_details"),
    Kind("differing_view_parties", third_party=True),
    Kind("differing_view_statements"),
    Kind("outcome_actions"),
    Kind("action_responses"),
    Kind("action_followups"),
    Kind("complaints", third_party=True),
    Kind("complaint_details"),
    Kind("complaint_sources", hidden=frozenset({"client_token"})),
    Kind("capacity_assessments"),
    Kind("best_interests_records"),
    Kind("best_interests_wishes"),
    Kind("best_interests_consultees", third_party=True),
    Kind("safety_flags"),
    Kind("safety_decisions"),
    Kind("communications", third_party=True),
    Kind("advocate_reports", third_party=True),  # an advocate's formal report (issue 17)
    Kind("advocate_report_responses", third_party=True),
    # Joint problem-solving meetings (issue 17): the person's own view for one, what each
    # party said, the options discussed and the actions it produced.
    Kind("joint_meetings", third_party=True),
    Kind("joint_meeting_views"),
    Kind("joint_meeting_notes", third_party=True),
    Kind("joint_meeting_options", third_party=True),
    Kind("joint_meeting_actions"),
)

# Tables with a foreign key to a person's rows that are deliberately not part of the record.
NOT_HELD: dict[str, str] = {
    "user_sessions": (
        "a staff member's sign-in session; it only says which review a tablet was locked to. "
        "Erasure clears that reference (person_mode_review_id)."
    ),
    "tablet_unlock_attempts": (
        "refused tries to unlock a staff member's tablet (a security record about the staff "
        "account; which review the tablet was locked to is context only). Erasure clears that "
        "reference (the foreign key sets it to null)."
    ),
    "family_sessions": (
        "a family member's session by link (when it started, was last used and ended; no "
        "content): a security record of the link's use. Erasure deletes them with the links "
        "(the foreign key cascades)."
    ),
    "review_figures": (
        "each review's traceability figures (counts and one time span, no content), derived "
        "from the rows exported here and kept only to make the overdue actions page quick. "
        "Erasure deletes them with the reviews."
    ),
    "record_audit_checks": (
        "a review drawn for the provider's monthly record audit and who checked it (issue 20): "
        "a quality check of the provider's record keeping, not part of the person's record. "
        "Erasure deletes it with the review (the foreign key cascades)."
    ),
    "record_audit_answers": (
        "a manager's met / not met / not applicable for one checklist item of a record audit, "
        "with a note about the record keeping. Erasure deletes it with the review (cascade)."
    ),
    "record_audit_findings": (
        "what a record audit found missing in the record keeping, its owner and due date. "
        "Erasure deletes it with the review (cascade); the audit's counts stay in the audit log."
    ),
    "audit_events": (
        "the append-only audit log: exported in its own section and kept after erasure "
        "(its entries hold ids and event names, never names or what anyone said)"
    ),
}

# Columns that name the file(s) a row keeps in the upload folder.
FILE_COLUMNS = ("file_stem", "file_name", "filename", "stored_name", "audio_file")
_SAFE_STEM = re.compile(r"^[A-Za-z0-9_.-]{6,200}$")


def kinds() -> list[Kind]:
    """The kinds whose tables exist, parents before children (the schema's dependency order)."""
    by_name = {k.table: k for k in KINDS}
    return [by_name[t.name] for t in Base.metadata.sorted_tables if t.name in by_name]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _owning_columns(table: Table, owned: Iterable[str]) -> list[tuple[Any, str, str]]:
    """(column, parent table, parent column) for each foreign key into an owned table."""
    owned = set(owned)
    found = []
    for fk in table.foreign_keys:
        parent = fk.column.table.name
        if parent in owned and parent != table.name:
            found.append((fk.parent, parent, fk.column.name))
    return found


@dataclass
class Holdings:
    """Every row held about one person, table by table (rows as plain dicts)."""

    person_id: int
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def ids(self, table: str, column: str = "id") -> set[Any]:
        return {r[column] for r in self.rows.get(table, []) if r.get(column) is not None}

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items() if rows}


def holdings(session: Session, person_id: int) -> Holdings:
    """Find every row about the person, following foreign keys from their own row."""
    held = Holdings(person_id)
    done: list[str] = []
    for kind in kinds():
        table = _table(kind.table)
        if kind.table == "people":
            where = [table.c.id == person_id]
        else:
            where = []
            for column, parent, parent_column in _owning_columns(table, done):
                values = held.ids(parent, parent_column)
                if values:
                    where.append(column.in_(sorted(values)))
        if not where:
            held.rows[kind.table] = []
        else:
            order = [c for c in table.primary_key.columns]
            result = session.execute(select(table).where(or_(*where)).order_by(*order))
            held.rows[kind.table] = [dict(row._mapping) for row in result]
        done.append(kind.table)
    if not held.rows.get("people"):
        raise NotFound(_l("No such person."))
    return held


# Where the file store keeps each kind of file: photos at the top, recordings in voices/.
FILE_PREFIXES = ("", "voices/", "person-voices/")


def files_for(session: Session, held: Holdings) -> list[dict[str, Any]]:
    """The stored files (photos, recordings) that belong to the person's rows."""
    listed = []
    for table, rows in held.rows.items():
        for row in rows:
            for column in FILE_COLUMNS:
                stem = row.get(column)
                if not isinstance(stem, str) or not _SAFE_STEM.match(stem):
                    continue
                keys = sorted(
                    key for prefix in FILE_PREFIXES
                    for key in storage.keys_starting(session, prefix + stem)
                )  # fmt: skip
                if keys:
                    found = [storage.info(session, key) for key in keys]
                    listed.append({
                        "table": table, "row_id": row.get("id"), "files": keys,
                        "bytes": sum(f.byte_size for f in found if f is not None),
                    })  # fmt: skip
    return listed


# --- the export --------------------------------------------------------------------------------


def _value_out(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # an enum: its stored value
    if isinstance(value, bytes):
        return None
    return value


PROVIDER_NOTES = [
    "This export is everything Facilitator holds about the person: every table, every "
    "version (corrected and superseded answers included), and the audit entries about them.",
    "Third-party information: some records were written by, or are about, other people "
    "(family members, friends, advocates, attorneys, deputies, staff, people who raised a "
    "complaint). They are included and marked with who gave them. Before you release this "
    "to the person, consider each one under the Data Protection Act 2018, Schedule 2, Part 3 "
    "(paragraphs 16 and 17: consent of the other person, or whether it is reasonable to "
    "disclose without it) and redact where needed.",
    "Also consider the Data Protection (Subject Access Modification) (Social Work) Order "
    "where release could cause serious harm, and give the person the easy-read summary.",
    "Secrets are never exported: family links appear with their dates and state only.",
]


def _given_by(row: dict[str, Any], supporters: dict[int, dict[str, Any]],
              accounts: dict[int, User]) -> str | None:  # fmt: skip
    supporter = supporters.get(row.get("supporter_id") or 0)
    if supporter is not None:
        role = _value_out(supporter["role"])
        # "other" has its words in the note (issue 17)
        relationship = supporter.get("relationship_note") or supporter["relationship_to_person"]
        return f"{supporter['name']} ({relationship}, {role})"
    for column in ("author_user_id", "user_id", "recorded_by_id", "opened_by_id"):
        account = accounts.get(row.get(column) or 0)
        if account is not None:
            return f"{account.name} ({account.role})"
    return row.get("name") or row.get("raised_by") or row.get("recipient_name")


def _link_state(session: Session, link_id: int) -> str:
    """active, revoked, closed or expired, as the staff pages show it."""
    link = session.get(InvitationLink, link_id)
    return link_state(link) if link is not None else "unknown"


def _user_ids(rows: Iterable[dict[str, Any]], user_columns: set[str]) -> set[int]:
    return {row[c] for row in rows for c in user_columns if isinstance(row.get(c), int)}


def _user_columns(table: Table) -> set[str]:
    return {fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "users"}


def export_document(
    session: Session,
    person_id: int,
    *,
    held: Holdings | None = None,
) -> dict[str, Any]:
    """Everything held about the person, as a JSON-ready dict (nothing recorded here)."""
    held = held or holdings(session, person_id)
    supporters = {s["id"]: s for s in held.rows.get("supporters", [])}
    user_ids: set[int] = set()
    for kind in kinds():
        user_ids |= _user_ids(held.rows.get(kind.table, []), _user_columns(_table(kind.table)))
    events = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.person_id == person_id).order_by(AuditEvent.seq)
        )
    )
    user_ids |= {e.actor_user_id for e in events if e.actor_user_id}
    accounts = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    tables: dict[str, list[dict[str, Any]]] = {}
    for kind in kinds():
        if kind.table == "people":
            continue
        out = []
        for row in held.rows.get(kind.table, []):
            data = {k: _value_out(v) for k, v in row.items() if k not in kind.hidden}
            if kind.third_party:
                data["given_by"] = _given_by(row, supporters, accounts)
            if kind.table == "invitation_links":
                data["state"] = _link_state(session, row["id"])
            out.append(data)
        tables[kind.table] = out
    person = {k: _value_out(v) for k, v in held.rows["people"][0].items()}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "person_id": person_id,
        "notes_for_provider": PROVIDER_NOTES,
        "person": person,
        "tables": tables,
        "third_party_tables": [k.table for k in kinds() if k.third_party],
        "hidden_columns": {k.table: sorted(k.hidden) for k in kinds() if k.hidden},
        "files": files_for(session, held),
        "accounts": [
            {"id": u.id, "name": u.name, "role": str(u.role), "job_title": u.job_title}
            for u in sorted(accounts.values(), key=lambda u: u.id)
        ],
        "audit_events": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor_user_id": e.actor_user_id,
                "actor_label": e.actor_label,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "detail": e.detail or {},
                "hash": e.hash,
            }
            for e in events
        ],  # fmt: skip
    }


def record_export(
    session: Session, person_id: int, *, actor: User | None, actor_label: str | None = None,
    how: str,
) -> None:  # fmt: skip
    """Log that a subject access export was made: who, when, for whom; never the content."""
    audit.record(
        session, "person.subject_access_export", actor=actor, actor_label=actor_label,
        object_type="people", object_id=person_id, person_id=person_id,
        detail={"format_version": FORMAT_VERSION, "how": how},
    )  # fmt: skip


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("No such person."))
    return person


def export_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def build_zip(session: Session, document: dict[str, Any], summary_pdf: bytes | None) -> bytes:
    """One ZIP: the JSON, the easy-read summary and copies of the person's uploaded files."""
    person_id = document["person_id"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"person-{person_id}.json", export_json(document))
        if summary_pdf is not None:
            archive.writestr(f"person-{person_id}-summary.pdf", summary_pdf)
        for entry in document["files"]:
            for name in entry["files"]:
                blob = storage.get(session, name)
                if blob is not None:
                    archive.writestr(f"files/{name}", blob.body)
    return buffer.getvalue()


# --- the easy-read summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryLine:
    """One thing held, counted, with the picture beside it."""

    key: str
    picture: str
    count: int


# Which tables make each line of the easy-read summary (the wording is in the views).
SUMMARY_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("reviews", "calendar", ("reviews",)),
    (
        "answers",
        "speech-bubble",
        ("responses", "action_followups", "agreement_answers", "person_recordings"),
    ),
    ("supporters", "people", ("supporters", "legal_authorities", "involvement_agreements")),
    ("others_said", "family", ("contributions", "best_interests_consultees")),
    ("actions", "tick", ("outcome_actions",)),
    (
        "decisions",
        "clipboard",
        (
            "differing_views",
            "capacity_assessments",
            "best_interests_records",
            "consents",
            "recording_consents",
        ),
    ),  # fmt: skip
    ("safety", "shield", ("safety_flags", "safety_decisions")),
    ("complaints", "letters", ("complaints", "communications")),
    ("pictures", "house", ("photos", "voice_recordings", "custom_prompts")),
    ("links", "mobile-phone", ("invitation_links",)),
)


def summary_lines(document: dict[str, Any]) -> list[SummaryLine]:
    """How many things of each kind are held, for the easy-read summary."""
    tables = document["tables"]
    lines = []
    for key, picture, names in SUMMARY_GROUPS:
        count = sum(len(tables.get(name, [])) for name in names)
        lines.append(SummaryLine(key, picture, count))
    lines.append(SummaryLine("log", "summary", len(document["audit_events"])))
    return lines
