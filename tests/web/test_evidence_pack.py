"""The evidence pack's pages and downloads (issue 20): managers choose a period, service and
language and download the same pack as PDF, CSV or JSON (each audited); staff open a person's
own easy-read pack from the person's page. Who else reaches them is walked by
tests/web/test_access_matrix.py (governance.* for managers, staff.* for staff, a person of
another service 404)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, Person

from ..conftest import sign_in
from ..structure import assert_page_ok

MANAGER = "manager@demo.facilitator.test"
OTHER_MANAGER = "tycelyn.manager@demo.facilitator.test"
STAFF = "keyworker@demo.facilitator.test"
PERIOD = "start=2022-01-01&end=2026-12-31"


def _audit(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_page_offers_the_pack_and_shows_its_figures(app: Flask, demo: dict) -> None:
    client = app.test_client()
    sign_in(client, MANAGER)
    page = client.get(f"/governance/evidence-pack?{PERIOD}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_page_ok(html, "evidence pack")
    assert "Person-centred care" in html and "Safeguarding" in html
    assert "/governance/evidence-pack.pdf?" in html and "lang=en" in html
    assert "Trends: the last 8 quarters" not in html
    asked = client.get(f"/governance/evidence-pack?{PERIOD}&trends=yes").get_data(as_text=True)
    assert "Trends: the last 8 quarters" in asked and "trends=yes" in asked
    # The governance menu leads to it.
    assert 'href="/governance/evidence-pack"' in client.get("/governance/").get_data(as_text=True)


def test_each_download_is_the_same_pack_and_is_audited(app: Flask, demo: dict) -> None:
    client = app.test_client()
    sign_in(client, MANAGER)
    pdf = client.get(f"/governance/evidence-pack.pdf?{PERIOD}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.data))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    text = "".join(p.extract_text() for p in reader.pages)
    made = client.get(f"/governance/evidence-pack.csv?{PERIOD}")
    assert made.status_code == 200 and made.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(made.get_data(as_text=True))))
    data = client.get(f"/governance/evidence-pack.json?{PERIOD}")
    assert data.status_code == 200 and data.mimetype == "application/json"
    pack = json.loads(data.data)
    figures = [f for s in pack["sections"] for f in s["figures"]]
    assert len(rows) == len(figures) > 40
    assert [r["figure_id"] for r in rows] == [f["id"] for f in figures]
    # The same figures, but the audit trail, which has grown by the CSV's own entry.
    steady = [(r["figure_id"], r["value"]) for r in rows if r["figure_id"] != "audit-entries"]
    assert steady == [(f["id"], str(f["value"])) for f in figures if f["id"] != "audit-entries"]
    for s in pack["sections"]:
        assert s["quality_statement"] in text  # every section's statement is in the PDF too
    for value in [r["value"] for r in rows] + [r["out_of"] for r in rows]:
        assert value not in {"1", "2", "3", "4"}
    for name in ("Sam", "Mary", "Morgan Evans"):
        assert name not in made.get_data(as_text=True)
    events = _audit(app, "evidence_pack.exported")
    assert [e.detail["format"] for e in events] == ["pdf", "csv", "json"]
    assert "trends" not in {s["id"] for s in pack["sections"]}  # only when asked
    with_trends = client.get(f"/governance/evidence-pack.json?{PERIOD}&trends=yes").get_json()
    assert with_trends["sections"][-1]["id"] == "trends"
    assert len(with_trends["sections"][-1]["figures"]) % 8 == 0
    assert events[0].detail["start"] == "2022-01-01" and events[0].detail["language"] == "en"


def test_the_pack_in_welsh(app: Flask, demo: dict) -> None:
    client = app.test_client()
    sign_in(client, MANAGER)
    pdf = client.get(f"/governance/evidence-pack.pdf?{PERIOD}&lang=cy")
    assert pdf.status_code == 200
    assert PdfReader(io.BytesIO(pdf.data)).trailer["/Root"]["/Lang"] == "cy"
    data = client.get(f"/governance/evidence-pack.json?{PERIOD}&lang=cy").get_json()
    assert data["language"] == "cy"
    # The statement's own CQC wording stays, for software to match; the words are Welsh.
    assert data["sections"][0]["cqc_quality_statement"] == "Person-centred care"


def test_bad_requests_are_refused_kindly(app: Flask, demo: dict) -> None:
    client = app.test_client()
    sign_in(client, MANAGER)
    bad_lang = client.get(f"/governance/evidence-pack.csv?{PERIOD}&lang=fr")
    assert bad_lang.status_code == 400
    assert "Choose English or Welsh for the pack." in bad_lang.get_data(as_text=True)
    backwards = client.get("/governance/evidence-pack.pdf?start=2026-05-01&end=2026-01-01")
    assert backwards.status_code == 400
    assert "The start of the period must be before its end." in backwards.get_data(as_text=True)
    not_a_date = client.get("/governance/evidence-pack?start=yesterday")
    assert not_a_date.status_code == 400
    assert "Enter dates like 2027-03-12." in not_a_date.get_data(as_text=True)
    assert _audit(app, "evidence_pack.exported") == []  # nothing left the provider


def test_staff_may_not_download_the_providers_pack(app: Flask, demo: dict) -> None:
    client = app.test_client()
    sign_in(client, STAFF)
    for suffix in ("", ".pdf", ".csv", ".json"):
        assert client.get(f"/governance/evidence-pack{suffix}?{PERIOD}").status_code == 403


def test_the_persons_own_pack_from_their_page(app: Flask, demo: dict) -> None:
    client = app.test_client()
    sign_in(client, STAFF)
    person_id = _person_id(app, "Sam")
    page = client.get(f"/staff/people/{person_id}").get_data(as_text=True)
    assert f"/staff/people/{person_id}/evidence-pack.pdf" in page
    pdf = client.get(f"/staff/people/{person_id}/evidence-pack.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "Your reviews, Sam" in "".join(p.extract_text() for p in reader.pages)
    events = _audit(app, "evidence_pack.person_pdf")
    assert [e.person_id for e in events] == [person_id]
    # Staff of another service: the same 404 as no such person.
    other = app.test_client()
    sign_in(other, "tycelyn@demo.facilitator.test")
    assert other.get(f"/staff/people/{person_id}/evidence-pack.pdf").status_code == 404


def _person_id(app: Flask, name: str) -> Any:
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.preferred_name == name))
