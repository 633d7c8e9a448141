"""FHIR R4 export (issue 20): the person's answers as a QuestionnaireResponse, the prompt
library as a Questionnaire and the review record as a Bundle, validated with fhir.resources'
R4B models; a family-facing export never holds what the person did not agree to share."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    ConsentDecision,
    Supporter,
    SupporterRole,
)
from facilitator.services import people
from facilitator.services.data.exports import fhir
from facilitator.services.reviews import consent, contributions, person_session, responses

from . import factories

pytestmark = pytest.mark.db

WORLD = {"started": True}
FAMILY_VIEWS = {"working": "The garden is lovely", "not_working": "Brother's private worry"}


def _answered(session: Session, world: factories.World) -> tuple[Supporter, Supporter]:
    """Sam answers three prompts; Alex may see them, Mary may not; both give family views."""
    review, staff = world.review, world.staff
    assert review is not None
    prompts = world.prompts
    responses.record_choice(
        session, review, prompts["like-where-you-live"], client_id=factories.cid(),
        answer=["good"], facilitator=staff,
    )  # fmt: skip
    responses.record_choice(
        session, review, prompts["who-is-important"], client_id=factories.cid(),
        answer=["family", "pets"], facilitator=staff,
    )  # fmt: skip
    responses.record_words(
        session, review, prompts["favourite-food"], client_id=factories.cid(),
        words="Fish and chips on Friday", method=CaptureMethod.SCRIBED, facilitator=staff,
    )  # fmt: skip
    alex, mary = (
        people.add_supporter(
            session,
            world.sam,
            actor=staff,
            name=name,
            relationship=rel,
            role=SupporterRole.FAMILY,
            email=f"{rel}@example.org",
        )  # fmt: skip
        for name, rel in (("Alex Carter", "brother"), ("Mary Carter", "mother"))
    )
    consent.record_person_choice(session, review, alex, ConsentDecision.YES, "tapped", staff)
    consent.record_person_choice(session, review, mary, ConsentDecision.NO, "tapped", staff)
    person_session.confirm(session, review, world.tablet, "2468")
    for who, words in ((alex, "Alex thinks"), (mary, "Mary thinks")):
        contributions.save_family_draft(
            session, review, who, "where-i-live", {**FAMILY_VIEWS, "working": words}
        )
        contributions.submit_family(session, review, who)
    session.flush()
    return alex, mary


def _resources(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]]


def _person_response(bundle: dict) -> dict | None:
    for r in _resources(bundle):
        if r["resourceType"] == "QuestionnaireResponse" and r["id"].endswith("-person"):
            return r
    return None


def test_the_library_is_a_valid_questionnaire() -> None:
    document = fhir.questionnaire()
    parsed = Questionnaire.model_validate(document)
    link_ids = {i.linkId for g in parsed.item for i in g.item}
    assert {"like-where-you-live", "who-is-important", "favourite-food"} <= link_ids


def test_answers_match_and_carry_how_captured_and_layer(
    session: Session, world: factories.World
) -> None:
    _answered(session, world)
    document = fhir.export_questionnaire_response(session, world.review, actor=world.staff)
    parsed = QuestionnaireResponse.model_validate(document)
    assert parsed.status == "completed"
    assert parsed.subject.reference == f"Patient/{world.sam.id}"
    assert document["extension"] == [
        {"url": fhir.EXT_LAYER, "valueCoding": {"system": fhir.LAYER_SYSTEM, "code": "person"}}
    ]
    items = {i["linkId"]: i for i in document["item"]}
    assert [a["valueCoding"]["code"] for a in items["like-where-you-live"]["answer"]] == ["good"]
    assert [a["valueCoding"]["code"] for a in items["who-is-important"]["answer"]] == [
        "family",
        "pets",
    ]
    food = items["favourite-food"]["answer"][0]
    assert food["valueString"] == "Fish and chips on Friday"
    assert food["extension"][0]["url"] == fhir.EXT_CAPTURE
    assert food["extension"][0]["valueCoding"]["code"] == "scribed"
    tapped = items["like-where-you-live"]["answer"][0]["extension"][0]
    assert tapped["valueCoding"]["code"] == "tapped"
    # every answer's linkId is a question of the library Questionnaire
    library_ids = {i["linkId"] for g in fhir.questionnaire()["item"] for i in g["item"]}
    assert set(items) <= library_ids
    audited = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review.exported")
    ).all()
    assert audited[-1].detail["format"] == "fhir-r4-questionnaire-response"


def test_the_staff_bundle_validates_and_holds_the_whole_record(
    session: Session, world: factories.World
) -> None:
    _answered(session, world)
    document = fhir.review_bundle(session, world.review, actor=world.staff)
    Bundle.model_validate(document)
    kinds = [r["resourceType"] for r in _resources(document)]
    assert kinds.count("RelatedPerson") == 2
    assert "Questionnaire" in kinds and "Patient" in kinds
    text = json.dumps(document)
    assert "Alex thinks" in text and "Mary thinks" in text
    assert _person_response(document) is not None
    # JSON round trip, as a receiving system reads it
    Bundle.model_validate_json(fhir.as_json(document))


def test_a_family_export_never_holds_what_the_person_did_not_share(
    session: Session, world: factories.World
) -> None:
    alex, mary = _answered(session, world)
    for_mary = fhir.review_bundle(session, world.review, actor=world.staff, audience=mary)
    Bundle.model_validate(for_mary)
    text = json.dumps(for_mary)
    assert _person_response(for_mary) is None
    assert "Fish and chips" not in text and '"good"' not in text
    assert "Alex thinks" not in text and "Alex Carter" not in text  # no other supporter
    assert "Mary thinks" in text  # her own view
    for_alex = fhir.review_bundle(session, world.review, actor=world.staff, audience=alex)
    Bundle.model_validate(for_alex)
    answered = _person_response(for_alex)
    assert answered is not None and "Fish and chips" in json.dumps(answered)
    assert "Mary thinks" not in json.dumps(for_alex)
    # Alex's consent withdrawn ("not sure"): his next export holds no answers either
    consent.record_person_choice(
        session, world.review, alex, ConsentDecision.NOT_SURE, "tapped", world.staff
    )
    again = fhir.review_bundle(session, world.review, actor=world.staff, audience=alex)
    assert _person_response(again) is None
    details = [
        e.detail
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "review.exported"))
    ]
    assert [d["answers_shared"] for d in details] == [False, True, False]
