"""The person's session through the web: locked tablet, one prompt per screen, answers once."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import Contribution, Response, Review, ReviewStatus

from ..conftest import csrf_from, sign_in

KEYWORKER = "keyworker@demo.facilitator.test"


def _client_id(html: str) -> str:
    match = re.search(r'name="client_id" value="([0-9a-f]+)"', html)  # the first: answers or words
    assert match
    return match.group(1)


def start_session(client: FlaskClient, review_id: int, email: str = KEYWORKER) -> None:
    sign_in(client, email)
    page = client.get(f"/staff/reviews/{review_id}")
    response = client.post(
        f"/person/start/{review_id}", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/person/")


def answer(client: FlaskClient, position: int, *choices: str, action: str = "answer"):  # type: ignore[no-untyped-def]
    page = client.get(f"/person/q/{position}").get_data(as_text=True)
    ids = re.findall(r'name="client_id" value="([0-9a-f]+)"', page)
    data = {
        "csrf_token": csrf_from(page),
        "client_id": ids[-1] if action == "skip" else ids[0],
        "action": action,
    }
    if choices:
        data["answer"] = list(choices)
    return client.post(f"/person/q/{position}", data=data), data


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_welcome_and_first_prompt(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    welcome = client.get("/person/").get_data(as_text=True)
    assert "Hello. This is your review." in welcome
    assert "People and reviews" not in welcome  # no staff navigation
    first = client.get("/person/q/1").get_data(as_text=True)
    assert "Question 1 of 12" in first
    assert "Do you like where you live?" in first or "where you live" in first


def test_answer_is_stored_once_even_when_resubmitted(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    response, data = answer(client, 1, "good")
    assert response.status_code == 303 and "answered=1" in response.headers["Location"]
    # A double tap or a resent screen carries the same client id: stored once.
    again = client.post("/person/q/1", data=data)
    assert again.status_code == 303
    assert _count(app, Response) == 1
    shown = client.get("/person/q/1?answered=1").get_data(as_text=True)
    assert 'aria-pressed="true"' in shown and "Saved." in shown


def test_skip_and_back(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    response, _ = answer(client, 1, action="skip")
    assert response.headers["Location"].endswith("/person/q/2")
    page = client.get("/person/q/2").get_data(as_text=True)
    assert 'href="/person/q/1"' in page  # back


def test_bad_answer_is_refused_kindly(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    response, _ = answer(client, 1, "no-such-option")
    assert response.status_code == 400
    assert "not one of the choices" in response.get_data(as_text=True)


def test_own_words_kept_exactly_and_shown_as_text(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    words = "I like my garden 🌻 — Dw i'n hoffi'r ardd ŵ ŷ — میں خوش ہوں <script>alert(1)</script>"
    page = client.get("/person/q/1/words").get_data(as_text=True)
    response = client.post(
        "/person/q/1/words",
        data={
            "csrf_token": csrf_from(page),
            "client_id": _client_id(page),
            "words": words,
            "method": "scribed",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(Response))
        assert stored is not None and stored.own_words == words
        assert stored.capture_method == "scribed" and stored.captured_by_id is not None
    shown = client.get("/person/q/1").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "written down word for word" in shown


def test_own_words_limit_is_stated(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/q/1/words").get_data(as_text=True)
    assert "Up to 5,000 characters." in page
    ok = client.post(
        "/person/q/1/words",
        data={
            "csrf_token": csrf_from(page),
            "client_id": _client_id(page),
            "words": "a" * 5000,
            "method": "typed",
        },
    )
    assert ok.status_code == 303
    page = client.get("/person/q/1/words").get_data(as_text=True)
    too_long = client.post(
        "/person/q/1/words",
        data={
            "csrf_token": csrf_from(page),
            "client_id": _client_id(page),
            "words": "a" * 5001,
            "method": "typed",
        },
    )
    assert too_long.status_code == 400
    assert "Up to 5,000 can be saved" in too_long.get_data(as_text=True)


def test_interpretation_is_never_shown_as_the_persons_words(
    client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/q/1/words").get_data(as_text=True)
    client.post(
        "/person/q/1/words",
        data={
            "csrf_token": csrf_from(page),
            "client_id": _client_id(page),
            "words": "Smiled and pointed at the garden",
            "method": "interpreted",
        },
    )
    shown = client.get("/person/q/1").get_data(as_text=True)
    assert "not the person&#39;s own words" in shown or "not the person's own words" in shown
    assert "<blockquote><p>Smiled" not in shown


def test_locked_tablet_refuses_every_other_route(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    other = demo["reviews"]["Ellis"]
    checked = 0
    for rule in app.url_map.iter_rules():
        from facilitator.views.person.lock import LOCKED_PREFIXES

        if rule.endpoint.startswith(LOCKED_PREFIXES) or rule.endpoint in (
            "static",
            "main.favicon",
            "main.health",
            "main.choose_language",
        ):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = (
                url.replace(f"<int:{arg}>", str(other))
                .replace(f"<{arg}>", "x")
                .replace(f"<string:{arg}>", "x")
            )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            checked += 1
            if method == "GET":
                assert response.status_code == 302 and response.headers["Location"].endswith(
                    "/person/"
                ), url
            else:
                assert response.status_code in (400, 403), (method, url, response.status_code)
    assert checked >= 10


def test_person_mode_cannot_reach_another_review(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/").get_data(as_text=True)
    response = client.post(
        f"/person/start/{demo['reviews']['Ellis']}", data={"csrf_token": csrf_from(page)}
    )
    assert response.headers["Location"].endswith("/person/")
    assert "Ellis" not in client.get("/person/q/1").get_data(as_text=True)


def test_unlock_needs_the_facilitators_pin(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    page = client.get("/person/break").get_data(as_text=True)
    wrong = client.post("/person/break", data={"csrf_token": csrf_from(page), "secret": "0000"})
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # still locked
    right = client.post("/person/break", data={"csrf_token": csrf_from(page), "secret": "2468"})
    assert right.status_code == 303
    assert client.get("/staff/").status_code == 200


def test_whole_session_confirmed_then_review_shows_answers(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    answer(client, 1, "good")
    check = client.get("/person/check").get_data(as_text=True)
    assert "This is what you told us. Is this right?" in check
    client.post("/person/check", data={"csrf_token": csrf_from(check)})
    done = client.get("/person/done").get_data(as_text=True)
    response = client.post("/person/done", data={"csrf_token": csrf_from(done), "secret": "2468"})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/staff/reviews/{review_id}"
    )
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None and review.status == ReviewStatus.PERSON_DONE
    page = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert "What Sam said" in page and "tapped by the person" in page


def test_staff_chooses_and_orders_prompts(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get(f"/staff/reviews/{review_id}/prompts").get_data(as_text=True)
    response = client.post(
        f"/staff/reviews/{review_id}/prompts",
        data={
            "csrf_token": csrf_from(page),
            "prompt": ["sleep-well", "want-to-move"],
            "order-sleep-well": "1",
            "order-want-to-move": "2",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        assert [rp.library_prompt_id for rp in review.prompts] == ["sleep-well", "want-to-move"]


def test_non_participation_opens_the_review_to_others(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Ellis"]
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    missing = client.post(
        f"/staff/reviews/{review_id}/non-participation",
        data={"csrf_token": csrf_from(page), "reason": "unwell", "what_was_tried": " "},
    )
    assert "Say what was tried" in client.get(missing.headers["Location"]).get_data(as_text=True)
    client.post(
        f"/staff/reviews/{review_id}/non-participation",
        data={
            "csrf_token": csrf_from(page),
            "reason": "unwell",
            "what_was_tried": "Tried in the afternoon with pictures",
        },
    )
    shown = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert "could not take part" in shown and "Tried in the afternoon" in shown
    assert _count(app, Contribution) == 0


@pytest.mark.parametrize("position", [0, 99])
def test_unknown_prompt_position_is_404(client: FlaskClient, demo: dict, position: int) -> None:
    start_session(client, demo["reviews"]["Sam"])
    assert client.get(f"/person/q/{position}").status_code == 404


def test_staff_edit_communication_needs_and_settings(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    page = client.get("/staff/people/1/communication").get_data(as_text=True)
    token = csrf_from(page)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {
        "csrf_token": token,
        "version": version,
        "communication_needs": "Pictures, short sentences",
        "preferred_formats": "easy read, pictures",
        "review_on": "2027-01-31",
        "language": "en",
        "text_size": "x-large",
        "high_contrast": "on",
        "speech": "autoplay",
    }
    assert client.post("/staff/people/1/communication", data=data).status_code == 303
    # A second save from the same (now old) version is refused, and nothing is lost.
    stale = client.post(
        "/staff/people/1/communication", data={**data, "communication_needs": "Other"}
    )
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Someone else changed" in body
    # Both versions are shown: the saved one in a panel, mine in the form, ready to keep.
    assert (
        "The saved version" in body
        and "Pictures, short sentences" in body
        and ">Other</textarea>" in body
    )
    new_version = re.search(r'name="version" value="(\d+)"', body).group(1)  # type: ignore[union-attr]
    assert new_version != version
    kept = client.post(
        "/staff/people/1/communication",
        data={**data, "version": new_version, "communication_needs": "Other"},
    )
    assert kept.status_code == 303
    assert "Other; easy read, pictures" in client.get("/staff/people/1").get_data(as_text=True)
    from facilitator.models import Person

    with app.app_context():
        person = db.session.get(Person, 1)
        assert (
            person is not None
            and person.setting("text_size") == "x-large"
            and person.setting("high_contrast")
        )


def test_staff_correction_keeps_the_original(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    page = client.get("/person/q/1/words").get_data(as_text=True)
    client.post(
        "/person/q/1/words",
        data={
            "csrf_token": csrf_from(page),
            "client_id": _client_id(page),
            "words": "pizza",
            "method": "typed",
        },
    )
    done = client.get("/person/done").get_data(as_text=True)
    client.post("/person/done", data={"csrf_token": csrf_from(done), "secret": "2468"})
    with app.app_context():
        original = db.session.scalar(select(Response))
        assert original is not None
        original_id = original.id
    response = client.post(
        f"/staff/reviews/{review_id}/responses/{original_id}/correction",
        data={"csrf_token": csrf_from(done), "words": "pasta", "reason": "Sam said later"},
    )
    assert response.status_code == 303
    shown = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert "pasta" in shown
    with app.app_context():
        assert db.session.get(Response, original_id).own_words == "pizza"  # type: ignore[union-attr]


def test_person_chooses_who_may_see_what_they_said(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from facilitator.models import ConsentToShare

    start_session(client, demo["reviews"]["Sam"])
    check = client.get("/person/check").get_data(as_text=True)
    to_share = client.post("/person/check", data={"csrf_token": csrf_from(check)})
    assert to_share.headers["Location"].endswith("/person/share/1")
    first = client.get("/person/share/1").get_data(as_text=True)
    assert "Can Alex Carter see what you said?" in first and "It is OK to say no." in first
    assert (
        client.post("/person/share/1", data={"csrf_token": csrf_from(first), "decision": "yes"})
        .headers["Location"]
        .endswith("/person/share/2")
    )
    second = client.get("/person/share/2").get_data(as_text=True)
    assert "Can Mary Carter see what you said?" in second
    assert (
        client.post("/person/share/2", data={"csrf_token": csrf_from(second), "decision": "no"})
        .headers["Location"]
        .endswith("/person/done")
    )
    assert (
        client.post(
            "/person/share/1", data={"csrf_token": csrf_from(first), "decision": "maybe"}
        ).status_code
        == 400
    )
    with app.app_context():
        rows = db.session.scalars(select(ConsentToShare).order_by(ConsentToShare.id)).all()
        assert [(r.decision, r.basis, r.capture_method) for r in rows] == [
            ("yes", "person", "tapped"),
            ("no", "person", "tapped"),
        ]


def test_advocate_facilitates_their_persons_session(client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Ellis"]
    sign_in(client, "advocate@demo.facilitator.test")
    page = client.get(f"/advocate/reviews/{review_id}").get_data(as_text=True)
    assert (
        "Start Ellis&#39;s session on this tablet" in page
        or "Start Ellis's session on this tablet" in page
    )
    started = client.post(f"/person/start/{review_id}", data={"csrf_token": csrf_from(page)})
    assert started.headers["Location"].endswith("/person/")
    assert "Hello. This is your review." in client.get("/person/").get_data(as_text=True)


def test_advocate_cannot_facilitate_someone_else(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "advocate@demo.facilitator.test")
    page = client.get("/advocate/").get_data(as_text=True)
    assert (
        client.post(
            f"/person/start/{demo['reviews']['Sam']}", data={"csrf_token": csrf_from(page)}
        ).status_code
        == 403
    )


def test_not_feeling_safe_raises_a_flag_at_once(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from facilitator.models import Review as ReviewModel
    from facilitator.services import reviews as review_service
    from facilitator.services.governance import safeguarding

    review_id = demo["reviews"]["Sam"]
    with app.app_context():
        review = db.session.get(ReviewModel, review_id)
        review_service.set_prompts(
            db.session, review, ["safe-at-home", "like-where-you-live"], actor=None
        )
        db.session.commit()
    start_session(client, review_id)
    answer(client, 2, "good")
    with app.app_context():
        assert safeguarding.open_flags_for_review(db.session, review_id) == []
    answer(client, 1, "no")
    with app.app_context():
        flags = safeguarding.open_flags_for_review(db.session, review_id)
        assert len(flags) == 1


# --- leaving person mode: one count of wrong tries (issue 21, item 1) -------------------------


def _try_unlock(client: FlaskClient, route: str, **form: str):  # type: ignore[no-untyped-def]
    """Post the facilitator's form on /person/break or /person/done (a fresh CSRF token)."""
    page = client.get(route).get_data(as_text=True)
    return client.post(route, data={"csrf_token": csrf_from(page), **form})


def _to_the_end(client: FlaskClient) -> None:
    check = client.get("/person/check").get_data(as_text=True)
    client.post("/person/check", data={"csrf_token": csrf_from(check)})


def _still_locked(client: FlaskClient) -> bool:
    response = client.get("/staff/")
    return response.status_code == 302 and response.headers["Location"].endswith("/person/")


def test_wrong_pins_on_break_and_done_share_one_count(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    _to_the_end(client)
    for route in ("/person/break", "/person/done", "/person/break", "/person/done"):
        wrong = _try_unlock(client, route, secret="0000", step="pin")
        assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    last = _try_unlock(client, "/person/done", secret="1111", step="pin")
    assert last.status_code == 400
    assert "Type your password" in last.get_data(as_text=True)
    # Five wrong PINs between the two routes: the right PIN no longer unlocks, on either.
    for route in ("/person/break", "/person/done"):
        refused = _try_unlock(client, route, secret="2468", step="pin")
        assert refused.status_code == 400, route
        assert _still_locked(client)
    # The tablet stays with the person's review meanwhile.
    assert "Question 1 of" in client.get("/person/q/1").get_data(as_text=True)


def test_after_the_limit_the_password_and_second_step_unlock(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    for _ in range(5):
        _try_unlock(client, "/person/break", secret="0000", step="pin")
    page = client.get("/person/break").get_data(as_text=True)
    assert 'name="step" value="password"' in page and 'autocomplete="current-password"' in page
    # Every screen that offers the unlock form asks for the password now, not a PIN.
    for other in ("/person/done", "/person/you-said/finish"):
        page = client.get(other).get_data(as_text=True)
        assert 'name="step" value="password"' in page, other
    assert _try_unlock(client, "/person/break", secret="2468", step="pin").status_code == 400
    wrong = _try_unlock(client, "/person/break", secret="not-the-password", step="password")
    assert wrong.status_code == 400 and "password is not right" in wrong.get_data(as_text=True)
    # The right password: the second step comes next, on the same locked tablet.
    passed = _try_unlock(client, "/person/break", secret="demo-password-2026", step="password")
    assert passed.status_code == 200 and 'name="code"' in passed.get_data(as_text=True)
    assert _still_locked(client)
    wrong_code = _try_unlock(client, "/person/break", code="000000", step="code")
    assert wrong_code.status_code == 400 and _still_locked(client)
    with app.app_context():
        from ..conftest import second_factor_code

        code = second_factor_code(db.session, KEYWORKER)
    unlocked = _try_unlock(client, "/person/break", code=code, step="code")
    assert unlocked.status_code == 303
    assert unlocked.headers["Location"].endswith(f"/staff/reviews/{review_id}")
    assert client.get("/staff/").status_code == 200
    # Proved with the password and code: the next session on this tablet takes the PIN again.
    page = client.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    client.post(f"/person/start/{review_id}", data={"csrf_token": csrf_from(page)})
    assert _try_unlock(client, "/person/break", secret="2468", step="pin").status_code == 303


def test_every_wrong_pin_is_audited_on_every_route(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from facilitator.models import AuditEvent

    review_id = demo["reviews"]["Sam"]
    start_session(client, review_id)
    _to_the_end(client)
    _try_unlock(client, "/person/break", secret="0000", step="pin")
    _try_unlock(client, "/person/done", secret="1234", step="pin")
    _try_unlock(client, "/person/done", secret="9999", step="pin")
    with app.app_context():
        refused = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person_session.unlock_refused")
        ).all()
        assert len(refused) == 3
        assert {e.object_id for e in refused} == {str(review_id)}
        assert [e.detail["route"] for e in refused] == ["break", "done", "done"]


def test_the_facilitator_is_told_at_their_next_sign_in(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    _try_unlock(client, "/person/break", secret="0000", step="pin")
    _try_unlock(client, "/person/break", secret="1357", step="pin")
    assert _try_unlock(client, "/person/break", secret="2468", step="pin").status_code == 303
    # Whoever typed the right PIN is not told: only a new sign-in (password and code) is.
    assert "wrong PIN" not in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    signed_in = sign_in(client, KEYWORKER)
    first = client.get(signed_in.headers["Location"], follow_redirects=True)
    text = first.get_data(as_text=True)
    assert "2 wrong PIN or password tries on the tablet in the review for Sam" in text
    assert "If this was not you, tell your manager." in text
    # Shown once, then marked seen.
    assert "wrong PIN" not in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    signed_in = sign_in(client, KEYWORKER)
    again = client.get(signed_in.headers["Location"], follow_redirects=True)
    assert "wrong PIN" not in again.get_data(as_text=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path, sqlite_template):  # type: ignore[no-untyped-def]
    """One database with the demo data, for two app instances (their own processes)."""
    import shutil
    from contextlib import ExitStack

    from facilitator import create_app
    from facilitator.services import demo as demo_service

    from ..conftest import own_postgres_database

    with ExitStack() as stack:
        if request.param == "sqlite":
            path = tmp_path / "shared.sqlite3"
            shutil.copy(sqlite_template, path)
            url = f"sqlite:///{path}"
        else:
            url = stack.enter_context(own_postgres_database("tablet"))
        made = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path / "i")}
        )
        with made.app_context():
            demo_service.load(db.session)
            db.session.commit()
            db.scoped.remove()
            assert db.engine is not None
            db.engine.dispose()
        yield url


def test_the_count_is_held_in_the_database_for_every_instance(shared_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two instances (each its own gunicorn process, rate limits in its own memory) on one
    database: wrong PINs typed on either count together, whichever exit route they reach."""
    from contextlib import ExitStack

    from facilitator.services.demo import DEMO_PASSWORD

    from .test_two_instances import STAFF, Browser, _code, instance

    with ExitStack() as stack:
        a = stack.enter_context(instance(shared_url, tmp_path))
        b = stack.enter_context(instance(shared_url, tmp_path))
        tablet = Browser(a)
        tablet.post("/sign-in", {"email": STAFF, "password": DEMO_PASSWORD}, csrf_from="/sign-in")
        tablet.post("/sign-in/code", {"code": _code(shared_url)}, csrf_from="/sign-in/code")
        _status, staff_page = tablet.get("/staff/")
        review_id = min(int(r) for r in re.findall(r'href="/staff/reviews/(\d+)"', staff_page))
        status, _page = tablet.post(
            f"/person/start/{review_id}", {}, csrf_from=f"/staff/reviews/{review_id}"
        )
        assert status == 303
        wrong = {"secret": "0000", "step": "pin"}
        for port, route in ((a, "/person/break"), (b, "/person/done"), (a, "/person/done"),
                            (b, "/person/break"), (a, "/person/break")):  # fmt: skip
            assert tablet.at(port).post(route, wrong, csrf_from="/person/break")[0] == 400
        right = {"secret": "2468", "step": "pin"}
        for port in (a, b):
            status, page = tablet.at(port).post("/person/break", right, csrf_from="/person/break")
            assert status == 400 and 'name="step" value="password"' in page
            assert tablet.at(port).get("/staff/")[0] == 302
