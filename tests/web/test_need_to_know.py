"""Need to know on every route (issue 25): staff of one service get the 404 page for the people,
reviews and records of another; search finds nothing; cover, moves and removals take effect.

The demo has two services (services/demo.py): Oak House (Sam, Ellis), staffed by Dylan Price
(oak@) alone, and Tŷ Celyn (Gwen, Priya), staffed by Nia Roberts (tycelyn@) and managed by
Carys Lloyd (tycelyn.manager@).
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from facilitator.extensions import db
from facilitator.models import (
    AuditEvent,
    Person,
    Review,
    Service,
    StaffService,
    User,
)
from facilitator.services import scope

from ..conftest import csrf_from, sign_in

OAK = "oak@demo.facilitator.test"
TY = "tycelyn@demo.facilitator.test"
TY_MANAGER = "tycelyn.manager@demo.facilitator.test"
BOTH = "staff@demo.facilitator.test"


def _ids(app: Flask, demo: dict) -> dict[str, int]:
    with app.app_context():
        found = {}
        for name, review_id in demo["reviews"].items():
            review = db.session.get(Review, review_id)
            assert review is not None
            found[name] = review.person_id
            found[f"{name}-review"] = review_id
        for name in ("Oak House supported living", "Tŷ Celyn care home"):
            found[name] = db.session.scalar(select(Service.id).where(Service.name == name))
        return found


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _record_urls(ids: dict[str, int], who: str) -> list[str]:
    person, review = ids[who], ids[f"{who}-review"]
    return [
        f"/staff/people/{person}",
        f"/staff/people/{person}/communication",
        f"/staff/people/{person}/photos/",
        f"/staff/people/{person}/service",
        f"/staff/people/{person}/reviews/new",
        f"/staff/reviews/{review}",
        f"/staff/reviews/{review}/record/",
        f"/staff/reviews/{review}/record/record.pdf",
        f"/staff/reviews/{review}/record/export.json",
        f"/staff/reviews/{review}/you-said/you-said.pdf",
        f"/staff/reviews/{review}/links",
        f"/staff/reviews/{review}/actions/",
    ]


def test_staff_of_another_service_get_404_on_every_record(app: Flask, demo: dict) -> None:
    ids = _ids(app, demo)
    oak, ty = _signed_in(app, OAK), _signed_in(app, TY)
    for url in _record_urls(ids, "Gwen"):
        assert oak.get(url).status_code == 404, url
        assert ty.get(url).status_code == 200, url
    for url in _record_urls(ids, "Sam"):
        assert ty.get(url).status_code == 404, url
    # The 404 is the same page as for a person who does not exist: it says nothing.
    missing = oak.get("/staff/people/999999").get_data(as_text=True)
    hidden = oak.get(f"/staff/people/{ids['Gwen']}").get_data(as_text=True)
    assert "Gwen" not in hidden
    assert hidden.replace(f"/{ids['Gwen']}", "/N") == missing.replace("/999999", "/N")


def test_an_htmx_fragment_and_a_post_are_refused_too(app: Flask, demo: dict) -> None:
    ids = _ids(app, demo)
    oak = _signed_in(app, OAK)
    token = csrf_from(
        oak.get(f"/staff/reviews/{ids['Sam-review']}/actions/").get_data(as_text=True)
    )
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    url = "/staff/reviews/{}/actions/advice"
    assert (
        oak.post(
            url.format(ids["Sam-review"]), data={"easy_read_text": "x"}, headers=headers
        ).status_code
        == 200
    )  # noqa: E501
    refused = oak.post(
        url.format(ids["Gwen-review"]), data={"easy_read_text": "x"}, headers=headers
    )  # noqa: E501
    assert refused.status_code == 404 and "Gwen" not in refused.get_data(as_text=True)
    moved = oak.post(
        f"/staff/people/{ids['Gwen']}/service",
        data={
            "csrf_token": token,
            "service_id": ids["Oak House supported living"],
            "moved_on": date.today().isoformat(),
        },  # noqa: E501
    )
    assert moved.status_code == 404
    with app.app_context():
        assert scope.current_service(db.session, ids["Gwen"]).name == "Tŷ Celyn care home"  # type: ignore[union-attr]


def test_a_photo_of_another_services_person_is_refused(app: Flask, demo: dict) -> None:
    from .test_photos import _jpeg, _photo, _upload

    ids = _ids(app, demo)
    ty = _signed_in(app, TY)
    assert _upload(ty, ids["Gwen"], _jpeg()).status_code == 303
    photo = _photo(app, ids["Gwen"])
    url = f"/photos/{photo.public_id}/large.jpg"
    assert ty.get(url).status_code == 200
    assert _signed_in(app, OAK).get(url).status_code == 404


def test_lists_and_search_find_only_their_people(app: Flask, demo: dict) -> None:
    oak = _signed_in(app, OAK)
    home = oak.get("/staff/").get_data(as_text=True)
    assert "Sam" in home and "Ellis" in home
    assert "Gwen" not in home and "Priya" not in home
    ids = _ids(app, demo)
    found = oak.get("/staff/?q=Gwen").get_data(as_text=True)
    assert f"/staff/people/{ids['Gwen']}" not in found and "Gwenllian Hughes" not in found
    both = _signed_in(app, BOTH).get("/staff/").get_data(as_text=True)
    assert "Sam" in both and "Gwen" in both


def test_a_managers_governance_pages_and_csv_hold_only_their_services(
    app: Flask, demo: dict
) -> None:
    ids = _ids(app, demo)
    manager = _signed_in(app, TY_MANAGER)
    assert manager.get(f"/staff/people/{ids['Sam']}").status_code == 404
    rows = list(
        csv.reader(io.StringIO(manager.get("/governance/audit.csv").get_data(as_text=True)))
    )
    people_named = {row[8] for row in rows[1:] if row[8]}
    assert str(ids["Sam"]) not in people_named and str(ids["Ellis"]) not in people_named
    assert str(ids["Gwen"]) in people_named
    for url in ("/governance/", "/safeguarding/", "/governance/complaints", "/governance/cover"):
        page = manager.get(url)
        assert page.status_code == 200, url
        assert "Sam Carter" not in page.get_data(as_text=True), url


def test_cover_opens_one_person_for_a_reason_and_shows_the_manager(app: Flask, demo: dict) -> None:
    ids = _ids(app, demo)
    oak = _signed_in(app, OAK)
    token = csrf_from(oak.get("/staff/cover").get_data(as_text=True))
    form = {"csrf_token": token, "service_id": ids["Tŷ Celyn care home"]}
    with app.app_context():
        gwen_full = db.session.get(Person, ids["Gwen"]).full_name  # type: ignore[union-attr]
    no_reason = oak.post("/staff/cover", data={**form, "full_name": gwen_full, "reason": " "})
    assert no_reason.status_code == 400
    page = no_reason.get_data(as_text=True)
    assert "Say why" in page and gwen_full in page  # kind, and what was typed is kept
    assert oak.get(f"/staff/people/{ids['Gwen']}").status_code == 404
    given = oak.post(
        "/staff/cover", data={**form, "full_name": gwen_full, "reason": "Night cover at Tŷ Celyn"}
    )
    assert given.status_code == 303 and given.headers["Location"].endswith(
        f"/staff/people/{ids['Gwen']}"
    )  # noqa: E501
    assert oak.get(f"/staff/people/{ids['Gwen']}").status_code == 200
    assert oak.get(f"/staff/people/{ids['Priya']}").status_code == 404  # the one person only
    listed = _signed_in(app, TY_MANAGER).get("/governance/cover").get_data(as_text=True)
    assert "Night cover at Tŷ Celyn" in listed and "Dylan Price" in listed


def test_moving_a_person_mid_review_moves_their_record(app: Flask, demo: dict) -> None:
    ids = _ids(app, demo)
    oak, ty = _signed_in(app, OAK), _signed_in(app, TY)
    review = f"/staff/reviews/{ids['Sam-review']}"
    assert oak.get(review).status_code == 200 and ty.get(review).status_code == 404
    token = csrf_from(oak.get(f"/staff/people/{ids['Sam']}/service").get_data(as_text=True))
    bad = oak.post(
        f"/staff/people/{ids['Sam']}/service",
        data={
            "csrf_token": token,
            "service_id": ids["Tŷ Celyn care home"],
            "moved_on": "not a date",
        },  # noqa: E501
    )
    assert bad.status_code == 400 and "real date" in bad.get_data(as_text=True)
    moved = oak.post(
        f"/staff/people/{ids['Sam']}/service",
        data={
            "csrf_token": token,
            "service_id": ids["Tŷ Celyn care home"],
            "moved_on": date.today().isoformat(),
        },  # noqa: E501
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/staff/")
    assert oak.get(review).status_code == 404 and ty.get(review).status_code == 200
    with app.app_context():
        held = db.session.get(Review, ids["Sam-review"])
        assert held is not None and held.service_id == ids["Oak House supported living"]
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "person.moved_service")
            )
            .one()
            .person_id
            == ids["Sam"]
        )


def test_removed_from_a_service_while_signed_in(app: Flask, demo: dict) -> None:
    ids = _ids(app, demo)
    oak = _signed_in(app, OAK)
    assert oak.get(f"/staff/people/{ids['Sam']}").status_code == 200
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == OAK))
        db.session.execute(delete(StaffService).where(StaffService.user_id == user_id))
        db.session.commit()
    assert oak.get(f"/staff/people/{ids['Sam']}").status_code == 404
    assert "Sam" not in oak.get("/staff/").get_data(as_text=True)


def test_a_family_link_issued_before_a_move_still_works(app: Flask, demo: dict) -> None:
    from .test_family import _confirm, _issue, _open

    ids = _ids(app, demo)
    issued = _issue(app, demo)  # by Oak House, for Sam's review
    with app.app_context():
        person = db.session.get(Review, ids["Sam-review"]).person  # type: ignore[union-attr]
        scope.move_person(
            db.session, person, ids["Tŷ Celyn care home"], actor=None, on=date.today()
        )
        db.session.commit()
    family = app.test_client()
    assert _open(family, issued.token).status_code == 302
    assert _confirm(family, issued.code).status_code == 302
    assert family.get("/family/review").status_code == 200


@pytest.mark.parametrize("email", [OAK, TY])
def test_staff_of_each_service_see_their_home(app: Flask, demo: dict, email: str) -> None:
    assert _signed_in(app, email).get("/staff/").status_code == 200


def _first_option(html: str) -> str:
    import re

    found = re.search(
        r'<select id="service" name="service">\s*<option value="">([^<]*)</option>', html
    )
    assert found, "the dashboard has no service choice"
    return found.group(1)


def test_the_dashboard_offers_all_services_only_to_those_who_see_them(
    app: Flask, demo: dict
) -> None:
    """A manager of one service is offered that service's figures by its name, never "All
    services"; a manager who sees every service is offered all of them (issue 25)."""
    one = _signed_in(app, TY_MANAGER).get("/governance/").get_data(as_text=True)
    assert "All services" not in one
    assert _first_option(one) == "Tŷ Celyn care home"
    assert "Oak House supported living" not in one
    every = _signed_in(app, "manager@demo.facilitator.test").get("/governance/")
    html = every.get_data(as_text=True)
    assert _first_option(html) == "All services"
    assert "Oak House supported living" in html and "Tŷ Celyn care home" in html


def test_the_dashboard_says_your_services_for_several_but_not_all(app: Flask, demo: dict) -> None:
    ids = _ids(app, demo)
    with app.app_context():
        carys = db.session.scalars(select(User).where(User.email == TY_MANAGER)).one()
        db.session.add(StaffService(user_id=carys.id, service_id=ids["Oak House supported living"]))
        db.session.commit()
        assert not scope.sees_all(db.session, carys)
    html = _signed_in(app, TY_MANAGER).get("/governance/").get_data(as_text=True)
    assert _first_option(html) == "Your services" and "All services" not in html
    assert "Oak House supported living" in html and "Tŷ Celyn care home" in html
