"""People supported and the people around them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import AdvocateReason, AuthorityKind, SupporterRole

DEFAULT_SETTINGS: dict[str, Any] = {
    "text_size": "large",  # normal | large | x-large
    "high_contrast": False,
    "reduced_motion": False,
    "choices_per_screen": 3,
    "speech": "on",  # off | on | autoplay
    "speech_rate": 135,
    "pictures": "pictures",  # pictures | photos
    # Moving on by itself after an answer (services/access.py): off unless staff switch it on
    # for the person (WCAG 2.2.1); then it waits this long, 3000-15000 ms, counting down.
    "auto_advance": False,
    "advance_delay_ms": 5000,
    # Access method (services/access.py): touch (and keyboard) | scan (one switch) | step (two)
    "access": "touch",
    "scan_rate_ms": 2000,  # how long the scan highlight stays on each thing: 750-5000
    "scan_rounds": 2,  # rounds without a press before scanning waits for one
    "scan_cue": False,  # say each thing as the highlight reaches it
    "switch_keys": "space-enter",  # the keys the switches send: step, then select
    "switch_tap": False,  # one switch: a tap anywhere on the screen is the switch
    "recording_seconds": 60,  # Say it (issue 24): how long one recording may be, 30-120
}


class Person(Base):
    """Someone whose care and support is reviewed."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    preferred_name: Mapped[str] = mapped_column(String(80))
    full_name: Mapped[str] = mapped_column(String(160))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    service: Mapped[str | None] = mapped_column(String(160), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # Accessible Information Standard: identify, record, flag, share, meet, review.
    communication_needs: Mapped[str | None] = mapped_column(Text)
    preferred_formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    communication_review_on: Mapped[date | None] = mapped_column(Date)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_SETTINGS))
    advocate_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    advocate_reason: Mapped[AdvocateReason | None] = mapped_column(str_enum(AdvocateReason))
    advocate_reason_detail: Mapped[str | None] = mapped_column(Text)
    # Care Act s67: which of the four areas the person would have substantial difficulty with.
    substantial_difficulty: Mapped[list[str]] = mapped_column(JSON, default=list)
    care_ended_on: Mapped[date | None] = mapped_column(Date)
    # Months from one review to the next for this person; None: the provider's interval.
    review_interval_months: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supporters: Mapped[list[Supporter]] = relationship(back_populates="person")

    def setting(self, key: str) -> Any:
        """A person-mode setting, falling back to the default."""
        return (self.settings or {}).get(key, DEFAULT_SETTINGS.get(key))


class Relationship(StrEnum):
    """Who a supporter is to the person, from a list the product can translate: the tablet
    reads it out to the person in their language. OTHER carries a note typed by staff."""

    MOTHER = "mother"
    FATHER = "father"
    PARENT = "parent"
    DAUGHTER = "daughter"
    SON = "son"
    CHILD = "child"
    SISTER = "sister"
    BROTHER = "brother"
    WIFE = "wife"
    HUSBAND = "husband"
    PARTNER = "partner"
    GRANDMOTHER = "grandmother"
    GRANDFATHER = "grandfather"
    GRANDCHILD = "grandchild"
    AUNT = "aunt"
    UNCLE = "uncle"
    NIECE = "niece"
    NEPHEW = "nephew"
    COUSIN = "cousin"
    FRIEND = "friend"
    NEIGHBOUR = "neighbour"
    CARER = "carer"
    ADVOCATE = "advocate"
    ATTORNEY = "attorney"
    DEPUTY = "deputy"
    OTHER = "other"


class Supporter(Base):
    """Family, friend, carer, advocate, attorney or deputy of a person."""

    __tablename__ = "supporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    # A Relationship value (older rows that do not match one are shown as typed).
    relationship_to_person: Mapped[str] = mapped_column(String(80))
    relationship_note: Mapped[str | None] = mapped_column(String(160))
    role: Mapped[SupporterRole] = mapped_column(str_enum(SupporterRole))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # How the 6-digit code of a family link reaches them (issue 18): "sms" (to their mobile),
    # "email" (a second email, apart from the link) or "phone" (staff read it out).
    code_by: Mapped[str] = mapped_column(String(10), default="phone", server_default="phone")
    language: Mapped[str] = mapped_column(String(10), default="en")
    # The supporter's own communication needs are covered by the AIS too.
    communication_needs: Mapped[str | None] = mapped_column(Text)
    # An advocate's account, when the supporter is an advocate who signs in.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Their involvement ended (``active`` is then False): when and why. What they contributed
    # stays, shown as from someone no longer involved.
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="supporters")
    authorities: Mapped[list[LegalAuthority]] = relationship(back_populates="supporter")


class LegalAuthority(Base):
    """An LPA or Court of Protection deputyship held by a supporter."""

    __tablename__ = "legal_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporters.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AuthorityKind] = mapped_column(str_enum(AuthorityKind))
    scope: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(80))
    registered_on: Mapped[date | None] = mapped_column(Date)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An authority that no longer stands (revoked, the attorney died, the order ended).
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supporter: Mapped[Supporter] = relationship(back_populates="authorities")


class InvolvementAgreement(Base):
    """How a supporter takes part, what they may see, and the escalation route."""

    __tablename__ = "involvement_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporters.id", ondelete="CASCADE"), index=True
    )
    involved_in: Mapped[list[str]] = mapped_column(JSON, default=list)
    may_see: Mapped[str | None] = mapped_column(Text)
    contact_preference: Mapped[str | None] = mapped_column(String(160))
    escalation_route: Mapped[str | None] = mapped_column(Text)
    person_agreed: Mapped[bool | None] = mapped_column(Boolean)
    person_agreed_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
