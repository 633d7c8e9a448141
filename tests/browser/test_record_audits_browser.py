"""The record audit's pages in Chromium (issue 20): axe-core finds nothing on any of them, on
a tablet and a phone, for the manager who started the audit and for the second manager who
checks it (the checklist form with what the record says, a checked review, findings with
their owner and done forms, the dashboard's figure)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Role, Service, StaffService, User
from facilitator.services import accounts
from facilitator.services.demo import OAK_HOUSE
from facilitator.services.governance import record_audit

from ..unit.test_record_audit import ALL_MET, _closed
from .conftest import PHONE, LiveServer, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser

SECOND = "second.manager@demo.facilitator.test"


@pytest.fixture
def audit_server(live_app: Any) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    """An Oak House audit of 3 reviews: one checked with a finding, two not yet checked."""
    with live_app.app_context():
        session = db.session
        oak = session.scalars(select(Service).where(Service.name == OAK_HOUSE)).one()
        staff, manager = (
            session.scalars(select(User).where(User.email == f"{who}@demo.facilitator.test")).one()
            for who in ("staff", "manager")
        )
        now = datetime.now(UTC).replace(microsecond=0)
        for n in range(3):
            _closed(session, staff, oak, f"Audited{n}", now - timedelta(minutes=n))
        second = accounts.create_user(
            session, email=SECOND, name="Rhian Price", role=Role.MANAGER,
            password="demo-password-2026",
        )  # fmt: skip
        session.add(StaffService(user_id=second.id, service_id=oak.id))
        made = record_audit.start(
            session, manager, month=date.today().strftime("%Y-%m"), service_ids=[oak.id], size=3
        )
        checked, unchecked = record_audit.sample_ids(session, made)[:2]
        record_audit.check_review(
            session, made, checked, second, answers=dict(ALL_MET, consent="not-met"),
            notes={"consent": "No decision for Mary"},
        )  # fmt: skip
        session.commit()
        ids = {"audit": made.id, "checked": checked, "unchecked": unchecked}
    with LiveServer(live_app) as server:
        yield server, ids


def _pages(ids: dict[str, int]) -> list[str]:
    audit = f"/governance/record-audits/{ids['audit']}"
    return [
        "/governance/record-audits", audit, f"{audit}/reviews/{ids['checked']}",
        f"{audit}/reviews/{ids['unchecked']}", "/governance/",
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["manager@demo.facilitator.test", SECOND])
def test_every_record_audit_page_passes_axe_on_a_tablet(
    tablet: Any, audit_server: Any, who: str
) -> None:
    server, ids = audit_server
    sign_in_page(tablet, server.url, who)
    for path in _pages(ids):
        response = tablet.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(tablet, f"{who} {path}")


def test_record_audit_pages_on_a_phone_reflow(browser: Any, audit_server: Any) -> None:
    server, ids = audit_server
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in_page(page, server.url, SECOND)
    for path in _pages(ids)[:4]:
        page.goto(f"{server.url}{path}")
        assert_no_axe_violations(page, f"phone {path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    context.close()
