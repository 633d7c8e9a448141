"""Every route, checked against every kind of visitor.

Each endpoint belongs to one access class; each class says which visitors may use it. A new
route whose endpoint is not classified here fails the test, so access is always decided on
purpose. Refusal means a redirect to sign-in (or back to the locked person screen, or home),
403 or 404, never the page.

Need to know (issue 25): "staff of another service" (Nia Roberts, Tŷ Celyn only) and "manager
of another service" (Carys Lloyd, Tŷ Celyn only) are walked over every route with the ids of
real records of Sam, who lives at Oak House: his person, review, supporter, answers, actions,
family link, contribution, differing view and its party, capacity assessment, complaint,
safety flag, photo and custom prompt. Every route that names one of them is refused with 404
(the page for "no such record": it says nothing); every other route is theirs as staff or
manager. A URL parameter that names a record but has no record made here fails the test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from facilitator.services import scope

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
OTHER_STAFF, OTHER_MANAGER = "staff of another service", "manager of another service"
VISITORS = [ANON, PERSON, FAMILY, ADVOCATE, STAFF, MANAGER, ADMIN, OTHER_STAFF, OTHER_MANAGER]
EVERYONE = set(VISITORS)
STAFFISH = {STAFF, MANAGER, ADMIN, OTHER_STAFF, OTHER_MANAGER}
# Signed in to an account that belongs to Tŷ Celyn only; the records walked are Oak House's.
ELSEWHERE = {OTHER_STAFF, OTHER_MANAGER}
SIGN_IN_AS = {
    STAFF: "staff",
    MANAGER: "manager",
    ADMIN: "admin",
    ADVOCATE: "advocate",
    OTHER_STAFF: "tycelyn",
    OTHER_MANAGER: "tycelyn.manager",
}

# Which visitors each class of endpoint admits.
CLASSES: dict[str, set[str]] = {
    "open": EVERYONE,
    "public": EVERYONE - {PERSON},  # a locked tablet reaches nothing but its own review
    "signed-in": {ADVOCATE} | STAFFISH,
    "staff": STAFFISH,
    "advocate": {ADVOCATE},
    "governance": {MANAGER, ADMIN, OTHER_MANAGER},
    "safeguarding": {MANAGER, ADMIN, OTHER_MANAGER},  # and any account marked safeguarding lead
    "admin": {ADMIN},
    "person": {PERSON},
    "family": {FAMILY},
    "token": set(),  # only with a token no visitor has
}
PREFIXES: list[tuple[str, str]] = [
    ("static", "open"),
    ("main.favicon", "open"),
    ("main.index", "public"),
    ("main.health", "open"),
    ("main.ready", "open"),  # readiness for load balancers: no personal data (issue 19)
    # Prometheus metrics: nobody without METRICS_TOKEN (tests/web/test_operations.py).
    ("main.metrics", "token"),
    ("main.choose_language", "open"),
    ("auth.sign_in", "public"),
    ("auth.second_step", "public"),  # only after a right password (tested in test_two_factor)
    ("auth.set_up", "public"),
    ("auth.signed_out", "public"),
    # A forgotten password (issue 18): asking, the link from the email, the new password.
    ("auth.forgotten", "public"),
    ("auth.new_password_link", "public"),
    ("auth.new_password", "public"),
    ("family.open_link", "public"),
    ("family.continue_link", "public"),
    ("family.left", "public"),
    ("person_sync.service_worker", "open"),  # static code, no personal data
    ("help.public", "public"),
    # Pages every provider publishes (issue 17): everyone but a locked tablet, which has the
    # easy-read privacy notice and a way to complain in its own help (person_help.).
    ("published.", "public"),
    ("admin_pages.", "admin"),
    ("help.", "signed-in"),
    ("person_help.", "person"),
    ("family_help.", "family"),
    ("family.", "family"),
    ("main.", "signed-in"),
    ("auth.sign_out", "signed-in"),
    ("auth.account", "signed-in"),
    ("auth.notice_choices", "signed-in"),  # one's own notices (issue 18)
    ("auth.still_here", "signed-in"),
    ("auth.change_password", "signed-in"),
    ("auth.change_pin", "signed-in"),  # one's own PIN, with one's password
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
    ("people_import.", "governance"),  # CSV import of people: managers and admins (issue 20)
    ("staff_people.", "staff"),
    ("staff_records.", "staff"),
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
    ("cover.", "staff"),  # covering another service; a person's service and moves (issue 25)
    ("lifecycle.reopen", "governance"),  # reopening a closed review: a manager
    ("lifecycle.", "staff"),
    # Advocates' formal reports waiting, and staff's written response (issue 17); the
    # advocate files theirs on advocate_layer. (tests/web/test_advocate_reports.py)
    ("advocate_reports.", "staff"),
    # Joint problem-solving meetings (issue 17): staff arrange and record them (and hand the
    # tablet to the person for one); the invited advocate reads theirs; the tablet shows its
    # own review's meetings (tests/web/test_joint_meetings.py).
    ("joint_meetings.", "staff"),
    ("advocate_meetings.", "advocate"),
    ("person_meetings.", "person"),
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
STARTS_PERSON_MODE = {"person.start", "person_outputs.start", "joint_meetings.tablet"}

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
    if visitor in SIGN_IN_AS:
        email = SIGN_IN_AS[visitor]
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
    ids: dict[str, object] = {
        "review_id": demo["reviews"]["Sam"],
        "person_id": 1,
        "supporter_id": 1,
        "number": 1,
        "position": 1,
    }
    if visitor in ELSEWHERE:
        ids = _oak_house_records(app, demo)
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
        names_a_record = bool(_record_parameters(rule) & set(scope.PERSON_PARAMETERS))
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
            if visitor in ELSEWHERE and names_a_record and allowed:
                # Another service's record: the same 404 as no such record, whatever the route.
                if response.status_code != 404:
                    problems.append(
                        f"{visitor} got {response.status_code}, not 404, from {method} {url} "
                        f"({rule.endpoint}): a record of a person of another service"
                    )
                continue
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


def _record_parameters(rule: object) -> set[str]:
    return {name for _converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)}  # type: ignore[attr-defined]


def _oak_house_records(app: Flask, demo: dict) -> dict[str, object]:
    """Real records of Sam (Oak House), one for each URL parameter that names a record, made
    through the services where they have a rule to satisfy: his answers, a contribution from
    Alex and a family link, an action, a differing view with its party, a capacity assessment,
    a safety flag, a photo and a custom prompt (the demo already has a complaint about him, and
    Mary's Lasting Power of Attorney)."""
    from datetime import date, time

    from sqlalchemy import select

    from facilitator.extensions import db
    from facilitator.models import (
        CapacityAssessment,
        Complaint,
        CustomPrompt,
        DifferingViewParty,
        LegalAuthority,
        Photo,
        Response,
        Review,
        Supporter,
        User,
    )
    from facilitator.services.governance import capacity, differing, joint_meetings, safeguarding
    from facilitator.services.reviews import actions

    from .test_layers import _sam_with_layers

    review_id, contribution_id = _sam_with_layers(app, demo)
    issued = _issue(app, demo)
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        person_id = review.person_id
        staff = db.session.scalars(
            select(User).where(User.email == "staff@demo.facilitator.test")
        ).one()
        manager = db.session.scalars(
            select(User).where(User.email == "manager@demo.facilitator.test")
        ).one()
        said = db.session.scalars(
            select(Response).where(Response.review_id == review_id).order_by(Response.id)
        ).first()
        assert said is not None
        action = actions.create_action(
            db.session, review, actions.ActionInput(
                statement_ids=[said.id], plain_text="Look at moving Sam's room downstairs.",
                easy_read_text="We will look at a room downstairs.", owner_name=staff.name,
                owner_user_id=staff.id, due_on=date.today(),
            ), actor=staff,
        )  # fmt: skip
        view = differing.open_view(
            db.session, review, actor=manager, summary="Alex worries about the stairs",
            response_ids=[said.id],
        )  # fmt: skip
        db.session.flush()
        party = db.session.scalars(
            select(DifferingViewParty.id).where(DifferingViewParty.differing_view_id == view.id)
        ).first()
        assessment = capacity.assess(
            db.session, review.person, actor=manager, decision="Whether to move room",
            area="health-welfare", doubt_reason="Forgot the visit", steps_taken="Easy read",
            findings={"understand": True, "retain": False, "use_or_weigh": True,
                      "communicate": True},
            notes={"retain": "Could not recall"}, impairment="Learning disability",
            assessed_on=date.today(),
        )  # fmt: skip
        flag = safeguarding.flag_words(db.session, said, actor=staff)
        meeting = joint_meetings.arrange(
            db.session, review, staff, joint_meetings.Arrangement(
                question="Where will you sleep?", on=date.today(), starts_at=time(10, 0),
                at_home=True, place=None, invitees=[],
            ), view=view,
        )  # fmt: skip
        photo = Photo(
            person_id=person_id, public_id="oakhousephoto0000000000000000001",
            alt_text="Sam's garden", label="My garden", width=400, height=300,
            file_stem="oak-house-photo-stem-1",
        )  # fmt: skip
        db.session.add(photo)
        db.session.flush()
        prompt = CustomPrompt(
            person_id=person_id, topic_id="where-i-live", answer_type="choose-one",
            texts={"en": "Do you like your garden?"},
        )  # fmt: skip
        db.session.add(prompt)
        db.session.flush()
        complaint = db.session.scalars(
            select(Complaint.id).where(Complaint.person_id == person_id)
        ).first()
        # Mary's Lasting Power of Attorney, and Mary: the supporter and authority routes name
        # both, so the supporter walked is the one the authority belongs to.
        authority, supporter = db.session.execute(
            select(LegalAuthority.id, Supporter.id)
            .join(Supporter, Supporter.id == LegalAuthority.supporter_id)
            .where(Supporter.person_id == person_id)
        ).first() or (None, None)
        assert db.session.get(CapacityAssessment, assessment.id) is not None
        records: dict[str, object] = {
            "person_id": person_id,
            "review_id": review_id,
            "supporter_id": supporter,
            "authority_id": authority,
            "response_id": said.id,
            "action_id": action.id,
            "contribution_id": contribution_id,
            "link_id": issued.link_id,
            "view_id": view.id,
            "party_id": party,
            "assessment_id": assessment.id,
            "complaint_id": complaint,
            "flag_id": flag.id,
            "public_id": photo.public_id,
            "prompt_id": prompt.id,
            "meeting_id": meeting.id,
            "number": 1,
            "position": 1,
        }
        db.session.commit()
    missing = [name for name, value in records.items() if value is None]
    assert not missing, f"no record of Sam's made for {missing}"
    return records


def test_every_parameter_that_names_a_record_has_a_record_in_the_walk(
    app: Flask, demo: dict
) -> None:
    """A new route naming a new kind of record fails here until the walk makes one (and the
    scope decides whose it is)."""
    records = _oak_house_records(app, demo)
    named = set().union(*(_record_parameters(r) for r in app.url_map.iter_rules()))
    unclassified = named - set(scope.PERSON_PARAMETERS) - scope.OTHER_PARAMETERS
    assert not unclassified, f"URL parameters scope does not classify: {sorted(unclassified)}"
    record_names = named & set(scope.PERSON_PARAMETERS)
    assert record_names <= set(records), sorted(record_names - set(records))


def test_staff_of_another_service_find_nothing_and_their_own_people_still(
    app: Flask, demo: dict
) -> None:
    """The walk's other side: Nia and Carys reach Gwen's records (their own service), and
    searching for Sam by name finds nothing and says nothing."""
    for visitor in ELSEWHERE:
        client = _visitor_client(app, demo, visitor)
        assert client.get(f"/staff/reviews/{demo['reviews']['Gwen']}").status_code == 200
        assert client.get(f"/staff/reviews/{demo['reviews']['Priya']}").status_code == 200
        found = client.get("/staff/?q=Carter").get_data(as_text=True)
        assert "Samuel" not in found and "Oak House" not in found
        assert f"/staff/reviews/{demo['reviews']['Sam']}" not in found


def test_advocate_refused_on_another_persons_review_but_not_their_own(
    app: Flask, demo: dict
) -> None:
    client = _visitor_client(app, demo, ADVOCATE)
    assert client.get(f"/advocate/reviews/{demo['reviews']['Sam']}").status_code in (403, 404)
    assert client.get(f"/advocate/reviews/{demo['reviews']['Ellis']}").status_code == 200
