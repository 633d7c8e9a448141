"""Governance pages in Chromium: axe-core finds nothing on any of them, on a tablet and a phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Complaint, DifferingView, FlagStatus, SafetyFlag
from facilitator.services.governance import agreements, best_interests, capacity, differing, today

from ..unit.test_governance_dashboard import OAK, known_data
from .conftest import PHONE, LiveServer, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def governance_server(live_app: Any) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    """The demo, the dashboard's known data set, and a few records in every register."""
    with live_app.app_context():
        session = db.session
        made = known_data(session)
        manager = made["manager"]
        assessment = capacity.assess(
            session, made["sam"], actor=manager, decision="Whether to move", area="health-welfare",
            doubt_reason="Forgot the visit", steps_taken="Easy read, 2 visits",
            findings={"understand": True, "retain": False, "use_or_weigh": True, "communicate": True},  # noqa: E501
            notes={"retain": "Could not recall"}, impairment="Learning disability", assessed_on=today(),  # noqa: E501
        )  # fmt: skip
        record = best_interests.start_best_interests(session, assessment, actor=manager)
        best_interests.add_consultee(session, record, actor=manager, version=record.version,
                               supporter_id=made["alex"].id, name=None, role=None, view="Move",
                               consulted_on=today())  # fmt: skip
        view_id = session.scalar(
            select(func.max(DifferingView.id)).where(
                DifferingView.review_id == made["reviews"]["r2"].id
            )
        )
        view = session.get(DifferingView, view_id)
        assert view is not None
        differing.set_route(session, view, actor=manager, version=view.version,
                            route="manager-escalation")  # fmt: skip
        agreements.save(session, made["kit"], actor=made["staff"], version=None, areas=["reviews"],
                        may_see="What Ellis shares", contact_preference="phone",
                        escalation_route="Ellis first", review_on=today() + timedelta(days=5))  # noqa: E501  # fmt: skip
        session.commit()
        ids = {
            "assessment": assessment.id,
            "view": view_id,
            "complaint": session.scalar(select(func.min(Complaint.id))),
            "flag": session.scalar(
                select(SafetyFlag.id).where(SafetyFlag.status == FlagStatus.OPEN)
            ),
            "alex": made["alex"].id,
            "kit": made["kit"].id,
            "sam": made["sam"].id,
            "r1": made["reviews"]["r1"].id,
        }
    with LiveServer(live_app) as server:
        yield server, ids


def _pages(ids: dict[str, int]) -> list[str]:
    start = (today() - timedelta(days=60)).isoformat()
    return [
        "/governance/", f"/governance/?start={start}&service={OAK}", "/governance/audit",
        "/governance/audit?verify=1", "/governance/agreements", "/governance/differing-views",
        f"/governance/differing-views/{ids['view']}", f"/governance/differing-views/new?review_id={ids['r1']}",  # noqa: E501
        "/governance/capacity", f"/governance/capacity/{ids['assessment']}",
        f"/governance/capacity/new?person_id={ids['sam']}", "/governance/complaints",
        f"/governance/complaints/{ids['complaint']}", "/governance/complaints/new", "/safeguarding/",  # noqa: E501
        f"/safeguarding/flags/{ids['flag']}", f"/casework/supporters/{ids['alex']}/agreement",
        f"/casework/supporters/{ids['kit']}/agreement/ask", f"/casework/reviews/{ids['r1']}/told",
    ]  # fmt: skip


def test_every_governance_page_passes_axe_on_a_tablet(tablet: Any, governance_server: Any) -> None:
    server, ids = governance_server
    sign_in_page(tablet, server.url, "manager@demo.facilitator.test")
    for path in _pages(ids):
        response = tablet.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(tablet, path)


def test_dashboard_charts_are_images_with_names_and_tables(
    tablet: Any, governance_server: Any
) -> None:
    server, _ids = governance_server
    sign_in_page(tablet, server.url, "manager@demo.facilitator.test")
    tablet.goto(f"{server.url}/governance/?start={(today() - timedelta(days=60)).isoformat()}")
    charts = tablet.get_by_role("img", name="How the person's views were captured")
    assert charts.count() == 1
    table = tablet.get_by_role(
        "table", name="The data in the chart: How the person's views were captured"
    )
    assert table.count() == 1


def test_governance_on_a_phone_reflows(browser: Any, governance_server: Any) -> None:
    server, ids = governance_server
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in_page(page, server.url, "manager@demo.facilitator.test")
    for path in ("/governance/", "/governance/audit", f"/governance/differing-views/{ids['view']}"):
        page.goto(f"{server.url}{path}")
        assert_no_axe_violations(page, f"phone {path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    context.close()
