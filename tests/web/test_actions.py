"""Actions, the review record and 'You said, we did' through the web (every page checked)."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    ActionFollowUp,
    CaptureMethod,
    OutcomeAction,
    Person,
    Review,
    ReviewKind,
    User,
    UserSession,
)
from facilitator.services import reviews
from facilitator.services.reviews import actions, person_session, responses

from ..conftest import csrf_from, sign_in

KEYWORKER = "keyworker@demo.facilitator.test"
WORDS = "I like my garden 🌻 <b>really</b> — ŵ"


def captured(app: Flask, review_id: int) -> dict[str, int]:
    """The person's session done through the services: a tapped answer and their own words."""
    with app.app_context():
        session = db.session
        review = session.get(Review, review_id)
        staff = session.scalar(select(User).where(User.email == KEYWORKER))
        assert review is not None and staff is not None
        tablet = UserSession(public_id=uuid.uuid4().hex, user_id=staff.id)
        session.add(tablet)
        session.flush()
        person_session.start(session, review, staff, tablet)
        tapped = responses.record_choice(
            session,
            review,
            review.prompts[0],
            client_id=uuid.uuid4().hex,
            answer=["good"],
            facilitator=staff,
        ).response
        words = responses.record_words(
            session,
            review,
            review.prompts[0],
            client_id=uuid.uuid4().hex,
            words=WORDS,
            method=CaptureMethod.TYPED,
            facilitator=staff,
        ).response
        person_session.confirm(session, review, tablet, "2468")
        session.commit()
        return {"tapped": tapped.id, "words": words.id, "staff": staff.id}


def builder_url(review_id: int) -> str:
    return f"/staff/reviews/{review_id}/actions/"


def write_action(client: FlaskClient, review_id: int, **fields):  # type: ignore[no-untyped-def]
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "plain_text": "Help Sam plant tomatoes in the garden in May.",
        "easy_read_text": "Tom will help you plant tomatoes in May.",
        "picture": "gardening",
        "owner_name": "Tom Okafor",
        "due_on": "2027-05-31",
    }
    data.update(fields)
    return client.post(builder_url(review_id), data=data)


def test_builder_is_for_staff_only(client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    assert client.get(builder_url(review_id)).status_code == 302  # sign in first
    sign_in(client, "advocate@demo.facilitator.test")
    assert client.get(builder_url(review_id)).status_code == 403
    assert client.get(f"/staff/reviews/{review_id}/record/").status_code == 403
    assert client.get(f"/staff/reviews/{review_id}/you-said/").status_code == 403
    assert client.get("/staff/actions/overdue").status_code == 403


def test_the_person_comes_first(client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    sign_in(client, KEYWORKER)
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    assert "own views come first" in page and "Save the action" not in page
    refused = client.post(
        builder_url(review_id),
        data={
            "csrf_token": csrf_from(page),
            "plain_text": "x",
            "easy_read_text": "x",
            "owner_name": "x",
            "no_link_reason": "duty",
        },
    )
    assert refused.status_code == 400 and "own views come first" in refused.get_data(as_text=True)


def test_write_an_action_from_what_the_person_said(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    ids = captured(app, review_id)
    sign_in(client, KEYWORKER)
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    assert "Statements no action answers yet" in page
    assert "I like my garden 🌻 &lt;b&gt;really&lt;/b&gt;" in page and "<b>really</b>" not in page
    assert f'name="statement" value="{ids["words"]}"' in page
    saved = write_action(client, review_id, statement=[str(ids["words"]), str(ids["tapped"])])
    assert saved.status_code == 303 and "#action-" in saved.headers["Location"]
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    assert "The action is saved." in page
    assert "Help Sam plant tomatoes" in page and "31 May 2027" in page
    assert "Every statement has an action that answers it." in page
    assert "100%" in page  # linked, and every statement answered
    with app.app_context():
        action = db.session.scalar(select(OutcomeAction))
        assert action is not None and {r.id for r in action.responses} == {
            ids["words"],
            ids["tapped"],
        }


def test_a_refused_action_keeps_what_was_typed(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    captured(app, review_id)
    sign_in(client, KEYWORKER)
    refused = write_action(client, review_id, easy_read_text="We will facilitate three visits.")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "legal duty" in body
    assert "We will facilitate three visits." in body  # kept
    assert (
        "&#39;facilitate&#39; is a hard word" in body or "'facilitate' is a hard word" in body
    )  # advice on submit
    saved = write_action(
        client,
        review_id,
        easy_read_text="We will facilitate three visits.",
        picture="",
        no_link_reason="Annual fire safety check: a legal duty",
    )
    assert saved.status_code == 303  # advice never blocks
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    assert "easy-read check has advice" in page and "Not linked to what Sam said" in page


def test_advice_while_typing_is_an_htmx_partial(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Sam"]
    captured(app, review_id)
    sign_in(client, KEYWORKER)
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    assert 'hx-trigger="input changed delay:400ms"' in page and 'aria-live="polite"' in page
    token = csrf_from(page)
    url = f"/staff/reviews/{review_id}/actions/advice"
    assert (
        client.post(url, data={"easy_read_text": "x"}, headers={"HX-Request": "true"}).status_code
        == 400
    )  # no CSRF
    partial = client.post(
        url,
        data={"easy_read_text": "We will go on the twelfth of May with two friends."},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body and 'id="advice"' in body
    assert "digits (2)" in body and "twelfth" in body and "Choose a picture" in body
    fine = client.post(
        url,
        data={"easy_read_text": "We will go to the park.", "picture": "walking"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    ).get_data(as_text=True)
    assert "found nothing to change" in fine


def test_two_editors_see_both_versions(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    ids = captured(app, review_id)
    sign_in(client, KEYWORKER)
    write_action(client, review_id, statement=[str(ids["words"])])
    with app.app_context():
        action_id = db.session.scalar(select(OutcomeAction.id))
    url = f"/staff/reviews/{review_id}/actions/{action_id}"
    form = client.get(url).get_data(as_text=True)
    assert 'name="version" value="1"' in form
    # Someone else saves first.
    with app.app_context():
        review = db.session.get(Review, review_id)
        action = db.session.get(OutcomeAction, action_id)
        other = db.session.scalar(select(User).where(User.email == "staff@demo.facilitator.test"))
        actions.set_status(db.session, action, "in-progress", actor=other, version=1)
        db.session.commit()
        del review
    mine = {
        "csrf_token": csrf_from(form),
        "version": "1",
        "statement": str(ids["words"]),
        "plain_text": "My version of the action",
        "easy_read_text": "Mine.",
        "owner_name": "Me",
        "picture": "house",
    }
    clash = client.post(url, data=mine)
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Someone else changed this action" in body
    assert "My version of the action" in body and "Help Sam plant tomatoes" in body
    keep = re.search(r'name="version" value="(\d+)"', body)
    assert keep and keep.group(1) == "2"
    kept = client.post(url, data={**mine, "version": "2", "csrf_token": csrf_from(body)})
    assert kept.status_code == 303
    with app.app_context():
        assert db.session.get(OutcomeAction, action_id).plain_text == "My version of the action"  # type: ignore[union-attr]


def test_status_not_done_needs_a_reason(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    ids = captured(app, review_id)
    sign_in(client, KEYWORKER)
    write_action(client, review_id, statement=[str(ids["words"])], due_on="2020-01-31")
    with app.app_context():
        action_id = db.session.scalar(select(OutcomeAction.id))
    page = client.get(builder_url(review_id)).get_data(as_text=True)
    assert "overdue" in page
    url = f"/staff/reviews/{review_id}/actions/{action_id}/status"
    client.post(url, data={"csrf_token": csrf_from(page), "status": "not-done", "version": "1"})
    assert "Say why the action was not done." in client.get(builder_url(review_id)).get_data(
        as_text=True
    )
    overdue = client.get("/staff/actions/overdue").get_data(as_text=True)
    assert "Help Sam plant tomatoes" in overdue and "31 January 2020" in overdue
    client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "status": "not-done",
            "version": "1",
            "not_done_reason": "Rain all May",
        },
    )
    assert "Rain all May" in client.get(builder_url(review_id)).get_data(as_text=True)
    assert "No action is overdue." in client.get("/staff/actions/overdue").get_data(as_text=True)


def test_record_page_print_pdf_and_json(app: Flask, client: FlaskClient, demo: dict) -> None:
    from pypdf import PdfReader

    review_id = demo["reviews"]["Sam"]
    ids = captured(app, review_id)
    sign_in(client, KEYWORKER)
    write_action(client, review_id, statement=[str(ids["words"])])
    base = f"/staff/reviews/{review_id}/record"
    page = client.get(f"{base}/").get_data(as_text=True)
    said, actions_at = page.index("What Sam said"), page.index("Actions and what they answer")
    assert said < page.index("Other people") < page.index("Differing views") < actions_at
    assert "I like my garden 🌻 &lt;b&gt;really&lt;/b&gt;" in page
    printed = client.get(f"{base}/print").get_data(as_text=True)
    assert "site-header" not in printed and "outputs.css" in printed
    response = client.get(f"{base}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "What Sam said" in text and "Help Sam plant tomatoes" in text
    assert "I like my garden" in text and "<b>really</b>" in text
    forms = [k for p in reader.pages for k in (p["/Resources"].get("/XObject") or {})]
    assert any("Pic-gardening" in k for k in forms)
    exported = client.get(f"{base}/export.json?download=1")
    assert (
        exported.mimetype == "application/json"
        and "attachment" in exported.headers["Content-Disposition"]
    )
    document = json.loads(exported.data)
    assert document["review"]["id"] == review_id and document["actions"][0]["response_ids"] == [
        ids["words"]
    ]


def test_you_said_for_staff_in_the_persons_language(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from pypdf import PdfReader

    review_id = demo["reviews"]["Gwen"]  # Gwen reads Welsh
    ids = captured(app, review_id)
    sign_in(client, KEYWORKER)
    write_action(
        client,
        review_id,
        statement=[str(ids["tapped"])],
        easy_read_text="Byddwn ni'n mynd i'r ardd.",
    )
    page = client.get(f"/staff/reviews/{review_id}/you-said/").get_data(as_text=True)
    assert 'lang="cy"' in page and "Byddwn ni&#39;n mynd i&#39;r ardd." in page
    assert "31 Mai 2027" in page  # the date as Gwen reads it
    printed = client.get(f"/staff/reviews/{review_id}/you-said/print").get_data(as_text=True)
    assert '<html lang="cy"' in printed
    response = client.get(f"/staff/reviews/{review_id}/you-said/you-said.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Byddwn ni'n mynd i'r ardd." in text and "31 Mai 2027" in text and "Tom Okafor" in text
    assert reader.metadata.title


def _start_you_said(client: FlaskClient, review_id: int):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/reviews/{review_id}/you-said/").get_data(as_text=True)
    return client.post(f"/person/you-said/start/{review_id}", data={"csrf_token": csrf_from(page)})


def test_you_said_on_the_tablet_shows_only_the_locked_review(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sam, ellis = demo["reviews"]["Sam"], demo["reviews"]["Ellis"]
    ids = captured(app, sam)
    other = captured(app, ellis)
    sign_in(client, KEYWORKER)
    write_action(client, sam, statement=[str(ids["words"])])
    write_action(
        client,
        ellis,
        statement=[str(other["words"])],
        plain_text="Ellis: quiet room",
        easy_read_text="Ellis will have a quiet room.",
    )
    started = _start_you_said(client, sam)
    assert started.status_code == 303 and started.headers["Location"].endswith("/person/you-said/")
    screen = client.get("/person/you-said/").get_data(as_text=True)
    assert "You said, we did" in screen and "Tom will help you plant tomatoes in May." in screen
    assert "quiet room" not in screen and "People and reviews" not in screen
    assert "I like my garden 🌻 &lt;b&gt;really&lt;/b&gt;" in screen and "31 May 2027" in screen
    assert (
        'data-say="You said: I like my garden' in screen
    )  # the browser's voice until audio exists
    assert client.get(f"/staff/reviews/{ellis}/you-said/").headers["Location"].endswith("/person/")
    again = client.post(f"/person/you-said/start/{ellis}", data={"csrf_token": csrf_from(screen)})
    assert again.headers["Location"].endswith("/person/you-said/")  # never switches review
    finish = client.get("/person/you-said/finish").get_data(as_text=True)
    unlocked = client.post(
        "/person/break", data={"csrf_token": csrf_from(finish), "secret": "2468"}
    )
    assert unlocked.status_code == 303
    assert client.get("/person/you-said/").headers["Location"].endswith("/home")


def test_you_said_needs_the_persons_views_first(client: FlaskClient, demo: dict) -> None:
    sign_in(client, KEYWORKER)
    refused = _start_you_said(client, demo["reviews"]["Sam"])
    assert refused.headers["Location"].endswith("/you-said/")
    assert "own views come first" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_did_it_happen_at_the_next_review(app: Flask, client: FlaskClient, demo: dict) -> None:
    first = demo["reviews"]["Sam"]
    ids = captured(app, first)
    sign_in(client, KEYWORKER)
    write_action(client, first, statement=[str(ids["words"])])
    with app.app_context():
        sam = db.session.get(Person, db.session.get(Review, first).person_id)  # type: ignore[union-attr]
        later = reviews.plan_review(
            db.session,
            sam,
            actor=None,
            kind=ReviewKind.PLANNED,
            scheduled_for=date(2031, 1, 1),
            facilitator=None,
        )
        db.session.commit()
        later_id = later.id
    page = client.get(f"/staff/reviews/{later_id}").get_data(as_text=True)
    client.post(f"/person/start/{later_id}", data={"csrf_token": csrf_from(page)})
    intro = client.get("/person/you-said/earlier").get_data(as_text=True)
    assert "Did it happen?" in intro
    screen = client.get("/person/you-said/earlier/1").get_data(as_text=True)
    assert "We said we would" in screen and "Tom will help you plant tomatoes in May." in screen
    client_id = re.search(r'name="client_id" value="([0-9a-f]+)"', screen).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/person/you-said/earlier/1",
        data={
            "csrf_token": csrf_from(screen),
            "client_id": client_id,
            "answer": "partly",
            "words": "Only once",
            "method": "typed",
        },
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        "/person/you-said/earlier/done"
    )
    again = client.post(
        "/person/you-said/earlier/1",
        data={
            "csrf_token": csrf_from(screen),
            "client_id": client_id,
            "answer": "partly",
            "words": "Only once",
            "method": "typed",
        },
    )
    assert again.status_code == 303  # stored once
    shown = client.get("/person/you-said/earlier/1").get_data(as_text=True)
    assert 'aria-pressed="true"' in shown
    assert client.get("/person/you-said/earlier/2").status_code == 404
    assert "Thank you for telling us." in client.get("/person/you-said/earlier/done").get_data(
        as_text=True
    )
    with app.app_context():
        [row] = db.session.scalars(select(ActionFollowUp)).all()
        assert (row.answer, row.own_words, row.review_id) == ("partly", "Only once", later_id)


@pytest.mark.parametrize(
    "path", ["/person/you-said/", "/person/you-said/earlier", "/person/you-said/finish"]
)
def test_person_screens_need_a_locked_tablet(client: FlaskClient, demo: dict, path: str) -> None:
    assert client.get(path).status_code == 302
    sign_in(client, KEYWORKER)
    assert client.get(path).headers["Location"].endswith("/home")


def test_overdue_page_stores_the_figures_it_counted_and_the_rebuild_command(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from facilitator.models import ReviewFigures

    def stored() -> set[int]:
        with app.app_context():
            return set(
                db.session.scalars(
                    select(ReviewFigures.review_id).where(ReviewFigures.computed_at.is_not(None))
                )
            )

    ids = captured(app, demo["reviews"]["Sam"])
    sign_in(client, KEYWORKER)
    write_action(client, demo["reviews"]["Sam"], statement=[str(ids["words"])], due_on="2020-01-31")
    assert stored() == set()
    page = client.get("/staff/actions/overdue").get_data(as_text=True)
    assert "Across every review" in page and "1 of 1 action" in page
    heard = stored()
    with app.app_context():
        eligible = set(db.session.scalars(actions.figures.eligible_reviews()))
        every = set(db.session.scalars(select(Review.id)))
    assert heard == eligible and heard  # committed by the page, so a new session sees them
    page = client.get("/staff/actions/overdue").get_data(as_text=True)  # (without the flash)
    assert "1 of 1 action" in page
    result = app.test_cli_runner().invoke(args=["figures", "rebuild"])
    assert (
        result.exit_code == 0 and f"Counted the figures of {len(every)} reviews." in result.output
    )
    assert stored() == every
    assert client.get("/staff/actions/overdue").get_data(as_text=True) == page
