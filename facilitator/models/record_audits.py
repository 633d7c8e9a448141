"""The monthly record audit (issue 20): a random sample of closed reviews, checked by a second
manager against a checklist; what is not met becomes a finding with an owner and a due date.

- ``RecordAudit``: the month, the services, who started it, the seed and the reviews it was
  drawn from (so the sample can be drawn again and shown to be the same), when it was finished.
- ``RecordAuditCheck``: one sampled review, in the order drawn; who checked it and when.
- ``RecordAuditAnswer``: one checklist item of one check: met, not met or not applicable, with
  the checker's note.
- ``RecordAuditFinding``: an item not met, tracked to done: owner, due date, what was done.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow


class AuditAnswer(enum.StrEnum):
    MET = "met"
    NOT_MET = "not-met"
    NOT_APPLICABLE = "n-a"


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class RecordAudit(Base):
    """One month's audit of decision records for one or more services."""

    __tablename__ = "record_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month audited
    service_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    sample_size: Mapped[int] = mapped_column(Integer)
    # The closed reviews the sample was drawn from, in id order, and the seed: with them the
    # same sample is drawn again (services/governance/record_audit.draw).
    pool_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    seed: Mapped[str] = mapped_column(String(64))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class RecordAuditCheck(Base):
    """One review in an audit's sample, and its check by the second manager."""

    __tablename__ = "record_audit_checks"
    __table_args__ = (UniqueConstraint("record_audit_id", "review_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_audit_id: Mapped[int] = mapped_column(
        ForeignKey("record_audits.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the order it was drawn in, from 1
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecordAuditAnswer(Base):
    """One checklist item of one check."""

    __tablename__ = "record_audit_answers"
    __table_args__ = (UniqueConstraint("check_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(
        ForeignKey("record_audit_checks.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(40))
    answer: Mapped[AuditAnswer] = mapped_column(str_enum(AuditAnswer))
    note: Mapped[str | None] = mapped_column(Text)


class RecordAuditFinding(Base):
    """A checklist item not met: an action with an owner and a due date, tracked to done."""

    __tablename__ = "record_audit_findings"
    __table_args__ = (Index("ix_record_audit_findings_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_audit_id: Mapped[int] = mapped_column(
        ForeignKey("record_audits.id", ondelete="CASCADE"), index=True
    )
    check_id: Mapped[int] = mapped_column(
        ForeignKey("record_audit_checks.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(40))
    what: Mapped[str] = mapped_column(Text)  # what is missing (the checker's note)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[FindingStatus] = mapped_column(
        str_enum(FindingStatus), default=FindingStatus.OPEN
    )
    done_note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
