"""A CSV file of people uploaded for import (issue 20), kept between its preview and confirm.

Only a file with no problem is kept (a file with problems is shown with them and dropped);
confirming writes its people through the people service and stamps ``confirmed_at`` and
``people_created``, so a file is imported at most once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


class PeopleImport(Base):
    """One uploaded file of people: its text, who sent it, and whether it was confirmed."""

    __tablename__ = "people_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    row_count: Mapped[int] = mapped_column(Integer)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    people_created: Mapped[int | None] = mapped_column(Integer)
