"""A family member's session by link, held on the server (issue 21, item 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


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
