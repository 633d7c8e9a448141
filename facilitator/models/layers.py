"""The layers beside the person's own views (advocate, family, staff), and where one differs
from what the person said.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import (
    CaseStatus,
    ContributionStatus,
    DifferingRoute,
    Layer,
)


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
