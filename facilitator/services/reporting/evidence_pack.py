"""The evidence pack (issue 20): what a registered manager hands a commissioner or an inspector.

For a period and a service (or every service the manager sees: the session is limited to the
viewer's people by ``services/scope.py``), one pack of sections, each under the CQC quality
statement it evidences (the single assessment framework's own names), with counts only: no
names, no words of anyone's, nothing that points at a person. Small numbers are hidden by
``small_numbers`` when the pack is written out (PDF, CSV and JSON alike), never here, so a test
can check every true figure.

Sections are built by :data:`SECTION_BUILDERS`, a list of functions from a :class:`PackContext`
to a :class:`PackSection` (or None to leave the section out): adding a section is one function
and one line in that list.

One module over 400 lines because it is one thing: the pack's sections, each a short function
reading the same context, with the figures' words beside them (as ``dashboard.py`` is for the
dashboard). The person's own pack is ``person_pack.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    ADVOCATE_ROLES,
    Complaint,
    Contribution,
    ContributionStatus,
    Layer,
    Person,
    SafetyDecision,
    SafetyFlag,
    Service,
    SupporterRole,
)
from .. import ServiceError
from ..governance import today
from ..governance.complaints import detail_for as complaint_detail
from ..governance.record_audit import audit_figures, item_words
from ..reviews.current import not_superseded
from . import dashboard
from .dashboard import FAMILY_ROLES, Period
from .outcomes import TREND_FIGURES, against_persons_view, did_it_happen, quarterly_trends

# --- the CQC's quality statements ---------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A quality statement of the CQC single assessment framework, under its key question.

    ``name`` is the CQC's own wording (translated for the Welsh pack); ``english`` stays as the
    CQC wrote it, for the CSV and JSON, so a reader's software can match it."""

    key: str
    key_question: Any
    name: Any
    english: str


KEY_QUESTIONS = {
    "safe": _l("Safe"),
    "effective": _l("Effective"),
    "caring": _l("Caring"),
    "responsive": _l("Responsive"),
    "well-led": _l("Well-led"),
}
STATEMENTS: dict[str, Statement] = {
    s.key: s
    for s in (
        Statement(
            "person-centred-care",
            KEY_QUESTIONS["responsive"],
            _l("Person-centred care"),
            "Person-centred care",
        ),
        Statement(
            "listening-and-involving",
            KEY_QUESTIONS["responsive"],
            _l("Listening to and involving people"),
            "Listening to and involving people",
        ),
        Statement(
            "independence-choice-control",
            KEY_QUESTIONS["caring"],
            _l("Independence, choice and control"),
            "Independence, choice and control",
        ),
        Statement("safeguarding", KEY_QUESTIONS["safe"], _l("Safeguarding"), "Safeguarding"),
        Statement(
            "monitoring-outcomes",
            KEY_QUESTIONS["effective"],
            _l("Monitoring and improving outcomes"),
            "Monitoring and improving outcomes",
        ),
        Statement(
            "governance",
            KEY_QUESTIONS["well-led"],
            _l("Governance, management and sustainability"),
            "Governance, management and sustainability",
        ),
        Statement(
            "learning-culture", KEY_QUESTIONS["safe"], _l("Learning culture"), "Learning culture"
        ),
        Statement(
            "learning-improvement",
            KEY_QUESTIONS["well-led"],
            _l("Learning, improvement and innovation"),
            "Learning, improvement and innovation",
        ),
    )
}

# --- the pack -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackFigure:
    """One count, with what it is out of (``whole``) when it is a share.

    ``figure`` and ``breakdown`` are stable ids (for the CSV and JSON); ``label`` and
    ``breakdown_label`` are the words, in the pack's language when written out."""

    figure: str
    label: Any
    value: int
    whole: int | None = None
    breakdown: str = ""
    breakdown_label: Any = ""


@dataclass
class PackSection:
    key: str
    statement: Statement
    title: Any
    about: Any
    figures: list[PackFigure] = field(default_factory=list)


@dataclass
class Pack:
    period: Period
    service_label: str | None  # the service chosen, or None for every service the viewer sees
    as_of: date
    made_at: datetime
    sections: list[PackSection]

    def rows(self) -> list[tuple[PackSection, PackFigure]]:
        return [(s, f) for s in self.sections for f in s.figures]

    def value(self, figure: str, breakdown: str = "") -> PackFigure:
        """One figure by its ids (for tests and checks); KeyError when not in the pack."""
        for _section, f in self.rows():
            if f.figure == figure and f.breakdown == breakdown:
                return f
        raise KeyError((figure, breakdown))


@dataclass
class PackContext:
    """What every section builder may use: one dashboard, built once, for the period."""

    session: Session
    period: Period
    as_of: date
    service_ids: set[int] | None  # None: every service (those who see all)

    @cached_property
    def dashboard(self) -> dashboard.Dashboard:
        return dashboard.build(self.session, self.period, as_of=self.as_of)

    @cached_property
    def held(self) -> list[int]:
        """The ids of the reviews held in the period (the dashboard's own definition)."""
        return sorted(row.id for row in self.session.execute(dashboard._held(self.period)))


Builder = Callable[[PackContext], PackSection | None]

# --- the words shared by sections ---------------------------------------------------------------

CAPTURE_WORDS = {
    "tapped": _l("tapped by the person"),
    "typed": _l("typed by the person"),
    "scribed": _l("said by the person, written down word for word"),
    "interpreted": _l("a facilitator's reading of a non-verbal response"),
}
ROUTE_WORDS = {
    "discussion": _l("discussion"),
    "joint-meeting": _l("joint problem-solving meeting"),
    "best-interests": _l("best-interests process"),
    "manager-escalation": _l("escalation to a manager"),
    "advocate-report": _l("the advocate's formal report"),
    "safeguarding": _l("safeguarding referral"),
    "none": _l("no route chosen yet"),
}
AGE_WORDS = {
    "under-2-weeks": _l("under 2 weeks"),
    "2-to-4-weeks": _l("2 to 4 weeks"),
    "4-to-8-weeks": _l("4 to 8 weeks"),
    "over-8-weeks": _l("over 8 weeks"),
}
SAFETY_ACTION_WORDS = {
    "spoke-with-person": _l("spoke with the person"),
    "safeguarding-referral": _l("safeguarding referral made"),
    "no-further-action": _l("no further action"),
}
# Supporters by the kind of part they play (never one by one: the pack names nobody).
ROLE_GROUPS: dict[str, tuple[Any, frozenset[SupporterRole]]] = {
    "family-and-friends": (_l("family, friends and unpaid carers"), FAMILY_ROLES),
    "advocates": (_l("independent advocates"), ADVOCATE_ROLES),
    "legal-authority": (
        _l("attorneys and deputies"),
        frozenset({SupporterRole.ATTORNEY, SupporterRole.DEPUTY}),
    ),
}


def role_group(role: SupporterRole | str) -> str:
    for key, (_words, roles) in ROLE_GROUPS.items():
        if role in roles:
            return key
    return "legal-authority"  # pragma: no cover - every role is in a group


# --- the sections -------------------------------------------------------------------------------


def reviews_section(ctx: PackContext) -> PackSection:
    d = ctx.dashboard
    figures = [
        PackFigure("reviews-held", _l("Reviews held"), d.reviews_held),
        PackFigure(
            "person-first",
            _l("Reviews with the person's views captured first and confirmed by them"),
            d.person_first.part,
            d.person_first.whole,
        ),
        PackFigure(
            "person-confirmed",
            _l("Reviews confirmed by the person"),
            d.person_confirmed,
            d.reviews_held,
        ),
        PackFigure(
            "non-participation",
            _l("Reviews where it is recorded why the person could not take part"),
            d.non_participation,
            d.reviews_held,
        ),
    ]
    total = sum(d.capture.values())
    figures += _by(
        "capture", _l("How the person's views were captured"), d.capture, CAPTURE_WORDS, total
    )
    return PackSection(
        "reviews",
        STATEMENTS["person-centred-care"],
        _l("The person's own voice in their reviews"),
        _l(
            "Reviews held in the period, counted on the day the person's session took place, "
            "and how the person's own views were captured."
        ),
        figures,
    )


def involvement_section(ctx: PackContext) -> PackSection:
    d, session = ctx.dashboard, ctx.session
    layers: dict[Layer, set[int]] = {Layer.FAMILY: set(), Layer.ADVOCATE: set()}
    for chunk in dashboard._chunks(ctx.held):
        for review_id, layer in session.execute(
            select(Contribution.review_id, Contribution.layer)
            .where(
                Contribution.review_id.in_(chunk),
                Contribution.status == ContributionStatus.SUBMITTED,
                Contribution.layer.in_([Layer.FAMILY, Layer.ADVOCATE]),
                not_superseded(Contribution),
            )
            .distinct()
        ):
            layers[Layer(layer)].add(review_id)
    held = len(ctx.held)
    figures = [
        PackFigure(
            "reviews-with-family",
            _l("Reviews where family or friends added their views"),
            len(layers[Layer.FAMILY]),
            held,
        ),
        PackFigure(
            "reviews-with-advocate",
            _l("Reviews where an advocate added their layer"),
            len(layers[Layer.ADVOCATE]),
            held,
        ),
        PackFigure(
            "no-family-with-advocate",
            _l("People without family or friends who had an advocate"),
            d.no_family_with_advocate.part,
            d.no_family_with_advocate.whole,
        ),
        PackFigure(
            "needing-advocate",
            _l("People needing an advocate who have none (now)"),
            len(d.needing_advocate),
        ),
    ]
    supporters: Counter[str] = Counter()
    contributions: Counter[str] = Counter()
    differing: Counter[str] = Counter()
    for p in d.supporters:
        group = role_group(p.supporter.role)
        supporters[group] += 1 if p.contributions else 0
        contributions[group] += p.contributions
        differing[group] += p.differing
    for key, (words, _roles) in ROLE_GROUPS.items():
        figures.append(
            PackFigure(
                "supporters-contributing",
                _l("Supporters who contributed, by their part"),
                supporters[key],
                None,
                key,
                words,
            )
        )
    for key, (words, _roles) in ROLE_GROUPS.items():
        figures.append(
            PackFigure(
                "supporter-contributions",
                _l("Contributions by supporters, by their part"),
                contributions[key],
                None,
                key,
                words,
            )
        )
    for key, (words, _roles) in ROLE_GROUPS.items():
        figures.append(
            PackFigure(
                "supporter-differing",
                _l("Contributions that differed from the person's view, by supporters' part"),
                differing[key],
                contributions[key],
                key,
                words,
            )
        )
    figures.append(
        PackFigure(
            "communications",
            _l("Decisions communicated (records of who was told)"),
            d.communications,
        )
    )
    return PackSection(
        "involvement",
        STATEMENTS["listening-and-involving"],
        _l("Patterns of involvement"),
        _l(
            "Who took part in the reviews held in the period besides the person, and how "
            "often a supporter's view differed from the person's. Supporters are counted by "
            "the part they play, never named."
        ),
        figures,
    )


def _by(
    figure: str, label: Any, counts: dict[str, int], words: dict[str, Any], whole: int | None = None
) -> list[PackFigure]:
    """One figure broken down by a key (a route, an age band, a way of capturing): a row per
    key, named in words where the pack has them."""
    return [
        PackFigure(figure, label, n, whole, key, words.get(key, key)) for key, n in counts.items()
    ]


def differing_section(ctx: PackContext) -> PackSection:
    d = ctx.dashboard
    figures = _by(
        "differing-opened", _l("Differing views opened, by route"), d.differing_opened, ROUTE_WORDS
    )
    figures += _by(
        "differing-resolved",
        _l("Differing views resolved, by route"),
        d.differing_resolved,
        ROUTE_WORDS,
    )
    figures += _by(
        "differing-open-age",
        _l("Differing views open now, by age"),
        d.differing_open_by_age,
        AGE_WORDS,
    )
    figures.append(
        PackFigure(
            "advocate-reports-overdue",
            _l("Advocates' formal reports waiting past their response date"),
            d.reports_overdue,
        )
    )
    return PackSection(
        "differing-views",
        STATEMENTS["independence-choice-control"],
        _l("When a supporter's view differed from the person's"),
        _l("Differing views, the route each took, and how long those still open have waited."),
        figures,
    )


def complaints_section(ctx: PackContext) -> PackSection:
    d, session, period = ctx.dashboard, ctx.session, ctx.period
    query: Any = select(Complaint)
    if period.service:
        query = query.outerjoin(Person, Person.id == Complaint.person_id).where(
            Person.service == period.service
        )
    received = list(
        session.scalars(
            query.where(Complaint.received_on >= period.start, Complaint.received_on <= period.end)
        )
    )
    acknowledged_in_time = sum(
        1
        for c in received
        if c.acknowledged_on is not None and c.acknowledged_on <= c.acknowledge_by
    )
    responded = list(
        session.scalars(
            query.where(
                Complaint.responded_on >= period.start, Complaint.responded_on <= period.end
            )
        )
    )
    responded_in_time = sum(
        1
        for c in responded
        if c.responded_on is not None
        and c.responded_on <= complaint_detail(session, c).response_due_on
    )
    figures = [
        PackFigure(
            "complaints-received", _l("Complaints about involvement received"), len(received)
        ),
        PackFigure(
            "complaints-acknowledged-in-time",
            _l("Complaints received in the period acknowledged within 3 working days"),
            acknowledged_in_time,
            len(received),
        ),
        PackFigure(
            "complaints-responded",
            _l("Complaints given a full response in the period"),
            len(responded),
        ),
        PackFigure(
            "complaints-responded-in-time",
            _l("Full responses given by the date due"),
            responded_in_time,
            len(responded),
        ),
        PackFigure("complaints-open", _l("Complaints open (now)"), d.complaints_open),
        PackFigure(
            "complaints-overdue",
            _l("Complaints overdue (now)"),
            d.complaints_overdue,
            d.complaints_open,
        ),
    ]
    return PackSection(
        "complaints",
        STATEMENTS["listening-and-involving"],
        _l("Complaints about involvement"),
        _l("How many complaints were received, and whether they were answered in time."),
        figures,
    )


def safeguarding_section(ctx: PackContext) -> PackSection:
    d, session, period = ctx.dashboard, ctx.session, ctx.period
    decisions = select(SafetyDecision.action, func.count(SafetyDecision.id)).join(
        SafetyFlag, SafetyFlag.id == SafetyDecision.flag_id
    )
    if period.service:
        decisions = decisions.join(Person, Person.id == SafetyFlag.person_id).where(
            Person.service == period.service
        )
    counts: dict[str, int] = dict(
        session.execute(
            decisions.where(
                SafetyDecision.acted_on >= period.start, SafetyDecision.acted_on <= period.end
            ).group_by(SafetyDecision.action)
        ).all()
    )
    figures = [
        PackFigure("safety-flags-raised", _l("Safety flags raised"), d.flags_raised),
        PackFigure(
            "safety-flags-cleared",
            _l("Safety flags cleared with a recorded decision"),
            d.flags_cleared,
        ),
        PackFigure("safety-flags-open", _l("Safety flags open (now)"), d.flags_open),
    ]
    figures += [
        PackFigure(
            "safety-decisions",
            _l("Decisions recorded about safety flags, by what was done"),
            int(counts.get(action, 0)),
            None,
            action,
            words,
        )
        for action, words in SAFETY_ACTION_WORDS.items()
    ]
    return PackSection(
        "safeguarding",
        STATEMENTS["safeguarding"],
        _l("Safety flags and what was decided"),
        _l(
            "Safety flags raised from the person's own answers or by a facilitator, and the "
            "decisions recorded about them. Counts only: no personal details."
        ),
        figures,
    )


def actions_section(ctx: PackContext) -> PackSection:
    d = ctx.dashboard
    return PackSection(
        "actions",
        STATEMENTS["monitoring-outcomes"],
        _l("Actions traced back to the person's words"),
        _l("Outcome actions written on the reviews held in the period."),
        [
            PackFigure("actions", _l("Outcome actions"), d.actions_total),
            PackFigure(
                "actions-linked",
                _l("Actions linked to the person's own words"),
                d.actions_linked.part,
                d.actions_linked.whole,
            ),
            PackFigure(
                "actions-with-reason",
                _l("Actions with a stated reason for no link"),
                d.actions_with_reason,
                d.actions_total,
            ),
            PackFigure(
                "actions-overdue", _l("Actions overdue (now)"), d.actions_overdue, d.actions_total
            ),
        ],
    )


def governance_section(ctx: PackContext) -> PackSection:
    d = ctx.dashboard
    return PackSection(
        "records",
        STATEMENTS["governance"],
        _l("Agreements and the audit trail"),
        _l("Involvement agreements kept up to date, and every change and look recorded."),
        [
            PackFigure(
                "agreements-due",
                _l("Involvement agreements due for review (now)"),
                d.agreements_due,
            ),
            PackFigure(
                "supporters-without-agreement",
                _l("Supporters without an involvement agreement (now)"),
                d.supporters_without_agreement,
            ),
            PackFigure("audit-entries", _l("Audit entries"), d.audit_entries),
        ],
    )


# --- sections from the outcome figures and the record audits (issue 20's other parts) ----------

OUTCOME_CODE_WORDS = {
    "person-followed": _l("the person's view was followed"),
    "agreed-way": _l("a way was found that the person agreed to"),
    "best-interests-against": _l("a best-interests decision against the person's stated wish"),
    "supporter-followed": _l("a supporter's view was followed over the person's"),
}
STAFF_STATUS_WORDS = {
    "planned": _l("planned"),
    "in-progress": _l("in progress"),
    "done": _l("done"),
    "not-done": _l("not done"),
}
TREND_WORDS: dict[str, Any] = {
    "reviews_held": _l("Reviews held"),
    "person_first": _l("Reviews with the person's views captured first and confirmed by them"),
    "person_confirmed": _l("Reviews confirmed by the person"),
    "non_participation": _l("Reviews where it is recorded why the person could not take part"),
    "actions": _l("Outcome actions"),
    "actions_linked": _l("Actions linked to the person's own words"),
    "actions_with_reason": _l("Actions with a stated reason for no link"),
    "differing_opened": _l("Differing views opened"),
    "differing_resolved": _l("Differing views resolved"),
    "complaints_received": _l("Complaints about involvement received"),
    "flags_raised": _l("Safety flags raised"),
    "flags_cleared": _l("Safety flags cleared with a recorded decision"),
    "communications": _l("Decisions communicated (records of who was told)"),
    "happened": _l("Actions the person says happened"),
    "not_answered": _l("Actions the person was not asked about at their next review"),
    "disagreements": _l("Actions where the person and staff disagree"),
    "against": _l("Decided differing views that went against the person's stated view"),
}


def did_it_happen_section(ctx: PackContext) -> PackSection:
    """The person's own "did it happen?" answers at their next review, beside staff's status."""

    d = did_it_happen(
        ctx.session, service_ids=ctx.service_ids, start=ctx.period.start, end=ctx.period.end
    )
    figures = [
        PackFigure(
            "did-it-happen",
            _l("Actions the person answered about at their next review, by their answer"),
            n,
            d.answered,
            key,
            words,
        )
        for key, n, words in (
            ("happened", d.happened, _l("happened")),
            ("partly", d.partly, _l("partly happened")),
            ("did-not", d.did_not, _l("did not happen")),
            ("not-sure", d.not_sure, _l("not sure")),
        )
    ]
    figures.append(
        PackFigure(
            "not-answered",
            _l("Actions the person was not asked about at their next review"),
            d.not_answered,
            d.asked,
        )
    )
    figures += [
        PackFigure(
            "staff-status",
            _l("Staff's own status for the same actions"),
            d.staff.get(status, 0),
            d.asked,
            status,
            words,
        )
        for status, words in STAFF_STATUS_WORDS.items()
    ]
    figures.append(
        PackFigure(
            "person-and-staff-disagree",
            _l("Actions where the person and staff disagree"),
            len(d.disagreements),
            d.answered,
        )
    )
    return PackSection(
        "did-it-happen",
        STATEMENTS["monitoring-outcomes"],
        _l("Did it happen? The person's own answer"),
        _l(
            "At their next review the person is asked whether each action happened. Their "
            "answers, beside staff's own status for the same actions."
        ),
        figures,
    )


def against_view_section(ctx: PackContext) -> PackSection:
    """How often decided outcomes went against the person's stated view, by supporters' role."""

    a = against_persons_view(
        ctx.session, service_ids=ctx.service_ids, start=ctx.period.start, end=ctx.period.end
    )
    total = a.total
    figures = [
        PackFigure(
            "against-persons-view",
            _l("Decided differing views that went against the person's stated view"),
            total.part,
            total.whole,
        )
    ]
    figures += [
        PackFigure(
            "outcome-code",
            _l("Decided differing views, by outcome"),
            a.codes.get(code, 0),
            total.whole,
            code,
            words,
        )
        for code, words in OUTCOME_CODE_WORDS.items()
    ]
    figures += [
        PackFigure("differing-unresolved", _l("Differing views closed unresolved"), a.unresolved),
        PackFigure("differing-escalated", _l("Differing views escalated"), a.escalated),
        PackFigure("differing-uncoded", _l("Differing views resolved without a code"), a.uncoded),
    ]
    by_group: dict[str, list[int]] = {key: [0, 0] for key in ROLE_GROUPS}
    for row in a.by_role:
        counts = by_group[role_group(row.role)]
        counts[0] += row.against
        counts[1] += row.decided
    figures += [
        PackFigure(
            "against-by-supporters-part",
            _l("Went against the person's view, of the decided views supporters were party to"),
            against,
            decided,
            key,
            ROLE_GROUPS[key][0],
        )
        for key, (against, decided) in by_group.items()
    ]
    return PackSection(
        "against-persons-view",
        STATEMENTS["independence-choice-control"],
        _l("Outcomes that went against the person's stated view"),
        _l(
            "Differing views decided in the period, by how they ended: the signal of "
            "dependency or control. Supporters are counted by the part they play, never named; "
            "a view with supporters of two parts counts once for each."
        ),
        figures,
    )


def record_audit_section(ctx: PackContext) -> PackSection:
    """The monthly audits of decision records: checklist results and their findings."""

    r = audit_figures(
        ctx.session, service_ids=ctx.service_ids, start=ctx.period.start, end=ctx.period.end
    )
    figures = [
        PackFigure("record-audits-completed", _l("Record audits finished"), r.audits_completed),
        PackFigure("records-checked", _l("Review records checked"), r.reviews_checked),
    ]
    figures += [
        PackFigure(
            "checklist-met",
            _l("Checklist items met, of those that applied"),
            counts.met,
            counts.met + counts.not_met,
            key,
            item_words(key),
        )
        for key, counts in r.items.items()
    ]
    figures += [
        PackFigure("findings-open", _l("Findings still open"), r.findings_open),
        PackFigure("findings-overdue", _l("Findings past their due date"), r.findings_overdue),
        PackFigure("findings-done", _l("Findings done"), r.findings_done),
    ]
    return PackSection(
        "record-audits",
        STATEMENTS["governance"],
        _l("Audits of decision records"),
        _l(
            "A random sample of closed reviews each month, checked by a second manager against "
            "a checklist; each item not met becomes a finding with an owner."
        ),
        figures,
    )


def trends_section(ctx: PackContext) -> PackSection:
    """The main figures for each of the last 8 quarters up to the end of the period."""

    quarters = quarterly_trends(ctx.session, service_ids=ctx.service_ids, as_of=ctx.period.end)
    figures = []
    for attribute, is_share in TREND_FIGURES:
        for q in quarters:
            value = getattr(q, attribute)
            figures.append(
                PackFigure(
                    f"trend-{attribute.replace('_', '-')}",
                    TREND_WORDS.get(attribute, attribute),
                    value.part if is_share else value,
                    value.whole if is_share else None,
                    q.start.isoformat(),
                    q.label,
                )
            )
    return PackSection(
        "trends",
        STATEMENTS["learning-improvement"],
        _l("Trends: the last 8 quarters"),
        _l("The main figures for each calendar quarter, the latest up to the end of the period."),
        figures,
    )


SECTION_BUILDERS: list[Builder] = [
    reviews_section,
    involvement_section,
    complaints_section,
    differing_section,
    safeguarding_section,
    actions_section,
    did_it_happen_section,
    against_view_section,
    governance_section,
    record_audit_section,
]
# Sections a manager asks for by name: the trends cost eight quarters' figures (about 9 s for
# 1,000 people on this machine, docs in bench/run.py), so the pack leaves them out unless asked.
OPTIONAL_BUILDERS: dict[str, Builder] = {"trends": trends_section}


def service_ids_of(
    session: Session, period: Period, viewer_ids: set[int] | None
) -> set[int] | None:
    """The services the pack covers, as ids (for sections that count by ``Review.service_id``):
    the one chosen, else the viewer's (None: every service)."""
    if period.service:
        return set(session.scalars(select(Service.id).where(Service.name == period.service)))
    return viewer_ids


def build(
    session: Session,
    period: Period,
    *,
    service_ids: set[int] | None = None,
    as_of: date | None = None,
    builders: list[Builder] | None = None,
    extras: tuple[str, ...] = (),
) -> Pack:
    """The pack for ``period``: every section, and the optional ones named in ``extras``."""
    ctx = PackContext(
        session, period, as_of or today(), service_ids_of(session, period, service_ids)
    )
    chosen = [*(builders or SECTION_BUILDERS), *(OPTIONAL_BUILDERS[name] for name in extras)]
    sections = [s for b in chosen if (s := b(ctx)) is not None]
    return Pack(period, period.service, ctx.as_of, datetime.now(UTC), sections)


# --- the pack's language ------------------------------------------------------------------------

PACK_LANGUAGES = ("en", "cy")


def pack_language(value: str | None) -> str:
    """The language the pack is written in: English unless Welsh is asked for."""
    value = (value or "").strip() or "en"
    if value not in PACK_LANGUAGES:
        raise ServiceError(_l("Choose English or Welsh for the pack."))
    return value
