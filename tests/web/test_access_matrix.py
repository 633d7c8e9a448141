"""Every route, checked against every kind of visitor.

Each endpoint belongs to one access class; each class says which visitors may use it. A new
route whose endpoint is not classified here fails the test, so access is always decided on
purpose. Refusal means a redirect to sign-in (or back to the locked person screen, or home),
403 or 404, never the page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import csrf_from, sign_in
from .test_family import _confirm, _issue, _open

ANON, PERSON, FAMILY, ADVOCATE, STAFF, MANAGER, ADMIN = (
    "anonymous",
    "person mode",
    "family link",
    "advocate (not assigned)",
    "staff",
    "manager",
    "admin",
)
VISITORS = [ANON, PERSON, FAMILY, ADVOCATE, STAFF, MANAGER, ADMIN]
EVERYONE = set(VISITORS)
STAFFISH = {STAFF, MANAGER, ADMIN}

# Which visitors each class of endpoint admits.
CLASSES: dict[str, set[str]] = {
    "open": EVERYONE,
    "public": EVERYONE - {PERSON},  # a locked tablet reaches nothing but its own review
    "signed-in": {ADVOCATE, STAFF, MANAGER, ADMIN},
    "staff": STAFFISH,
    "advocate": {ADVOCATE},
    "governance": {MANAGER, ADMIN},
    "safeguarding": {MANAGER, ADMIN},  # and any account marked safeguarding lead
    "admin": {ADMIN},
    "person": {PERSON},
    "family": {FAMILY},
}
PREFIXES: list[tuple[str, str]] = [
    ("static", "open"),
    ("main.favicon", "open"),
    ("main.index", "public"),
    ("main.health", "open"),
    ("main.choose_language", "open"),
    ("auth.sign_in", "public"),
    ("auth.second_step", "public"),  # only after a right password (tested in test_two_factor)
    ("auth.set_up", "public"),
    ("auth.signed_out", "public"),
    ("family.open_link", "public"),
    ("family.continue_link", "public"),
    ("family.left", "public"),
    ("person_sync.service_worker", "open"),  # static code, no personal data
    ("help.public", "public"),
    ("help.", "signed-in"),
    ("person_help.", "person"),
    ("family_help.", "family"),
    ("family.", "family"),
    ("main.", "signed-in"),
    ("auth.sign_out", "signed-in"),
    ("auth.account", "signed-in"),
    ("auth.still_here", "signed-in"),
    ("auth.change_password", "signed-in"),
    ("auth.new_recovery_codes", "signed-in"),
    ("auth.clear_failed_tries", "signed-in"),  # one's own account only
    ("person.start", "staff"),  # and assigned advocates, tested in test_person_mode
    ("person_outputs.start", "staff"),
    ("person.", "person"),
    ("person_outputs.", "person"),
    ("person_sync.", "person"),
    ("staff.", "staff"),
    ("privacy.care_ended", "staff"),
    ("privacy.ended", "staff"),
    ("privacy.", "governance"),  # subject access: managers and admins only
    ("staff_people.", "staff"),
    # Custom prompts and their recorded voices; a tablet hears its own person's recordings
    # through person.voice (tested in tests/web/test_custom_prompts.py).
    ("custom_prompts.", "staff"),
    ("photos.", "staff"),
    # Also the person's assigned advocate; a tablet gets its own person's photos through
    # person_sync.photo (tested in tests/web/test_photos.py).
    ("photo_files.", "staff"),
    ("links.", "staff"),
    ("layers.", "staff"),
    ("actions.", "staff"),
    ("actions_overview.", "staff"),
    ("review_record.", "staff"),
    ("you_said.", "staff"),
    ("casework.", "staff"),
    ("advocate.", "advocate"),
    ("advocate_layer.", "advocate"),
    ("governance.", "governance"),
    ("safeguarding.", "safeguarding"),
    ("admin.", "admin"),
]


def access_class(endpoint: str) -> str | None:
    for prefix, name in PREFIXES:
        if endpoint == prefix or (prefix.endswith(".") and endpoint.startswith(prefix)):
            return name
    return None


def test_every_route_is_classified(app: Flask) -> None:
    missing = sorted(
        {r.endpoint for r in app.url_map.iter_rules() if access_class(r.endpoint) is None}
    )
    assert not missing, f"routes with no access expectation: {missing}"


def _url(rule: object, ids: dict[str, int]) -> str:
    url = rule.rule  # type: ignore[attr-defined]
    for _converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", url):
        value = {
            "filename": "app.css" if url.startswith("/static") else "0" * 64 + ".mp3",
            "token": "not-a-real-token",
        }.get(name, str(ids.get(name, 999999)))
        url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
    if url.startswith("/static/"):
        url = "/static/css/app.css"
    return url


# Endpoints that change who this browser is (a staff member's browser becomes the tablet).
STARTS_PERSON_MODE = {"person.start", "person_outputs.start"}

# Where a refused visitor is sent: to sign in, back to the locked tablet's screen, home (which
# forwards to their own start page), or the family's "you have finished" page.
REFUSAL_REDIRECTS = {"/sign-in", "/person/", "/person/you-said/", "/home", "/", "/family/finished"}


def _refused(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code in (301, 302, 303):
        path = urlsplit(response.headers.get("Location", "")).path
        return path in REFUSAL_REDIRECTS
    return False


def _visitor_client(app: Flask, demo: dict, visitor: str) -> FlaskClient:
    client = app.test_client()
    if visitor in (STAFF, MANAGER, ADMIN, ADVOCATE):
        email = {STAFF: "staff", MANAGER: "manager", ADMIN: "admin", ADVOCATE: "advocate"}[visitor]
        assert sign_in(client, f"{email}@demo.facilitator.test").status_code == 302
    elif visitor == PERSON:
        sign_in(client, "keyworker@demo.facilitator.test")
        page = client.get(f"/staff/reviews/{demo['reviews']['Sam']}")
        client.post(
            f"/person/start/{demo['reviews']['Sam']}",
            data={"csrf_token": csrf_from(page.get_data(as_text=True))},
        )
    elif visitor == FAMILY:
        issued = _issue(app, demo)
        assert _open(client, issued.token).status_code == 302
        assert _confirm(client, issued.code).status_code == 302
    return client


@pytest.mark.parametrize("visitor", VISITORS)
def test_each_visitor_reaches_only_their_routes(app: Flask, demo: dict, visitor: str) -> None:
    client = _visitor_client(app, demo, visitor)
    start = {ANON: "/sign-in", PERSON: "/person/", FAMILY: "/family/review"}.get(
        visitor, "/account/language"
    )
    token = csrf_from(client.get(start).get_data(as_text=True))
    ids = {
        "review_id": demo["reviews"]["Sam"],
        "person_id": 1,
        "supporter_id": 1,
        "number": 1,
        "position": 1,
    }
    problems: list[str] = []
    checked = 0
    for rule in app.url_map.iter_rules():
        name = access_class(rule.endpoint)
        if name is None or rule.endpoint in (
            "auth.sign_out",
            "family.leave",
            "main.choose_language",
        ):
            # ending a session mid-sweep would hide later checks; these are tested elsewhere
            continue
        allowed = visitor in CLASSES[name]
        url = _url(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            if rule.endpoint in STARTS_PERSON_MODE and method == "POST" and allowed:
                # Starting person mode turns this browser into the locked tablet: checked in a
                # browser of its own, so the rest of the sweep still runs as this visitor.
                own = _visitor_client(app, demo, visitor)
                own_token = csrf_from(own.get(start).get_data(as_text=True))
                response = own.open(url, method=method, data={"csrf_token": own_token})
            else:
                response = client.open(url, method=method, data=data)
            response.close()  # static files and PDFs are streamed from open files
            checked += 1
            if not allowed and not _refused(response):
                problems.append(
                    f"{visitor} got {response.status_code} from {method} {url} ({rule.endpoint})"
                )
            if allowed and response.status_code in (401, 403):
                problems.append(
                    f"{visitor} was refused ({response.status_code}) at {method} {url} "
                    f"({rule.endpoint})"
                )
            if (
                allowed
                and name not in ("public", "open")
                and response.status_code in (302, 303)
                and "/sign-in" in response.headers.get("Location", "")
            ):
                problems.append(
                    f"{visitor} was sent to sign in from {method} {url} ({rule.endpoint})"
                )
    assert checked > 100
    assert not problems, "\n".join(problems)


def test_advocate_refused_on_another_persons_review_but_not_their_own(
    app: Flask, demo: dict
) -> None:
    client = _visitor_client(app, demo, ADVOCATE)
    assert client.get(f"/advocate/reviews/{demo['reviews']['Sam']}").status_code in (403, 404)
    assert client.get(f"/advocate/reviews/{demo['reviews']['Ellis']}").status_code == 200
