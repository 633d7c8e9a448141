"""The fixed vocabularies of the domain, as enums whose values are stored."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    STAFF = "staff"
    ADVOCATE = "advocate"


class SupporterRole(enum.StrEnum):
    FAMILY = "family"
    FRIEND = "friend"
    UNPAID_CARER = "unpaid-carer"
    CARE_ACT_ADVOCATE = "care-act-advocate"
    IMCA = "imca"
    IMHA = "imha"
    ATTORNEY = "attorney"
    DEPUTY = "deputy"


ADVOCATE_ROLES = frozenset(
    {SupporterRole.CARE_ACT_ADVOCATE, SupporterRole.IMCA, SupporterRole.IMHA}
)


class AuthorityKind(enum.StrEnum):
    LPA_HEALTH_WELFARE = "lpa-health-welfare"
    LPA_PROPERTY_FINANCE = "lpa-property-finance"
    DEPUTY_HEALTH_WELFARE = "deputy-health-welfare"
    DEPUTY_PROPERTY_FINANCE = "deputy-property-finance"


class AdvocateReason(enum.StrEnum):
    SUBSTANTIAL_DIFFICULTY_NO_APPROPRIATE_PERSON = "substantial-difficulty-no-appropriate-person"
    PERSON_ASKED = "person-asked"
    DISAGREEMENT_WITH_APPROPRIATE_PERSON = "disagreement-with-appropriate-person"
    OTHER = "other"


class ReviewKind(enum.StrEnum):
    FIRST = "first"
    PLANNED = "planned"
    UNPLANNED = "unplanned"


class ReviewStatus(enum.StrEnum):
    PLANNED = "planned"
    PERSON_IN_PROGRESS = "person-in-progress"
    PERSON_DONE = "person-done"  # confirmed by the person, or non-participation recorded
    CLOSED = "closed"


class CaptureMethod(enum.StrEnum):
    TAPPED = "tapped"  # the person tapped an answer
    TYPED = "typed"  # the person typed their own words
    SCRIBED = "scribed"  # the person said it, a named facilitator wrote it word for word
    INTERPRETED = "interpreted"  # a facilitator's reading of a non-verbal response


class Layer(enum.StrEnum):
    ADVOCATE = "advocate"
    FAMILY = "family"
    STAFF = "staff"


class ContributionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ConsentDecision(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_SURE = "not-sure"


class ConsentBasis(enum.StrEnum):
    PERSON = "person"  # the person's own choice
    BEST_INTERESTS = "best-interests"
    ATTORNEY = "attorney"
    DEPUTY = "deputy"


class DifferingRoute(enum.StrEnum):
    DISCUSSION = "discussion"
    JOINT_MEETING = "joint-meeting"
    BEST_INTERESTS = "best-interests"
    MANAGER_ESCALATION = "manager-escalation"
    ADVOCATE_REPORT = "advocate-report"
    SAFEGUARDING = "safeguarding"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    NOT_DONE = "not-done"


class NonParticipationReason(enum.StrEnum):
    DECLINED = "declined"
    UNWELL = "unwell"
    ASLEEP = "asleep"
    DISTRESSED = "distressed"
    NOT_AVAILABLE = "not-available"
    OTHER = "other"
