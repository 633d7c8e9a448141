"""The monthly record audit (issue 20): is the record of each decision as it should be?

A manager starts an audit for a month and one or more of their services and sets how many
reviews to check. Facilitator draws that many at random from the reviews of those services
closed in that month (``services/reviews/lifecycle.py`` closes them), with a seed it keeps, so
the same sample can be drawn again from the same reviews and shown to be the one checked
(:func:`draw`). A second manager (never the one who started it) checks each review against
the checklist (:data:`ITEMS`): met, not met or not applicable, with a note; beside each item the
page shows what the record itself says where Facilitator can tell (:func:`record_says`). Every
item not met becomes a finding: an action with an owner and a due date, tracked to done. The
audit is finished once every review is checked and every finding has an owner and a date.
Each step is in the audit log.

Findings are their own rows (``RecordAuditFinding``), not outcome actions: an outcome action
belongs to an open review, answers what the person said and is shown to them in easy read,
while a finding is about the provider's record keeping and its review is closed and frozen.

Need to know: an audit is seen only by those who see every one of its services
(:func:`get`), and the reviews it draws from are only those of people the starter may see.
:func:`audit_figures` (for the dashboard and the evidence pack) counts by the service each
review was held in.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    AuditAnswer,
    CapacityAssessment,
    CaseStatus,
    Communication,
    CommunicationSubject,
    ConsentToShare,
    DifferingView,
    FindingStatus,
    NonParticipation,
    Person,
    RecordAudit,
    RecordAuditAnswer,
    RecordAuditCheck,
    RecordAuditFinding,
    Review,
    ReviewStatus,
    Role,
    Service,
    StaffService,
    User,
    utcnow,
)
from .. import NotAllowed, NotFound, ServiceError, audit, scope
from ..reviews import actions, lifecycle
from . import clean, today
from .versions import change

AUDITORS = frozenset({Role.MANAGER, Role.ADMIN})
OWNERS = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})
NOTE_LIMIT = 2000
MAX_SAMPLE = 200
UTC_MIDNIGHT = time(0, 0)

# The checklist, in the order it is asked.
ITEMS: tuple[tuple[str, Any], ...] = (
    ("person-first", _l("The person's views were captured first, or why not is recorded")),
    ("consent", _l("Consent to share is recorded")),
    ("capacity", _l("Capacity was assessed where a decision was in doubt")),
    ("statements-answered", _l("Every statement of the person is answered")),
    ("communicated", _l("The decisions were communicated")),
    ("differing-resolved", _l("Differing views were routed and resolved")),
    ("you-said-shared", _l('"You said, we did" was shared with the person')),
)
ITEM_KEYS = tuple(key for key, _words in ITEMS)
ANSWERS: tuple[tuple[AuditAnswer, Any], ...] = (
    (AuditAnswer.MET, _l("Met")),
    (AuditAnswer.NOT_MET, _l("Not met")),
    (AuditAnswer.NOT_APPLICABLE, _l("Not applicable")),
)


def item_words(key: str) -> Any:
    """The checklist item's words (the key itself for one no longer asked)."""
    return dict(ITEMS).get(key, key)


def answer_words(answer: AuditAnswer | str) -> Any:
    return dict(ANSWERS).get(AuditAnswer(answer), answer)


# --- the month and the sample -------------------------------------------------------------------


def month_of(value: date | str | None) -> date:
    """The first day of the month asked for: a date, or "YYYY-MM" as a month input sends it."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = (value or "").strip()
    found = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", text)
    if not found:
        raise ServiceError(_l("Choose the month to audit, like 2027-03."))
    year, month = int(found.group(1)), int(found.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ServiceError(_l("Choose the month to audit, like 2027-03."))
    return date(year, month, 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def draw(pool_ids: list[int], seed: str, size: int) -> list[int]:
    """The sample: ``size`` of the reviews in ``pool_ids``, drawn with ``seed``. The same pool
    and seed always give the same sample, in the same order."""
    return random.Random(seed).sample(sorted(pool_ids), size)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, UTC_MIDNIGHT).replace(tzinfo=utcnow().tzinfo)


def closed_reviews(
    session: Session, actor: User | None, month: date, service_ids: set[int]
) -> list[int]:
    """The ids of the reviews of ``service_ids`` closed in ``month``, of people ``actor`` may see,
    in id order: what a sample is drawn from."""
    query = select(Review.id).where(
        Review.status == ReviewStatus.CLOSED,
        Review.service_id.in_(service_ids or {-1}),
        Review.closed_at >= _start_of(month),
        Review.closed_at < _start_of(next_month(month)),
    )
    query = scope.limit_people(query, session, actor, Review.person_id)
    return sorted(int(i) for i in session.scalars(query.order_by(Review.id)))


def _services(session: Session, actor: User, service_ids: list[Any] | None) -> list[int]:
    """The services chosen, each one the actor's; at least one."""
    chosen: set[int] = set()
    for value in service_ids or []:
        try:
            chosen.add(int(value))
        except (TypeError, ValueError):
            raise ServiceError(_l("Choose services from the list.")) from None
    if not chosen:
        raise ServiceError(_l("Choose at least one service to audit."))
    theirs = {s.id for s in scope.services_for(session, actor, active_only=False)}
    if not chosen <= theirs:
        raise ServiceError(_l("Choose services from the list."))
    return sorted(chosen)


def start(
    session: Session,
    actor: User,
    *,
    month: date | str | None,
    service_ids: list[Any] | None,
    size: Any,
    seed: str | None = None,
    on: date | None = None,
) -> RecordAudit:
    """Start an audit: the sample drawn now, from the reviews closed in the month."""
    if actor.role not in AUDITORS:
        raise NotAllowed(_l("Only a manager can start a record audit."))
    first = month_of(month)
    if first > (on or today()):
        raise ServiceError(
            _l("Choose this month or an earlier one: reviews closed later are not known yet.")
        )
    services = _services(session, actor, service_ids)
    try:
        wanted = int(str(size).strip())
    except (TypeError, ValueError):
        raise ServiceError(_l("Write how many reviews to check, as a number.")) from None
    pool = closed_reviews(session, actor, first, set(services))
    if not pool:
        raise ServiceError(
            _l("No review of those services was closed in that month, so there is nothing to "
               "audit. Choose another month or service.")
        )  # fmt: skip
    if wanted < 1:
        raise ServiceError(_l("Check at least 1 review."))
    if wanted > len(pool):
        raise ServiceError(
            lazy_ngettext(
                "Only %(num)d review was closed in that month. Choose %(num)d or fewer.",
                "Only %(num)d reviews were closed in that month. Choose %(num)d or fewer.",
                len(pool),
            )
        )
    if wanted > MAX_SAMPLE:
        raise ServiceError(
            lazy_ngettext(
                "Check %(num)d review or fewer in one audit.",
                "Check %(num)d reviews or fewer in one audit.",
                MAX_SAMPLE,
            )
        )
    seed = seed or secrets.token_hex(8)
    made = RecordAudit(
        month=first,
        service_ids=services,
        sample_size=wanted,
        pool_ids=pool,
        seed=seed,
        started_by_id=actor.id,
        started_at=utcnow(),
    )
    session.add(made)
    session.flush()
    for position, review_id in enumerate(draw(pool, seed, wanted), start=1):
        session.add(
            RecordAuditCheck(record_audit_id=made.id, review_id=review_id, position=position)
        )
    session.flush()
    audit.record(
        session,
        "record_audit.started",
        actor=actor,
        obj=made,
        detail={
            "month": first.isoformat(),
            "service_ids": services,
            "sample_size": wanted,
            "pool_size": len(pool),
            "seed": seed,
        },
    )
    return made


def sample_ids(session: Session, record: RecordAudit) -> list[int]:
    """The reviews sampled, in the order drawn."""
    return list(
        session.scalars(
            select(RecordAuditCheck.review_id)
            .where(RecordAuditCheck.record_audit_id == record.id)
            .order_by(RecordAuditCheck.position)
        )
    )


def sample_reproduces(session: Session, record: RecordAudit) -> bool:
    """Whether drawing again from the kept reviews with the kept seed gives the sample kept."""
    return draw(list(record.pool_ids), record.seed, record.sample_size) == sample_ids(
        session, record
    )


# --- who sees an audit --------------------------------------------------------------------------


def may_see(session: Session, viewer: User | None, record: RecordAudit) -> bool:
    """Those who see every one of the audit's services."""
    ids = scope.service_ids_for(session, viewer)
    return ids is None or set(record.service_ids or []) <= ids


def get(session: Session, viewer: User | None, record_audit_id: int) -> RecordAudit:
    """The audit, or ``NotFound`` (the same for one that does not exist and one not theirs)."""
    found = session.get(RecordAudit, record_audit_id)
    if found is None or not may_see(session, viewer, found):
        raise NotFound(_l("We could not find that record audit."))
    return found


@dataclass
class Summary:
    """One audit in the list."""

    record: RecordAudit
    services: list[str]
    started_by: str
    checked: int
    findings_open: int

    @property
    def complete(self) -> bool:
        return self.record.completed_at is not None


def service_names(session: Session, ids: list[int]) -> list[str]:
    if not ids:
        return []
    return list(
        session.scalars(select(Service.name).where(Service.id.in_(ids)).order_by(Service.name))
    )


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.name if user is not None else "–"


def listing(session: Session, viewer: User | None, limit: int = 100) -> list[Summary]:
    """The audits the viewer may see, newest month first."""
    rows = session.scalars(
        select(RecordAudit)
        .order_by(RecordAudit.month.desc(), RecordAudit.id.desc())
        .limit(limit * 5)
    )
    found = []
    for record in rows:
        if not may_see(session, viewer, record):
            continue
        checked = session.scalar(
            select(func.count(RecordAuditCheck.id)).where(
                RecordAuditCheck.record_audit_id == record.id,
                RecordAuditCheck.checked_at.is_not(None),
            )
        )
        open_findings = session.scalar(
            select(func.count(RecordAuditFinding.id)).where(
                RecordAuditFinding.record_audit_id == record.id,
                RecordAuditFinding.status == FindingStatus.OPEN,
            )
        )
        found.append(
            Summary(
                record,
                service_names(session, list(record.service_ids)),
                _name(session, record.started_by_id),
                int(checked or 0),
                int(open_findings or 0),
            )
        )
        if len(found) >= limit:
            break
    return found


# --- the sample and its checks ------------------------------------------------------------------


@dataclass
class Sampled:
    """One sampled review with its check; ``review`` None when its person is out of sight now."""

    check: RecordAuditCheck
    review: Review | None
    person: Person | None
    checked_by: str | None
    answers: dict[str, RecordAuditAnswer] = field(default_factory=dict)


def sampled(session: Session, record: RecordAudit) -> list[Sampled]:
    """The sample in the order drawn. A review whose person the viewer may no longer see (they
    moved to another service) is listed without them."""
    checks = list(
        session.scalars(
            select(RecordAuditCheck)
            .where(RecordAuditCheck.record_audit_id == record.id)
            .order_by(RecordAuditCheck.position)
        )
    )
    answers: dict[int, dict[str, RecordAuditAnswer]] = {}
    if checks:
        for row in session.scalars(
            select(RecordAuditAnswer).where(RecordAuditAnswer.check_id.in_([c.id for c in checks]))
        ):
            answers.setdefault(row.check_id, {})[row.item] = row
    found = []
    for check in checks:
        review = session.scalar(select(Review).where(Review.id == check.review_id))
        person = (
            session.scalar(select(Person).where(Person.id == review.person_id)) if review else None
        )
        found.append(
            Sampled(
                check,
                review,
                person,
                _name(session, check.checked_by_id) if check.checked_by_id else None,
                answers.get(check.id, {}),
            )
        )
    return found


def check_for(session: Session, record: RecordAudit, review_id: int) -> RecordAuditCheck:
    """The check of one sampled review, or ``NotFound`` for a review not in the sample."""
    found = session.scalar(
        select(RecordAuditCheck).where(
            RecordAuditCheck.record_audit_id == record.id, RecordAuditCheck.review_id == review_id
        )
    )
    if found is None:
        raise NotFound(_l("That review is not in this audit's sample."))
    return found


@dataclass(frozen=True)
class RecordSays:
    """What the review's record says about one checklist item, where Facilitator can tell."""

    words: Any
    suggests: AuditAnswer | None = None


def record_says(session: Session, review: Review) -> dict[str, RecordSays]:
    """For the checker, beside each item: what the record holds (never a decision for them)."""
    says: dict[str, RecordSays] = {}
    not_taking_part = session.scalar(
        select(NonParticipation).where(NonParticipation.review_id == review.id).limit(1)
    )
    if review.person_confirmed_at is not None:
        says["person-first"] = RecordSays(
            _l("The person confirmed their own views on the tablet."), AuditAnswer.MET
        )
    elif not_taking_part is not None:
        says["person-first"] = RecordSays(
            _l("It is recorded why the person could not take part, and what was tried."),
            AuditAnswer.MET,
        )
    else:
        says["person-first"] = RecordSays(
            _l("Neither the person's views nor why they could not take part are recorded."),
            AuditAnswer.NOT_MET,
        )
    consents = int(
        session.scalar(
            select(func.count(ConsentToShare.id)).where(ConsentToShare.review_id == review.id)
        )
        or 0
    )
    says["consent"] = RecordSays(
        lazy_ngettext(
            "%(num)d decision about sharing with a supporter is recorded.",
            "%(num)d decisions about sharing with supporters are recorded.",
            consents,
        )
    )
    assessed = int(
        session.scalar(
            select(func.count(CapacityAssessment.id)).where(
                CapacityAssessment.review_id == review.id
            )
        )
        or 0
    )
    says["capacity"] = RecordSays(
        lazy_ngettext(
            "%(num)d capacity assessment is recorded for this review.",
            "%(num)d capacity assessments are recorded for this review.",
            assessed,
        )
    )
    closing = lifecycle.final(session, review)
    unanswered = len(actions.unanswered_statements(session, review))
    if not unanswered:
        says["statements-answered"] = RecordSays(
            _l("Every statement of the person has an action."), AuditAnswer.MET
        )
    else:
        says["statements-answered"] = RecordSays(
            lazy_ngettext(
                "%(num)d statement has no action.",
                "%(num)d statements have no action.",
                unanswered,
            ),
            None if closing is not None and closing.unanswered_reason else AuditAnswer.NOT_MET,
        )
    told = int(
        session.scalar(
            select(func.count(Communication.id)).where(
                Communication.review_id == review.id,
                Communication.subject == CommunicationSubject.REVIEW_OUTCOME,
            )
        )
        or 0
    )
    says["communicated"] = RecordSays(
        lazy_ngettext(
            "%(num)d record of telling someone the outcome.",
            "%(num)d records of telling people the outcome.",
            told,
        ),
        AuditAnswer.MET if told else AuditAnswer.NOT_MET,
    )
    views = list(session.scalars(select(DifferingView).where(DifferingView.review_id == review.id)))
    if not views:
        says["differing-resolved"] = RecordSays(
            _l("No differing view is recorded."), AuditAnswer.NOT_APPLICABLE
        )
    else:
        routed = sum(1 for v in views if v.route is not None)
        resolved = sum(1 for v in views if v.status != CaseStatus.OPEN)
        says["differing-resolved"] = RecordSays(
            lazy_ngettext(
                "%(num)d differing view: %(routed)s with a route, %(resolved)s resolved.",
                "%(num)d differing views: %(routed)s with a route, %(resolved)s resolved.",
                len(views),
                routed=routed,
                resolved=resolved,
            ),
            AuditAnswer.MET if routed == resolved == len(views) else AuditAnswer.NOT_MET,
        )
    if lifecycle.readiness(session, review).shared_with_person:
        says["you-said-shared"] = RecordSays(
            _l('"You said, we did" was shown or told to the person.'), AuditAnswer.MET
        )
    elif closing is not None and closing.not_shared_reason:
        says["you-said-shared"] = RecordSays(
            _l("Not shared with the person; a reason was given when the review was closed.")
        )
    else:
        says["you-said-shared"] = RecordSays(
            _l("Not shared with the person, and no reason is recorded."), AuditAnswer.NOT_MET
        )
    return says


def _not_the_starter(record: RecordAudit, actor: User, refusal: Any) -> None:
    if actor.role not in AUDITORS:
        raise NotAllowed(_l("Only a manager can check a record audit."))
    if record.started_by_id == actor.id:
        raise ServiceError(refusal)


def _not_finished(record: RecordAudit) -> None:
    if record.completed_at is not None:
        raise ServiceError(_l("This audit is finished: nothing in it can change now."))


def check_review(
    session: Session,
    record: RecordAudit,
    review_id: int,
    actor: User,
    *,
    answers: dict[str, Any],
    notes: dict[str, Any],
) -> list[RecordAuditFinding]:
    """The second manager's check of one sampled review: every item answered; a note for each
    item not met (it becomes a finding). Returns the findings made."""
    _not_the_starter(
        record,
        actor,
        _l("You started this audit, so another manager checks its reviews. Ask a second manager."),
    )
    _not_finished(record)
    check = check_for(session, record, review_id)
    if check.checked_at is not None:
        raise ServiceError(_l("This review has already been checked in this audit."))
    chosen: dict[str, AuditAnswer] = {}
    written: dict[str, str | None] = {}
    for key in ITEM_KEYS:
        written[key] = clean(notes.get(key), limit=NOTE_LIMIT, what=_l("note"))
    for key in ITEM_KEYS:
        value = answers.get(key)
        try:
            chosen[key] = AuditAnswer(value)
        except ValueError:
            raise ServiceError(
                _l("Answer every item: met, not met or not applicable. \"%(item)s\" has no answer.",
                   item=item_words(key))
            ) from None  # fmt: skip
        if chosen[key] == AuditAnswer.NOT_MET and not written[key]:
            raise ServiceError(
                _l("Say what is missing for \"%(item)s\": it becomes a finding to put right.",
                   item=item_words(key))
            )  # fmt: skip
    now = utcnow()
    for key in ITEM_KEYS:
        session.add(
            RecordAuditAnswer(check_id=check.id, item=key, answer=chosen[key], note=written[key])
        )
    check.checked_by_id = actor.id
    check.checked_at = now
    made = []
    for key in ITEM_KEYS:
        if chosen[key] == AuditAnswer.NOT_MET:
            finding = RecordAuditFinding(
                record_audit_id=record.id, check_id=check.id, item=key, what=written[key],
                created_at=now,
            )  # fmt: skip
            session.add(finding)
            made.append(finding)
    session.flush()
    review = session.get(Review, review_id, execution_options={scope.ALL_PEOPLE: True})
    with change(
        session,
        record,
        record.version,
        actor=actor,
        action="record_audit.review_checked",
        person_id=review.person_id if review is not None else None,
    ) as step:
        step.detail = {
            "review_id": review_id,
            "met": sum(1 for a in chosen.values() if a == AuditAnswer.MET),
            "not_met": sum(1 for a in chosen.values() if a == AuditAnswer.NOT_MET),
            "not_applicable": sum(1 for a in chosen.values() if a == AuditAnswer.NOT_APPLICABLE),
            "findings": [f.id for f in made],
        }
    return made


# --- findings -----------------------------------------------------------------------------------


def findings(session: Session, record: RecordAudit) -> list[RecordAuditFinding]:
    """The audit's findings: open ones first, soonest due first."""
    return list(
        session.scalars(
            select(RecordAuditFinding)
            .where(RecordAuditFinding.record_audit_id == record.id)
            .order_by(
                RecordAuditFinding.status == FindingStatus.DONE,
                RecordAuditFinding.due_on.is_(None).desc(),
                RecordAuditFinding.due_on,
                RecordAuditFinding.id,
            )
        )
    )


def finding_of(session: Session, record: RecordAudit, finding_id: int) -> RecordAuditFinding:
    found = session.get(RecordAuditFinding, finding_id)
    if found is None or found.record_audit_id != record.id:
        raise NotFound(_l("We could not find that finding."))
    return found


def owners(session: Session, record: RecordAudit) -> list[User]:
    """Who may own a finding: active staff, managers and administrators of the audit's
    services (or of every service)."""
    members = select(StaffService.user_id).where(
        StaffService.service_id.in_(list(record.service_ids) or [-1])
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.role.in_(list(OWNERS)),
                User.id.in_(members) | User.all_services.is_(True),
            )
            .order_by(User.name)
        )
    )


def _version(finding: RecordAuditFinding, version: Any) -> None:
    try:
        sent = int(version) if version not in (None, "") else None
    except (TypeError, ValueError):
        sent = None
    if sent is not None and sent != finding.version:
        raise ServiceError(
            _l("Someone else changed this finding while you had it open. Nothing was saved: "
               "look at it again.")
        )  # fmt: skip


def assign(
    session: Session,
    record: RecordAudit,
    finding: RecordAuditFinding,
    actor: User,
    *,
    owner_user_id: Any,
    due_on: date | None,
    version: Any = None,
    on: date | None = None,
) -> RecordAuditFinding:
    """Give a finding its owner and due date (again, to change them while it is open)."""
    if actor.role not in AUDITORS:
        raise NotAllowed(_l("Only a manager can give a finding its owner."))
    if finding.status == FindingStatus.DONE:
        raise ServiceError(_l("This finding is done already."))
    _version(finding, version)
    try:
        owner_id = int(owner_user_id)
    except (TypeError, ValueError):
        raise ServiceError(_l("Choose who will put it right.")) from None
    if owner_id not in {u.id for u in owners(session, record)}:
        raise ServiceError(_l("Choose who will put it right from the list."))
    day = on or today()
    if due_on is None:
        raise ServiceError(_l("Choose the date it is due."))
    if due_on < day:
        raise ServiceError(_l("The due date cannot be in the past."))
    if due_on > day + timedelta(days=366):
        raise ServiceError(_l("The due date must be within the next year."))
    with change(
        session,
        finding,
        finding.version,  # the version the manager saw is checked above, in its own words
        actor=actor,
        action="record_audit.finding_assigned",
        person_id=None,
    ) as step:
        finding.owner_user_id = owner_id
        finding.due_on = due_on
        step.detail = {
            "record_audit_id": record.id,
            "owner_user_id": owner_id,
            "due_on": due_on.isoformat(),
        }
    return finding


def mark_done(
    session: Session,
    record: RecordAudit,
    finding: RecordAuditFinding,
    actor: User,
    *,
    note: Any,
    version: Any = None,
) -> RecordAuditFinding:
    """The finding is put right: what was done, written down."""
    if actor.role not in AUDITORS:
        raise NotAllowed(_l("Only a manager can mark a finding done."))
    if finding.status == FindingStatus.DONE:
        raise ServiceError(_l("This finding is done already."))
    _version(finding, version)
    if finding.owner_user_id is None or finding.due_on is None:
        raise ServiceError(_l("Give the finding an owner and a due date first."))
    written = clean(
        note, required=ServiceError(_l("Say what was done to put it right.")), limit=NOTE_LIMIT,
        what=_l("note"),
    )  # fmt: skip
    with change(
        session,
        finding,
        finding.version,  # the version the manager saw is checked above, in its own words
        actor=actor,
        action="record_audit.finding_done",
        person_id=None,
    ) as step:
        finding.status = FindingStatus.DONE
        finding.done_note = written
        finding.done_by_id = actor.id
        finding.done_at = utcnow()
        step.detail = {"record_audit_id": record.id}
    return finding


def finish(session: Session, record: RecordAudit, actor: User) -> RecordAudit:
    """Finish the audit: every review checked, every finding with an owner and a due date."""
    _not_the_starter(record, actor, _l("You started this audit, so a second manager finishes it."))
    _not_finished(record)
    unchecked = int(
        session.scalar(
            select(func.count(RecordAuditCheck.id)).where(
                RecordAuditCheck.record_audit_id == record.id,
                RecordAuditCheck.checked_at.is_(None),
            )
        )
        or 0
    )
    if unchecked:
        raise ServiceError(
            lazy_ngettext(
                "%(num)d review in the sample is not checked yet.",
                "%(num)d reviews in the sample are not checked yet.",
                unchecked,
            )
        )
    unowned = [f for f in findings(session, record) if f.owner_user_id is None or f.due_on is None]
    if unowned:
        raise ServiceError(
            lazy_ngettext(
                "%(num)d finding has no owner or due date yet.",
                "%(num)d findings have no owner or due date yet.",
                len(unowned),
            )
        )
    with change(
        session, record, record.version, actor=actor, action="record_audit.finished", person_id=None
    ) as step:
        record.completed_at = utcnow()
        record.completed_by_id = actor.id
        totals = results(session, [record.id])
        step.detail = {
            "reviews_checked": totals.reviews_checked,
            "not_met": sum(c.not_met for c in totals.items.values()),
            "findings": totals.findings_open + totals.findings_done,
        }
    return record


# --- results and figures ------------------------------------------------------------------------


@dataclass
class ItemCounts:
    met: int = 0
    not_met: int = 0
    not_applicable: int = 0

    @property
    def answered(self) -> int:
        return self.met + self.not_met + self.not_applicable


@dataclass
class RecordAuditFigures:
    """What the record audits found (the dashboard figure and the evidence pack's section)."""

    audits_completed: int = 0
    reviews_checked: int = 0
    items: dict[str, ItemCounts] = field(
        default_factory=lambda: {k: ItemCounts() for k in ITEM_KEYS}
    )
    findings_open: int = 0
    findings_done: int = 0
    findings_overdue: int = 0

    def by_item(self) -> list[tuple[Any, ItemCounts]]:
        """Each checklist item's words (in the reader's language) and its counts, in order."""
        return [(item_words(key), counts) for key, counts in self.items.items()]


def results(
    session: Session,
    audit_ids: list[int],
    *,
    service_ids: set[int] | None = None,
    on: date | None = None,
) -> RecordAuditFigures:
    """The counts over these audits' checked reviews (only those held in ``service_ids``)."""
    figures = RecordAuditFigures()
    if not audit_ids:
        return figures
    checks = (
        select(RecordAuditCheck.id)
        .join(Review, Review.id == RecordAuditCheck.review_id)
        .where(
            RecordAuditCheck.record_audit_id.in_(audit_ids),
            RecordAuditCheck.checked_at.is_not(None),
        )
    )
    if service_ids is not None:
        checks = checks.where(Review.service_id.in_(service_ids or {-1}))
    checks = checks.execution_options(all_people=True)
    check_ids = [int(i) for i in session.scalars(checks)]
    figures.reviews_checked = len(check_ids)
    if not check_ids:
        return figures
    for item, answer, count in session.execute(
        select(RecordAuditAnswer.item, RecordAuditAnswer.answer, func.count(RecordAuditAnswer.id))
        .where(RecordAuditAnswer.check_id.in_(check_ids))
        .group_by(RecordAuditAnswer.item, RecordAuditAnswer.answer)
    ):
        counts = figures.items.setdefault(item, ItemCounts())
        name = {"met": "met", "not-met": "not_met", "n-a": "not_applicable"}[
            AuditAnswer(answer).value
        ]
        setattr(counts, name, getattr(counts, name) + int(count))
    day = on or today()
    for status, due_on in session.execute(
        select(RecordAuditFinding.status, RecordAuditFinding.due_on).where(
            RecordAuditFinding.check_id.in_(check_ids)
        )
    ):
        if status == FindingStatus.DONE:
            figures.findings_done += 1
        else:
            figures.findings_open += 1
            if due_on is not None and due_on < day:
                figures.findings_overdue += 1
    return figures


def audit_figures(
    session: Session, *, service_ids: set[int] | list[int] | None, start: date, end: date
) -> RecordAuditFigures:
    """The record audits of the months that overlap ``start`` to ``end`` (both included), over
    the reviews held in ``service_ids`` (None: every service): audits finished, reviews checked,
    each checklist item met / not met / not applicable, findings open and done. Counts only,
    nothing about anyone; the caller decides which services the reader may have."""
    ids = None if service_ids is None else {int(i) for i in service_ids}
    audit_ids = [
        int(i)
        for i in session.scalars(
            select(RecordAudit.id).where(
                RecordAudit.month <= end, RecordAudit.month > start - timedelta(days=31)
            )
        )
    ]
    audit_ids = [
        i
        for i in audit_ids
        if next_month(session.get(RecordAudit, i).month) > start  # type: ignore[union-attr]
    ]
    figures = results(session, audit_ids, service_ids=ids)
    completed = select(RecordAudit.id).where(
        RecordAudit.id.in_(audit_ids or [-1]), RecordAudit.completed_at.is_not(None)
    )
    if ids is not None:
        completed = completed.where(
            RecordAudit.id.in_(
                select(RecordAuditCheck.record_audit_id)
                .join(Review, Review.id == RecordAuditCheck.review_id)
                .where(Review.service_id.in_(ids or {-1}))
            )
        )
    figures.audits_completed = len(
        list(session.scalars(completed.execution_options(all_people=True)))
    )
    return figures


def dashboard_figures(
    session: Session, viewer: User | None, *, start: date, end: date, service: str | None
) -> RecordAuditFigures:
    """The dashboard's figure: the period's audits over the service chosen by name, or over the
    viewer's services (every service for those who see all)."""
    ids = scope.service_ids_for(session, viewer)
    if service:
        found = scope.find_service(session, service)
        chosen = {found.id} if found is not None else set()
        ids = chosen if ids is None else chosen & ids
    return audit_figures(session, service_ids=ids, start=start, end=end)
