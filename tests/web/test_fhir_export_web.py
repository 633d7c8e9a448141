"""The FHIR downloads on the review record (issue 20): staff only, in scope, audited, valid."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, Person, Review, Supporter
from facilitator.services.reviews import consent

from ..conftest import sign_in
from .test_actions import KEYWORKER, captured


def test_fhir_downloads(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    captured(app, review_id)
    sign_in(client, KEYWORKER)
    base = f"/staff/reviews/{review_id}/record"
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "fhir-answers.json" in page and "fhir-bundle.json" in page
    answers = client.get(f"{base}/fhir-answers.json?download=1")
    assert answers.status_code == 200 and answers.mimetype == "application/fhir+json"
    assert "attachment" in answers.headers["Content-Disposition"]
    parsed = QuestionnaireResponse.model_validate_json(answers.data)
    said = json.dumps(json.loads(answers.data), ensure_ascii=False)
    assert "I like my garden" in said and parsed.status == "completed"
    bundle = client.get(f"{base}/fhir-bundle.json")
    Bundle.model_validate_json(bundle.data)
    assert "I like my garden" in bundle.get_data(as_text=True)
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        circle = list(
            db.session.scalars(select(Supporter).where(Supporter.person_id == review.person_id))
        )
        shown = {s.id: consent.may_see(db.session, review, s) for s in circle}
        other = db.session.scalar(
            select(Supporter.id).join(Person).where(Person.id != review.person_id).limit(1)
        )
    for supporter_id, may_see in shown.items():
        theirs = client.get(f"{base}/fhir-bundle.json?supporter={supporter_id}")
        assert theirs.status_code == 200
        Bundle.model_validate_json(theirs.data)
        assert ("I like my garden" in theirs.get_data(as_text=True)) is may_see
    # a supporter of someone else is not found, and says nothing
    assert client.get(f"{base}/fhir-bundle.json?supporter={other}").status_code == 404
    with app.app_context():
        kept = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review.exported")
        ).all()
        formats = [e.detail["format"] for e in kept]
    assert formats.count("fhir-r4-bundle") == 1 + len(shown)
    assert "fhir-r4-questionnaire-response" in formats
