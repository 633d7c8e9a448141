"""Reading an export back into new rows, mapping every id, so ``export -> import -> export``
gives the same document apart from ids (``comparable`` says so).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ....models import (
    ActionFollowUp,
    ConsentToShare,
    Contribution,
    CustomPrompt,
    DifferingView,
    InvolvementAgreement,
    LegalAuthority,
    NonParticipation,
    OutcomeAction,
    Person,
    Response,
    Review,
    ReviewPrompt,
    Supporter,
    User,
)
from ... import ServiceError, audit
from ...reviews import frozen
from .rows import FORMAT, FORMAT_VERSION, USER_COLUMNS, row_from


@dataclass
class ImportReport:
    """What import_review made, and what it could not carry over."""

    review: Review
    person: Person
    unmatched_users: list[str] = field(default_factory=list)  # emails with no account here
    skipped_follow_ups: int = 0


class _Ids:
    """Old id -> new id, per table."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[int, int]] = {}

    def put(self, table: str, old: int, new: int) -> None:
        self.maps.setdefault(table, {})[old] = new

    def get(self, table: str, old: Any) -> int | None:
        if old is None:
            return None
        return self.maps.get(table, {}).get(int(old))

    def need(self, table: str, old: Any) -> int:
        new = self.get(table, old)
        if new is None:
            raise ServiceError(
                _l("The export refers to a missing %(table)s row (%(id)s).", table=table, id=old)
            )
        return new


def _check_format(document: dict[str, Any]) -> None:
    if document.get("format") != FORMAT:
        raise ServiceError(_l("This file is not a Facilitator review export."))
    if document.get("format_version") != FORMAT_VERSION:
        raise ServiceError(
            _l(
                "This export is format version %(sent)s; this Facilitator reads version %(read)s.",
                sent=document.get("format_version"),
                read=FORMAT_VERSION,
            )
        )


def import_review(
    session: Session,
    document: dict[str, Any],
    *,
    actor: User | None,
    person: Person | None = None,
) -> ImportReport:
    """Recreate an exported review as new rows (a new person unless ``person`` is given).

    Accounts are matched by email; references to accounts that do not exist here become
    empty and are listed in the report. Follow-ups that point at a review or action outside
    the export cannot be carried over and are counted as skipped.
    """
    _check_format(document)
    ids = _Ids()
    unmatched: list[str] = []
    for user in document.get("users", []):
        found = session.scalar(select(User.id).where(User.email == user["email"]))
        if found is None:
            unmatched.append(user["email"])
        else:
            ids.put("users", user["id"], found)

    def users(row: dict[str, Any]) -> dict[str, Any]:
        return {c: ids.get("users", row[c]) for c in USER_COLUMNS if c in row}

    old_person = document["person"]
    if person is None:
        person = row_from(Person, old_person, {})
        session.add(person)
        session.flush()
    ids.put("people", old_person["id"], person.id)

    def add(table: str, model: Any, row: dict[str, Any], **overrides: Any) -> Any:
        made = row_from(model, row, {**users(row), **overrides})
        session.add(made)
        session.flush()
        ids.put(table, row["id"], made.id)
        return made

    for row in document.get("supporters", []):
        add("supporters", Supporter, row, person_id=person.id)
    for row in document.get("legal_authorities", []):
        add(
            "legal_authorities",
            LegalAuthority,
            row,
            supporter_id=ids.need("supporters", row["supporter_id"]),
        )
    for row in document.get("involvement_agreements", []):
        add(
            "involvement_agreements",
            InvolvementAgreement,
            row,
            supporter_id=ids.need("supporters", row["supporter_id"]),
        )
    review = add("reviews", Review, document["review"], person_id=person.id)
    frozen.allow(session, review)  # a closed review is imported whole, then it is frozen again
    _import_custom_prompts(session, document.get("custom_prompts", []), person, review, ids, add)
    for row in document.get("prompts", []):
        custom = ids.get("custom_prompts", row.get("custom_prompt_id"))
        add(
            "review_prompts",
            ReviewPrompt,
            row,
            review_id=review.id,
            custom_prompt_id=custom,
            **({"library_prompt_id": f"custom-{custom}"} if custom is not None else {}),
        )
    _import_chain(
        document.get("responses", []),
        "responses",
        lambda row, sup: add(
            "responses",
            Response,
            row,
            review_id=review.id,
            review_prompt_id=ids.need("review_prompts", row["review_prompt_id"]),
            supersedes_id=sup,
            client_id=_new_client_id(row["client_id"]),
        ),
        ids,
    )
    for row in document.get("non_participation", []):
        add("non_participation", NonParticipation, row, review_id=review.id)
    _import_chain(
        document.get("contributions", []),
        "contributions",
        lambda row, sup: add(
            "contributions",
            Contribution,
            row,
            review_id=review.id,
            supersedes_id=sup,
            supporter_id=ids.get("supporters", row.get("supporter_id")),
        ),
        ids,
    )
    for row in document.get("consents", []):
        add(
            "consents",
            ConsentToShare,
            row,
            review_id=review.id,
            supporter_id=ids.need("supporters", row["supporter_id"]),
        )
    for row in document.get("differing_views", []):
        add(
            "differing_views",
            DifferingView,
            row,
            review_id=review.id,
            response_id=ids.get("responses", row.get("response_id")),
            contribution_id=ids.get("contributions", row.get("contribution_id")),
        )
    for row in document.get("actions", []):
        action = add("outcome_actions", OutcomeAction, row, review_id=review.id)
        action.responses = [
            session.get(Response, ids.need("responses", r)) for r in row.get("response_ids", [])
        ]
    skipped = 0
    for row in document.get("follow_ups", []):
        # A follow-up joins two reviews; a one-review export holds only one end of it.
        action_id = ids.get("outcome_actions", row["action_id"])
        if action_id is None or row["review_id"] != document["review"]["id"]:
            skipped += 1
            continue
        add(
            "action_followups",
            ActionFollowUp,
            row,
            action_id=action_id,
            review_id=review.id,
            client_id=_new_client_id(row["client_id"]),
            supersedes_id=ids.get("action_followups", row.get("supersedes_id")),
        )
    session.flush()
    audit.record(
        session,
        "review.imported",
        actor=actor,
        obj=review,
        person_id=person.id,
        detail={"from_review_id": document["review"]["id"], "unmatched_users": len(unmatched)},
    )
    frozen.release(session, review)
    return ImportReport(review, person, unmatched, skipped)


def _import_custom_prompts(
    session: Session,
    rows: list[dict[str, Any]],
    person: Person,
    review: Review,
    ids: _Ids,
    add: Callable[..., Any],
) -> None:
    """Custom prompt versions, oldest first, re-linked to each other and to the new review.

    A recorded voice or a photo is a file, not part of the export: the copies go without.
    """
    made = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        made[row["id"]] = add(
            "custom_prompts", CustomPrompt, row, person_id=person.id,
            review_id=review.id if row.get("review_id") is not None else None,
            first_version_id=ids.get("custom_prompts", row.get("first_version_id")),
            superseded_by_id=None, photo_id=None, recording_id=None,
        )  # fmt: skip
    for row in rows:
        newer = ids.get("custom_prompts", row.get("superseded_by_id"))
        if newer is not None:
            made[row["id"]].superseded_by_id = newer
    session.flush()


def _import_chain(
    rows: list[dict[str, Any]],
    table: str,
    make: Callable[[dict[str, Any], int | None], Any],
    ids: _Ids,
) -> None:
    """Rows that supersede earlier rows of the same table, oldest first."""
    for row in sorted(rows, key=lambda r: r["id"]):
        make(row, ids.get(table, row.get("supersedes_id")))


def _new_client_id(old: str) -> str:
    """Client ids are unique across the database: an imported copy gets a fresh one."""
    return f"imp-{uuid.uuid4().hex}"[:64] if old else old


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The export with ids, foreign keys and per-copy values replaced by positions.

    Two exports of the same review content compare equal after this, wherever it lives.
    """
    positions: dict[tuple[str, Any], int] = {}
    tables = {
        "supporters": "supporters", "legal_authorities": "legal_authorities",
        "involvement_agreements": "involvement_agreements", "custom_prompts": "custom_prompts",
        "prompts": "review_prompts", "responses": "responses",
        "non_participation": "non_participation", "contributions": "contributions",
        "consents": "consents", "differing_views": "differing_views",
        "actions": "outcome_actions", "follow_ups": "action_followups", "users": "users",
    }  # fmt: skip
    for key, table in tables.items():
        for index, row in enumerate(sorted(document.get(key, []), key=lambda r: r["id"])):
            positions[(table, row["id"])] = index
    positions[("people", document["person"]["id"])] = 0
    positions[("reviews", document["review"]["id"])] = 0
    refs = {
        "person_id": "people", "review_id": "reviews", "supporter_id": "supporters",
        "review_prompt_id": "review_prompts", "custom_prompt_id": "custom_prompts",
        "first_version_id": "custom_prompts", "superseded_by_id": "custom_prompts",
        "response_id": "responses", "contribution_id": "contributions",
        "action_id": "outcome_actions", **{c: "users" for c in USER_COLUMNS},
    }  # fmt: skip
    self_refs = {"responses": "responses", "contributions": "contributions",
                 "follow_ups": "action_followups"}  # fmt: skip

    def clean(row: dict[str, Any], table: str, self_table: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if key == "id":
                out[key] = positions.get((table, value))
            elif key == "library_prompt_id" and str(value or "").startswith("custom-"):
                out[key] = f"custom-{positions.get(('custom_prompts', int(value[7:])))}"
            elif key in ("photo_id", "recording_id"):
                out[key] = None  # files, not carried by an export
            elif key == "superseded_by_id":  # a newer version outside the export is not copied
                out[key] = positions.get(("custom_prompts", value))
            elif key == "client_id":
                out[key] = "<client id>"
            elif key in refs and value is not None:
                out[key] = positions.get((refs[key], value), "<outside>")
            elif key == "supersedes_id" and value is not None and self_table:
                out[key] = positions.get((self_table, value))
            elif key == "response_ids":
                out[key] = sorted(positions.get(("responses", v), -1) for v in value)
            else:
                out[key] = value
        return out

    result: dict[str, Any] = {}
    for key, value in document.items():
        if key in ("person", "review"):
            result[key] = clean(value, "people" if key == "person" else "reviews", None)
        elif key in tables:
            table = tables[key]
            result[key] = [
                clean(row, table, self_refs.get(key))
                for row in sorted(value, key=lambda r: r["id"])
            ]
        else:
            result[key] = value
    return result
