"""Notices that fall due with time (reminders, escalations, digests), put in the outbox.

The message worker calls ``tick`` on every round, before it delivers. Each notice has a key,
so calling it again (or from two workers) never makes a second message; a ``DueNotice`` row
with the same key lets later rounds pass over it without composing it again.

What falls due:
- a family link's reminder, 3 days before it expires, when the supporter has sent no views
  since it was issued (to the supporter's email);
- a safety alert's escalation: a flag still open that nobody has opened (no
  ``safety_flag.viewed`` in the audit log) ``SAFETY_ALERT_ESCALATE_HOURS`` (default 4) after
  it was raised goes to the managers and the leads not told at first. Not optional;
- a complaint whose acknowledgement is due tomorrow (or today) and not yet made, to who
  recorded it (else the managers);
- once a week (from Monday 06:00 UTC), to each owner with an account, their actions due that
  week and overdue, in one digest;
- an involvement agreement due for review within a week (or overdue), to the managers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ...models import (
    ActionStatus,
    AuditEvent,
    CaseStatus,
    Complaint,
    ComplaintDetail,
    Contribution,
    DueNotice,
    FlagStatus,
    InvitationLink,
    Layer,
    OutcomeAction,
    Review,
    ReviewStatus,
    Role,
    SafetyFlag,
    Supporter,
    User,
)
from ...models.figures import dialect_insert
from .. import audit
from ..governance import agreements
from . import compose, notices, outbox

REMINDER_DAYS = 3
ESCALATE_HOURS = 4
AGREEMENT_NOTICE_DAYS = 7
DIGEST_FROM = timedelta(hours=6)  # after Monday midnight (UTC)


def tick(session: Session, now: datetime) -> int:
    """Put every notice that is due at ``now`` in the outbox; return how many were added."""
    added = 0
    added += link_reminders(session, now)
    added += safety_escalations(session, now)
    added += complaint_acknowledgements(session, now)
    added += action_digests(session, now)
    added += agreement_reviews(session, now)
    return added


def escalate_after() -> timedelta:
    """How long an unopened safety flag waits before the second alert (a setting)."""
    hours = ESCALATE_HOURS
    if has_app_context():
        hours = float(current_app.config.get("SAFETY_ALERT_ESCALATE_HOURS", ESCALATE_HOURS))
    return timedelta(hours=hours)


def _done(session: Session, key: str) -> bool:
    return session.get(DueNotice, key) is not None


def _claim(session: Session, key: str, kind: str, object_id: int | None, now: datetime) -> bool:
    """Mark a notice as done, once: False when it already was (by this worker or another).

    ON CONFLICT DO NOTHING, so two workers ticking at once never both send it: on PostgreSQL
    the second waits for the first's transaction and then finds the key taken.
    """
    table = DueNotice.__table__
    inserted = session.execute(
        dialect_insert(session)(table)
        .values(key=key, kind=kind, object_id=object_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    ).scalar_one_or_none()
    return inserted is not None


def _managers(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), User.role == Role.MANAGER).order_by(User.id)
        )
    )


# --- a link about to expire ----------------------------------------------------------------------


def link_reminders(session: Session, now: datetime) -> int:
    """Remind supporters whose link stops working within 3 days and who sent no views."""
    sent_views = exists().where(
        Contribution.review_id == InvitationLink.review_id,
        Contribution.supporter_id == InvitationLink.supporter_id,
        Contribution.layer == Layer.FAMILY,
        Contribution.submitted_at.is_not(None),
        Contribution.submitted_at >= InvitationLink.created_at,
    )
    rows = session.execute(
        select(InvitationLink, Supporter, Review)
        .join(Supporter, Supporter.id == InvitationLink.supporter_id)
        .join(Review, Review.id == InvitationLink.review_id)
        .where(
            InvitationLink.revoked_at.is_(None),
            InvitationLink.expires_at > now,
            InvitationLink.expires_at <= now + timedelta(days=REMINDER_DAYS),
            Review.status != ReviewStatus.CLOSED,
            Supporter.active.is_(True),
            Supporter.email.is_not(None),
            ~sent_views,
        )
        .order_by(InvitationLink.id)
    ).all()
    added = 0
    for link, supporter, review in rows:
        key = f"link-reminder:{link.id}"
        if _done(session, key) or not supporter.email:
            continue
        if not _claim(session, key, "link-reminder", link.id, now):
            continue
        sender = session.get(User, link.created_by_id) if link.created_by_id else None
        message = compose.compose(
            "link-reminder",
            supporter.language,
            supporter_name=supporter.name,
            sender=sender.name if sender else "",
            person_name=review.person.preferred_name,
            expires_at=link.expires_at,
            sent_at=link.created_at,
        )
        queued = outbox.enqueue(
            session,
            key=key,
            kind="link-reminder",
            channel="email",
            to=supporter.email,
            language=message.language,
            subject=message.subject,
            text=message.text,
            html=message.html,
        )
        added += queued is not None
    return added


# --- a safety flag nobody has opened -------------------------------------------------------------


def safety_escalations(session: Session, now: datetime) -> int:
    """The second alert for each open flag nobody opened within the set time."""
    opened = exists().where(
        AuditEvent.action == "safety_flag.viewed",
        AuditEvent.object_type == SafetyFlag.__tablename__,
        AuditEvent.object_id == SafetyFlag.id.cast(AuditEvent.object_id.type),
    )
    flags = session.scalars(
        select(SafetyFlag)
        .where(
            SafetyFlag.status == FlagStatus.OPEN,
            SafetyFlag.raised_at <= now - escalate_after(),
            ~opened,
        )
        .order_by(SafetyFlag.id)
    ).all()
    added = 0
    for flag in flags:
        key = f"safety-escalation:{flag.id}"
        if _done(session, key) or not _claim(session, key, "safety-escalation", flag.id, now):
            continue
        recipients = notices.escalation_recipients(session, notices.safeguarding_leads(session))
        told = 0
        for user in recipients:
            told += notices.to_user(
                session,
                user,
                "safety-escalation",
                f"{key}:{user.id}",
                raised_at=flag.raised_at,
                url=compose.public_url("safeguarding.flag", flag_id=flag.id),
            )
        audit.record(
            session,
            "safety_flag.escalated",
            actor_label="system",
            obj=flag,
            person_id=flag.person_id,
            detail={"told": [user.id for user in recipients], "after": str(escalate_after())},
        )
        added += told
    return added


# --- complaints ----------------------------------------------------------------------------------


def complaint_acknowledgements(session: Session, now: datetime) -> int:
    """Complaints to acknowledge by tomorrow (or today) that are not acknowledged yet."""
    today = now.date()
    rows = session.execute(
        select(Complaint, ComplaintDetail.recorded_by_id)
        .outerjoin(ComplaintDetail, ComplaintDetail.complaint_id == Complaint.id)
        .where(
            Complaint.status == CaseStatus.OPEN,
            Complaint.acknowledged_on.is_(None),
            Complaint.acknowledge_by >= today,
            Complaint.acknowledge_by <= today + timedelta(days=1),
        )
        .order_by(Complaint.id)
    ).all()
    added = 0
    for complaint, recorded_by_id in rows:
        key = f"complaint-ack-due:{complaint.id}"
        if _done(session, key) or not _claim(session, key, "complaint-ack-due", complaint.id, now):
            continue
        recorder = session.get(User, recorded_by_id) if recorded_by_id else None
        recipients = [recorder] if recorder is not None and recorder.active else []
        for user in recipients or _managers(session):
            added += notices.to_user(
                session,
                user,
                "complaint-ack-due",
                f"{key}:{user.id}",
                complaint_id=complaint.id,
                due_on=complaint.acknowledge_by,
                url=compose.public_url("governance.complaint_case", complaint_id=complaint.id),
            )
    return added


# --- the weekly digest of actions ----------------------------------------------------------------


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week (same time zone)."""
    monday = now - timedelta(days=now.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def action_digests(session: Session, now: datetime) -> int:
    """Once a week, each owner's actions due this week and overdue, in one message."""
    if now - week_start(now) < DIGEST_FROM:
        return 0
    year, week, _ = now.isocalendar()
    today = now.date()
    sunday = week_start(now).date() + timedelta(days=6)
    actions = session.scalars(
        select(OutcomeAction)
        .where(
            OutcomeAction.owner_user_id.is_not(None),
            OutcomeAction.status.in_([ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]),
            OutcomeAction.due_on.is_not(None),
            OutcomeAction.due_on <= sunday,
        )
        .order_by(OutcomeAction.due_on, OutcomeAction.id)
    ).all()
    by_owner: dict[int, list[OutcomeAction]] = defaultdict(list)
    for action in actions:
        by_owner[action.owner_user_id].append(action)  # type: ignore[index]
    added = 0
    for owner_id, owned in sorted(by_owner.items()):
        key = f"actions-digest:{owner_id}:{year}-W{week:02d}"
        if _done(session, key) or not _claim(session, key, "actions-digest", owner_id, now):
            continue
        user = session.get(User, owner_id)
        if user is not None:
            added += notices.to_user(
                session,
                user,
                "actions-digest",
                key,
                user_name=user.name,
                overdue=[_action(a) for a in owned if a.due_on < today],  # type: ignore[operator]
                due=[_action(a) for a in owned if a.due_on >= today],  # type: ignore[operator]
                url=compose.public_url("actions_overview.overdue"),
            )
    return added


def _action(action: OutcomeAction) -> dict[str, object]:
    # Only numbers, dates and an address: never the action's words (they may repeat the
    # person's).
    return {
        "id": action.id,
        "review_id": action.review_id,
        "due_on": action.due_on,
        "url": compose.public_url("actions.edit", review_id=action.review_id, action_id=action.id),
    }


# --- involvement agreements ----------------------------------------------------------------------


def agreement_reviews(session: Session, now: datetime) -> int:
    """Agreements due for review within a week (or overdue), once per review date."""
    today: date = now.date()
    added = 0
    for due in agreements.due_for_review(session, as_of=today):
        agreement = due.agreement
        if agreement.review_on is None or agreement.review_on > today + timedelta(
            days=AGREEMENT_NOTICE_DAYS
        ):
            continue
        key = f"agreement-review:{agreement.id}:{agreement.review_on.isoformat()}"
        if _done(session, key) or not _claim(
            session, key, "agreement-review-due", agreement.id, now
        ):
            continue
        for user in _managers(session):
            added += notices.to_user(
                session,
                user,
                "agreement-review-due",
                f"{key}:{user.id}",
                agreement_id=agreement.id,
                review_on=agreement.review_on,
                url=compose.public_url("governance.agreements_due"),
            )
    return added
