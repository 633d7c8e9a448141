"""Sharing with a supporter: consent to share what the person said, the link sent to them, and
a family member's session by that link, held on the server (issue 21, item 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, str_enum, utcnow
from .enums import ConsentBasis, ConsentDecision


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


class FamilySession(Base):
    """One browser's use of one link, so that finishing, revoking or a time limit ends it.

    The cookie carries only ``public_id``; ending the row (``revoked_at``) makes any copy of
    that cookie worthless, as signing out does for staff (``UserSession``).
    """

    __tablename__ = "family_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("invitation_links.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The code (or email address) sent separately was entered in this session.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
