"""The monthly record audit's pages (issue 20), end to end through the forms: a manager starts
an audit, is refused checking it, a second manager checks each review (what the record says
shown beside the checklist, a link to the record), a finding gets an owner and a date and is
marked done, the audit finishes and its figure is on the dashboard; refusals are kind and keep
what was typed; another service's manager finds nothing. Every page is checked by the test
client's structure check; the access matrix walks every route for every kind of visitor."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    RecordAudit,
    RecordAuditFinding,
    Role,
    Service,
    StaffService,
    User,
)
from facilitator.services import accounts
from facilitator.services.demo import OAK_HOUSE

from ..conftest import csrf_from, sign_in
from ..unit.test_record_audit import _closed

PASSWORD = "demo-password-2026"
SECOND = "second.manager@demo.facilitator.test"
ALL_MET = {
    "person_first": "met", "consent": "met", "capacity": "n-a", "statements_answered": "met",
    "communicated": "met", "differing_resolved": "met", "you_said_shared": "met",
}  # fmt: skip


@pytest.fixture
def closed(app: Flask, demo: dict) -> dict[str, Any]:
    """Three Oak House reviews closed this month, and a second Oak House manager."""
    with app.app_context():
        session = db.session
        oak = session.scalars(select(Service).where(Service.name == OAK_HOUSE)).one()
        staff = session.scalars(
            select(User).where(User.email == "staff@demo.facilitator.test")
        ).one()
        now = datetime.now(UTC).replace(microsecond=0)
        reviews = [
            _closed(session, staff, oak, f"Audited{n}", now - timedelta(minutes=n))
            for n in range(3)
        ]
        second = accounts.create_user(
            session, email=SECOND, name="Rhian Price", role=Role.MANAGER, password=PASSWORD
        )
        session.add(StaffService(user_id=second.id, service_id=oak.id))
        session.commit()
        return {"oak": oak.id, "reviews": [r.id for r in reviews], "staff": staff.id}


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


def _post(client: FlaskClient, page: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _start(client: FlaskClient, closed: dict[str, Any], size: Any) -> Any:
    return _post(
        client, "/governance/record-audits", "/governance/record-audits",
        {"month": date.today().strftime("%Y-%m"), "service_ids": [closed["oak"]], "size": size},
    )  # fmt: skip


def test_an_audit_from_start_to_finish_through_its_pages(
    app: Flask, closed: dict[str, Any]
) -> None:
    first = _client(app, "manager@demo.facilitator.test")
    listing = first.get("/governance/record-audits")
    assert listing.status_code == 200 and "Start an audit" in listing.get_data(as_text=True)
    refused = _start(first, closed, 4)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Only 3 reviews were closed in that month. Choose 3 or fewer." in page
    assert 'value="4"' in page  # what was typed is kept
    assert "Check at least 1 review." in _start(first, closed, 0).get_data(as_text=True)
    started = _start(first, closed, 2)
    assert started.status_code == 303
    audit_url = started.headers["Location"]
    with app.app_context():
        record = db.session.scalars(select(RecordAudit)).one()
        sample = [int(i) for i in record.pool_ids]
        assert sorted(sample) == sorted(closed["reviews"])
        seed = record.seed
    shown = first.get(audit_url).get_data(as_text=True)
    assert seed in shown and "Drawn again now, it gives the same reviews" in shown
    assert "You started this audit, so a second manager checks" in shown
    check_urls = sorted(set(re.findall(r"/governance/record-audits/\d+/reviews/\d+", shown)))
    assert len(check_urls) == 2
    # The manager who started it is refused, kindly, and nothing is saved.
    mine = _post(first, check_urls[0], check_urls[0], ALL_MET)
    assert mine.status_code == 400
    assert "You started this audit, so another manager checks its reviews" in mine.get_data(
        as_text=True
    )
    second = _client(app, SECOND)
    form = second.get(check_urls[0]).get_data(as_text=True)
    assert "The record says:" in form and "/record/" in form  # beside each item; the record
    assert "It is recorded why the person could not take part" in form
    # A "not met" without a note is refused, the choices kept.
    no_note = _post(second, check_urls[0], check_urls[0], {**ALL_MET, "consent": "not-met"})
    assert no_note.status_code == 400
    assert "Say what is missing" in no_note.get_data(as_text=True)
    checked = _post(
        second, check_urls[0], check_urls[0],
        {**ALL_MET, "consent": "not-met", "consent_note": "No decision for Mary"},
    )  # fmt: skip
    assert checked.status_code == 303
    assert _post(second, check_urls[1], check_urls[1], ALL_MET).status_code == 303
    again = _post(second, check_urls[1], check_urls[1], ALL_MET)
    assert "already been checked" in again.get_data(as_text=True)
    with app.app_context():
        finding = db.session.scalars(select(RecordAuditFinding)).one()
        assert finding.what == "No decision for Mary"
        finding_id, version = finding.id, finding.version
    refused = _post(second, audit_url, f"{audit_url}/finish", {})
    assert "1 finding has no owner or due date yet." in refused.get_data(as_text=True)
    due = (date.today() + timedelta(days=14)).isoformat()
    owned = _post(
        second, audit_url, f"{audit_url}/findings/{finding_id}/owner",
        {"owner_user_id": closed["staff"], "due_on": due, "version": version},
    )  # fmt: skip
    assert owned.status_code == 303
    assert _post(second, audit_url, f"{audit_url}/finish", {}).status_code == 303
    done = _post(
        second, audit_url, f"{audit_url}/findings/{finding_id}/done",
        {"note": "Mary's decision recorded", "version": version + 1},
    )  # fmt: skip
    assert done.status_code == 303
    final = second.get(audit_url).get_data(as_text=True)
    assert "Finished by Rhian Price" in final and "Mary&#39;s decision recorded" in final
    dashboard = first.get("/governance/").get_data(as_text=True)
    assert "Record audits finished" in dashboard and "Checklist items in the reviews checked" in (
        dashboard
    )
    with app.app_context():
        steps = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("record_audit.%"))
            )
        )
    assert {
        "record_audit.started", "record_audit.viewed", "record_audit.review_opened",
        "record_audit.review_checked", "record_audit.finding_assigned",
        "record_audit.finding_done", "record_audit.finished",
    } <= steps  # fmt: skip


def test_another_services_manager_and_staff_find_nothing(
    app: Flask, closed: dict[str, Any]
) -> None:
    first = _client(app, "manager@demo.facilitator.test")
    audit_url = _start(first, closed, 1).headers["Location"]
    shown = first.get(audit_url).get_data(as_text=True)
    check_url = re.findall(r"/governance/record-audits/\d+/reviews/\d+", shown)[0]
    elsewhere = _client(app, "tycelyn.manager@demo.facilitator.test")
    assert elsewhere.get(audit_url).status_code == 404
    assert elsewhere.get(check_url).status_code == 404
    listing = elsewhere.get("/governance/record-audits").get_data(as_text=True)
    assert audit_url not in listing
    # Tŷ Celyn's manager cannot start an audit of Oak House.
    refused = _post(
        elsewhere, "/governance/record-audits", "/governance/record-audits",
        {"month": date.today().strftime("%Y-%m"), "service_ids": [closed["oak"]], "size": 1},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "Choose services from the list." in refused.get_data(as_text=True)
    staff = _client(app, "staff@demo.facilitator.test")
    assert staff.get("/governance/record-audits").status_code == 403
    assert staff.get(audit_url).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(audit_url).status_code in (302, 401)
