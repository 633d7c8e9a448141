"""The outcome figures page and the coded outcome form in Chromium (issue 20): axe-core finds
nothing on a tablet or a phone, and the trend charts are images with names and tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from facilitator.extensions import db

from ..unit.test_outcomes import known_outcomes
from .conftest import PHONE, LiveServer, assert_no_axe_violations, sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def outcomes_server(live_app: Any) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    with live_app.app_context():
        made = known_outcomes(db.session)
        db.session.commit()
        ids = {key: view.id for key, view in made["views"].items()}
    with LiveServer(live_app) as server:
        yield server, ids


def _pages(ids: dict[str, int]) -> list[str]:
    return [
        "/governance/outcomes",
        "/governance/outcomes?start=2026-01-01",
        f"/governance/differing-views/{ids['v8']}",  # open: the coded outcome form
        f"/governance/differing-views/{ids['v1']}",  # a supporter's view followed
        f"/governance/differing-views/{ids['v3']}",  # best interests, with its assessment
        f"/governance/differing-views/{ids['v9']}",  # not coded
    ]


def test_outcome_pages_pass_axe_on_a_tablet(tablet: Any, outcomes_server: Any) -> None:
    server, ids = outcomes_server
    sign_in_page(tablet, server.url, "manager@demo.facilitator.test")
    for path in _pages(ids):
        response = tablet.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        assert_no_axe_violations(tablet, path)


def test_trend_charts_are_images_with_names_and_tables(tablet: Any, outcomes_server: Any) -> None:
    server, _ids = outcomes_server
    sign_in_page(tablet, server.url, "manager@demo.facilitator.test")
    tablet.goto(f"{server.url}/governance/outcomes")
    for title in ("Reviews and actions by quarter", "Outcomes by quarter (%)"):
        assert tablet.get_by_role("img", name=title).count() == 1
        assert tablet.get_by_role("table", name=f"The data in the chart: {title}").count() == 1
    assert tablet.get_by_role("table", name="Every figure by quarter").count() == 1


def test_outcome_pages_on_a_phone(browser: Any, outcomes_server: Any) -> None:
    server, ids = outcomes_server
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in_page(page, server.url, "manager@demo.facilitator.test")
    for path in ("/governance/outcomes", f"/governance/differing-views/{ids['v8']}"):
        page.goto(f"{server.url}{path}")
        assert_no_axe_violations(page, f"phone {path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    context.close()
