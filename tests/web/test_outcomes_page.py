"""The outcome figures page (issue 20): who reaches it (every kind of visitor), what it shows a
manager of every service and a manager of one, its refusals, and the coded outcome on the
differing view's own page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import DifferingViewDetail, OutcomeCode, Service
from facilitator.services.governance import today

from ..conftest import csrf_from, sign_in
from ..unit.test_outcomes import known_outcomes
from .test_access_matrix import (
    ADMIN,
    ADVOCATE,
    ANON,
    FAMILY,
    MANAGER,
    OTHER_MANAGER,
    OTHER_STAFF,
    PERSON,
    STAFF,
    VISITORS,
    _refused,
    _visitor_client,
)

URL = "/governance/outcomes"


@pytest.fixture
def known(app: Flask, demo: dict) -> dict[str, Any]:
    with app.app_context():
        made = known_outcomes(db.session)
        db.session.commit()
        services = {s.name: s.id for s in db.session.scalars(select(Service))}
        return {
            "views": {k: v.id for k, v in made["views"].items()},
            "actions": {k: v.id for k, v in made["actions"].items()},
            "reviews": {k: v.id for k, v in made["reviews"].items()},
            "services": services,
            "lacks": made["lacks"].id,
            "alex": made["alex"].id,
        }


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_kind_of_visitor(app: Flask, demo: dict, visitor: str) -> None:
    client = _visitor_client(app, demo, visitor)
    response = client.get(URL)
    if visitor in {MANAGER, ADMIN, OTHER_MANAGER}:
        assert response.status_code == 200
        assert "Outcome figures" in response.get_data(as_text=True)
    else:
        assert visitor in {ANON, PERSON, FAMILY, ADVOCATE, STAFF, OTHER_STAFF}
        assert _refused(response), (visitor, response.status_code)


def test_a_manager_of_every_service_sees_every_figure_with_links(
    client: FlaskClient, known: dict
) -> None:
    assert sign_in(client, "manager@demo.facilitator.test").status_code == 302
    body = client.get(URL).get_data(as_text=True)
    # Did it happen? with the disagreements listed and linked to the review.
    assert "Did it happen? The person" in body
    assert "a2 for Sam" in body and "b1 for Ellis" in body
    assert "/staff/reviews/" in body
    # The dependency or control table: supporters, roles, and a link to each record.
    for name in ("Alex Carter", "Jo Patel", "Mary Carter", "Kit Lee", "Rhys Hughes"):
        assert name in body
    for key in ("v1", "v2", "v3", "v6", "v7"):
        assert f'href="/governance/differing-views/{known["views"][key]}"' in body
    for key in ("v4", "v5", "v8", "v9"):  # unresolved, escalated, open, uncoded: not counted
        assert f'href="/governance/differing-views/{known["views"][key]}"' not in body
    # Trends: two SVG charts with their tables, 8 quarters, and the services compared.
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 2
    assert 'id="trends-table"' in body and 'id="services-table"' in body
    assert body.count(f"{today().year} Q{(today().month - 1) // 3 + 1}") >= 2
    assert "Oak House supported living" in body and "Tŷ Celyn care home" in body


def test_a_manager_of_one_service_sees_only_its_figures(client: FlaskClient, known: dict) -> None:
    assert sign_in(client, "tycelyn.manager@demo.facilitator.test").status_code == 302
    body = client.get(URL).get_data(as_text=True)
    assert "Rhys Hughes" in body
    assert f'href="/governance/differing-views/{known["views"]["v7"]}"' in body
    for name in ("Alex Carter", "Jo Patel", "Kit Lee", "a2 for Sam", "b1 for Ellis"):
        assert name not in body
    assert "Oak House supported living" not in body
    # Another service's figures by its id: refused, kindly, with the page's own figures.
    oak = known["services"]["Oak House supported living"]
    refused = client.get(f"{URL}?service={oak}")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Choose a service from the list." in text and "Alex Carter" not in text


def test_one_service_and_a_period_that_cannot_be_read(client: FlaskClient, known: dict) -> None:
    assert sign_in(client, "manager@demo.facilitator.test").status_code == 302
    other = known["services"]["Tŷ Celyn care home"]
    body = client.get(f"{URL}?service={other}").get_data(as_text=True)
    assert "Rhys Hughes" in body and "Alex Carter" not in body
    bad = client.get(f"{URL}?start=yesterday")
    assert bad.status_code == 400
    assert "Enter dates like 2027-03-12." in bad.get_data(as_text=True)
    backwards = client.get(f"{URL}?start=2026-05-01&end=2026-04-01")
    assert backwards.status_code == 400
    assert "The start of the period must be before its end." in backwards.get_data(as_text=True)


def test_the_dashboard_links_to_the_outcome_figures(client: FlaskClient, known: dict) -> None:
    assert sign_in(client, "manager@demo.facilitator.test").status_code == 302
    body = client.get("/governance/").get_data(as_text=True)
    assert "/governance/outcomes?start=" in body


def test_the_coded_outcome_on_the_differing_view_page(
    app: Flask, client: FlaskClient, known: dict
) -> None:
    assert sign_in(client, "manager@demo.facilitator.test").status_code == 302
    v = known["views"]
    coded = client.get(f"/governance/differing-views/{v['v1']}").get_data(as_text=True)
    assert "a supporter's view was followed over the person's: Alex Carter" in coded
    assert "Alex Carter" in coded
    best = client.get(f"/governance/differing-views/{v['v3']}").get_data(as_text=True)
    assert f'href="/governance/capacity/{known["lacks"]}"' in best
    uncoded = client.get(f"/governance/differing-views/{v['v9']}").get_data(as_text=True)
    assert "not coded" in uncoded
    # The open view's form asks for the code and refuses without the supporter it names.
    page = client.get(f"/governance/differing-views/{v['v8']}").get_data(as_text=True)
    assert 'name="outcome_code"' in page and 'name="followed_supporter_id"' in page
    with app.app_context():
        from facilitator.models import DifferingView

        view = db.session.get(DifferingView, v["v8"])
        assert view is not None
        version = view.version
    form = {
        "csrf_token": csrf_from(page),
        "version": version,
        "outcome": "Alex's idea",
        "reasoning": "Why",
        "decision_maker": "Morgan Evans",
        "decided_on": today().isoformat(),
    }
    no_route = client.post(f"/governance/differing-views/{v['v8']}/resolve", data=form)
    assert no_route.status_code == 400  # the route comes first
    client.post(
        f"/governance/differing-views/{v['v8']}/route",
        data={"csrf_token": form["csrf_token"], "version": version, "route": "discussion"},
    )
    form["version"] = version + 1
    no_code = client.post(f"/governance/differing-views/{v['v8']}/resolve", data=form)
    assert no_code.status_code == 400
    assert "Choose how it ended from the list of outcomes." in no_code.get_data(as_text=True)
    form["outcome_code"] = "supporter-followed"
    no_one = client.post(f"/governance/differing-views/{v['v8']}/resolve", data=form)
    assert no_one.status_code == 400
    assert "Choose the supporter whose view was followed." in no_one.get_data(as_text=True)
    form["followed_supporter_id"] = str(known["alex"])
    done = client.post(
        f"/governance/differing-views/{v['v8']}/resolve", data=form, follow_redirects=True
    )
    assert "The outcome was recorded." in done.get_data(as_text=True)
    with app.app_context():
        detail = db.session.get(DifferingViewDetail, v["v8"])
        assert detail is not None
        assert detail.outcome_code == OutcomeCode.SUPPORTER_FOLLOWED
        assert detail.followed_supporter_id == known["alex"]


def test_the_register_shows_how_each_resolved_view_ended(client: FlaskClient, known: dict) -> None:
    assert sign_in(client, "manager@demo.facilitator.test").status_code == 302
    body = client.get("/governance/differing-views?status=resolved").get_data(as_text=True)
    assert "resolved: the person's view was followed" in body
    assert "resolved: escalated" in body and "resolved: not coded" in body
