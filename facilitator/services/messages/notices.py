"""What goes out when something happens, and to whom (issue 18).

Each function here is called by the service that makes the change, in its transaction: the
message is an outbox row that commits with the change or rolls back with it. Each has a
stable key, so a retried event never makes a second message (``outbox.enqueue`` adds nothing
for a key it already holds).

Who is told:
- a family link: the supporter, by email (when there is an address on record); its 6-digit
  code apart from the link, by text message or a second email as the supporter chose
  (``Supporter.code_by``), otherwise staff give it by phone as before;
- views received: the review's coordinator, who is the member of staff who planned the review
  (``Review.created_by_id``), or its facilitator when that account is gone or inactive;
- a safety alert: every active safeguarding lead at once, or the managers when there is no
  lead (then the administrators); not optional.

Optional notices (``compose.OPTIONAL``) are sent only to staff who have not switched them off
on their account page; a member of staff switches nothing else off.

Messages are put into words with the app's templates and URL map, so they need an application
context: the web app, the worker and every ``flask`` command have one. A service called with
none (a unit test of another rule) queues nothing, and says so in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    AdvocateReport,
    InvitationLink,
    JointMeeting,
    NoticeChoice,
    Review,
    ReviewMeeting,
    Role,
    SafetyFlag,
    StaffService,
    Supporter,
    User,
    utcnow,
)
from .. import ServiceError, audit, scope
from . import compose, outbox
from .compose import OPTIONAL, SECRET

STAFF_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
# A UK mobile number (07..., +44 7..., 0044 7...), spaces, dashes and brackets aside.
MOBILE = re.compile(r"^(?:07\d{9}|\+447\d{9}|00447\d{9})$")
CODE_BY = ("sms", "email", "phone")
LOG = logging.getLogger(__name__)


def can_compose(what: str) -> bool:
    """Whether messages can be put into words here (an application context); logs if not."""
    if has_app_context():
        return True
    LOG.warning("no application context: the %s message was not queued", what)
    return False


# --- choices -----------------------------------------------------------------------------------


def wants(session: Session, user: User, kind: str) -> bool:
    """Whether ``user`` gets this kind of notice: always, unless it is optional and off."""
    if kind not in OPTIONAL:
        return True
    choice = session.scalar(
        select(NoticeChoice).where(NoticeChoice.user_id == user.id, NoticeChoice.kind == kind)
    )
    return choice is None or choice.wanted


def choices(session: Session, user: User) -> dict[str, bool]:
    """Every optional kind of notice, and whether this account gets it."""
    stored = {
        c.kind: c.wanted
        for c in session.scalars(select(NoticeChoice).where(NoticeChoice.user_id == user.id))
    }
    return {kind: stored.get(kind, True) for kind in OPTIONAL}


def set_choices(session: Session, user: User, wanted: Iterable[str]) -> dict[str, bool]:
    """Keep which optional notices the account wants (the rest are off); audited."""
    chosen = set(wanted)
    unknown = chosen - set(OPTIONAL)
    if unknown:
        raise ServiceError(_l("Choose from the notices on the list."))
    now = utcnow()
    stored = {
        c.kind: c
        for c in session.scalars(select(NoticeChoice).where(NoticeChoice.user_id == user.id))
    }
    changed = {}
    for kind in OPTIONAL:
        want = kind in chosen
        row = stored.get(kind)
        if row is None:
            if want:
                continue  # no row means wanted
            row = NoticeChoice(user_id=user.id, kind=kind, wanted=want, changed_at=now)
            session.add(row)
            changed[kind] = want
        elif row.wanted != want:
            row.wanted = want
            row.changed_at = now
            changed[kind] = want
    if changed:
        audit.record(session, "notices.chosen", actor=user, obj=user, detail={"changed": changed})
    return choices(session, user)


# --- helpers -----------------------------------------------------------------------------------


def is_mobile(phone: str | None) -> bool:
    """Whether a phone number on record is a UK mobile, which can take a text message."""
    return bool(phone) and bool(MOBILE.match(re.sub(r"[\s\-()]", "", phone or "")))


def to_user(
    session: Session,
    user: User,
    kind: str,
    key: str,
    *,
    secret: str | None = None,
    **context: object,
) -> bool:
    """Email one account (in its language) if it wants this kind; True when one was queued."""
    if not user.active or not user.email or not wants(session, user, kind):
        return False
    message = compose.compose(kind, user.language, **context)
    return (
        outbox.enqueue(
            session,
            key=key,
            kind=kind,
            channel="email",
            to=user.email,
            language=message.language,
            subject=message.subject,
            text=message.text,
            html=message.html,
            secret=secret,
            user_id=user.id,
        )
        is not None
    )


def _active(session: Session, *conditions: object) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), *conditions).order_by(User.id)  # type: ignore[arg-type]
        )
    )


def coordinator(session: Session, review: Review) -> User | None:
    """The review's coordinator: who planned it, else its facilitator (active staff only)."""
    for user_id in (review.created_by_id, review.facilitator_id):
        user = session.get(User, user_id) if user_id else None
        if user is not None and user.active and user.role in STAFF_ROLES:
            return user
    return None


def safeguarding_leads(session: Session, person_id: int | None = None) -> list[User]:
    """Who a safety alert goes to first: the safeguarding leads named for the person's service
    (issue 25, ``scope.named_leads``), else the leads, else the managers, else administrators."""
    if person_id is not None and (named := scope.named_leads(session, person_id)):
        return named
    return (
        _active(session, User.is_safeguarding_lead.is_(True))
        or _active(session, User.role == Role.MANAGER)
        or _active(session, User.role == Role.ADMIN)
    )


def escalation_recipients(session: Session, already: Iterable[User]) -> list[User]:
    """Who a safety alert goes to when nobody opened it: managers and other leads not told
    yet; if everyone was told already, everyone again (a second alert is better than none)."""
    told = {user.id for user in already}
    wider = _active(session, User.role == Role.MANAGER) + _active(
        session, User.is_safeguarding_lead.is_(True)
    )
    fresh: dict[int, User] = {}
    for user in wider:
        if user.id not in told:
            fresh.setdefault(user.id, user)
    if fresh:
        return list(fresh.values())
    return _active(session, User.role == Role.ADMIN) or list(already)


# --- family links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkDelivery:
    """How a new family link reaches the supporter: what staff are told on the next page."""

    emailed: bool  # the link was put in the outbox for the supporter's email
    code_by: str | None  # "sms" or "email" when the code was sent; None: staff give it


def family_link_issued(
    session: Session,
    link: InvitationLink,
    token: str,
    code: str | None,
    supporter: Supporter,
    review: Review,
    sender: User,
) -> LinkDelivery:
    """Put the link (and, apart from it, its code) in the outbox for the supporter."""
    if not supporter.email or not can_compose("family-link"):
        return LinkDelivery(emailed=False, code_by=None)
    code_by = "address" if code is None else _code_route(supporter)
    language = compose.language_of(supporter.language)
    message = compose.compose(
        "family-link",
        language,
        sender=sender.name,
        supporter_name=supporter.name,
        person_name=review.person.preferred_name,
        expires_at=link.expires_at,
        code_by=code_by,
        url=compose.secret_url("family.open_link", "token"),
    )
    outbox.enqueue(
        session,
        key=f"family-link:{link.id}",
        kind="family-link",
        channel="email",
        to=supporter.email,
        language=message.language,
        subject=message.subject,
        text=message.text,
        html=message.html,
        secret=token,
    )
    sent_code_by = None
    if code is not None and code_by in ("sms", "email"):
        code_message = compose.compose(
            "family-code", language, html=code_by == "email", code=SECRET
        )
        outbox.enqueue(
            session,
            key=f"family-code:{link.id}",
            kind="family-code",
            channel=code_by,
            to=supporter.phone if code_by == "sms" else supporter.email,  # type: ignore[arg-type]
            language=code_message.language,
            subject=code_message.subject,
            text=code_message.text,
            html=code_message.html,
            secret=code,
        )
        sent_code_by = code_by
    audit.record(
        session,
        "link.sent",
        actor=sender,
        obj=link,
        person_id=review.person_id,
        detail={"email": True, "code_by": sent_code_by or "staff"},
    )
    return LinkDelivery(emailed=True, code_by=sent_code_by)


def _code_route(supporter: Supporter) -> str:
    chosen = supporter.code_by or "phone"
    if chosen == "sms" and is_mobile(supporter.phone):
        return "sms"
    if chosen == "email" and supporter.email:
        return "email"
    return "phone"


# --- views received ----------------------------------------------------------------------------


def views_received(
    session: Session, review: Review, *, key: str, from_advocate: bool = False
) -> bool:
    """Tell the review's coordinator that views arrived (``key`` names the contribution)."""
    user = coordinator(session, review)
    if user is None or not can_compose("views-received"):
        return False
    return to_user(
        session,
        user,
        "views-received",
        f"views-received:{key}:{user.id}",
        review_id=review.id,
        from_advocate=from_advocate,
        url=compose.public_url("staff.review", review_id=review.id),
    )


# --- safety ------------------------------------------------------------------------------------


def safety_flag_raised(session: Session, flag: SafetyFlag) -> int:
    """Alert the safeguarding leads at once; returns how many were told. Not optional."""
    told = 0
    if not can_compose("safety-alert"):
        return told
    for user in safeguarding_leads(session, flag.person_id):
        told += to_user(
            session,
            user,
            "safety-alert",
            f"safety-alert:{flag.id}:{user.id}",
            raised_at=flag.raised_at,
            url=compose.public_url("safeguarding.flag", flag_id=flag.id),
        )
    return told


# --- review meetings ---------------------------------------------------------------------------

MEETING_KINDS = {
    "arranged": "meeting-arranged",
    "moved": "meeting-moved",
    "cancelled": "meeting-cancelled",
}
MEETING_TITLE = _l("Review meeting for %(name)s")


def meeting_changed(
    session: Session,
    review: Review,
    meeting: ReviewMeeting,
    actor: User,
    change: str,
    invitees: Iterable[str],
    calendar: Callable[[str, str], bytes],
) -> int:
    """Email each invitee with an address about a meeting arranged, moved or cancelled, in
    their language, with the calendar file (``calendar(key, title)``); returns how many.

    Supporters and advocates with an email on record, and active staff accounts; never the
    person (staff tell them, as before). The person is named by first name only. A move's or a
    cancellation's reason may hold personal details: staff are told it is on the review page
    (behind sign-in), supporters only that the meeting moved or is cancelled.
    """
    kind = MEETING_KINDS[change]
    if not can_compose(kind):
        return 0
    starts = datetime.combine(review.scheduled_for, meeting.starts_at)  # type: ignore[arg-type]
    common = {
        "name": review.person.preferred_name,
        "on": starts.date(),
        "at": starts.strftime("%H:%M"),
        "at_home": meeting.at_home,
        "place": meeting.place,
        "arranged_by": actor.name,
    }
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    told = 0
    for key in dict.fromkeys(invitees):
        found = _meeting_recipient(session, review, key)
        if found is None:
            continue
        address, language, user, staff = found
        lang = compose.language_of(language)
        message = compose.compose(
            kind,
            lang,
            staff=staff,
            change=change,
            url=compose.public_url("staff.review", review_id=review.id) if staff else None,
            **common,
        )
        with force_locale(lang):
            title = str(MEETING_TITLE % {"name": common["name"]})
        ics = calendar(key, title).decode("utf-8")
        told += (
            outbox.enqueue(
                session,
                key=f"meeting:{meeting.id}:{meeting.version or 1}:{key}",
                kind=kind,
                channel="email",
                to=address,
                language=message.language,
                subject=message.subject,
                text=message.text,
                html=message.html,
                user_id=user.id if user is not None else None,
                attachment=outbox.Attachment(
                    name="review-meeting.ics",
                    content_type=f"text/calendar; method={method}",
                    content=ics,
                ),
            )
            is not None
        )
    return told


def joint_meeting_changed(
    session: Session,
    review: Review,
    meeting: JointMeeting,
    change: str,
    invitees: Iterable[str],
    calendar: Callable[[str, str], bytes],
) -> int:
    """Email each invitee with an address about a joint meeting arranged or cancelled (issue
    17), in their language, with the calendar file; returns how many. As for a review meeting:
    supporters, advocates and active staff with an address, never the person (staff tell
    them, with the easy-read agenda); the person by first name only; never the question, the
    reason or anything said."""
    kind = f"joint-meeting-{change}"
    if not can_compose(kind):
        return 0
    starts = datetime.combine(meeting.held_on, meeting.starts_at)
    common = {
        "name": review.person.preferred_name,
        "on": starts.date(),
        "at": starts.strftime("%H:%M"),
        "at_home": meeting.at_home,
        "place": meeting.place,
    }
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    told = 0
    for key in dict.fromkeys(invitees):
        found = _meeting_recipient(session, review, key)
        if found is None:
            continue
        address, language, user, staff = found
        lang = compose.language_of(language)
        url = compose.public_url("joint_meetings.record", meeting_id=meeting.id) if staff else None
        message = compose.compose(kind, lang, url=url, **common)
        ics = calendar(key, message.subject).decode("utf-8")
        told += (
            outbox.enqueue(
                session,
                key=f"joint-meeting:{meeting.id}:{meeting.version or 1}:{change}:{key}",
                kind=kind,
                channel="email",
                to=address,
                language=message.language,
                subject=message.subject,
                text=message.text,
                html=message.html,
                user_id=user.id if user is not None else None,
                attachment=outbox.Attachment(
                    name="joint-meeting.ics",
                    content_type=f"text/calendar; method={method}",
                    content=ics,
                ),
            )
            is not None
        )
    return told


def _meeting_recipient(
    session: Session, review: Review, key: str
) -> tuple[str, str | None, User | None, bool] | None:
    """(address, language, account, is staff) for one invitee, or None: not by email."""
    what, _, ident = key.partition(":")
    if what == "supporter" and ident.isdigit():
        supporter = session.get(Supporter, int(ident))
        if supporter is None or supporter.person_id != review.person_id:
            return None
        if not supporter.active or not supporter.email:
            return None
        return supporter.email, supporter.language, None, False
    if what == "user" and ident.isdigit():
        user = session.get(User, int(ident))
        if user is None or not user.active or not user.email:
            return None
        return user.email, user.language, user, user.role in STAFF_ROLES
    return None  # the person: staff tell them


# --- advocates' formal reports (issue 17) -----------------------------------------------------


def service_managers(session: Session, person_id: int) -> list[User]:
    """The active managers of the person's current service (maybe none)."""
    service = scope.current_service(session, person_id)
    if service is None:
        return []
    return _active(
        session,
        User.role == Role.MANAGER,
        User.id.in_(select(StaffService.user_id).where(StaffService.service_id == service.id)),
    )


def advocate_report_filed(session: Session, review: Review, report: AdvocateReport) -> int:
    """Tell the review's coordinator and the managers of the person's service that an advocate
    filed a formal report (or an addendum): where to read it and when the response is due,
    never what it says. Returns how many were told."""
    if not can_compose("advocate-report-filed"):
        return 0
    recipients: dict[int, User] = {}
    first = coordinator(session, review)
    for user in ([first] if first else []) + service_managers(session, review.person_id):
        recipients.setdefault(user.id, user)
    due = report.response_due_on
    if report.addendum_to_id is not None:
        root = session.get(AdvocateReport, report.addendum_to_id)
        due = root.response_due_on if root is not None else None
    told = 0
    for user in recipients.values():
        told += to_user(
            session,
            user,
            "advocate-report-filed",
            f"advocate-report-filed:{report.id}:{user.id}",
            review_id=review.id,
            addendum=report.addendum_to_id is not None,
            due=due,
            url=compose.public_url("advocate_reports.review", review_id=review.id),
        )
    return told


def advocate_report_answered(session: Session, review: Review, report: AdvocateReport) -> bool:
    """Tell the advocate who filed the report that the written response is written (where to
    read it, never what it says)."""
    if report.author_user_id is None or not can_compose("advocate-report-answered"):
        return False
    user = session.get(User, report.author_user_id)
    if user is None:
        return False
    return to_user(
        session,
        user,
        "advocate-report-answered",
        f"advocate-report-answered:{report.id}:{user.id}",
        review_id=review.id,
        url=compose.public_url("advocate_layer.outcomes", review_id=review.id),
    )
