"""Advocates file their formal report in Facilitator and see the response (issue 17), through
the web: the advocate's form (with a file), the outcomes page, staff's waiting list and their
written response; refusals kind and nothing typed lost; nobody else reaches any of it."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import (
    AdvocateReport,
    AdvocateReportResponse,
    AuditEvent,
    OutboxMessage,
    Review,
    ReviewStatus,
    Role,
)
from facilitator.services.accounts import users
from facilitator.services.reviews import frozen

from ..conftest import csrf_from, sign_in

ADVOCATE = "advocate@demo.facilitator.test"  # Jo Patel, Ellis's advocate in the demo data
STAFF = "staff@demo.facilitator.test"
REPORT_WORDS = "REPORT-WORDS: Ellis was not asked about the allotment <b>bold</b>."


def _report_url(demo: dict) -> str:
    return f"/advocate/reviews/{demo['reviews']['Ellis']}/report"


def _file(client: FlaskClient, demo: dict, **data: object):  # type: ignore[no-untyped-def]
    url = _report_url(demo)
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url, data={"csrf_token": token, "about": "", **data}, content_type="multipart/form-data"
    )


def test_the_advocate_files_staff_respond_and_the_advocate_sees_it(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    review_id = demo["reviews"]["Ellis"]
    sign_in(client, ADVOCATE)
    outcomes = client.get(f"/advocate/reviews/{review_id}/outcomes").get_data(as_text=True)
    assert _report_url(demo) in outcomes
    page = client.get(_report_url(demo))
    assert page.status_code == 200 and "File your report" in page.get_data(as_text=True)
    sent = _file(
        client, demo, body=REPORT_WORDS,
        attachment=(io.BytesIO(b"%PDF-1.7 the report"), "Ellis report.pdf"),
    )  # fmt: skip
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/advocate/reviews/{review_id}/outcomes")
    html = client.get(f"/advocate/reviews/{review_id}/outcomes").get_data(as_text=True)
    assert "REPORT-WORDS" in html and "&lt;b&gt;bold&lt;/b&gt;" in html  # text, never markup
    assert "Report by Jo Patel" in html and "due by" in html
    with app.app_context():
        report = db.session.scalars(select(AdvocateReport)).one()
        report_id = report.id
        assert report.author_user_id == demo["users"][ADVOCATE]
        assert db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "advocate-report-filed")
        ).all()
    mine = client.get(f"/advocate/reviews/{review_id}/report/{report_id}/file")
    assert mine.status_code == 200 and mine.data == b"%PDF-1.7 the report"
    assert mine.headers["Content-Disposition"].startswith("attachment;")
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        opened = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "advocate_report.file_opened")
        ).one()
        assert opened.actor_user_id == demo["users"][ADVOCATE]

    staff = app.test_client()
    sign_in(staff, STAFF)
    waiting = staff.get("/staff/advocate-reports").get_data(as_text=True)
    assert f"/staff/reviews/{review_id}/advocate-reports" in waiting and "Jo Patel" in waiting
    assert "/staff/advocate-reports" in staff.get("/staff/").get_data(as_text=True)
    review_page = staff.get(f"/staff/reviews/{review_id}")
    assert f"/staff/reviews/{review_id}/advocate-reports" in review_page.get_data(as_text=True)
    listed = staff.get(f"/staff/reviews/{review_id}/advocate-reports").get_data(as_text=True)
    assert "REPORT-WORDS" in listed and "Record the written response" in listed
    got = staff.get(f"/staff/reviews/{review_id}/advocate-reports/{report_id}/file")
    assert got.status_code == 200 and got.data == b"%PDF-1.7 the report"
    answered = staff.post(
        f"/staff/reviews/{review_id}/advocate-reports/{report_id}/response",
        data={"csrf_token": csrf_from(listed), "body": "RESPONSE-WORDS", "written_on": ""},
    )
    assert answered.status_code == 400  # no date: kind message, the words kept
    again = answered.get_data(as_text=True)
    assert "Enter the date the response was written" in again and "RESPONSE-WORDS" in again
    answered = staff.post(
        f"/staff/reviews/{review_id}/advocate-reports/{report_id}/response",
        data={
            "csrf_token": csrf_from(listed),
            "body": "RESPONSE-WORDS",
            "written_on": date.today().isoformat(),
        },
    )
    assert answered.status_code == 303
    assert "No advocate's report is waiting" in staff.get("/staff/advocate-reports").get_data(
        as_text=True
    )
    html = client.get(f"/advocate/reviews/{review_id}/outcomes").get_data(as_text=True)
    assert "RESPONSE-WORDS" in html and "Written by" in html
    with app.app_context():
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "advocate_report.responded")
        ).one()
        (told,) = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "advocate-report-answered")
        ).all()
        assert told.user_id == demo["users"][ADVOCATE] and "RESPONSE-WORDS" not in told.text


def test_refusals_are_kind_and_lose_nothing_typed(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, ADVOCATE)
    empty = _file(client, demo, body="  ")
    assert empty.status_code == 400
    assert "Write your report, or paste it into the box." in empty.get_data(as_text=True)
    wrong = _file(
        client, demo, body=REPORT_WORDS, attachment=(io.BytesIO(b"MZ\x90\x00"), "virus.exe")
    )
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400
    assert "Attach a PDF, a Word document (.docx) or a plain text file" in html
    assert "choose it again" in html and "REPORT-WORDS" in html  # the words are kept
    pretend = _file(
        client, demo, body=REPORT_WORDS, attachment=(io.BytesIO(b"<html>"), "report.pdf")
    )
    assert pretend.status_code == 400
    assert "not the kind its name says" in pretend.get_data(as_text=True)
    bad_view = _file(client, demo, body=REPORT_WORDS, about="999999")
    assert bad_view.status_code == 400
    assert "differing view you are a party to" in bad_view.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AdvocateReport)).all() == []


def test_a_late_response_is_shown_late(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Ellis"]
    sign_in(client, ADVOCATE)
    assert _file(client, demo, body=REPORT_WORDS).status_code == 303
    with app.app_context():
        report = db.session.scalars(select(AdvocateReport)).one()
        report.filed_on = date.today() - timedelta(days=45)
        report.response_due_on = date.today() - timedelta(days=15)
        db.session.commit()
        report_id = report.id
    staff = app.test_client()
    sign_in(staff, STAFF)
    waiting = staff.get("/staff/advocate-reports").get_data(as_text=True)
    assert "overdue" in waiting
    listed = staff.get(f"/staff/reviews/{review_id}/advocate-reports").get_data(as_text=True)
    staff.post(
        f"/staff/reviews/{review_id}/advocate-reports/{report_id}/response",
        data={"csrf_token": csrf_from(listed), "body": "Sorry", "written_on": str(date.today())},
    )
    with app.app_context():
        assert db.session.scalars(select(AdvocateReportResponse)).one().late is True
    html = client.get(f"/advocate/reviews/{review_id}/outcomes").get_data(as_text=True)
    assert ">late<" in html


def test_a_closed_review_still_takes_the_advocates_report(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Ellis"])
        assert review is not None
        with frozen.changing(db.session, review):
            review.status = ReviewStatus.CLOSED
            db.session.commit()
    sign_in(client, ADVOCATE)
    page = client.get(_report_url(demo)).get_data(as_text=True)
    assert "This review is closed. You can still file a report about it" in page
    assert _file(client, demo, body=REPORT_WORDS).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(AdvocateReport)).one().body == REPORT_WORDS


def test_nobody_else_reaches_any_of_it(app: Flask, client: FlaskClient, demo: dict) -> None:
    review_id = demo["reviews"]["Ellis"]
    sign_in(client, ADVOCATE)
    assert _file(
        client, demo, body=REPORT_WORDS, attachment=(io.BytesIO(b"%PDF-1.7"), "r.pdf")
    ).status_code == 303  # fmt: skip
    with app.app_context():
        report_id = db.session.scalars(select(AdvocateReport.id)).one()
        users.create_user(
            db.session, email="other.advocate@example.org", name="Other Advocate",
            role=Role.ADVOCATE, password="demo-password-2026",
        )  # fmt: skip
        db.session.commit()
    other = app.test_client()
    sign_in(other, "other.advocate@example.org")
    token = csrf_from(other.get("/advocate/").get_data(as_text=True))
    for method, url in (
        ("GET", _report_url(demo)),
        ("POST", _report_url(demo)),
        ("GET", f"/advocate/reviews/{review_id}/report/{report_id}/file"),
        ("GET", f"/advocate/reviews/{review_id}/outcomes"),
    ):
        refused = other.open(
            url,
            method=method,
            data={"csrf_token": token, "body": "x"} if method == "POST" else None,
        )
        assert refused.status_code == 404, (method, url)
        assert "REPORT-WORDS" not in refused.get_data(as_text=True)
    for method, url in (
        ("GET", "/staff/advocate-reports"),
        ("GET", f"/staff/reviews/{review_id}/advocate-reports"),
        ("POST", f"/staff/reviews/{review_id}/advocate-reports/{report_id}/response"),
        ("GET", f"/staff/reviews/{review_id}/advocate-reports/{report_id}/file"),
    ):
        refused = other.open(url, method=method, data={"csrf_token": token})
        assert refused.status_code in (302, 403, 404), (method, url)
        assert "REPORT-WORDS" not in refused.get_data(as_text=True)
    # Jo, assigned to Ellis only, reaches nothing of Sam's review.
    assert client.get(f"/advocate/reviews/{demo['reviews']['Sam']}/report").status_code == 404
    # Staff of another service: the same 404, and nothing of Ellis's in their waiting list.
    elsewhere = app.test_client()
    sign_in(elsewhere, "tycelyn@demo.facilitator.test")
    assert elsewhere.get(f"/staff/reviews/{review_id}/advocate-reports").status_code == 404
    assert elsewhere.get(
        f"/staff/reviews/{review_id}/advocate-reports/{report_id}/file"
    ).status_code == 404  # fmt: skip
    assert "Jo Patel" not in elsewhere.get("/staff/advocate-reports").get_data(as_text=True)
    # Another review's id with this report's number: not found.
    staff = app.test_client()
    sign_in(staff, STAFF)
    sam = demo["reviews"]["Sam"]
    assert staff.get(f"/staff/reviews/{sam}/advocate-reports/{report_id}/file").status_code == 404


def test_a_file_past_the_request_limit_is_refused_on_the_page(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, ADVOCATE)
    url = _report_url(demo)
    token = csrf_from(client.get(url).get_data(as_text=True))
    app.config["MAX_CONTENT_LENGTH"] = 4096
    big = client.post(
        url,
        data={"csrf_token": token, "body": REPORT_WORDS,
              "attachment": (io.BytesIO(b"%PDF-" + b"x" * 8192), "big.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    html = big.get_data(as_text=True)
    assert big.status_code == 413
    assert "The file is larger than" in html and "Please type your report again" in html
    with app.app_context():
        assert db.session.scalars(select(AdvocateReport)).all() == []
