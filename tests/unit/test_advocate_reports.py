"""An advocate's formal report filed in Facilitator, and staff's written response (issue 17):
who may file, honest attribution, never overwritten (addenda), the written-response clock
(the existing one: the differing view's, and the house's 20 working days), late responses,
files checked and stored, a closed review, the messages, on both databases."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from facilitator.db import alembic_config, make_engine, upgrade
from facilitator.models import (
    AdvocateReport,
    AuditEvent,
    CaseStatus,
    DifferingRoute,
    DifferingView,
    OutboxMessage,
    PersonService,
    Review,
    ReviewStatus,
    Role,
    Service,
    StaffService,
    Supporter,
    SupporterRole,
    User,
)
from facilitator.services import NotFound, ServiceError, people
from facilitator.services.governance import advocate_reports, differing, differing_parties
from facilitator.services.governance.advocate_reports import Upload
from facilitator.services.governance.complaints import RESPOND_WITHIN_WORKING_DAYS
from facilitator.services.governance.differing_parties import detail_for
from facilitator.services.media import storage
from facilitator.services.reviews import frozen
from facilitator.services.workdays import add_working_days

from .. import old_revision
from . import factories
from .test_stored_files import empty_database  # noqa: F401  (a fixture)

pytestmark = pytest.mark.db

REPORT_WORDS = "Pangolin-Harbour-5521: Sam was not asked about the move."


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    app.config["PUBLIC_URL"] = "https://care.example.org"
    with app.app_context():
        yield


@dataclass
class W:
    staff: User
    manager: User
    advocate: User
    jo: Supporter
    review: Review


def _world(session: Session) -> W:
    world = factories.world(session)
    assert world.review is not None
    manager = factories.user(session, Role.MANAGER, name="Imran Manager")
    advocate = factories.user(session, Role.ADVOCATE, name="Jo Patel", pin=None)
    jo = people.add_supporter(
        session,
        world.sam,
        actor=world.staff,
        name="Jo Patel",
        relationship="advocate",
        role=SupporterRole.CARE_ACT_ADVOCATE,
        user=advocate,
    )
    service = Service(name=f"Oak {uuid.uuid4().hex[:6]}")
    session.add(service)
    session.flush()
    session.add(StaffService(user_id=manager.id, service_id=service.id))
    for row in session.scalars(
        select(PersonService).where(PersonService.person_id == world.sam.id)
    ):
        row.ended_on = date.today() - timedelta(days=1)
    session.add(
        PersonService(person_id=world.sam.id, service_id=service.id, started_on=date.today())
    )
    session.flush()
    return W(world.staff, manager, advocate, jo, world.review)


def _view(session: Session, w: W, *, party: bool = True) -> DifferingView:
    view = differing.open_view(
        session, w.review, actor=w.staff, summary="Views differ about the move", about_wishes=False
    )
    session.flush()
    if party:
        differing_parties.add_party(
            session, view, actor=w.staff, version=view.version, kind="supporter",
            supporter_id=w.jo.id, position="Jo says Sam was not asked",
        )  # fmt: skip
        session.flush()
    return view


def _messages(session: Session, kind: str) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def test_the_assigned_advocate_files_a_report_as_theirs_and_the_clock_starts(
    session: Session,
) -> None:
    w = _world(session)
    report = advocate_reports.file_report(session, w.review, w.advocate, body=REPORT_WORDS)
    assert report.author_user_id == w.advocate.id and report.author_name == "Jo Patel"
    assert report.supporter_id == w.jo.id and report.body == REPORT_WORDS
    # The house's one written-response rule: 20 working days from the day it was filed.
    assert RESPOND_WITHIN_WORKING_DAYS == 20
    assert report.response_due_on == add_working_days(date.today(), 20)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "advocate_report.filed")
    ).one()
    assert event.actor_user_id == w.advocate.id and event.person_id == w.review.person_id
    # The coordinator (who planned it) and the service's manager are told; never the words.
    told = _messages(session, "advocate-report-filed")
    assert {m.user_id for m in told} == {w.staff.id, w.manager.id}
    for message in told:
        assert REPORT_WORDS not in f"{message.subject}{message.text}{message.html}"
        assert f"/staff/reviews/{w.review.id}/advocate-reports" in message.text
    assert f"review {w.review.id}" in told[0].text


def test_nobody_else_can_file_one(session: Session) -> None:
    w = _world(session)
    other = factories.user(session, Role.ADVOCATE, name="Other Advocate", pin=None)
    for who in (other, w.staff, w.manager):
        with pytest.raises(NotFound):
            advocate_reports.file_report(session, w.review, who, body=REPORT_WORDS)
    assert session.scalars(select(AdvocateReport)).all() == []


def test_empty_report_and_a_view_they_are_not_party_to_are_refused(session: Session) -> None:
    w = _world(session)
    with pytest.raises(ServiceError, match="Write your report"):
        advocate_reports.file_report(session, w.review, w.advocate, body="   ")
    not_mine = _view(session, w, party=False)
    with pytest.raises(ServiceError, match="differing view you are a party to"):
        advocate_reports.file_report(
            session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=not_mine.id
        )
    with pytest.raises(ServiceError, match="differing view you are a party to"):
        advocate_reports.file_report(
            session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=999999
        )


def test_a_report_about_a_differing_view_starts_its_clock_and_the_response_stops_it(
    session: Session,
) -> None:
    w = _world(session)
    view = _view(session, w)
    report = advocate_reports.file_report(
        session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=view.id
    )
    detail = detail_for(session, view)
    assert view.route == DifferingRoute.ADVOCATE_REPORT
    assert view.response_due_on == report.response_due_on
    assert detail.report_received_on == date.today() and detail.written_response_on is None
    assert differing.report_overdue(view, detail, report.response_due_on + timedelta(days=1))
    response = advocate_reports.write_response(
        session, report, w.manager, body="We will ask Sam.", written_on=date.today()
    )
    assert response.late is False and response.author_name == "Imran Manager"
    assert detail_for(session, view).written_response_on == date.today()
    assert not differing.report_overdue(view, detail, report.response_due_on + timedelta(days=1))
    (told,) = _messages(session, "advocate-report-answered")
    assert told.user_id == w.advocate.id and "We will ask Sam." not in told.text
    assert f"/advocate/reviews/{w.review.id}/outcomes" in told.text
    assert session.scalars(
        select(AuditEvent).where(AuditEvent.action == "advocate_report.responded")
    ).one().detail["late"] is False  # fmt: skip


def test_a_due_date_staff_already_set_is_kept(session: Session) -> None:
    w = _world(session)
    view = _view(session, w)
    due = date.today() + timedelta(days=9)
    differing.set_route(
        session, view, actor=w.manager, version=view.version, route="advocate-report",
        response_due_on=due,
    )  # fmt: skip
    report = advocate_reports.file_report(
        session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=view.id
    )
    assert report.response_due_on == due == view.response_due_on


def test_a_view_on_another_route_keeps_it_and_the_report_keeps_its_own_clock(
    session: Session,
) -> None:
    w = _world(session)
    view = _view(session, w)
    differing.set_route(session, view, actor=w.manager, version=view.version, route="joint-meeting")
    report = advocate_reports.file_report(
        session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=view.id
    )
    assert view.route == DifferingRoute.JOINT_MEETING and view.response_due_on is None
    assert report.response_due_on == add_working_days(date.today(), 20)


def test_never_overwritten_more_words_are_an_addendum_then_a_new_report(
    session: Session,
) -> None:
    w = _world(session)
    first = advocate_reports.file_report(session, w.review, w.advocate, body=REPORT_WORDS)
    more = advocate_reports.file_report(session, w.review, w.advocate, body="And one more thing.")
    assert more.id != first.id and more.addendum_to_id == first.id
    assert more.response_due_on is None and first.body == REPORT_WORDS
    (case,) = advocate_reports.for_review(session, w.review)
    assert case.report.id == first.id and [a.id for a in case.addenda] == [more.id]
    with pytest.raises(NotFound):
        advocate_reports.get_report(session, w.review, more.id)  # answered through its report
    advocate_reports.write_response(
        session, first, w.staff, body="Our response.", written_on=date.today()
    )
    later = advocate_reports.file_report(session, w.review, w.advocate, body="A new concern.")
    assert later.addendum_to_id is None and later.response_due_on is not None
    assert [c.report.id for c in advocate_reports.waiting(session)] == [later.id]


def test_response_refusals_and_a_late_response(session: Session) -> None:
    w = _world(session)
    report = advocate_reports.file_report(session, w.review, w.advocate, body=REPORT_WORDS)
    with pytest.raises(ServiceError, match="Write the response"):
        advocate_reports.write_response(session, report, w.staff, body="", written_on=date.today())
    with pytest.raises(ServiceError, match="not in the future"):
        advocate_reports.write_response(
            session, report, w.staff, body="x", written_on=date.today() + timedelta(days=1)
        )
    with pytest.raises(ServiceError, match="not in the future"):
        advocate_reports.write_response(session, report, w.staff, body="x", written_on=None)
    with pytest.raises(ServiceError, match="before the report was filed"):
        advocate_reports.write_response(
            session, report, w.staff, body="x", written_on=date.today() - timedelta(days=1)
        )
    # Filed a while ago: its due date has passed, so the response is late.
    report.filed_on = date.today() - timedelta(days=40)
    report.response_due_on = date.today() - timedelta(days=10)
    (case,) = advocate_reports.waiting(session)
    assert case.overdue
    response = advocate_reports.write_response(
        session, report, w.staff, body="Sorry for the wait.", written_on=date.today()
    )
    assert response.late is True
    with pytest.raises(ServiceError, match="already recorded"):
        advocate_reports.write_response(
            session, report, w.staff, body="Again", written_on=date.today()
        )
    assert advocate_reports.waiting(session) == []


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_files_are_checked_and_kept_in_the_store(session: Session) -> None:
    w = _world(session)
    refused = [
        (Upload("report.exe", b"MZ..."), "Attach a PDF"),
        (Upload("report", b"%PDF-1.7"), "Attach a PDF"),
        (Upload("report.pdf", b""), "empty"),
        (Upload("report.pdf", b"<html>not a pdf</html>"), "not the kind its name says"),
        (Upload("report.docx", b"%PDF-1.7"), "not the kind its name says"),
        (Upload("report.txt", b"\xff\xfe\x00bin"), "not the kind its name says"),
        (Upload("report.pdf", b"%PDF-" + b"x" * 2048), "larger than"),
    ]
    for upload, message in refused:
        with pytest.raises(ServiceError, match=message):
            advocate_reports.file_report(
                session, w.review, w.advocate, body=REPORT_WORDS, upload=upload, max_bytes=1024
            )
    assert session.scalars(select(AdvocateReport)).all() == []
    for name, body, kind in (
        ("Report: Sam's move.pdf", b"%PDF-1.7 a report", advocate_reports.PDF),
        ("notes.docx", _docx(), advocate_reports.DOCX),
        ("notes.TXT", "Nodiadau Cymraeg: ŵ ŷ".encode(), advocate_reports.TEXT),
    ):
        report = advocate_reports.file_report(
            session, w.review, w.advocate, body=REPORT_WORDS, upload=Upload(name, body)
        )
        assert report.upload_type == kind and report.file_stem
        blob = advocate_reports.file_of(session, report)
        assert blob is not None and blob.body == body and blob.content_type == kind
    assert storage.keys_starting(session, "advocate-report-")


def test_a_closed_review_still_takes_a_report_and_its_record_stays_frozen(
    session: Session,
) -> None:
    w = _world(session)
    view = _view(session, w)
    with frozen.changing(session, w.review):
        w.review.status = ReviewStatus.CLOSED
        session.flush()
    report = advocate_reports.file_report(
        session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=view.id
    )
    session.flush()
    # The frozen differing view is left as it was; the report keeps its own clock.
    assert view.route is None and view.status == CaseStatus.OPEN
    assert report.response_due_on == add_working_days(date.today(), 20)
    advocate_reports.write_response(
        session, report, w.staff, body="Our response.", written_on=date.today()
    )
    session.flush()
    assert detail_for(session, view).written_response_on is None
    # ...and the record itself still refuses a write.
    with pytest.raises(frozen.ReviewClosed):
        view.summary = "changed"
        session.flush()


def test_migration_0024_up_and_down(empty_database: str) -> None:  # noqa: F811
    """Upgrade makes both tables (a report with a file and a response fit); downgrade drops
    them and the files the reports kept in the store."""
    url = empty_database
    upgrade(url, "0023_joint_meetings")
    upgrade(url, "0024_advocate_reports")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"advocate_reports", "advocate_report_responses"} <= tables
            connection.execute(
                text(
                    "INSERT INTO stored_files (key, content_type, byte_size, sha256, created_at,"
                    " body) VALUES ('advocate-report-x', 'application/pdf', 1, 'aa',"
                    " CURRENT_TIMESTAMP, :body)"
                ),
                {"body": b"%"},
            )
    finally:
        engine.dispose()
    engine = make_engine(url)
    try:
        with Session(engine) as session:  # rows as revision 0024 has its tables
            found = old_revision.tables(session, "people", "reviews", "advocate_reports")
            person = old_revision.insert(session, found["people"])
            review = old_revision.insert(
                session, found["reviews"], person_id=person, scheduled_for=date.today()
            )
            old_revision.insert(
                session, found["advocate_reports"], review_id=review, person_id=person,
                file_stem="advocate-report-x", filed_on=date.today(),
            )  # fmt: skip
            session.commit()
    finally:
        engine.dispose()
    command.downgrade(alembic_config(url), "0023_joint_meetings")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert "advocate_reports" not in tables and "advocate_report_responses" not in tables
            assert connection.execute(
                text("SELECT count(*) FROM stored_files WHERE key = 'advocate-report-x'")
            ).scalar() == 0  # fmt: skip
    finally:
        engine.dispose()


def test_a_response_dated_in_the_register_stops_the_reports_clock(session: Session) -> None:
    w = _world(session)
    view = _view(session, w)
    report = advocate_reports.file_report(
        session, w.review, w.advocate, body=REPORT_WORDS, differing_view_id=view.id
    )
    report.response_due_on = date.today() - timedelta(days=1)
    differing.record_written_response(
        session, view, actor=w.manager, version=view.version, sent_on=date.today()
    )
    (case,) = advocate_reports.for_review(session, w.review)
    assert case.register_response_on == date.today() and not case.overdue
    assert case.response is None  # its words can still be written for the advocate
    advocate_reports.write_response(
        session, report, w.manager, body="In writing.", written_on=date.today()
    )
    assert advocate_reports.for_review(session, w.review)[0].response is not None
