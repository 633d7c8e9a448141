"""The review record for the file, and a complete machine-readable export of a review.

``review_record`` gathers what the record page, its print version and its PDF show, in the
order the product requires: the person's views first, then each layer, then differing views,
then the actions with the statements they answer.

``export_review`` writes every column of every row that belongs to a review as JSON (dates
as ISO 8601, enums as their stored values); ``import_review`` reads such a document back into
new rows, mapping every id, so ``export -> import -> export`` gives the same document apart
from ids. Secrets are never exported: invitation links (token hashes) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, select
from sqlalchemy.orm import Session

from ...models import (
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
    action_responses,
)
from ...models.base import UTCDateTime
from .. import ServiceError, audit
from ..reviews import person_first, responses
from ..reviews.actions import Figures, Statement, actions_for_review, figures_for_review
from ..reviews.actions import unanswered_statements as _unanswered
from ..reviews.current import superseded_ids

FORMAT = "facilitator.review"
FORMAT_VERSION = 1


# --- the record for the file -----------------------------------------------------------------


@dataclass
class ActionEntry:
    """One action with the statements it answers (corrected-since ones marked)."""

    action: OutcomeAction
    statements: list[Response]
    corrected_since: set[int] = field(default_factory=set)


@dataclass
class ReviewRecord:
    """Everything the record shows, in the order it is shown."""

    review: Review
    person: Person
    person_done: bool
    answers: list[responses.PromptAnswers]
    non_participation: list[NonParticipation]
    layers: list[Any] | None  # contributions.TopicLayers, or None where layers are not built
    differing_views: list[DifferingView]
    actions: list[ActionEntry]
    unanswered: list[Statement]
    figures: Figures
    users: dict[int, User]


def _layers(session: Session, review: Review) -> list[Any] | None:
    # Hook: the layers come from the contributions service (advocate, family, staff).
    try:
        from ..reviews.contributions import layers_for_review
    except ImportError:  # pragma: no cover - only before the layers exist
        return None
    return [t for t in layers_for_review(session, review) if not t.empty]


def review_record(session: Session, review: Review) -> ReviewRecord:
    """The review record: person first, then layers, differing views and actions."""
    superseded = set(session.scalars(superseded_ids(Response, review_ids=review.id)))
    entries = [
        ActionEntry(a, list(a.responses), {r.id for r in a.responses if r.id in superseded})
        for a in actions_for_review(session, review)
    ]
    return ReviewRecord(
        review=review,
        person=review.person,
        person_done=person_first.person_views_done(session, review),
        answers=responses.answers_for_review(session, review),
        non_participation=list(
            session.scalars(
                select(NonParticipation)
                .where(NonParticipation.review_id == review.id)
                .order_by(NonParticipation.id)
            )
        ),
        layers=_layers(session, review),
        differing_views=list(
            session.scalars(
                select(DifferingView)
                .where(DifferingView.review_id == review.id)
                .order_by(DifferingView.id)
            )
        ),
        actions=entries,
        unanswered=_unanswered(session, review),
        figures=figures_for_review(session, review),
        users={u.id: u for u in session.scalars(select(User))},
    )


# --- rows to JSON and back -------------------------------------------------------------------


def _value_out(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # an enum: its stored value
    return value


def row_to_dict(row: Any) -> dict[str, Any]:
    """Every column of a model row, JSON-ready."""
    return {c.key: _value_out(getattr(row, c.key)) for c in row.__table__.columns}


def _value_in(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    enum_class = getattr(column.type, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    if isinstance(column.type, Integer) and not isinstance(value, int):
        raise ServiceError(_l("%(field)s must be a whole number.", field=column.key))
    return value


def _row_from(model: type, data: dict[str, Any], overrides: dict[str, Any]) -> Any:
    values = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.key == "id":
            continue
        if column.key in overrides:
            values[column.key] = overrides[column.key]
        elif column.key in data:
            values[column.key] = _value_in(column, data[column.key])
    return model(**values)


# --- export ----------------------------------------------------------------------------------


def _rows(session: Session, model: Any, *where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(*where).order_by(model.id)))


def _dump(session: Session, model: Any, *where: Any) -> list[dict[str, Any]]:
    return [row_to_dict(row) for row in _rows(session, model, *where)]


def export_review(session: Session, review: Review, *, actor: User | None) -> dict[str, Any]:
    """Every field of the review and everything that hangs on it, as a JSON-ready dict."""
    person = review.person
    supporters = _rows(session, Supporter, Supporter.person_id == person.id)
    supporter_ids = [s.id for s in supporters]
    prompts = _rows(session, ReviewPrompt, ReviewPrompt.review_id == review.id)
    custom_ids = [p.custom_prompt_id for p in prompts if p.custom_prompt_id]
    actions = _rows(session, OutcomeAction, OutcomeAction.review_id == review.id)
    action_ids = [a.id for a in actions]
    links = session.execute(
        select(action_responses.c.action_id, action_responses.c.response_id)
        .where(action_responses.c.action_id.in_(action_ids))
        .order_by(action_responses.c.action_id, action_responses.c.response_id)
    ).all()
    by_action: dict[int, list[int]] = {a: [] for a in action_ids}
    for action_id, response_id in links:
        by_action[action_id].append(response_id)
    document: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "person": row_to_dict(person),
        "supporters": [row_to_dict(s) for s in supporters],
        "legal_authorities": [
            row_to_dict(a)
            for a in _rows(session, LegalAuthority, LegalAuthority.supporter_id.in_(supporter_ids))
        ],
        "involvement_agreements": [
            row_to_dict(a)
            for a in _rows(
                session, InvolvementAgreement, InvolvementAgreement.supporter_id.in_(supporter_ids)
            )
        ],
        "review": row_to_dict(review),
        "custom_prompts": [
            row_to_dict(c) for c in _rows(session, CustomPrompt, CustomPrompt.id.in_(custom_ids))
        ],
        "prompts": [_prompt_out(p) for p in prompts],
        "responses": _dump(session, Response, Response.review_id == review.id),
        "non_participation": [
            row_to_dict(n)
            for n in _rows(session, NonParticipation, NonParticipation.review_id == review.id)
        ],
        "contributions": _dump(session, Contribution, Contribution.review_id == review.id),
        "consents": [
            row_to_dict(c)
            for c in _rows(session, ConsentToShare, ConsentToShare.review_id == review.id)
        ],
        "differing_views": [
            row_to_dict(d)
            for d in _rows(session, DifferingView, DifferingView.review_id == review.id)
        ],
        "actions": [{**row_to_dict(a), "response_ids": by_action[a.id]} for a in actions],
        # Answers given at this review about earlier actions, and at later reviews about these.
        "follow_ups": [
            row_to_dict(f)
            for f in _rows(
                session,
                ActionFollowUp,
                (ActionFollowUp.review_id == review.id) | ActionFollowUp.action_id.in_(action_ids),
            )
        ],
    }
    document["users"] = _users_out(session, document)
    audit.record(
        session,
        "review.exported",
        actor=actor,
        obj=review,
        person_id=person.id,
        detail={"format": FORMAT, "format_version": FORMAT_VERSION},
    )
    return document


def _prompt_out(prompt: ReviewPrompt) -> dict[str, Any]:
    """The prompt row, with the library's wording as it was when exported (for readers)."""
    from ...prompts.library import load_library

    data = row_to_dict(prompt)
    if prompt.library_prompt_id:
        try:
            library_prompt = load_library().prompt(prompt.library_prompt_id)
        except KeyError:
            return data
        data["library_text"] = dict(library_prompt.texts)
        data["library_options"] = {o.id: dict(o.labels) for o in library_prompt.options}
    return data


_USER_COLUMNS = {
    "created_by_id", "facilitator_id", "person_confirmed_by_id", "captured_by_id",
    "recorded_by_id", "author_user_id", "decided_by_id", "opened_by_id", "owner_user_id",
    "checked_by_id", "user_id", "retired_by_id",
}  # fmt: skip


def _walk_rows(document: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for key, value in document.items():
        if isinstance(value, dict) and key in ("person", "review"):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, dict))


def _users_out(session: Session, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The accounts the rows refer to: name, email and role only (never a secret)."""
    ids = {
        row[column]
        for row in _walk_rows(document)
        for column in _USER_COLUMNS
        if isinstance(row.get(column), int)
    }
    users = _rows(session, User, User.id.in_(ids)) if ids else []
    return [{"id": u.id, "email": u.email, "name": u.name, "role": str(u.role)} for u in users]


def export_json(session: Session, review: Review, *, actor: User | None) -> str:
    """The export as indented UTF-8 JSON text."""
    return json.dumps(
        export_review(session, review, actor=actor), ensure_ascii=False, indent=2, sort_keys=True
    )


# --- import ----------------------------------------------------------------------------------


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
        return {c: ids.get("users", row[c]) for c in _USER_COLUMNS if c in row}

    old_person = document["person"]
    if person is None:
        person = _row_from(Person, old_person, {})
        session.add(person)
        session.flush()
    ids.put("people", old_person["id"], person.id)

    def add(table: str, model: Any, row: dict[str, Any], **overrides: Any) -> Any:
        made = _row_from(model, row, {**users(row), **overrides})
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
    import uuid

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
        "action_id": "outcome_actions", **{c: "users" for c in _USER_COLUMNS},
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
