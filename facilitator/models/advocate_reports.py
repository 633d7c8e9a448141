"""An advocate's formal report, filed in Facilitator, and the written response to it (issue 17).

A report row is never edited once filed: more words from the advocate while the report waits
for its response are a new row (an addendum, ``addendum_to_id``). The response is a row of its
own, written once by staff.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


class AdvocateReport(Base):
    """One formal report (or an addendum to one) by the person's assigned advocate."""

    __tablename__ = "advocate_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    differing_view_id: Mapped[int | None] = mapped_column(
        ForeignKey("differing_views.id", ondelete="SET NULL")
    )
    addendum_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("advocate_reports.id", ondelete="CASCADE"), index=True
    )
    supporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supporters.id", ondelete="SET NULL")
    )
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))  # as it stood when filed
    body: Mapped[str] = mapped_column(Text)
    # The attached file, in the file store under this key (services/media/storage.py).
    file_stem: Mapped[str | None] = mapped_column(String(200))
    upload_name: Mapped[str | None] = mapped_column(String(200))
    upload_type: Mapped[str | None] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_on: Mapped[date] = mapped_column(Date)
    # The written-response clock (a report's; an addendum shares its report's).
    response_due_on: Mapped[date | None] = mapped_column(Date)


class AdvocateReportResponse(Base):
    """The written response to an advocate's formal report, written once by staff."""

    __tablename__ = "advocate_report_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("advocate_reports.id", ondelete="CASCADE"), unique=True
    )
    body: Mapped[str] = mapped_column(Text)
    written_on: Mapped[date] = mapped_column(Date)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
