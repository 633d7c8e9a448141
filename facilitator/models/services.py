"""Services as records (issue 25): who belongs where, who leads safeguarding, and cover.

A provider runs several services (care homes, supported living, home care, a day service, a
community team). A person belongs to one service at a time (``PersonService``: a move ends one
row and starts another, so the history is kept); staff and managers belong to one or more
services (``StaffService``), or see all of them (``User.all_services``); a staff member covering
another service may open one person there for a while, with a reason (``CoverGrant``).

The rules over these tables live in ``services/scope.py``. ``Person.service`` (the old free
text) is kept in step with the name of the person's current service, for the labels and
exports that show it; the records here are what access is decided by.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow


class ServiceKind(enum.StrEnum):
    CARE_HOME = "care_home"
    SUPPORTED_LIVING = "supported_living"
    HOME_CARE = "home_care"
    DAY_SERVICE = "day_service"
    COMMUNITY_TEAM = "community_team"


class Service(Base):
    """One service of the provider: a care home, supported living, a day service ..."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind), default=ServiceKind.CARE_HOME)
    # The Care Quality Commission's location id, where the service is a registered location.
    cqc_location_id: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"


class PersonService(Base):
    """A person's time in one service: ``ended_on`` NULL is the current one (one at a time)."""

    __tablename__ = "person_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    service: Mapped[Service] = relationship()


class StaffService(Base):
    """A staff, manager or administrator account belongs to this service."""

    __tablename__ = "staff_services"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ServiceLead(Base):
    """A safeguarding lead of a service (a service may have several; one person may lead many)."""

    __tablename__ = "service_leads"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CoverGrant(Base):
    """A staff member covering another service may open one person there, for a while.

    Given with a reason, audited, shown to that service's managers; it lasts from ``starts_at``
    to ``ends_at`` (12 hours by default, the COVER_HOURS setting).
    """

    __tablename__ = "cover_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
