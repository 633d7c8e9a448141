"""Pages every provider must publish (accessibility statement, privacy notices), as edited by
an administrator, and where a complaint made by the person or a family member came from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


class PublishedPage(Base):
    """An administrator's text of one published page in one language.

    A page with no row here shows the product's own text (services/published.py), so a new
    provider publishes something true from the first day. ``version`` guards two editors.
    """

    __tablename__ = "published_pages"
    __table_args__ = (UniqueConstraint("slug", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ComplaintSource(Base):
    """A complaint the person made on the tablet, or a family member through their link.

    ``client_token`` is the one-time token of the form it was sent from: a second tap of Send
    (or the same form sent again) finds this row instead of making a second complaint.
    """

    __tablename__ = "complaint_sources"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(20))  # "person-tablet" or "family-link"
    client_token: Mapped[str] = mapped_column(String(64), unique=True)
    supporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supporters.id", ondelete="SET NULL"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation_links.id", ondelete="SET NULL")
    )
    tablet_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
