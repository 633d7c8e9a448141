"""Help in the same place on every page: the staff guide, the person's spoken easy-read
"how this works" (inside the locked review), the family member's help about their link."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from facilitator.accessible import speech
from facilitator.outputs.spoken import PERSON_STEPS, person_help_texts, spoken_help_texts

from ..conftest import sign_in
from .test_family import _confirm, _in, _issue, _move_back, _open
from .test_person_mode import start_session

HEADER_HELP = re.compile(
    r'<a class="service-name"[^>]*>[^<]*</a>\s*<a class="help-link" href="(?P<href>[^"]+)"'
)


def _header_help(html: str) -> str:
    """The Help link right after the service name: the same place on every page."""
    match = HEADER_HELP.search(html)
    assert match, "no Help link in its place in the header"
    return match.group("href")


def test_staff_see_help_in_the_same_place_on_every_page(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "staff@demo.facilitator.test")
    review = demo["reviews"]["Sam"]
    for url in (
        "/staff/",
        f"/staff/reviews/{review}",
        f"/staff/reviews/{review}/actions/",
        "/account/language",
    ):
        assert _header_help(client.get(url).get_data(as_text=True)) == "/help/", url
    guide = client.get("/help/")
    assert guide.status_code == 200
    html = unescape(guide.get_data(as_text=True))
    assert "Help: running a review with a person and an advocate" in html
    for task in (
        "Get ready for the review",
        "Run the person's session on the tablet",
        "Work with an advocate",
        "After the session: family, layers and actions",
    ):
        assert task in html
    assert 'class="help-link" href="/help/" aria-current="page"' in html


def test_advocates_and_managers_get_the_guide(client: FlaskClient, demo: dict) -> None:
    sign_in(client, "advocate@demo.facilitator.test")
    assert _header_help(client.get("/advocate/").get_data(as_text=True)) == "/help/"
    html = client.get("/help/").get_data(as_text=True)
    assert "Go to the reviews of my people" in html
    assert "Go to people and reviews" not in html  # not a staff page for an advocate


def test_someone_not_signed_in_gets_the_public_help(client: FlaskClient) -> None:
    assert _header_help(client.get("/sign-in").get_data(as_text=True)) == "/help/about"
    page = client.get("/help/about")
    assert page.status_code == 200
    assert "If you were sent a link" in page.get_data(as_text=True)
    assert client.get("/help/").status_code == 302  # the staff guide needs a sign-in


def test_the_person_gets_easy_read_help_inside_their_review(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Sam"])
    welcome = client.get("/person/").get_data(as_text=True)
    assert re.search(r'class="help-link button button-secondary" href="/person/help/"', welcome)
    page = client.get("/person/help/", headers={"Referer": "http://localhost/person/q/3"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>How this works</h1>" in html
    assert html.count('class="help-step"') == len(PERSON_STEPS)
    # every sentence is short, with a picture and its own Listen button
    for text in person_help_texts()[1:]:
        assert len(text.split()) <= 15, text
        assert f'data-say="{text}"' in html
    assert html.count("button listen") == len(PERSON_STEPS) + 1  # and one for all of it
    assert 'href="/person/q/3"' in html  # back to the question the person came from
    assert "People and reviews" not in html  # no staff navigation
    # The lock holds: the staff guide sends a locked tablet back to its review.
    response = client.get("/help/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/person/")


def test_the_person_help_goes_back_only_to_person_screens(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Sam"])
    for back in ("//evil.example/person/", "/staff/", "https://evil.example/", "/person/help/"):
        html = client.get("/person/help/", query_string={"back": back}).get_data(as_text=True)
        assert 'href="/person/"' in html and "evil" not in html, back
    html = client.get("/person/help/", query_string={"back": "/person/settings"}).get_data(
        as_text=True
    )
    assert 'href="/person/settings"' in html


def test_the_person_help_plays_rendered_speech(app: Flask, client: FlaskClient, demo: dict) -> None:
    """With the help in the speech cache, Listen plays it; without, the browser speaks."""
    start_session(client, demo["reviews"]["Sam"])
    html = client.get("/person/help/").get_data(as_text=True)
    assert "data-audio" not in html.split('class="help-steps"')[1]
    rate = 110  # Sam's speech rate in the demo data
    first = str(PERSON_STEPS[0][1])
    with app.test_request_context():
        name = speech.audio_filename(first, "en", rate)
    Path(app.config["SPEECH_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    (Path(app.config["SPEECH_CACHE_DIR"]) / name).write_bytes(b"ID3 not really an mp3")
    html = client.get("/person/help/").get_data(as_text=True)
    assert f'data-audio="/person/audio/{name}"' in html


def test_help_texts_are_part_of_what_speech_render_makes(app: Flask) -> None:
    from facilitator.cli.speech import _library_by_language

    with app.app_context():
        spoken = list(spoken_help_texts(["en", "cy"]))
        by_lang = _library_by_language()
    assert ("How this works", "en") in spoken
    assert {lang for _, lang in spoken} == {"en", "cy"}
    assert len(spoken) == 2 * (len(PERSON_STEPS) + 1)
    for text, lang in spoken:
        assert (text, lang) in by_lang[lang]


def test_family_help_before_the_code_names_nobody(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    assert _open(client, issued.token).status_code == 302
    confirm = client.get("/family/confirm").get_data(as_text=True)
    assert _header_help(confirm) == "/family/help/"
    html = client.get("/family/help/").get_data(as_text=True)
    assert "What this link is" in html and "How your views will be used" in html
    for word in ("Sam", "Carter", "Sian Jones", "Oak House"):
        assert word not in html
    assert _confirm(client, issued.code).status_code == 302


def test_family_help_uses_the_links_real_details(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    issued = _issue(app, demo)
    _in(client, issued)
    review = client.get("/family/review").get_data(as_text=True)
    assert _header_help(review) == "/family/help/"
    page = client.get("/family/help/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = unescape(page.get_data(as_text=True))
    assert "share your views about Sam's review" in html
    assert "Sian Jones, Oak House supported living, sent you this link." in html
    from facilitator.extensions import db
    from facilitator.models import InvitationLink
    from facilitator.outputs.labels import format_date

    with app.test_request_context():
        link = db.session.get(InvitationLink, issued.link_id)
        assert link is not None
        assert f"It works until {format_date(link.expires_at)}." in html
    assert "You see only what Sam agreed to share with you." in html


def test_family_help_after_the_session_ended_says_so_kindly(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    from datetime import timedelta

    issued = _issue(app, demo)
    _in(client, issued)
    _move_back(app, issued.link_id, "last_seen_at", timedelta(minutes=21))
    page = client.get("/family/help/")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "This page has closed to keep it safe" in html
    assert "Sam" not in html


def test_family_help_without_a_link_is_refused(client: FlaskClient) -> None:
    page = client.get("/family/help/")
    assert page.status_code == 403
    assert "Please open your link again" in page.get_data(as_text=True)
