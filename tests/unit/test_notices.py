"""What goes out, and when (issue 18): each message's recipient, language, subject and body,
its key, and the notices that fall due with time (``schedule.tick``), on both databases.

Messages are put into words with the app's templates, so each test runs inside an app context;
the rows go into the test's own session. A distinctive answer and distinctive words of the
person and a supporter are planted, and no message may carry them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import (
    AuditEvent,
    CaptureMethod,
    Complaint,
    ComplaintDetail,
    ComplaintTopic,
    InvolvementAgreement,
    OutboxMessage,
    OutcomeAction,
    Response,
    Review,
    ReviewKind,
    ReviewStatus,
    Role,
    Supporter,
    SupporterRole,
    User,
    utcnow,
)
from facilitator.services import ServiceError, accounts, audit, people, reviews
from facilitator.services.family import links
from facilitator.services.governance import safeguarding
from facilitator.services.messages import notices, schedule
from facilitator.services.reviews import contributions

pytestmark = pytest.mark.db

# Planted where the person and a supporter speak: no message may ever carry them.
PERSON_WORDS = "Zebracorn-Marmalade-7731"
FAMILY_WORDS = "Quokka-Lighthouse-4419"
ADVOCATE_WORDS = "Narwhal-Teacup-9052"


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    app.config["PUBLIC_URL"] = "https://care.example.org"
    with app.app_context():
        yield


@dataclass
class W:
    planner: User
    lead: User
    manager: User
    review: Review
    brother: Supporter  # Welsh, a mobile number, chose a text message
    aunt: Supporter  # Urdu, chose a second email


def _user(session: Session, role: Role, name: str, language: str = "en") -> User:
    user = accounts.create_user(
        session,
        email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.org",
        name=name,
        role=role,
        password="a-long-password-1",
    )
    user.language = language
    return user


def _world(session: Session) -> W:
    planner = _user(session, Role.STAFF, "Sian")
    lead = _user(session, Role.STAFF, "Lowri", language="cy")
    lead.is_safeguarding_lead = True
    manager = _user(session, Role.MANAGER, "Imran", language="ur")
    sam = people.create_person(session, actor=planner, preferred_name="Sam", full_name="Sam C")
    brother = people.add_supporter(
        session,
        sam,
        actor=planner,
        name="Alex Carter",
        relationship="brother",
        role=SupporterRole.FAMILY,
        email="alex@example.org",
        phone="07700 900123",
        language="cy",
    )
    brother.code_by = "sms"
    aunt = people.add_supporter(
        session,
        sam,
        actor=planner,
        name="Nadia Khan",
        relationship="aunt",
        role=SupporterRole.FAMILY,
        email="nadia@example.org",
        language="ur",
    )
    aunt.code_by = "email"
    review = reviews.plan_review(
        session,
        sam,
        actor=planner,
        kind=ReviewKind.PLANNED,
        scheduled_for=date.today(),
        facilitator=planner,
    )
    session.flush()
    session.refresh(review)
    for review_prompt in review.prompts:
        session.add(
            Response(
                review_id=review.id,
                review_prompt_id=review_prompt.id,
                client_id=uuid.uuid4().hex,
                answer=[PERSON_WORDS],
                own_words=PERSON_WORDS,
                capture_method=CaptureMethod.TAPPED,
            )
        )
    review.person_confirmed_at = utcnow()
    review.status = ReviewStatus.PERSON_DONE
    session.flush()
    return W(planner, lead, manager, review, brother, aunt)


def _words(language: str, msgid: str, **values: object) -> str:
    """A message's sentence as the recipient reads it (a translation, once there is one)."""
    with force_locale(language):
        return gettext(msgid, **values)


def _messages(session: Session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def _nothing_personal(session: Session) -> None:
    for message in _messages(session):
        whole = f"{message.subject}\n{message.text}\n{message.html or ''}\n{message.secret or ''}"
        for words in (PERSON_WORDS, FAMILY_WORDS, ADVOCATE_WORDS):
            assert words not in whole, (message.kind, words)


def test_family_link_by_email_code_by_text_message_in_welsh(session: Session) -> None:
    w = _world(session)
    issued = links.issue_link(session, w.review, w.brother, w.planner)
    assert issued.delivery.emailed and issued.delivery.code_by == "sms"
    (email,) = _messages(session, "family-link")
    assert email.to == "alex@example.org" and email.channel == "email"
    assert email.language == "cy" and email.key == f"family-link:{issued.link.id}"
    assert email.secret == issued.token and issued.token not in email.text + (email.html or "")
    assert "https://care.example.org/family/link/{secret}" in email.text
    assert "Sian" in email.subject and "Sian" in email.text  # who sent it
    assert 'lang="cy"' in (email.html or "") and 'dir="ltr"' in (email.html or "")
    by_text = (
        "You will also need a 6-digit code. "
        "We are sending it to your mobile phone in a text message."
    )
    assert _words("cy", by_text) in email.text  # where the code comes from
    assert issued.code not in email.text  # never the code beside the link
    (sms,) = _messages(session, "family-code")
    assert sms.channel == "sms" and sms.to == "07700 900123" and sms.html is None
    assert sms.secret == issued.code and "{secret}" in sms.text and issued.code not in sms.text
    audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "link.sent")).one()
    assert audited.detail == {"email": True, "code_by": "sms"}
    _nothing_personal(session)


def test_family_link_code_by_second_email_in_urdu(session: Session) -> None:
    w = _world(session)
    issued = links.issue_link(session, w.review, w.aunt, w.planner)
    assert issued.delivery.code_by == "email"
    link_mail, code_mail = _messages(session, "family-link") + _messages(session, "family-code")
    assert link_mail.language == code_mail.language == "ur"
    assert 'dir="rtl"' in (link_mail.html or "") and 'lang="ur"' in (code_mail.html or "")
    assert code_mail.channel == "email" and code_mail.to == "nadia@example.org"
    assert code_mail.key != link_mail.key and code_mail.secret == issued.code


def test_code_given_by_staff_when_not_chosen_or_no_mobile(session: Session) -> None:
    w = _world(session)
    w.brother.phone = "029 2000 1234"  # a landline takes no text message
    issued = links.issue_link(session, w.review, w.brother, w.planner)
    assert issued.delivery == notices.LinkDelivery(emailed=True, code_by=None)
    assert _messages(session, "family-code") == []
    (email,) = _messages(session, "family-link")
    by_phone = "You will also need a 6-digit code. %(sender)s will give it to you by phone."
    assert _words("cy", by_phone, sender="Sian") in email.text
    # The email address as the check: nothing to send apart from the link.
    again = links.issue_link(session, w.review, w.aunt, w.planner, verifier="email")
    assert again.code is None and again.delivery.code_by is None
    address = "When the link asks, type this email address: the one we sent it to."
    assert _words("ur", address) in _messages(session, "family-link")[-1].text
    assert _messages(session, "family-code") == []


def test_no_email_on_record_sends_nothing(session: Session) -> None:
    w = _world(session)
    w.brother.email = None
    issued = links.issue_link(session, w.review, w.brother, w.planner)
    assert not issued.delivery.emailed and _messages(session) == []


def test_a_retried_event_makes_one_message(session: Session) -> None:
    w = _world(session)
    issued = links.issue_link(session, w.review, w.brother, w.planner)
    supporter, review = w.brother, w.review
    notices.family_link_issued(
        session, issued.link, issued.token, issued.code, supporter, review, w.planner
    )
    assert len(_messages(session)) == 2  # the link and the code, once each


def test_views_received_go_to_who_planned_the_review(session: Session) -> None:
    w = _world(session)
    body = {"working": FAMILY_WORDS, "not_working": "", "see_differently": "", "would_like": ""}
    contributions.save_family_draft(session, w.review, w.brother, "where-i-live", body)
    contributions.submit_family(session, w.review, w.brother)
    (message,) = _messages(session, "views-received")
    assert message.to == w.planner.email and message.user_id == w.planner.id
    assert message.language == "en" and message.subject == "New views have arrived for a review"
    assert f"A supporter has sent their views for review {w.review.id}." in message.text
    assert f"https://care.example.org/staff/reviews/{w.review.id}" in message.text
    _nothing_personal(session)


def test_optional_notices_can_be_switched_off_but_not_safety(session: Session) -> None:
    w = _world(session)
    assert notices.choices(session, w.planner)["views-received"] is True
    notices.set_choices(session, w.planner, ["actions-digest"])
    assert notices.choices(session, w.planner) == {
        "views-received": False,
        "actions-digest": True,
        "complaint-ack-due": False,
        "agreement-review-due": False,
    }
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "notices.chosen")).one()
    with pytest.raises(ServiceError):
        notices.set_choices(session, w.planner, ["safety-alert"])
    assert notices.wants(session, w.planner, "safety-alert")
    body = {"working": FAMILY_WORDS, "not_working": "", "see_differently": "", "would_like": ""}
    contributions.save_family_draft(session, w.review, w.brother, "where-i-live", body)
    contributions.submit_family(session, w.review, w.brother)
    assert _messages(session, "views-received") == []


def _flag(session: Session, w: W):  # type: ignore[no-untyped-def]
    response = session.scalars(select(Response).where(Response.review_id == w.review.id)).first()
    assert response is not None
    return safeguarding.flag_words(session, response, actor=w.planner)


def test_safety_alert_to_the_lead_at_once_saying_only_where_to_look(session: Session) -> None:
    w = _world(session)
    flag = _flag(session, w)
    (alert,) = _messages(session, "safety-alert")
    assert alert.to == w.lead.email and alert.language == "cy"
    assert 'lang="cy"' in (alert.html or "")
    assert f"https://care.example.org/safeguarding/flags/{flag.id}" in alert.text
    assert "Sam" not in alert.text + alert.subject  # not even the person's name
    assert alert.key == f"safety-alert:{flag.id}:{w.lead.id}"
    _nothing_personal(session)


def test_safety_alert_goes_to_managers_when_there_is_no_lead(session: Session) -> None:
    w = _world(session)
    w.lead.is_safeguarding_lead = False
    _flag(session, w)
    (alert,) = _messages(session, "safety-alert")
    assert alert.to == w.manager.email and alert.language == "ur"
    assert 'dir="rtl"' in (alert.html or "")


def test_escalation_when_nobody_opened_the_flag(session: Session) -> None:
    w = _world(session)
    flag = _flag(session, w)
    raised = flag.raised_at
    assert schedule.tick(session, raised + timedelta(hours=3, minutes=59)) == 0
    assert schedule.tick(session, raised + timedelta(hours=4, minutes=1)) == 1
    (second,) = _messages(session, "safety-escalation")
    assert second.to == w.manager.email and second.language == "ur"
    assert schedule.tick(session, raised + timedelta(hours=9)) == 0  # never twice
    assert session.scalars(
        select(AuditEvent).where(AuditEvent.action == "safety_flag.escalated")
    ).one()
    _nothing_personal(session)


def test_no_escalation_once_the_flag_was_opened(session: Session, app: Flask) -> None:
    w = _world(session)
    flag = _flag(session, w)
    audit.record(session, "safety_flag.viewed", actor=w.lead, obj=flag, person_id=flag.person_id)
    assert schedule.tick(session, flag.raised_at + timedelta(hours=5)) == 0
    app.config["SAFETY_ALERT_ESCALATE_HOURS"] = 1
    other = _world(session)
    second = _flag(session, other)
    assert schedule.tick(session, second.raised_at + timedelta(hours=1, minutes=1)) >= 1


def test_link_reminder_three_days_before_it_expires(session: Session) -> None:
    w = _world(session)
    now = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    issued = links.issue_link(session, w.review, w.brother, w.planner, now=now)
    other = links.issue_link(session, w.review, w.aunt, w.planner, now=now)
    body = {"working": FAMILY_WORDS, "not_working": "", "see_differently": "", "would_like": ""}
    contributions.save_family_draft(session, w.review, w.aunt, "where-i-live", body)
    contributions.submit_family(session, w.review, w.aunt, now=now + timedelta(days=1))
    assert schedule.tick(session, now + timedelta(days=10)) == 0
    assert schedule.tick(session, now + timedelta(days=11, hours=1)) == 1
    (reminder,) = _messages(session, "link-reminder")
    assert reminder.key == f"link-reminder:{issued.link.id}" and reminder.language == "cy"
    assert reminder.to == "alex@example.org" and reminder.secret is None
    assert other.link.id != issued.link.id  # the aunt sent her views: no reminder
    assert schedule.tick(session, now + timedelta(days=12)) == 0
    assert schedule.tick(session, now + timedelta(days=15)) == 0  # expired: nothing
    _nothing_personal(session)


def test_complaint_digest_and_agreement_notices(session: Session) -> None:
    w = _world(session)
    now = datetime(2027, 1, 6, 8, 0, tzinfo=UTC)  # a Wednesday
    complaint = Complaint(
        raised_by="A relative",
        about=FAMILY_WORDS,
        received_on=date(2027, 1, 4),
        acknowledge_by=date(2027, 1, 7),
    )
    session.add(complaint)
    session.flush()
    session.add(
        ComplaintDetail(
            complaint_id=complaint.id,
            topic=list(ComplaintTopic)[0],
            response_due_on=date(2027, 2, 1),
            recorded_by_id=w.planner.id,
        )
    )
    for due in (date(2027, 1, 2), date(2027, 1, 8), date(2027, 1, 20)):
        session.add(
            OutcomeAction(
                review_id=w.review.id,
                plain_text=PERSON_WORDS,
                easy_read_text=PERSON_WORDS,
                owner_name="Sian",
                owner_user_id=w.planner.id,
                due_on=due,
            )
        )
    session.add(InvolvementAgreement(supporter_id=w.brother.id, review_on=date(2027, 1, 10)))
    session.flush()
    added = schedule.tick(session, now)
    assert added == 3
    (ack,) = _messages(session, "complaint-ack-due")
    assert ack.to == w.planner.email and f"Complaint {complaint.id}" in ack.text
    (digest,) = _messages(session, "actions-digest")
    assert digest.to == w.planner.email
    assert "1 action is overdue" in digest.text and "1 action is due this week" in digest.text
    assert digest.key == f"actions-digest:{w.planner.id}:2027-W01"
    (agreement,) = _messages(session, "agreement-review-due")
    assert agreement.to == w.manager.email and agreement.language == "ur"
    assert schedule.tick(session, now + timedelta(hours=5)) == 0  # keyed: never doubled
    # Next week's digest is a new one; Monday before 06:00 it is not yet due.
    assert schedule.tick(session, datetime(2027, 1, 11, 5, 0, tzinfo=UTC)) == 0
    assert schedule.tick(session, datetime(2027, 1, 11, 7, 0, tzinfo=UTC)) == 1
    _nothing_personal(session)


def test_nothing_goes_out_for_a_change_rolled_back(session: Session) -> None:
    w = _world(session)
    savepoint = session.begin_nested()
    links.issue_link(session, w.review, w.brother, w.planner)
    savepoint.rollback()
    assert _messages(session) == []


def test_a_due_notice_is_claimed_once(session: Session) -> None:
    now = utcnow()
    assert schedule._claim(session, "test:1", "test", 1, now)  # noqa: SLF001
    assert not schedule._claim(session, "test:1", "test", 1, now)  # noqa: SLF001
