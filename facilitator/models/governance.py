"""Governance records beside the core ones: the person's answer to an involvement agreement,
the parties to a differing view, Mental Capacity Act records, safety flags, decisions
communicated and complaint timings.

The core tables (involvement_agreements, differing_views, complaints) are extended by 1:1
detail tables rather than altered, so that this area migrates on its own.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import CaptureMethod, CaseStatus, ConsentDecision


class PartyKind(enum.StrEnum):
    PERSON = "person"
    SUPPORTER = "supporter"
    STAFF = "staff"


class OutcomeCode(enum.StrEnum):
    """How a differing view ended, coded beside the written outcome (issue 20).

    Only ``BEST_INTERESTS_AGAINST`` and ``SUPPORTER_FOLLOWED`` went against the person's stated
    view; ``UNRESOLVED`` and ``ESCALATED`` are not a decision about it either way.
    """

    PERSON_FOLLOWED = "person-followed"  # the person's view was followed
    AGREED_WAY = "agreed-way"  # a way was found that the person agreed to
    BEST_INTERESTS_AGAINST = "best-interests-against"  # with the capacity record
    SUPPORTER_FOLLOWED = "supporter-followed"  # a supporter's view over the person's
    UNRESOLVED = "unresolved"
    ESCALATED = "escalated"


AGAINST_PERSON = frozenset({OutcomeCode.BEST_INTERESTS_AGAINST, OutcomeCode.SUPPORTER_FOLLOWED})


class DecisionArea(enum.StrEnum):
    """Which kind of Lasting Power of Attorney or deputyship a decision falls under."""

    HEALTH_WELFARE = "health-welfare"
    PROPERTY_FINANCE = "property-finance"


class CapacityOutcome(enum.StrEnum):
    HAS_CAPACITY = "has-capacity"
    LACKS_CAPACITY = "lacks-capacity"


class ConsulteeRole(enum.StrEnum):
    ATTORNEY = "attorney"
    DEPUTY = "deputy"
    FAMILY = "family"
    FRIEND = "friend"
    UNPAID_CARER = "unpaid-carer"
    ADVOCATE = "advocate"
    IMCA = "imca"
    STAFF = "staff"
    OTHER = "other"


class WishTime(enum.StrEnum):
    PAST = "past"
    PRESENT = "present"


class FlagSource(enum.StrEnum):
    ANSWER = "answer"  # the person's answer to a prompt with a safeguarding marker
    FACILITATOR = "facilitator"  # a facilitator flagged the person's words


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    CLEARED = "cleared"


class SafetyAction(enum.StrEnum):
    SPOKE_WITH_PERSON = "spoke-with-person"
    SAFEGUARDING_REFERRAL = "safeguarding-referral"
    NO_FURTHER_ACTION = "no-further-action"


class CommunicationSubject(enum.StrEnum):
    REVIEW_OUTCOME = "review-outcome"
    DIFFERING_VIEW = "differing-view"
    BEST_INTERESTS = "best-interests"
    SAFEGUARDING = "safeguarding"
    COMPLAINT = "complaint"
    OTHER = "other"


class CommunicationMethod(enum.StrEnum):
    IN_PERSON = "in-person"
    MEETING = "meeting"
    PHONE = "phone"
    VIDEO = "video"
    LETTER = "letter"
    EMAIL = "email"
    TEXT_MESSAGE = "text-message"


class RecipientKind(enum.StrEnum):
    PERSON = "person"
    SUPPORTER = "supporter"
    OTHER = "other"


class ComplaintTopic(enum.StrEnum):
    FAMILY_INVOLVEMENT = "family-involvement"
    ADVOCATE_INVOLVEMENT = "advocate-involvement"
    PERSON_NOT_LISTENED_TO = "person-not-listened-to"
    INFORMATION_SHARING = "information-sharing"
    OTHER = "other"


class AgreementAnswer(Base):
    """The person's own answer, in easy read, to one version of an involvement agreement."""

    __tablename__ = "agreement_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("involvement_agreements.id", ondelete="CASCADE"), index=True
    )
    agreement_version: Mapped[int] = mapped_column(Integer)
    answer: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision))
    capture_method: Mapped[CaptureMethod] = mapped_column(str_enum(CaptureMethod))
    words: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DifferingViewDetail(Base):
    """What the register needs beyond the core differing-view row."""

    __tablename__ = "differing_view_details"

    differing_view_id: Mapped[int] = mapped_column(
        ForeignKey("differing_views.id", ondelete="CASCADE"), primary_key=True
    )
    # When it is about the person's wishes, the person is always one of the parties.
    about_wishes: Mapped[bool] = mapped_column(Boolean, default=True)
    decision_maker: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    report_received_on: Mapped[date | None] = mapped_column(Date)
    written_response_on: Mapped[date | None] = mapped_column(Date)
    route_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The outcome coded (issue 20); rows resolved before it stay NULL ("not coded").
    outcome_code: Mapped[OutcomeCode | None] = mapped_column(str_enum(OutcomeCode))
    # SUPPORTER_FOLLOWED: the supporter (a party to the view) whose view was followed.
    followed_supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id"))
    # BEST_INTERESTS_AGAINST: the capacity assessment (lacks capacity) the decision rests on.
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("capacity_assessments.id"))


class DifferingViewParty(Base):
    """One of the people whose views differ."""

    __tablename__ = "differing_view_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    differing_view_id: Mapped[int] = mapped_column(
        ForeignKey("differing_views.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind))
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    position: Mapped[str | None] = mapped_column(Text)  # staff's short summary of their view
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DifferingViewStatement(Base):
    """A link from a party to what they said: the person's response or a layered contribution."""

    __tablename__ = "differing_view_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(
        ForeignKey("differing_view_parties.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))


class CapacityAssessment(Base):
    """A decision-specific record of a Mental Capacity Act assessment (capacity is presumed)."""

    __tablename__ = "capacity_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    differing_view_id: Mapped[int | None] = mapped_column(ForeignKey("differing_views.id"))
    decision: Mapped[str] = mapped_column(Text)
    area: Mapped[DecisionArea] = mapped_column(str_enum(DecisionArea))
    doubt_reason: Mapped[str] = mapped_column(Text)
    steps_taken: Mapped[str] = mapped_column(Text)
    impairment: Mapped[str | None] = mapped_column(Text)
    understand: Mapped[bool] = mapped_column(Boolean)
    understand_note: Mapped[str | None] = mapped_column(Text)
    retain: Mapped[bool] = mapped_column(Boolean)
    retain_note: Mapped[str | None] = mapped_column(Text)
    use_or_weigh: Mapped[bool] = mapped_column(Boolean)
    use_or_weigh_note: Mapped[str | None] = mapped_column(Text)
    communicate: Mapped[bool] = mapped_column(Boolean)
    communicate_note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[CapacityOutcome] = mapped_column(str_enum(CapacityOutcome))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class BestInterestsRecord(Base):
    """The best-interests decision for someone who lacks capacity for that decision."""

    __tablename__ = "best_interests_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("capacity_assessments.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    past_wishes: Mapped[str | None] = mapped_column(Text)
    present_wishes: Mapped[str | None] = mapped_column(Text)
    beliefs_values: Mapped[str | None] = mapped_column(Text)
    less_restrictive: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    reasoning: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class BestInterestsWish(Base):
    """A link from a best-interests record to the person's own statement."""

    __tablename__ = "best_interests_wishes"
    __table_args__ = (UniqueConstraint("record_id", "response_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("best_interests_records.id", ondelete="CASCADE")
    )
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    period: Mapped[WishTime] = mapped_column(str_enum(WishTime))


class BestInterestsConsultee(Base):
    """Someone consulted for a best-interests decision, and what they said."""

    __tablename__ = "best_interests_consultees"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("best_interests_records.id", ondelete="CASCADE"), index=True
    )
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id"))
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[ConsulteeRole] = mapped_column(str_enum(ConsulteeRole))
    view: Mapped[str] = mapped_column(Text)
    consulted_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SafetyFlag(Base):
    """Raised at once when the person's answer or words suggest they may not be safe."""

    __tablename__ = "safety_flags"
    __table_args__ = (Index("ix_safety_flags_status_raised", "status", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), unique=True)
    review_prompt_id: Mapped[int | None] = mapped_column(ForeignKey("review_prompts.id"))
    source: Mapped[FlagSource] = mapped_column(str_enum(FlagSource))
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus), default=FlagStatus.OPEN)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SafetyDecision(Base):
    """What was done about a safety flag, by whom and when. Clearing a flag needs one."""

    __tablename__ = "safety_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(
        ForeignKey("safety_flags.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[SafetyAction] = mapped_column(str_enum(SafetyAction))
    detail: Mapped[str] = mapped_column(Text)
    referral_to: Mapped[str | None] = mapped_column(String(200))
    referral_reference: Mapped[str | None] = mapped_column(String(80))
    clears: Mapped[bool] = mapped_column(Boolean, default=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acted_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Communication(Base):
    """Who was told about an outcome or decision, when, how and in what format."""

    __tablename__ = "communications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), index=True)
    subject: Mapped[CommunicationSubject] = mapped_column(str_enum(CommunicationSubject))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    recipient_kind: Mapped[RecipientKind] = mapped_column(str_enum(RecipientKind))
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id"))
    recipient_name: Mapped[str | None] = mapped_column(String(160))
    told_on: Mapped[date] = mapped_column(Date)
    method: Mapped[CommunicationMethod] = mapped_column(str_enum(CommunicationMethod))
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintDetail(Base):
    """What a complaint about involvement is about, and when the full response is due."""

    __tablename__ = "complaint_details"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[ComplaintTopic] = mapped_column(str_enum(ComplaintTopic))
    response_due_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


__all__ = [
    "AGAINST_PERSON",
    "AgreementAnswer",
    "BestInterestsConsultee",
    "BestInterestsRecord",
    "BestInterestsWish",
    "CapacityAssessment",
    "CapacityOutcome",
    "Communication",
    "CommunicationMethod",
    "CommunicationSubject",
    "ComplaintDetail",
    "ComplaintTopic",
    "ConsulteeRole",
    "DecisionArea",
    "DifferingViewDetail",
    "DifferingViewParty",
    "DifferingViewStatement",
    "FlagSource",
    "FlagStatus",
    "OutcomeCode",
    "PartyKind",
    "RecipientKind",
    "SafetyAction",
    "SafetyDecision",
    "SafetyFlag",
    "WishTime",
]
