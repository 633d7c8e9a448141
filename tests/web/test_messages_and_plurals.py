"""Messages shown once on the next page, plural forms, the favicon and the easy-read PDF's
download (issue 22, items 4 and 5)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from facilitator.extensions import db
from facilitator.models import Review

from ..conftest import csrf_from, sign_in
from ..structure import assert_page_ok
from .test_person_mode import KEYWORKER, start_session

PIN = "2468"
UNLOCKED = "The tablet is unlocked. The person's answers so far are saved."
UNLOCKED_CY = "Mae'r dabled wedi'i datgloi. Mae atebion y person hyd yma wedi'u cadw."
CONFIRMED = "The person's views are confirmed and saved."
CONFIRMED_CY = "Mae barn y person wedi&#39;i chadarnhau a&#39;i chadw."


def _leave(client: FlaskClient, screen: str) -> str:
    """Leave person mode from the break or the thank-you screen with the PIN; the staff page."""
    page = client.get(f"/person/{screen}").get_data(as_text=True)
    left = client.post(f"/person/{screen}", data={"csrf_token": csrf_from(page), "secret": PIN})
    assert left.status_code == 303, left.get_data(as_text=True)
    return client.get(left.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(("screen", "english", "welsh"), [
    ("break", UNLOCKED, UNLOCKED_CY.replace("'", "&#39;")),
    ("done", CONFIRMED, CONFIRMED_CY),
])  # fmt: skip
def test_a_welsh_tablet_gives_the_english_staff_page_its_message_in_english(
    client: FlaskClient, demo: dict, screen: str, english: str, welsh: str
) -> None:
    start_session(client, demo["reviews"]["Gwen"])  # Gwen reads Welsh; the keyworker English
    assert 'lang="cy"' in client.get("/person/").get_data(as_text=True)
    staff_page = _leave(client, screen)
    assert 'lang="en"' in staff_page
    assert english.replace("'", "&#39;") in staff_page
    assert welsh not in staff_page
    assert_page_ok(staff_page)


def test_a_message_is_put_into_words_in_the_language_of_the_page_that_shows_it(
    client: FlaskClient, demo: dict
) -> None:
    start_session(client, demo["reviews"]["Gwen"])
    page = client.get("/person/break").get_data(as_text=True)
    left = client.post("/person/break", data={"csrf_token": csrf_from(page), "secret": PIN})
    assert left.status_code == 303
    with client.session_transaction() as session:
        session["lang"] = "cy"  # the keyworker chooses Welsh for their own pages
    staff_page = client.get(left.headers["Location"]).get_data(as_text=True)
    assert 'lang="cy"' in staff_page and UNLOCKED_CY.replace("'", "&#39;") in staff_page


def test_a_staff_message_never_shows_on_the_tablet(client: FlaskClient, demo: dict) -> None:
    start_session(client, demo["reviews"]["Gwen"])
    token = csrf_from(client.get("/person/break").get_data(as_text=True))
    client.post("/person/break", data={"csrf_token": token, "secret": PIN})
    # The facilitator hands the tablet straight back, before any staff page has shown the
    # message meant for them: the person never sees it, in any language.
    again = client.post(f"/person/start/{demo['reviews']['Gwen']}", data={"csrf_token": token})
    assert again.status_code == 303
    tablet = client.get("/person/").get_data(as_text=True)
    assert UNLOCKED_CY.replace("'", "&#39;") not in tablet and "tablet is unlocked" not in tablet
    assert "message-success" not in tablet


def test_a_message_waiting_in_an_older_form_is_still_shown(app: Flask, client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Saved.")]
    assert "Saved." in client.get("/sign-in").get_data(as_text=True)


def test_the_favicon_is_served_and_named_on_every_page(client: FlaskClient) -> None:
    """Issue 22: a browser's automatic /favicon.ico got a 404 on every first visit."""
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/png"
        assert icon.data.startswith(b"\x89PNG")
    page = client.get("/sign-in").get_data(as_text=True)
    found = re.search(r'<link rel="icon" type="image/png" href="([^"]+)"', page)
    assert found, "no icon named in the page's head"
    with client.get(found.group(1)) as named:
        assert named.status_code == 200 and named.mimetype == "image/png"
    # The icon's own static address is still served as it is, and still built as itself.
    with client.get("/static/vendor/icons/icon-192.png") as own:
        assert own.status_code == 200 and own.mimetype == "image/png"
    with client.application.test_request_context():
        from flask import url_for

        built = url_for("static", filename="vendor/icons/icon-192.png")
        assert built.startswith("/static/vendor/icons/icon-192.png"), built


def test_the_easy_read_pdf_is_saved_under_a_name_in_the_persons_language(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    """Issue 22: the PDF for the person or family opened in the tab; it is now a download
    named in their language (RFC 6266, with RFC 5987's UTF-8 name and an ASCII one), and a
    separate link opens it on screen."""
    sign_in(client, KEYWORKER)
    gwen = demo["reviews"]["Gwen"]  # Gwen reads Welsh
    with client.get(f"/staff/reviews/{gwen}/you-said/you-said.pdf") as saved:
        assert saved.status_code == 200 and saved.mimetype == "application/pdf"
        disposition = saved.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Dywedoch chi, fe wnaethon ni - Gwen.pdf"' in disposition
    with app.app_context():
        priya = db.session.get(Review, demo["reviews"]["Priya"])
        assert priya is not None
        priya.person.language = "ur"
        db.session.commit()
    with client.get(f"/staff/reviews/{demo['reviews']['Priya']}/you-said/you-said.pdf") as ur:
        disposition = ur.headers["Content-Disposition"]
    urdu = quote("آپ نے کہا، ہم نے کیا - Priya.pdf", safe="")
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{urdu}" in disposition
    fallback = re.search(r'filename="?([^";]+)', disposition)
    assert fallback and fallback.group(1).isascii() and fallback.group(1).endswith(".pdf")
    page = client.get(f"/staff/reviews/{gwen}/you-said/").get_data(as_text=True)
    view = re.search(r'href="([^"]+you-said\.pdf\?view=1)"', page)
    assert view, "no link to read the PDF on screen"
    with client.get(view.group(1).replace("&amp;", "&")) as shown:
        assert shown.headers["Content-Disposition"].startswith("inline;")


def test_a_download_name_holds_nothing_a_file_name_cannot() -> None:
    from facilitator.views.staff.you_said import file_names

    assert file_names('A/B\\C "D" <E>\x07.pdf', fallback="x.pdf") == {
        "filename": "A-B-C -D- -E-.pdf"
    }
    welsh = file_names("Dywedoch chi - Siân.pdf", fallback="you-said-we-did-1.pdf")
    assert welsh == {
        "filename": "you-said-we-did-1.pdf",
        "filename*": "UTF-8''Dywedoch%20chi%20-%20Si%C3%A2n.pdf",
    }


def test_one_action_with_a_reason_is_one_action(app: Flask) -> None:
    """Issue 22: "1 actions with a reason" (counts go through ngettext; see tests/content)."""
    from datetime import timedelta

    from flask import render_template_string

    from facilitator.services.reporting.figures import Figures

    one = Figures(reviews=1, actions=1, no_link=1, statements=1)
    one.to_first_action = [timedelta(days=2)]
    with app.test_request_context():
        html = render_template_string(
            '{% from "actions/_macros.html" import figures_list %}{{ figures_list(f) }}', f=one
        )
    assert "1 action with a reason instead of a link" in html
    assert "0 of 1 action<" in html and "0 of 1 statement<" in html
    assert "1 actions" not in html and "1 statements" not in html
