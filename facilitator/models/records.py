"""Layers, consent, links, differing views, actions, complaints and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import (
    ActionStatus,
    CaseStatus,
    ConsentBasis,
    ConsentDecision,
    ContributionStatus,
    DifferingRoute,
    Layer,
)
from .reviews import Response


class Contribution(Base):
    """One topic of one layer (advocate, family or staff) on a review.

    A submitted contribution is never edited: a later change is a new version that
    supersedes it.
    """

    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_review_layer", "review_id", "layer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    layer: Mapped[Layer] = mapped_column(str_enum(Layer))
    topic_id: Mapped[str | None] = mapped_column(String(60))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id"))
    status: Mapped[ContributionStatus] = mapped_column(
        str_enum(ContributionStatus), default=ContributionStatus.DRAFT
    )
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rating: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentToShare(Base):
    """Whether a supporter may see what the person said, and on what basis."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporters.id", ondelete="CASCADE"))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision))
    basis: Mapped[ConsentBasis] = mapped_column(str_enum(ConsentBasis))
    reason: Mapped[str | None] = mapped_column(Text)
    capture_method: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvitationLink(Base):
    """A link sent to a supporter. Only the SHA-256 of its token is stored."""

    __tablename__ = "invitation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporters.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    verifier_hash: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DifferingView(Base):
    """Where a supporter's view differs from the person's, and how it was resolved."""

    __tablename__ = "differing_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[str | None] = mapped_column(String(60))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    route: Mapped[DifferingRoute | None] = mapped_column(str_enum(DifferingRoute))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text)
    reasoning: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    response_due_on: Mapped[date | None] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


action_responses = Table(
    "action_responses",
    Base.metadata,
    Column("action_id", ForeignKey("outcome_actions.id", ondelete="CASCADE"), primary_key=True),
    Column("response_id", ForeignKey("responses.id"), primary_key=True),
)


class OutcomeAction(Base):
    """What will happen, who will do it, by when, linked to what the person said."""

    __tablename__ = "outcome_actions"
    __table_args__ = (Index("ix_outcome_actions_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    plain_text: Mapped[str] = mapped_column(Text)
    easy_read_text: Mapped[str] = mapped_column(Text)
    picture: Mapped[str | None] = mapped_column(String(80))
    owner_name: Mapped[str] = mapped_column(String(160))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus), default=ActionStatus.PLANNED
    )
    not_done_reason: Mapped[str | None] = mapped_column(Text)
    # Required when the action answers none of the person's statements (e.g. a legal duty).
    no_link_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    responses: Mapped[list[Response]] = relationship(secondary=action_responses)


class Complaint(Base):
    """A complaint about how families or advocates are involved."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    raised_by: Mapped[str] = mapped_column(String(160))
    raised_by_role: Mapped[str | None] = mapped_column(String(80))
    about: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    acknowledge_by: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    ombudsman_route_stated: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class AuditEvent(Base):
    """An append-only, hash-chained log entry. Personal content is referenced, never copied."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    # A plain number, not a foreign key: entries outlive a person erased after retention.
    person_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row holding the chain's last hash; updating it serialises audit writers.

    Taking the row lock first means two transactions can never both extend the chain from
    the same entry, on SQLite (single writer) and on PostgreSQL (row lock until commit).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
