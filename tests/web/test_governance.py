"""Governance pages: who reaches them, the forms end to end, the exports and the structure
of every page (checked by the test client)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    Complaint,
    DifferingView,
    FlagStatus,
    Person,
    Response,
    Review,
    Role,
    SafetyFlag,
    Supporter,
)
from facilitator.models.services import Service, StaffService
from facilitator.services import accounts, audit
from facilitator.services.governance import agreements, capacity, today

from ..conftest import csrf_from, sign_in
from ..structure import assert_fragment_ok
from ..unit.test_governance_dashboard import OAK, known_data
from .test_person_mode import start_session

LEAD = "lead@demo.facilitator.test"
PASSWORD = "demo-password-2026"


@pytest.fixture
def data(app: Flask, demo: dict) -> dict[str, Any]:
    """The demo accounts, a staff safeguarding lead, and the dashboard's known data set."""
    with app.app_context():
        session = db.session
        lead = accounts.create_user(
            session,
            email=LEAD,
            name="Lee Lead",
            role=Role.STAFF,
            password=PASSWORD,
            is_safeguarding_lead=True,
        )
        made = known_data(session)
        # A lead works in the services whose people they keep safe (issue 25): here, all.
        session.add_all(StaffService(user_id=lead.id, service_id=s) for s in _service_ids())
        manager = made["manager"]
        assessment = capacity.assess(
            session,
            made["sam"],
            actor=manager,
            decision="Whether to move",
            area="health-welfare",
            doubt_reason="Forgot the visit",
            steps_taken="Easy read, 2 visits",
            findings={
                "understand": True,
                "retain": False,
                "use_or_weigh": True,
                "communicate": True,
            },
            notes={"retain": "Could not recall"},
            impairment="Learning disability",
            assessed_on=today(),
        )
        session.commit()
        ids = {
            "sam": made["sam"].id,
            "alex": made["alex"].id,
            "kit": made["kit"].id,
            "r1": made["reviews"]["r1"].id,
            "r4": made["reviews"]["r4"].id,
            "view": session.scalar(select(func.min(DifferingView.id))),
            "complaint": session.scalar(select(func.min(Complaint.id))),
            "flag": session.scalar(
                select(SafetyFlag.id).where(SafetyFlag.status == FlagStatus.OPEN)
            ),
            "assessment": assessment.id,
        }
        ids["response"] = session.scalar(
            select(func.min(Response.id)).where(Response.review_id == ids["r1"])
        )
        ids.update(_record_audit(session))
    return ids


def _record_audit(session: Any) -> dict[str, int]:
    """A record audit of one review closed now (issue 20), started by another manager of its
    service and checked by the demo manager (every service) with one item not met."""
    from datetime import UTC, date, datetime

    from facilitator.models import User
    from facilitator.services.governance import record_audit

    from ..unit.test_record_audit import ALL_MET, _closed

    # A service of its own, so that the dashboard's known figures for Oak House stay as they are.
    oak = Service(name="Record audit test house")
    session.add(oak)
    session.flush()
    staff = session.scalars(select(User).where(User.email == "staff@demo.facilitator.test")).one()
    demo_manager = session.scalars(
        select(User).where(User.email == "manager@demo.facilitator.test")
    ).one()
    starter = accounts.create_user(
        session, email="starter@example.org", name="Ria Starter", role=Role.MANAGER,
        password=PASSWORD,
    )  # fmt: skip
    lead = session.scalars(select(User).where(User.email == LEAD)).one()
    # Staff and the lead work there too, so that the governance pages refuse them (403) rather
    # than need to know hiding its review (404).
    session.add_all(
        StaffService(user_id=who.id, service_id=oak.id) for who in (starter, staff, lead)
    )
    review = _closed(session, staff, oak, "Audited", datetime.now(UTC))
    made = record_audit.start(
        session, starter, month=date.today().strftime("%Y-%m"), service_ids=[oak.id], size=1
    )
    found = record_audit.check_review(
        session, made, review.id, demo_manager, answers=dict(ALL_MET, consent="not-met"),
        notes={"consent": "No decision"},
    )  # fmt: skip
    session.commit()
    return {"ra": made.id, "ra_review": review.id, "ra_finding": found[0].id}


def _service_ids() -> list[int]:
    return list(db.session.scalars(select(Service.id)))


def governance_urls(ids: dict[str, Any]) -> list[str]:
    return [
        "/governance/", "/governance/dashboard.csv", "/governance/audit", "/governance/audit.csv",
        "/governance/agreements", "/governance/differing-views", "/governance/differing-views/new",
        f"/governance/differing-views/new?review_id={ids['r1']}", f"/governance/differing-views/{ids['view']}",  # noqa: E501
        "/governance/capacity", f"/governance/capacity/new?person_id={ids['sam']}",
        f"/governance/capacity/{ids['assessment']}", "/governance/complaints", "/governance/complaints/new",  # noqa: E501
        f"/governance/complaints/{ids['complaint']}", "/governance/cover",
        "/governance/outcomes", "/governance/record-audits",
        f"/governance/record-audits/{ids['ra']}",
        f"/governance/record-audits/{ids['ra']}/reviews/{ids['ra_review']}",
        "/governance/evidence-pack", "/governance/evidence-pack.csv",
        "/governance/evidence-pack.json", "/governance/evidence-pack.pdf",
    ]  # fmt: skip


def governance_posts(ids: dict[str, Any]) -> list[str]:
    v, a, c = ids["view"], ids["assessment"], ids["complaint"]
    return [
        f"/governance/differing-views/new?review_id={ids['r1']}", f"/governance/differing-views/{v}/parties",  # noqa: E501
        f"/governance/differing-views/{v}/parties/1/remove", f"/governance/differing-views/{v}/route",  # noqa: E501
        f"/governance/differing-views/{v}/written-response", f"/governance/differing-views/{v}/resolve",  # noqa: E501
        f"/governance/capacity/new?person_id={ids['sam']}", f"/governance/capacity/{a}/best-interests",  # noqa: E501
        f"/governance/capacity/{a}/best-interests/wishes-and-options",
        f"/governance/capacity/{a}/best-interests/statements", f"/governance/capacity/{a}/best-interests/consulted",  # noqa: E501
        f"/governance/capacity/{a}/best-interests/decision", "/governance/complaints/new",
        f"/governance/complaints/{c}/acknowledgement", f"/governance/complaints/{c}/response-date",
        f"/governance/complaints/{c}/response", "/governance/record-audits",
        f"/governance/record-audits/{ids['ra']}/reviews/{ids['ra_review']}",
        f"/governance/record-audits/{ids['ra']}/findings/{ids['ra_finding']}/owner",
        f"/governance/record-audits/{ids['ra']}/findings/{ids['ra_finding']}/done",
        f"/governance/record-audits/{ids['ra']}/finish",
    ]  # fmt: skip


def safeguarding_urls(ids: dict[str, Any]) -> tuple[list[str], list[str]]:
    return ["/safeguarding/", f"/safeguarding/flags/{ids['flag']}"], [
        f"/safeguarding/flags/{ids['flag']}/decision"
    ]


def casework_urls(ids: dict[str, Any]) -> tuple[list[str], list[str]]:
    gets = [
        f"/casework/supporters/{ids['alex']}/agreement",
        f"/casework/supporters/{ids['alex']}/agreement/ask",
        f"/casework/reviews/{ids['r1']}/told",
    ]
    return gets, gets


def test_every_governance_route_is_known(app: Flask, data: dict) -> None:
    """The lists below cover every route of the three blueprints, so none goes untested."""
    tested = {u.split("?")[0] for u in governance_urls(data) + governance_posts(data)}
    tested |= set(sum(safeguarding_urls(data), [])) | set(sum(casework_urls(data), []))
    tested.add(f"/casework/responses/{data['response']}/safety-flag")
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".")[0] in ("governance", "safeguarding", "casework")
    ]
    for rule in rules:
        assert any(_matches(rule.rule, url) for url in tested), (
            f"{rule.rule} is not in the access tests"
        )


def _matches(rule: str, url: str) -> bool:
    rule_parts, url_parts = rule.strip("/").split("/"), url.strip("/").split("/")
    return len(rule_parts) == len(url_parts) and all(
        r == u or r.startswith("<int:") and u.isdigit()
        for r, u in zip(rule_parts, url_parts, strict=True)
    )


def _token(client: FlaskClient) -> str:
    return csrf_from(client.get("/account/language").get_data(as_text=True))


ROLES = {
    "staff": "staff@demo.facilitator.test",
    "advocate": "advocate@demo.facilitator.test",
    "manager": "manager@demo.facilitator.test",
    "admin": "admin@demo.facilitator.test",
    "lead": LEAD,
}
# Who reaches each blueprint.
REACHES = {
    "governance": {"manager", "admin"},
    "safeguarding": {"manager", "admin", "lead"},
    "casework": {"staff", "manager", "admin", "lead"},
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_route_for_each_role(client: FlaskClient, data: dict, role: str) -> None:
    assert sign_in(client, ROLES[role]).status_code == 302
    token = _token(client)
    s_gets, s_posts = safeguarding_urls(data)
    c_gets, c_posts = casework_urls(data)
    for area, gets, posts in (
        ("governance", governance_urls(data), governance_posts(data)),
        ("safeguarding", s_gets, s_posts),
        ("casework", c_gets, c_posts),
    ):
        allowed = role in REACHES[area]
        for url in gets:
            status = client.get(url).status_code
            assert (status == 200) if allowed else (status == 403), (role, url, status)
        for url in posts:
            status = client.post(url, data={"csrf_token": token}).status_code
            assert (status not in (302, 403)) if allowed else (status == 403), (
                role,
                "POST",
                url,
                status,
            )


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, data: dict) -> None:
    s_gets, _ = safeguarding_urls(data)
    c_gets, _ = casework_urls(data)
    for url in governance_urls(data) + s_gets + c_gets:
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_manager_home_and_dashboard_figures(client: FlaskClient, data: dict) -> None:
    sign_in(client, ROLES["manager"])
    home = client.get("/home", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Governance</h1>" in home
    start = (today() - timedelta(days=60)).isoformat()
    page = client.get(f"/governance/?start={start}&end={today().isoformat()}&service={OAK}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 of 4 (25%)" in body  # the person's views first and confirmed
    assert "2 of 3 (67%)" in body  # actions linked to the person's words
    assert 'role="img"' in body and '<title id="chart-capture-title">' in body
    assert "safety flag is open" in body  # the lead sees open flags at once
    assert "Priya" in body  # needs an advocate and has none
    bad = client.get("/governance/?start=2027-13-01")
    assert bad.status_code == 400 and "Enter dates like" in bad.get_data(as_text=True)


def test_dashboard_csv_has_every_figure_without_names(client: FlaskClient, data: dict) -> None:
    sign_in(client, ROLES["manager"])
    start = (today() - timedelta(days=60)).isoformat()
    response = client.get(f"/governance/dashboard.csv?start={start}&service={OAK}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by = {(r["figure_id"], r["breakdown_id"]): r for r in rows}
    assert by[("reviews-held", "")]["value"] == "4"
    assert by[("person-first", "")]["percent"] == "25"
    assert (
        by[("capture", "interpreted")]["breakdown"]
        == "a facilitator's reading of a non-verbal response"
    )
    assert {r["section"] for r in rows} == {
        "People's experience",
        "Feedback",
        "Processes",
        "Outcomes",
    }
    assert "Alex" not in response.get_data(as_text=True)
    one = client.get(f"/governance/dashboard.csv?start={start}&service={OAK}&figure=capture")
    assert {r["figure_id"] for r in csv.DictReader(io.StringIO(one.get_data(as_text=True)))} == {
        "capture"
    }
    assert client.get("/governance/dashboard.csv?start=nonsense").status_code == 400


def test_chart_labels_are_escaped(app: Flask, client: FlaskClient, data: dict) -> None:
    with app.app_context():
        alex = db.session.get(Supporter, data["alex"])
        assert alex is not None
        alex.name = "<script>alert(1)</script>"
        db.session.commit()
    sign_in(client, ROLES["manager"])
    body = client.get(f"/governance/?start={(today() - timedelta(days=60)).isoformat()}").get_data(
        as_text=True
    )
    assert (
        "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    )


def test_audit_log_filters_pages_exports_and_checks(
    app: Flask, client: FlaskClient, data: dict
) -> None:
    with app.app_context():
        for i in range(60):
            audit.record(db.session, "test.paging", actor_label="tester", object_id=i)
        db.session.commit()
    sign_in(client, ROLES["manager"])
    page = client.get("/governance/audit?action=test.paging").get_data(as_text=True)
    assert "60 entries match." in page and "Page 1 of 2" in page and "Older entries" in page
    assert "Page 2 of 2" in client.get("/governance/audit?action=test.paging&page=2").get_data(
        as_text=True
    )
    people = client.get(f"/governance/audit?person_id={data['sam']}").get_data(as_text=True)
    assert "<code>person.created</code>" in people and "<code>test.paging</code>" not in people
    assert "intact" in client.get("/governance/audit?verify=1").get_data(as_text=True)
    assert client.get("/governance/audit?from=2027-02-01&to=2027-01-01").status_code == 400
    export = client.get("/governance/audit.csv?action=test.paging")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == 60 and rows[0]["action"] == "test.paging"
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "audit.exported"
        assert last.detail == {"filter": {"action": "test.paging"}}


def test_agreement_form_stale_save_and_the_persons_answer(
    app: Flask, client: FlaskClient, data: dict
) -> None:
    sign_in(client, ROLES["staff"])
    url = f"/casework/supporters/{data['kit']}/agreement"
    page = client.get(url).get_data(as_text=True)
    assert "No involvement agreement yet" in page
    form = {
        "csrf_token": csrf_from(page),
        "version": "",
        "areas": ["reviews", "planning"],
        "decisions": "Moving home",
        "may_see": "What Ellis agrees to share",
        "contact_preference": "phone",
        "escalation_route": "Talk with Ellis first",
        "review_on": (today() + timedelta(days=300)).isoformat(),
    }
    saved = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "The agreement is saved. Ask Ellis whether they agree." in saved
    assert "Moving home" in saved and "by phone" in saved
    stale = client.post(url, data={**form, "version": "", "may_see": "Everything"})
    assert stale.status_code == 409  # someone else created it meanwhile
    again = client.post(url, data={**form, "version": "1", "may_see": "All"}, follow_redirects=True)
    assert again.status_code == 200
    old = client.post(url, data={**form, "version": "1", "may_see": "Something else"})
    assert old.status_code == 409 and "Someone else changed this record" in old.get_data(
        as_text=True
    )
    ask = client.get(f"{url}/ask").get_data(as_text=True)
    assert "Is this OK?" in ask and "Kit Lee can help with: reviews." in ask
    answered = client.post(
        f"{url}/ask",
        data={"csrf_token": csrf_from(ask), "version": "2", "answer": "yes", "method": "tapped"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Ellis&#39;s answer is recorded." in answered and "Yes, on" in answered
    with app.app_context():
        agreement = agreements.current(db.session, data["kit"])
        for supporter in (None, db.session.get(Supporter, data["kit"])):
            with app.test_request_context():
                html = render_template(
                    "governance/_agreement_summary.html", agreement=agreement, supporter=supporter
                )
                assert_fragment_ok(html, "agreement summary")
                assert "Talk with Ellis first" in html
        with app.test_request_context():
            html = render_template(
                "governance/_agreement_summary.html",
                agreement=None,
                supporter=db.session.get(Supporter, data["alex"]),
            )
            assert "No involvement agreement yet" in html


def test_safety_flag_decision_clears_it(client: FlaskClient, data: dict) -> None:
    sign_in(client, LEAD)
    listing = client.get("/safeguarding/").get_data(as_text=True)
    assert "Sam" in listing and "Open flags" in listing
    partial = client.get("/safeguarding/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.startswith('<div id="flag-list"') and "<html" not in partial
    url = f"/safeguarding/flags/{data['flag']}"
    page = client.get(url).get_data(as_text=True)
    refused = client.post(
        f"{url}/decision",
        data={
            "csrf_token": csrf_from(page),
            "version": "1",
            "action": "no-further-action",
            "detail": "",
            "acted_on": today().isoformat(),
            "clears": "yes",
        },
    )
    assert refused.status_code == 400 and "why no further action" in refused.get_data(as_text=True)
    done = client.post(
        f"{url}/decision",
        data={
            "csrf_token": csrf_from(page),
            "version": "1",
            "action": "spoke-with-person",
            "detail": "Sam is fine now",
            "acted_on": today().isoformat(),
            "clears": "yes",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "the flag is cleared" in done and "Sam is fine now" in done
    still_open = client.get("/safeguarding/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f"/safeguarding/flags/{data['flag']}" not in still_open


def test_staff_flag_the_persons_words(app: Flask, client: FlaskClient, data: dict) -> None:
    sign_in(client, ROLES["staff"])
    token = _token(client)
    response = client.post(
        f"/casework/responses/{data['response']}/safety-flag",
        data={"csrf_token": token, "next": "https://evil.example/"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/staff/reviews/{data['r1']}"
    )
    with app.app_context():
        flag = db.session.scalar(
            select(SafetyFlag).where(SafetyFlag.response_id == data["response"])
        )
        assert flag is not None and flag.source == "facilitator"
        with app.test_request_context():
            html = render_template("governance/_safety_flags.html", flags=[flag])
        assert_fragment_ok(html, "safety flags")
        assert "safety flag is open on this review" in html
    client.post("/sign-out", data={"csrf_token": token})
    sign_in(client, ROLES["advocate"])
    refused = client.post(
        f"/casework/responses/{data['response']}/safety-flag", data={"csrf_token": _token(client)}
    )
    assert refused.status_code == 403  # the demo advocate is not Sam's


def test_differing_view_from_the_register_to_its_outcome(
    app: Flask, client: FlaskClient, data: dict
) -> None:
    sign_in(client, ROLES["manager"])
    page = client.get(f"/governance/differing-views/new?review_id={data['r1']}").get_data(
        as_text=True
    )
    created = client.post(
        "/governance/differing-views/new",
        data={
            "csrf_token": csrf_from(page),
            "review_id": data["r1"],
            "summary": "Alex wants Sam to move",
            "about_wishes": "yes",
            "response_ids": [data["response"]],
        },
        follow_redirects=True,
    )
    body = created.get_data(as_text=True)
    assert "Add the other parties next" in body and "Sam (the person)" in body
    with app.app_context():
        view = db.session.scalars(select(DifferingView).order_by(DifferingView.id.desc())).first()
        assert view is not None
        view_id, version = view.id, view.version
    base = f"/governance/differing-views/{view_id}"
    token = csrf_from(body)
    added = client.post(
        f"{base}/parties",
        data={
            "csrf_token": token,
            "version": version,
            "kind": "supporter",
            "supporter_id": data["alex"],
            "position": "Sam should move",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The party was added." in added and "Sam should move" in added
    stale = client.post(
        f"{base}/route", data={"csrf_token": token, "version": version, "route": "discussion"}
    )
    assert stale.status_code == 409  # the form page again, saying which version is which
    assert (
        f"The record is now at version {version + 1}; you were editing version {version}."
        in stale.get_data(as_text=True)
    )
    client.post(
        f"{base}/route", data={"csrf_token": token, "version": version + 1, "route": "discussion"}
    )
    resolved = client.post(
        f"{base}/resolve",
        data={
            "csrf_token": token,
            "version": version + 2,
            "outcome": "Sam stays",
            "reasoning": "Sam's wish",
            "decision_maker": "Sam, with Jo",
            "outcome_code": "person-followed",
            "decided_on": today().isoformat(),
        },
        follow_redirects=True,
    )
    assert "The outcome was recorded." in resolved.get_data(as_text=True)
    register = client.get("/governance/differing-views?status=open").get_data(as_text=True)
    assert "open 12 days" in register and "written response overdue" in register


def test_capacity_and_best_interests_through_the_pages(client: FlaskClient, data: dict) -> None:
    sign_in(client, ROLES["manager"])
    base = f"/governance/capacity/{data['assessment']}"
    page = client.get(base).get_data(as_text=True)
    assert "lacks capacity for this decision" in page
    token = csrf_from(page)
    client.post(f"{base}/best-interests", data={"csrf_token": token})
    page = client.get(base).get_data(as_text=True)
    assert "Best interests" in page
    linked = client.post(
        f"{base}/best-interests/statements",
        data={"csrf_token": token, "version": "1", "response_id": data["response"]},
        follow_redirects=True,
    )
    assert "The statement is linked." in linked.get_data(as_text=True)
    consulted = client.post(
        f"{base}/best-interests/consulted",
        data={
            "csrf_token": token,
            "version": "2",
            "supporter_id": data["alex"],
            "view": "Move",
            "consulted_on": today().isoformat(),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "they have no legal authority for it" in consulted
    early = client.post(
        f"{base}/best-interests/decision",
        data={
            "csrf_token": token,
            "version": "3",
            "decision": "Stay",
            "reasoning": "Wishes",
            "decided_on": today().isoformat(),
        },
    )
    assert early.status_code == 400 and "less restrictive" in early.get_data(as_text=True)
    new = client.get(f"/governance/capacity/new?person_id={data['sam']}").get_data(as_text=True)
    able = client.post(
        "/governance/capacity/new",
        data={
            "csrf_token": csrf_from(new),
            "person_id": data["sam"],
            "decision": "What to buy",
            "area": "property-finance",
            "doubt_reason": "New to money",
            "steps_taken": "Pictures of coins",
            "understand": "yes",
            "retain": "yes",
            "use_or_weigh": "yes",
            "communicate": "yes",
            "assessed_on": today().isoformat(),
        },
        follow_redirects=True,
    )
    assert "has capacity for this decision" in able.get_data(as_text=True)
    assert "It is theirs to make" in able.get_data(as_text=True)


def test_complaint_through_the_pages(app: Flask, client: FlaskClient, data: dict) -> None:
    sign_in(client, ROLES["manager"])
    page = client.get("/governance/complaints/new").get_data(as_text=True)
    made = client.post(
        "/governance/complaints/new",
        data={
            "csrf_token": csrf_from(page),
            "raised_by": "Rhys Hughes",
            "raised_by_role": "son",
            "person_id": "",
            "topic": "family-involvement",
            "about": "Not told",
            "received_on": today().isoformat(),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Acknowledge it by" in made and "Local Government and Social Care Ombudsman" in made
    with app.app_context():
        complaint_id = db.session.scalar(select(func.max(Complaint.id)))
    url = f"/governance/complaints/{complaint_id}"
    token = csrf_from(made)
    missing = client.post(
        f"{url}/response",
        data={
            "csrf_token": token,
            "version": "1",
            "response": "Sorry",
            "outcome": "Upheld",
            "responded_on": today().isoformat(),
        },
    )
    assert missing.status_code == 400 and "Ombudsman" in missing.get_data(as_text=True)
    undated = client.post(
        f"{url}/acknowledgement",
        data={"csrf_token": token, "version": "1", "acknowledged_on": "12/03/2027"},
    )
    assert undated.status_code == 400 and "Enter dates like" in undated.get_data(as_text=True)
    done = client.post(
        f"{url}/response",
        data={
            "csrf_token": token,
            "version": "1",
            "response": "Sorry",
            "outcome": "Upheld",
            "responded_on": today().isoformat(),
            "ombudsman_route_stated": "yes",
        },
        follow_redirects=True,
    )
    assert "The response is recorded." in done.get_data(as_text=True)
    register = client.get("/governance/complaints").get_data(as_text=True)
    assert "response overdue" in register  # the known data's overdue complaint is flagged


def test_who_was_told(client: FlaskClient, data: dict) -> None:
    sign_in(client, ROLES["staff"])
    url = f"/casework/reviews/{data['r1']}/told"
    page = client.get(url).get_data(as_text=True)
    assert "Alex Carter: their agreement says by email" in page
    recorded = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "subject": "review-outcome",
            "recipient_kind": "supporter",
            "supporter_id": data["alex"],
            "told_on": today().isoformat(),
            "method": "letter",
            "formats": ["standard-print"],
        },
        follow_redirects=True,
    )
    body = recorded.get_data(as_text=True)
    assert "Recorded." in body and "not as their agreement says" in body
    refused = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "subject": "review-outcome",
            "recipient_kind": "person",
            "told_on": today().isoformat(),
            "method": "in-person",
            "formats": ["standard-print"],
        },
    )
    assert refused.status_code == 400 and "a form they can use" in refused.get_data(as_text=True)


def test_governance_pages_render_for_an_empty_database(client: FlaskClient, demo: dict) -> None:
    sign_in(client, ROLES["manager"])
    for url in (
        "/governance/",
        "/governance/differing-views",
        "/governance/capacity",
        "/governance/complaints",
        "/governance/agreements",
        "/governance/audit",
        "/safeguarding/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/governance/differing-views/999").status_code == 404
    assert client.get("/governance/capacity/999").status_code == 404
    assert client.get("/governance/complaints/999").status_code == 404
    assert client.get("/safeguarding/flags/999").status_code == 404
    assert client.get("/casework/supporters/999/agreement").status_code == 404


def test_a_provider_in_wales_names_the_public_services_ombudsman_for_wales(
    app: Flask, client: FlaskClient, data: dict
) -> None:
    app.config["PROVIDER_NATION"] = "wales"
    sign_in(client, ROLES["manager"])
    page = client.get("/governance/complaints").get_data(as_text=True)
    assert "Public Services Ombudsman for Wales" in page
    assert "Local Government and Social Care Ombudsman" not in page
    with app.app_context():
        complaint_id = db.session.scalar(select(func.max(Complaint.id)))
    case = client.get(f"/governance/complaints/{complaint_id}").get_data(as_text=True)
    assert "www.ombudsman.wales" in case and "www.lgo.org.uk" not in case


def _held_figure(body: str) -> str:
    found = re.search(r"<dt>Reviews held</dt><dd>(\d+)</dd>", body)
    assert found, "no 'Reviews held' figure on the page"
    return found.group(1)


def test_the_demo_dashboard_counts_reviews_held_today(app: Flask, client: FlaskClient) -> None:
    """Issue 22: the demo (as `make run` loads it) shows figures at first sight, and a review
    held today (though planned for next week) counts today, in the default period."""
    assert "Demo data loaded." in app.test_cli_runner().invoke(args=["demo"]).output
    with app.app_context():
        sams = select(Review.id).join(Person).where(Person.preferred_name == "Sam")
        sam_review = db.session.scalar(sams)
    sign_in(client, ROLES["manager"])
    body = client.get("/governance/").get_data(as_text=True)
    assert _held_figure(body) == "1"  # the demo's review held today
    assert "1 of 2 (50%)" in body  # its actions linked to the person's words
    assert "Counted by the day the person gave their views" in body
    tablet = client.application.test_client()
    start_session(tablet, sam_review)  # Sam's review is planned for 3 days' time
    assert _held_figure(client.get("/governance/").get_data(as_text=True)) == "2"
