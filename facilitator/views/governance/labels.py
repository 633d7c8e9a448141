"""Words for the governance area's stored values, in the page's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "area": {
        "planning": _l("planning their care and support"),
        "reviews": _l("reviews"),
        "day-to-day": _l("day-to-day support"),
    },
    "method": {
        "in-person": _l("in person"),
        "meeting": _l("at a meeting"),
        "phone": _l("by phone"),
        "video": _l("by video call"),
        "letter": _l("by letter"),
        "email": _l("by email"),
        "text-message": _l("by text message"),
    },
    "format": {
        "easy-read": _l("easy read"),
        "spoken": _l("spoken"),
        "pictures": _l("pictures"),
        "large-print": _l("large print"),
        "standard-print": _l("standard print"),
        "welsh": _l("Welsh"),
        "bsl": _l("British Sign Language"),
        "braille": _l("braille"),
        "interpreter": _l("with an interpreter"),
    },
    "route": {
        "discussion": _l("discussion"),
        "joint-meeting": _l("joint problem-solving meeting"),
        "best-interests": _l("best-interests process"),
        "manager-escalation": _l("escalation to a manager"),
        "advocate-report": _l("the advocate's formal report"),
        "safeguarding": _l("safeguarding referral"),
        "none": _l("no route chosen yet"),
    },
    "status": {
        "open": _l("open"),
        "resolved": _l("resolved"),
        "closed": _l("closed"),
        "cleared": _l("cleared"),
    },
    "age": {
        "under-2-weeks": _l("under 2 weeks"),
        "2-to-4-weeks": _l("2 to 4 weeks"),
        "4-to-8-weeks": _l("4 to 8 weeks"),
        "over-8-weeks": _l("over 8 weeks"),
    },
    "outcome-code": {
        "person-followed": _l("the person's view was followed"),
        "agreed-way": _l("a way was found that the person agreed to"),
        "best-interests-against": _l("a best-interests decision against the person's stated wish"),
        "supporter-followed": _l("a supporter's view was followed over the person's"),
        "unresolved": _l("unresolved"),
        "escalated": _l("escalated"),
        "none": _l("not coded"),
    },
    "followup": {
        "yes": _l("happened"),
        "partly": _l("partly happened"),
        "no": _l("did not happen"),
        "not-sure": _l("not sure"),
    },
    "action-status": {
        "planned": _l("planned"),
        "in-progress": _l("in progress"),
        "done": _l("done"),
        "not-done": _l("not done"),
    },
    "party": {
        "person": _l("the person"),
        "supporter": _l("supporter"),
        "staff": _l("staff"),
    },
    "decision-area": {
        "health-welfare": _l("health and welfare"),
        "property-finance": _l("property and financial affairs"),
    },
    "capacity": {
        "has-capacity": _l("has capacity for this decision"),
        "lacks-capacity": _l("lacks capacity for this decision"),
    },
    "test": {
        "understand": _l("Can they understand the information relevant to the decision?"),
        "retain": _l("Can they retain that information long enough to decide?"),
        "use_or_weigh": _l("Can they use or weigh that information as part of deciding?"),
        "communicate": _l("Can they communicate their decision, in any way?"),
    },
    "test-short": {
        "understand": _l("understand"),
        "retain": _l("retain"),
        "use_or_weigh": _l("use or weigh"),
        "communicate": _l("communicate"),
    },
    "consultee": {
        "attorney": _l("attorney"),
        "deputy": _l("Court of Protection deputy"),
        "family": _l("family member"),
        "friend": _l("friend"),
        "unpaid-carer": _l("unpaid carer"),
        "advocate": _l("advocate"),
        "imca": _l("IMCA"),
        "staff": _l("staff"),
        "other": _l("someone else"),
    },
    "standing": {
        "within-authority": _l(
            "Their view is the decision: it is within their recorded authority."
        ),
        "outside-authority": _l(
            "Their view, not a decision: this decision is outside their recorded authority."
        ),
        "authority-not-checked": _l(
            "Their view, not a decision, until their authority has been checked."
        ),
        "no-authority": _l("Their view, not a decision: they have no legal authority for it."),
    },
    "wish": {"past": _l("past wish"), "present": _l("present wish")},
    "flag-source": {
        "answer": _l("the person's answer"),
        "facilitator": _l("flagged by a facilitator"),
    },
    "safety-action": {
        "spoke-with-person": _l("spoke with the person"),
        "safeguarding-referral": _l("safeguarding referral made"),
        "no-further-action": _l("no further action"),
    },
    "subject": {
        "review-outcome": _l("the outcome of the review"),
        "differing-view": _l("a differing view"),
        "best-interests": _l("a best-interests decision"),
        "safeguarding": _l("a safeguarding decision"),
        "complaint": _l("a complaint"),
        "other": _l("something else"),
    },
    "recipient": {
        "person": _l("the person"),
        "supporter": _l("a supporter"),
        "other": _l("someone else"),
    },
    "gap": {
        "person-format": _l("not in easy read and spoken form"),
        "not-as-agreed": _l("not as their agreement says"),
        "no-agreement": _l("they have no involvement agreement"),
    },
    "complaint-topic": {
        "family-involvement": _l("how family or friends are involved"),
        "advocate-involvement": _l("how an advocate is involved"),
        "person-not-listened-to": _l("the person was not listened to"),
        "information-sharing": _l("what was shared, or with whom"),
        "other": _l("something else about involvement"),
    },
    "overdue": {
        "acknowledgement": _l("acknowledgement overdue"),
        "response": _l("response overdue"),
    },
    "answer": {
        "yes": _l("Yes, this is OK"),
        "no": _l("No"),
        "not-sure": _l("Not sure"),
    },
    "section": {
        "peoples-experience": _l("People's experience"),
        "feedback": _l("Feedback"),
        "processes": _l("Processes"),
        "outcomes": _l("Outcomes"),
    },
    "figure": {
        "reviews-held": _l("Reviews held"),
        "person-first": _l("Reviews with the person's views captured first and confirmed by them"),
        "person-confirmed": _l("Reviews confirmed by the person"),
        "non-participation": _l("Reviews where it is recorded why the person could not take part"),
        "capture": _l("How the person's views were captured"),
        "no-family-with-advocate": _l("People without family or friends who had an advocate"),
        "needing-advocate": _l("People needing an advocate who have none (now)"),
        "complaints-received": _l("Complaints about involvement received"),
        "complaints-open": _l("Complaints open (now)"),
        "complaints-overdue": _l("Complaints overdue (now)"),
        "communications": _l("Decisions communicated (records of who was told)"),
        "supporter-contributions": _l("Contributions by supporter"),
        "supporter-differing": _l("Differing views by supporter"),
        "differing-opened": _l("Differing views opened, by route"),
        "differing-resolved": _l("Differing views resolved, by route"),
        "differing-open-age": _l("Differing views open now, by age"),
        "advocate-reports-overdue": _l(
            "Advocates' formal reports waiting past their response date"
        ),
        "safety-flags-raised": _l("Safety flags raised"),
        "safety-flags-cleared": _l("Safety flags cleared with a recorded decision"),
        "safety-flags-open": _l("Safety flags open (now)"),
        "agreements-due": _l("Involvement agreements due for review (now)"),
        "supporters-without-agreement": _l("Supporters without an involvement agreement (now)"),
        "audit-entries": _l("Audit entries"),
        "actions": _l("Outcome actions"),
        "actions-linked": _l("Actions linked to the person's own words"),
        "actions-with-reason": _l("Actions with a stated reason for no link"),
        "actions-overdue": _l("Actions overdue (now)"),
    },
}


def label(kind: str, value: Any) -> Any:
    """The words for ``value`` of ``kind``, or the value itself when unknown (typed text)."""
    if value is None:
        return ""
    return LABELS.get(kind, {}).get(str(value), value)
