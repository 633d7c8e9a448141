"""Writing the export: every row that belongs to a review, with the accounts they name (name,
email and role only) and the library's wording of each prompt. Secrets are never exported:
invitation links (token hashes) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

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
    Response,
    Review,
    ReviewPrompt,
    Supporter,
    User,
    action_responses,
)
from ....prompts.library import load_library
from ... import audit
from .rows import FORMAT, FORMAT_VERSION, USER_COLUMNS, row_to_dict


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
    data = row_to_dict(prompt)
    if prompt.library_prompt_id:
        try:
            library_prompt = load_library().prompt(prompt.library_prompt_id)
        except KeyError:
            return data
        data["library_text"] = dict(library_prompt.texts)
        data["library_options"] = {o.id: dict(o.labels) for o in library_prompt.options}
    return data


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
        for column in USER_COLUMNS
        if isinstance(row.get(column), int)
    }
    users = _rows(session, User, User.id.in_(ids)) if ids else []
    return [{"id": u.id, "email": u.email, "name": u.name, "role": str(u.role)} for u in users]


def export_json(session: Session, review: Review, *, actor: User | None) -> str:
    """The export as indented UTF-8 JSON text."""
    return json.dumps(
        export_review(session, review, actor=actor), ensure_ascii=False, indent=2, sort_keys=True
    )
