"""The administrator's pages for services (issue 25), through the test client: adding a
service, refusals shown kindly with what was typed, the services of an account, the leads of a
service, closing and reopening; and the demo's two services as a first-time user sees them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, User
from facilitator.models.services import Service
from facilitator.services.accounts import service_admin

from ..conftest import csrf_from, sign_in


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin@demo.facilitator.test").status_code == 302
    return client


def _service_id(app: Flask, name: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Service.id).where(Service.name == name))
        assert found is not None
        return found


def _user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def test_the_demo_has_two_services_each_with_its_staff_and_leads(app: Flask, demo: dict) -> None:
    client = _admin(app)
    page = client.get("/admin/services").get_data(as_text=True)
    assert "Oak House supported living" in page and "Tŷ Celyn care home" in page
    assert "Supported living" in page and "Care home" in page
    assert "Dylan Price" in page and "Nia Roberts" in page and "Carys Lloyd" in page
    celyn = client.get(f"/admin/services/{_service_id(app, 'Tŷ Celyn care home')}")
    html = celyn.get_data(as_text=True)
    assert celyn.status_code == 200
    assert "Nia Roberts" in html and "Dylan Price" not in html
    assert "Morgan Evans" in html and "all services" in html


def test_an_administrator_adds_a_service(app: Flask, demo: dict) -> None:
    client = _admin(app)
    page = client.get("/admin/services")
    token = csrf_from(page.get_data(as_text=True))
    sent = client.post(
        "/admin/services",
        data={
            "csrf_token": token,
            "name": "Riverside day service",
            "kind": "day_service",
            "cqc_location_id": "",
        },
    )
    assert sent.status_code == 303
    made = _service_id(app, "Riverside day service")
    assert sent.headers["Location"].endswith(f"/admin/services/{made}")
    shown = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Riverside day service is made" in shown and "Day service" in shown
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "service.created", AuditEvent.object_id == str(made)
            )
        )


def test_a_refused_service_shows_the_message_and_keeps_what_was_typed(
    app: Flask, demo: dict
) -> None:
    client = _admin(app)
    token = csrf_from(client.get("/admin/services").get_data(as_text=True))
    taken = client.post(
        "/admin/services",
        data={
            "csrf_token": token,
            "name": "oak house supported living",
            "kind": "care_home",
            "cqc_location_id": "1-000000999",
        },
    )
    html = taken.get_data(as_text=True)
    assert taken.status_code == 400
    assert "There is already a service called oak house supported living" in html
    assert 'value="oak house supported living"' in html and 'value="1-000000999"' in html
    assert 'value="care_home" checked' in html
    no_kind = client.post(
        "/admin/services",
        data={"csrf_token": token, "name": "Elm Lodge", "cqc_location_id": "12345"},
    )
    html = no_kind.get_data(as_text=True)
    assert no_kind.status_code == 400
    assert "Choose what kind of service it is." in html and 'value="Elm Lodge"' in html
    bad_cqc = client.post(
        "/admin/services",
        data={"csrf_token": token, "name": "Elm Lodge", "kind": "care_home",
              "cqc_location_id": "12345"},
    )  # fmt: skip
    html = bad_cqc.get_data(as_text=True)
    assert bad_cqc.status_code == 400 and "looks like 1-123456789" in html
    assert 'value="12345"' in html
    with app.app_context():
        assert db.session.scalar(select(Service.id).where(Service.name == "Elm Lodge")) is None


def test_an_account_is_moved_between_services_and_its_next_request_sees_the_change(
    app: Flask, demo: dict
) -> None:
    admin = _admin(app)
    nia = app.test_client()
    assert sign_in(nia, "tycelyn@demo.facilitator.test").status_code == 302
    gwen = demo["reviews"]["Gwen"]
    sam = demo["reviews"]["Sam"]
    assert nia.get(f"/staff/reviews/{gwen}").status_code == 200
    assert nia.get(f"/staff/reviews/{sam}").status_code == 404

    user_id = _user_id(app, "tycelyn@demo.facilitator.test")
    url = f"/admin/users/{user_id}/services"
    page = admin.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "All services" not in html  # staff are never given all services
    oak = _service_id(app, "Oak House supported living")
    moved = admin.post(url, data={"csrf_token": csrf_from(html), "services": [str(oak)]})
    assert moved.status_code == 303
    assert "now sees the people of these services" in admin.get(url).get_data(as_text=True)
    # Her next request: Gwen is gone, Sam is there.
    assert nia.get(f"/staff/reviews/{gwen}").status_code == 404
    assert nia.get(f"/staff/reviews/{sam}").status_code == 200
    # A double tap changes nothing.
    again = admin.post(url, data={"csrf_token": csrf_from(html), "services": [str(oak)]})
    assert again.status_code == 303
    assert "Nothing changed." in admin.get(url).get_data(as_text=True)
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "user.services_changed",
                AuditEvent.object_id == str(user_id),
            )
        ).all()
        assert len(changes) == 2  # once in the demo, once here


def test_all_services_for_a_staff_account_is_refused_kindly(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    user_id = _user_id(app, "oak@demo.facilitator.test")
    url = f"/admin/users/{user_id}/services"
    token = csrf_from(admin.get(url).get_data(as_text=True))
    oak = _service_id(app, "Oak House supported living")
    refused = admin.post(
        url, data={"csrf_token": token, "services": [str(oak)], "all_services": "y"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Only managers can see all services." in html
    assert f'value="{oak}" checked' in html  # what was ticked is still ticked


def test_a_manager_is_given_all_services(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    user_id = _user_id(app, "tycelyn.manager@demo.facilitator.test")
    url = f"/admin/users/{user_id}/services"
    html = admin.get(url).get_data(as_text=True)
    assert "All services, now and in future" in html
    saved = admin.post(url, data={"csrf_token": csrf_from(html), "all_services": "y"})
    assert saved.status_code == 303
    carys = app.test_client()
    assert sign_in(carys, "tycelyn.manager@demo.facilitator.test").status_code == 302
    assert carys.get(f"/staff/reviews/{demo['reviews']['Sam']}").status_code == 200


def test_leads_are_saved_and_a_lead_from_elsewhere_is_refused(app: Flask, demo: dict) -> None:
    admin = _admin(app)
    oak = _service_id(app, "Oak House supported living")
    url = f"/admin/services/{oak}"
    html = admin.get(url).get_data(as_text=True)
    dylan = _user_id(app, "oak@demo.facilitator.test")
    nia = _user_id(app, "tycelyn@demo.facilitator.test")
    assert f'value="{dylan}"' in html and f'value="{nia}"' not in html
    token = csrf_from(html)
    refused = admin.post(f"{url}/leads", data={"csrf_token": token, "leads": [str(nia)]})
    assert refused.status_code == 400
    assert "Add them to the service first" in refused.get_data(as_text=True)
    saved = admin.post(f"{url}/leads", data={"csrf_token": token, "leads": [str(dylan)]})
    assert saved.status_code == 303
    assert "are saved" in admin.get(url).get_data(as_text=True)
    with app.app_context():
        service = db.session.get(Service, oak)
        assert service_admin.lead_ids_of(db.session, service) == {dylan}


def test_a_service_with_people_cannot_close_and_an_empty_one_closes_and_reopens(
    app: Flask, demo: dict
) -> None:
    admin = _admin(app)
    oak = _service_id(app, "Oak House supported living")
    token = csrf_from(admin.get(f"/admin/services/{oak}").get_data(as_text=True))
    refused = admin.post(f"/admin/services/{oak}/close", data={"csrf_token": token})
    assert refused.status_code == 303
    assert "still has people in it (2)" in admin.get(f"/admin/services/{oak}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Service, oak).active  # type: ignore[union-attr]
    made = admin.post(
        "/admin/services",
        data={"csrf_token": token, "name": "Empty house", "kind": "care_home"},
    )
    empty = made.headers["Location"]
    closed = admin.post(f"{empty}/close", data={"csrf_token": token})
    assert closed.status_code == 303
    html = admin.get(empty).get_data(as_text=True)
    assert "is closed" in html and "Open this service again" in html
    reopened = admin.post(f"{empty}/reopen", data={"csrf_token": token})
    assert reopened.status_code == 303
    assert "is open again" in admin.get(empty).get_data(as_text=True)


def test_only_administrators_reach_the_service_pages(app: Flask, demo: dict) -> None:
    manager = app.test_client()
    assert sign_in(manager, "manager@demo.facilitator.test").status_code == 302
    assert manager.get("/admin/services").status_code == 403
    oak = _service_id(app, "Oak House supported living")
    assert manager.get(f"/admin/services/{oak}").status_code == 403
    admin = _admin(app)
    assert admin.get("/admin/services/999999").status_code == 404
    assert admin.get("/admin/users/999999/services").status_code == 404


def test_the_demo_staff_of_one_service_see_only_its_people(app: Flask, demo: dict) -> None:
    for email, mine, theirs in (
        ("oak@demo.facilitator.test", ("Sam", "Ellis"), ("Gwen", "Priya")),
        ("tycelyn@demo.facilitator.test", ("Gwen", "Priya"), ("Sam", "Ellis")),
        ("tycelyn.manager@demo.facilitator.test", ("Gwen", "Priya"), ("Sam", "Ellis")),
    ):
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        home = client.get("/staff/").get_data(as_text=True)
        for name in mine:
            assert name in home, (email, name)
            assert client.get(f"/staff/reviews/{demo['reviews'][name]}").status_code == 200
        for name in theirs:
            assert name not in home, (email, name)
            assert client.get(f"/staff/reviews/{demo['reviews'][name]}").status_code == 404
