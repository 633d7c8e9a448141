"""The evidence pack (issue 20): every figure for the dashboard's known data set, small numbers
hidden in every output, and the PDF tagged (structure tree, headings, language, title)."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    OutcomeAction,
    Person,
    SafetyAction,
    SafetyDecision,
    SafetyFlag,
)
from facilitator.outputs import evidence_pack as written
from facilitator.services import ServiceError
from facilitator.services.governance import record_audit, today
from facilitator.services.reporting import (
    dashboard,
    evidence_pack,
    outcomes,
    person_pack,
    small_numbers,
)
from facilitator.services.reviews import you_said

from .test_governance_dashboard import OAK, known_data


def _decisions(session: Session, data: dict[str, Any]) -> None:
    """Two decisions on Oak House flags in the period, one on another service's, one old."""
    t = today()
    flags = {f.review_id: f for f in session.scalars(select(SafetyFlag))}
    made = [
        (data["reviews"]["r1"], SafetyAction.SPOKE_WITH_PERSON, 14),
        (data["reviews"]["r1"], SafetyAction.NO_FURTHER_ACTION, 14),
        (data["reviews"]["r7"], SafetyAction.SAFEGUARDING_REFERRAL, 2),
        (data["reviews"]["r4"], SafetyAction.SPOKE_WITH_PERSON, 400),
    ]
    for review, action, days in made:
        session.add(
            SafetyDecision(
                flag_id=flags[review.id].id,
                action=action,
                detail="Talked it through",
                clears=False,
                decided_by_id=data["manager"].id,
                acted_on=t - timedelta(days=days),
            )
        )
    session.flush()


def _pack(session: Session, service: str | None = OAK) -> evidence_pack.Pack:
    period = dashboard.make_period(today() - timedelta(days=60), today(), service)
    return evidence_pack.build(session, period, extras=("trends",))


# The sections counted here; the outcome figures and record audits come from their own modules
# (services/reporting/outcomes.py, services/governance/record_audit.py), checked against them.
OWN = {
    "reviews",
    "involvement",
    "complaints",
    "differing-views",
    "safeguarding",
    "actions",
    "records",
}


def _figures(
    pack: evidence_pack.Pack, sections: set[str] | None = OWN
) -> dict[tuple[str, str], tuple[int, int | None]]:
    return {
        (f.figure, f.breakdown): (f.value, f.whole)
        for s, f in pack.rows()
        if sections is None or s.key in sections
    }


@pytest.mark.db
def test_every_figure_of_the_pack_for_one_service(app: Flask, session: Session) -> None:
    data = known_data(session)
    _decisions(session, data)
    pack = _pack(session)
    t = today()
    audit_entries = session.scalar(
        select(func.count(AuditEvent.id))
        .join(Person, Person.id == AuditEvent.person_id)
        .where(
            Person.service == OAK,
            AuditEvent.at >= pack.period.start_at,
            AuditEvent.at < pack.period.end_at,
        )
    )
    expected = {
        # Person-centred care
        ("reviews-held", ""): (4, None),
        ("person-first", ""): (1, 4),
        ("person-confirmed", ""): (2, 4),
        ("non-participation", ""): (1, 4),
        ("capture", "tapped"): (3, 6),
        ("capture", "typed"): (1, 6),
        ("capture", "scribed"): (1, 6),
        ("capture", "interpreted"): (1, 6),
        # Listening to and involving people: patterns of involvement
        ("reviews-with-family", ""): (1, 4),
        ("reviews-with-advocate", ""): (1, 4),
        ("no-family-with-advocate", ""): (1, 2),
        ("needing-advocate", ""): (1, None),
        ("supporters-contributing", "family-and-friends"): (1, None),
        ("supporters-contributing", "advocates"): (1, None),
        ("supporters-contributing", "legal-authority"): (0, None),
        ("supporter-contributions", "family-and-friends"): (1, None),
        ("supporter-contributions", "advocates"): (1, None),
        ("supporter-contributions", "legal-authority"): (0, None),
        ("supporter-differing", "family-and-friends"): (1, 1),
        ("supporter-differing", "advocates"): (1, 1),
        ("supporter-differing", "legal-authority"): (0, 0),
        ("communications", ""): (1, None),
        # Independence, choice and control: differing views
        ("differing-opened", "discussion"): (1, None),
        ("differing-opened", "joint-meeting"): (1, None),
        ("differing-opened", "best-interests"): (0, None),
        ("differing-opened", "manager-escalation"): (0, None),
        ("differing-opened", "advocate-report"): (1, None),
        ("differing-opened", "safeguarding"): (0, None),
        ("differing-opened", "none"): (0, None),
        ("differing-resolved", "discussion"): (1, None),
        ("differing-resolved", "joint-meeting"): (0, None),
        ("differing-resolved", "best-interests"): (0, None),
        ("differing-resolved", "manager-escalation"): (0, None),
        ("differing-resolved", "advocate-report"): (0, None),
        ("differing-resolved", "safeguarding"): (0, None),
        ("differing-resolved", "none"): (0, None),
        ("differing-open-age", "under-2-weeks"): (1, None),
        ("differing-open-age", "2-to-4-weeks"): (0, None),
        ("differing-open-age", "4-to-8-weeks"): (1, None),
        ("differing-open-age", "over-8-weeks"): (1, None),
        ("advocate-reports-overdue", ""): (1, None),
        # Listening to and involving people: complaints
        ("complaints-received", ""): (2, None),
        ("complaints-acknowledged-in-time", ""): (1, 2),
        ("complaints-responded", ""): (0, None),
        ("complaints-responded-in-time", ""): (0, 0),
        ("complaints-open", ""): (2, None),
        ("complaints-overdue", ""): (1, 2),
        # Safeguarding
        ("safety-flags-raised", ""): (2, None),
        ("safety-flags-cleared", ""): (1, None),
        ("safety-flags-open", ""): (1, None),
        ("safety-decisions", "spoke-with-person"): (1, None),
        ("safety-decisions", "safeguarding-referral"): (0, None),
        ("safety-decisions", "no-further-action"): (1, None),
        # Monitoring and improving outcomes
        ("actions", ""): (3, None),
        ("actions-linked", ""): (2, 3),
        ("actions-with-reason", ""): (1, 3),
        ("actions-overdue", ""): (1, 3),
        # Governance, management and sustainability
        ("agreements-due", ""): (1, None),
        ("supporters-without-agreement", ""): (2, None),
        ("audit-entries", ""): (audit_entries, None),
    }
    assert _figures(pack) == expected
    assert audit_entries and audit_entries > 0
    assert pack.as_of == t and pack.service_label == OAK
    statements = [(s.key, s.statement.english) for s in pack.sections]
    assert statements == list(
        {
            "reviews": "Person-centred care",
            "involvement": "Listening to and involving people",
            "complaints": "Listening to and involving people",
            "differing-views": "Independence, choice and control",
            "safeguarding": "Safeguarding",
            "actions": "Monitoring and improving outcomes",
            "did-it-happen": "Monitoring and improving outcomes",
            "against-persons-view": "Independence, choice and control",
            "records": "Governance, management and sustainability",
            "record-audits": "Governance, management and sustainability",
            "trends": "Learning, improvement and innovation",
        }.items()
    )


@pytest.mark.db
def test_every_service_counts_the_other_service_too(app: Flask, session: Session) -> None:
    data = known_data(session)
    _decisions(session, data)
    pack = _pack(session, None)
    figures = _figures(pack)
    assert figures[("reviews-held", "")] == (5, None)
    assert figures[("complaints-received", "")] == (3, None)  # the anonymous one too
    assert figures[("safety-decisions", "safeguarding-referral")] == (1, None)
    assert figures[("reviews-with-family", "")] == (1, 5)
    assert pack.service_label is None


@pytest.mark.db
def test_the_outcome_and_record_audit_sections_are_their_modules_figures(
    app: Flask, session: Session
) -> None:
    known_data(session)
    pack = _pack(session)
    start, end = pack.period.start, pack.period.end
    oak = evidence_pack.service_ids_of(session, pack.period, None)
    assert oak and len(oak) == 1
    happened = outcomes.did_it_happen(session, service_ids=oak, start=start, end=end)
    against = outcomes.against_persons_view(session, service_ids=oak, start=start, end=end)
    audits = record_audit.audit_figures(session, service_ids=oak, start=start, end=end)
    figures = _figures(pack, None)
    assert figures[("did-it-happen", "happened")] == (happened.happened, happened.answered)
    assert figures[("did-it-happen", "did-not")] == (happened.did_not, happened.answered)
    assert figures[("not-answered", "")] == (happened.not_answered, happened.asked)
    assert happened.not_answered > 0  # Sam's review after R1 did not ask about its actions
    assert figures[("staff-status", "done")] == (happened.staff["done"], happened.asked)
    assert figures[("person-and-staff-disagree", "")] == (0, happened.answered)
    assert figures[("against-persons-view", "")] == (against.total.part, against.total.whole)
    assert figures[("differing-uncoded", "")] == (1, None)  # R1's view, resolved before codes
    assert figures[("against-by-supporters-part", "family-and-friends")] == (0, 0)
    assert figures[("record-audits-completed", "")] == (audits.audits_completed, None) == (0, None)
    assert figures[("checklist-met", "consent")] == (0, 0)
    # Trends: 8 quarters of every trend figure; reviews held counted in their quarters.
    trends = [f for s, f in pack.rows() if s.key == "trends"]
    assert len(trends) == 8 * len(outcomes.TREND_FIGURES)
    held = Counter(
        outcomes.quarter_of(today() - timedelta(days=d))[0].isoformat()
        for d in (20, 15, 10, 5, 200)
    )
    by_quarter = {f.breakdown: f.value for f in trends if f.figure == "trend-reviews-held"}
    assert len(by_quarter) == 8
    assert {q: n for q, n in by_quarter.items() if n} == dict(held)


def test_small_numbers() -> None:
    assert [small_numbers.is_small(n) for n in (None, 0, 1, 4, 5, 120)] == [
        False, False, True, True, False, False,
    ]  # fmt: skip
    assert small_numbers.shown(None) == ""
    assert small_numbers.shown(0) == "0"
    assert small_numbers.shown(1) == "fewer than 5"
    assert small_numbers.shown(4) == "fewer than 5"
    assert small_numbers.shown(5) == "5"
    assert small_numbers.data_value(3) == "fewer than 5"
    assert small_numbers.data_value(7) == 7 and small_numbers.data_value(0) == 0
    # A percentage is left out when it would give a hidden number back.
    assert small_numbers.percent(3, 150) is None
    assert small_numbers.percent(6, 3) is None
    assert small_numbers.percent(0, 10) == 0
    assert small_numbers.percent(10, 40) == 25
    assert small_numbers.percent(5, 0) is None


def test_small_numbers_in_welsh(app: Flask) -> None:
    with app.test_request_context(), force_locale("cy"):
        assert small_numbers.shown(2) == str(small_numbers.FEWER_THAN)


def _known_pack(app: Flask, session: Session) -> evidence_pack.Pack:
    data = known_data(session)
    _decisions(session, data)
    return _pack(session)


NAMES = ("Sam", "Samuel", "Ellis", "Priya", "Alex", "Kit Lee", "Jo Patel", "Noor", "Gwen")


def _names(name: str, text: str) -> bool:
    """Whether ``text`` names the person (a whole word: Welsh "Sampl", a sample, is not Sam)."""
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


@pytest.mark.db
def test_csv_and_json_hide_small_numbers_and_name_nobody(app: Flask, session: Session) -> None:
    pack = _known_pack(app, session)
    with app.test_request_context():
        text = written.to_csv(pack)
        data = json.loads(written.to_json(pack, "en"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(pack.rows())
    by_id = {(r["figure_id"], r["breakdown_id"]): r for r in rows}
    held = by_id[("reviews-held", "")]
    assert (
        held["value"] == "fewer than 5" and held["cqc_quality_statement"] == "Person-centred care"
    )
    assert held["key_question"] == "Responsive"
    assert by_id[("capture", "tapped")]["out_of"] == "6"
    assert by_id[("capture", "tapped")]["percent"] == ""  # 3 of 6: hidden part, no percent
    assert by_id[("differing-opened", "none")]["value"] == "0"
    for row in rows:  # nothing from 1 to 4 anywhere
        assert row["value"] not in {"1", "2", "3", "4"}
        assert row["out_of"] not in {"1", "2", "3", "4"}
    sections = {s["id"]: s for s in data["sections"]}
    assert sections["safeguarding"]["cqc_quality_statement"] == "Safeguarding"
    values = [f["value"] for s in data["sections"] for f in s["figures"]]
    assert not any(isinstance(v, int) and 0 < v < 5 for v in values)
    assert "fewer than 5" in values and 0 in values
    assert data["language"] == "en-GB" and data["service"] == OAK
    for name in NAMES:
        assert not _names(name, text) and not _names(name, json.dumps(data))


def _structure(reader: PdfReader) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if "/S" in node:
                found.append(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.db
@pytest.mark.parametrize(("lang", "tag"), [("en", "en-GB"), ("cy", "cy")])
def test_the_pdf_is_tagged_with_headings_and_language(
    app: Flask, session: Session, lang: str, tag: str
) -> None:
    pack = _known_pack(app, session)
    with app.test_request_context(), force_locale(lang):
        data = written.to_pdf(pack, lang, author="Morgan Evans")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == tag
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and reader.metadata.title
    tags = _structure(reader)
    for wanted in ("/Document", "/H1", "/H2", "/H3", "/P", "/Table", "/TH", "/TD"):
        assert wanted in tags, wanted
    assert tags.count("/H3") == len(pack.sections)
    assert tags.count("/Table") >= len(pack.sections)  # a table over two pages is two
    text = "".join(page.extract_text() for page in reader.pages)
    if lang == "en":
        assert "Person-centred care" in text and "Safeguarding" in text
        assert "fewer than 5" in text
    for name in NAMES:
        assert not _names(name, text)


@pytest.mark.db
def test_the_persons_own_pack_is_tagged_easy_read(app: Flask, session: Session) -> None:
    data = known_data(session)
    sam = data["sam"]
    r1, r4 = data["reviews"]["r1"], data["reviews"]["r4"]
    first, second = session.scalars(
        select(OutcomeAction).where(OutcomeAction.review_id == r1.id).order_by(OutcomeAction.id)
    ).all()
    for action, answer in ((first, "yes"), (first, "partly"), (second, "no")):  # a change of mind
        you_said.record_follow_up(
            session, r4, action, client_id=uuid.uuid4().hex, answer=answer, facilitator=None
        )
    reviews = person_pack.person_reviews(session, sam)
    assert [(r.review.id, r.things_said, r.actions, r.actions_from_words) for r in reviews] == [
        (data["reviews"]["r4"].id, 1, 0, 0),
        (data["reviews"]["r1"].id, 3, 2, 1),
        (reviews[2].review.id, 1, 1, 0),  # r6, long ago
    ]
    assert reviews[1].spoke_first and reviews[1].family_views == 1
    said = (reviews[0].said_happened, reviews[0].said_partly, reviews[0].said_did_not)
    assert said == (0, 1, 1)
    helpers = person_pack.supporter_count(session, sam)
    assert helpers == {"family-and-friends": 1, "advocates": 1}
    with app.test_request_context(), force_locale("en"):
        pdf = written.person_pdf(sam, reviews, helpers, "en", author="Sian Jones")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    tags = _structure(reader)
    assert "/H1" in tags and tags.count("/H2") == len(reviews) + 2 and "/P" in tags
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Your reviews, Sam" in text and "You told us 3 things." in text
    assert "1 thing partly happened." in text and "1 thing did not happen." in text


def test_the_pack_language_is_english_or_welsh() -> None:
    assert evidence_pack.pack_language(None) == "en"
    assert evidence_pack.pack_language("cy") == "cy"
    with pytest.raises(ServiceError):
        evidence_pack.pack_language("fr")


@pytest.mark.db
def test_the_trends_are_a_grid_with_small_numbers_hidden(app: Flask, session: Session) -> None:
    pack = _known_pack(app, session)
    trends = next(s for s in pack.sections if s.key == "trends")
    with app.test_request_context():
        columns, grid = written.pivot(trends)
    assert len(columns) == 8 and columns[-1].endswith(f"Q{(today().month - 1) // 3 + 1}")
    assert len(grid) == len(outcomes.TREND_FIGURES)
    label, held = grid[0]
    assert label == "Reviews held" and held[-1] == "fewer than 5"
    assert all(cell == "0 / 0" for cell in dict(grid)["Actions the person says happened"])
