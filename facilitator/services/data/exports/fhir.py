"""A review as HL7 FHIR R4 (issue 20): the person's own answers as a ``QuestionnaireResponse``
against the prompt library as a ``Questionnaire``, and the whole review record as a
``Bundle`` (type ``collection``).

The documents are plain JSON-ready dicts; the tests validate them with the ``fhir.resources``
package's R4B models (``fhir.resources.R4B``: 8.3.0 ships R4B, STU3 and R5, not R4 itself;
R4B keeps R4's QuestionnaireResponse, Questionnaire, Patient, RelatedPerson and CarePlan
unchanged, and UK Core profiles are FHIR R4).

How each answer was captured (tapped, typed, scribed, interpreted) and the layer a response
belongs to (the person's own, advocate, family, staff) are extensions under
``STRUCTURE_BASE``.

Consent and role, exactly as the pages: an export for a supporter (``audience``) holds the
person's answers only when :func:`consent.may_see` says so (a clear "yes"), and never another
supporter's or staff's layer, nor differing views; an export for staff holds everything that
the JSON export does about the review's answers, layers and actions.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ....models import (
    Contribution,
    ContributionStatus,
    DifferingView,
    OutcomeAction,
    Response,
    Review,
    ReviewStatus,
    Supporter,
    User,
)
from ....prompts.library import load_library
from ... import NotFound, audit
from ...reviews import consent, responses
from ...reviews.current import superseded_ids

BASE = "https://facilitator.example/fhir"
STRUCTURE_BASE = f"{BASE}/StructureDefinition"
EXT_CAPTURE = f"{STRUCTURE_BASE}/how-captured"
EXT_LAYER = f"{STRUCTURE_BASE}/layer"
EXT_SKIPPED = f"{STRUCTURE_BASE}/skipped"
EXT_ROUTE = f"{STRUCTURE_BASE}/differing-view-route"
ANSWER_SYSTEM = f"{BASE}/CodeSystem/answer-option"
LAYER_SYSTEM = f"{BASE}/CodeSystem/layer"
CAPTURE_SYSTEM = f"{BASE}/CodeSystem/how-captured"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/prompt-library"
PERSON_LAYER = "person"
_OPEN = (ReviewStatus.PLANNED, ReviewStatus.PERSON_IN_PROGRESS)
# OutcomeAction.status -> CarePlan.activity.detail.status
ACTIVITY_STATUS = {
    "planned": "not-started",
    "in-progress": "in-progress",
    "done": "completed",
    "not-done": "stopped",
}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _layer_ext(layer: str) -> dict[str, Any]:
    return {"url": EXT_LAYER, "valueCoding": _coding(LAYER_SYSTEM, layer)}


def _capture_ext(method: str) -> dict[str, Any]:
    return {"url": EXT_CAPTURE, "valueCoding": _coding(CAPTURE_SYSTEM, str(method))}


def _prompt_item(prompt_id: str, lang: str = "en") -> dict[str, Any] | None:
    """One library prompt as a Questionnaire item (None if the library no longer has it)."""
    try:
        prompt = load_library().prompt(prompt_id)
    except KeyError:
        return None
    item: dict[str, Any] = {
        "linkId": prompt.id,
        "text": prompt.text(lang, fallback=True),
        "type": "text" if prompt.answer_type.free_text_only else "open-choice",
    }
    if prompt.options:
        item["repeats"] = prompt.answer_type.multiple
        item["answerOption"] = [
            {"valueCoding": _coding(ANSWER_SYSTEM, o.id, o.label(lang, fallback=True))}
            for o in prompt.options
        ]
    return item


def questionnaire(extra_prompt_ids: list[str] | None = None) -> dict[str, Any]:
    """The prompt library as one Questionnaire (topics as groups, prompts as items).

    ``extra_prompt_ids``: staff's own prompts (``custom-<id>``) a review used, added in a
    group of their own so every answer's linkId is found.
    """
    library = load_library()
    groups = []
    for topic in library.topics:
        items = [i for p in library.prompts_for_topic(topic.id) if (i := _prompt_item(p.id))]
        groups.append(
            {"linkId": f"topic-{topic.id}", "text": topic.title("en", fallback=True),
             "type": "group", "item": items}
        )  # fmt: skip
    custom = [i for p in extra_prompt_ids or [] if (i := _prompt_item(p))]
    if custom:
        groups.append({"linkId": "custom", "text": "Staff's own prompts", "type": "group",
                       "item": custom})  # fmt: skip
    return {
        "resourceType": "Questionnaire",
        "id": "prompt-library",
        "url": QUESTIONNAIRE_URL,
        "name": "FacilitatorPromptLibrary",
        "title": "Facilitator prompt library",
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }


def _answer_out(row: Response) -> list[dict[str, Any]]:
    if row.own_words:
        return [{"valueString": row.own_words, "extension": [_capture_ext(row.capture_method)]}]
    return [
        {
            "valueCoding": _coding(ANSWER_SYSTEM, code),
            "extension": [_capture_ext(row.capture_method)],
        }
        for code in row.answer or []
    ]


def _person_items(session: Session, review: Review) -> list[dict[str, Any]]:
    items = []
    for entry in responses.answers_for_review(session, review):
        prompt_id = entry.review_prompt.library_prompt_id or f"custom-{entry.review_prompt.id}"
        if not entry.answered:
            continue
        item: dict[str, Any] = {"linkId": prompt_id}
        known = _prompt_item(prompt_id)
        if known:
            item["text"] = known["text"]
        answers: list[dict[str, Any]] = []
        if entry.choice is not None:
            if entry.choice.skipped:
                item["extension"] = [{"url": EXT_SKIPPED, "valueBoolean": True}]
            answers.extend(_answer_out(entry.choice))
        for words in entry.words:
            answers.extend(_answer_out(words))
        if answers:
            item["answer"] = answers
        items.append(item)
    return items


def questionnaire_response(session: Session, review: Review) -> dict[str, Any]:
    """The person's own current answers as a QuestionnaireResponse (their layer)."""
    items = _person_items(session, review)
    latest = session.scalar(
        select(Response.created_at)
        .where(Response.review_id == review.id)
        .order_by(Response.id.desc())
        .limit(1)
    )
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"review-{review.id}-person",
        "extension": [_layer_ext(PERSON_LAYER)],
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "in-progress" if review.status in _OPEN else "completed",
        "subject": {"reference": f"Patient/{review.person_id}"},
    }
    if latest is not None:
        out["authored"] = latest.isoformat()
    if items:
        out["item"] = items
    return out


def _custom_ids(review: Review) -> list[str]:
    return [
        rp.library_prompt_id or f"custom-{rp.id}"
        for rp in review.prompts
        if (rp.library_prompt_id or "").startswith("custom-")
    ]


def _patient(review: Review) -> dict[str, Any]:
    person = review.person
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.id),
        "name": [{"use": "official", "text": person.full_name},
                 {"use": "usual", "text": person.preferred_name}],
        "communication": [{"language": {"coding": [
            _coding("urn:ietf:bcp:47", person.language or "en")]}}],
    }  # fmt: skip
    if person.date_of_birth:
        out["birthDate"] = person.date_of_birth.isoformat()
    return out


def _related(supporter: Supporter) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": str(supporter.id),
        "active": bool(supporter.active),
        "patient": {"reference": f"Patient/{supporter.person_id}"},
        "name": [{"text": supporter.name}],
        "relationship": [{"text": supporter.relationship_to_person}],
    }
    telecom = []
    if supporter.email:
        telecom.append({"system": "email", "value": supporter.email})
    if supporter.phone:
        telecom.append({"system": "phone", "value": supporter.phone})
    if telecom:
        out["telecom"] = telecom
    return out


def _contribution(row: Contribution, person_id: int, users: dict[int, User]) -> dict[str, Any]:
    """One submitted topic of a layer as a QuestionnaireResponse of free-text items."""
    items = [
        {"linkId": f"{row.topic_id or 'general'}.{key}", "answer": [{"valueString": str(value)}]}
        for key, value in sorted((row.body or {}).items())
        if isinstance(value, str | int) and str(value).strip()
    ]
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"contribution-{row.id}",
        "extension": [_layer_ext(str(row.layer))],
        "status": "completed",
        "subject": {"reference": f"Patient/{person_id}"},
    }
    if row.supporter_id:
        out["author"] = {"reference": f"RelatedPerson/{row.supporter_id}"}
    elif row.author_user_id and row.author_user_id in users:
        out["author"] = {"display": users[row.author_user_id].name}
    if row.submitted_at:
        out["authored"] = row.submitted_at.isoformat()
    if items:
        out["item"] = items
    return out


def _care_plan(review: Review, actions: list[OutcomeAction]) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "id": f"review-{review.id}-actions",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{review.person_id}"},
        "activity": [
            {"detail": {
                "status": ACTIVITY_STATUS.get(str(a.status), "unknown"),
                "description": a.plain_text,
                **({"scheduledString": a.due_on.isoformat()} if a.due_on else {}),
                "performer": [{"display": a.owner_name}],
            }}
            for a in actions
        ],
    }  # fmt: skip


def _differing(view: DifferingView, person_id: int) -> dict[str, Any]:
    """A differing view as a Basic resource: its summary, route, status and outcome."""
    out: dict[str, Any] = {
        "resourceType": "Basic",
        "id": f"differing-view-{view.id}",
        "code": {"coding": [_coding(f"{BASE}/CodeSystem/record", "differing-view")],
                 "text": view.summary or ""},
        "subject": {"reference": f"Patient/{person_id}"},
        "extension": [{"url": f"{STRUCTURE_BASE}/differing-view-status",
                       "valueCode": str(view.status)}],
    }  # fmt: skip
    if view.route:
        out["extension"].append({"url": EXT_ROUTE, "valueCode": str(view.route)})
    if view.outcome:
        out["extension"].append(
            {"url": f"{STRUCTURE_BASE}/differing-view-outcome", "valueString": view.outcome}
        )
    return out


def _current_contributions(session: Session, review: Review) -> list[Contribution]:
    superseded = set(session.scalars(superseded_ids(Contribution, review_ids=review.id)))
    rows = session.scalars(
        select(Contribution)
        .where(
            Contribution.review_id == review.id,
            Contribution.status == ContributionStatus.SUBMITTED,
        )
        .order_by(Contribution.id)
    )
    return [r for r in rows if r.id not in superseded]


def review_bundle(
    session: Session,
    review: Review,
    *,
    actor: User | None,
    audience: Supporter | None = None,
) -> dict[str, Any]:
    """The review record as a FHIR Bundle, for staff (``audience`` None) or for one supporter.

    For a supporter: the person's answers only if the person agreed they may see them, the
    supporter's own layer only, no other supporter, no staff or advocate layer, no differing
    views. Audited as ``review.exported`` with the format and the audience.
    """
    users = {u.id: u for u in session.scalars(select(User))}
    resources: list[dict[str, Any]] = [_patient(review)]
    contributions = _current_contributions(session, review)
    shared = True
    if audience is not None:
        shared = consent.may_see(session, review, audience)
        resources.append(_related(audience))
        contributions = [c for c in contributions if c.supporter_id == audience.id]
    else:
        resources.extend(_related(s) for s in review.person.supporters)
    if shared:
        resources.append(questionnaire(_custom_ids(review)))
        resources.append(questionnaire_response(session, review))
    resources.extend(_contribution(c, review.person_id, users) for c in contributions)
    actions = list(
        session.scalars(
            select(OutcomeAction)
            .where(OutcomeAction.review_id == review.id)
            .order_by(OutcomeAction.id)
        )
    )
    if actions:
        resources.append(_care_plan(review, actions))
    if audience is None:
        resources.extend(
            _differing(v, review.person_id)
            for v in session.scalars(
                select(DifferingView)
                .where(DifferingView.review_id == review.id)
                .order_by(DifferingView.id)
            )
        )
    audit.record(
        session, "review.exported", actor=actor, obj=review, person_id=review.person_id,
        detail={"format": "fhir-r4-bundle", "audience": "supporter" if audience else "staff",
                "supporter_id": audience.id if audience else None, "answers_shared": shared},
    )  # fmt: skip
    return {
        "resourceType": "Bundle",
        "id": f"review-{review.id}",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def bundle_for(
    session: Session, review: Review, *, actor: User | None, supporter_id: int | None = None
) -> dict[str, Any]:
    """The Bundle for staff, or for the supporter ``supporter_id`` of the review's person.

    A supporter who is not in this person's circle is NotFound (as any record out of reach).
    """
    if supporter_id is None:
        return review_bundle(session, review, actor=actor)
    supporter = session.get(Supporter, supporter_id)
    if supporter is None or supporter.person_id != review.person_id:
        raise NotFound(_l("That supporter is not in this person's circle."))
    return review_bundle(session, review, actor=actor, audience=supporter)


def export_questionnaire_response(
    session: Session, review: Review, *, actor: User | None
) -> dict[str, Any]:
    """The person's own answers alone (staff), audited as an export."""
    audit.record(
        session, "review.exported", actor=actor, obj=review, person_id=review.person_id,
        detail={"format": "fhir-r4-questionnaire-response", "audience": "staff"},
    )  # fmt: skip
    return questionnaire_response(session, review)


def as_json(document: dict[str, Any]) -> str:
    """A FHIR document as indented UTF-8 JSON text."""
    return json.dumps(document, ensure_ascii=False, indent=2)
