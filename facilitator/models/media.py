"""Photos uploaded by staff for a person (issue 7: pictures and photos).

The image files live outside the static folder under a random stem (``file_stem``); each
size the pages use is a separate re-encoded file named ``<file_stem>-<size>.<ext>``. A photo is
only ever shown to those allowed to see its person, and only in that person's reviews and
outputs. ``stands_for`` is a picture key from ``easyread_assets/pictures.json`` (for example
"house" for the person's home): with the person's "photos" setting the photo replaces that
pictogram wherever a topic, prompt or choice uses it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .base import UTCDateTime, utcnow
from .people import Person


class Photo(Base):
    """A photo of something in a person's life, with alt text; soft-removed, never edited."""

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_person_stands_for", "person_id", "stands_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # The address part: random, so ids cannot be guessed or counted from a URL.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    alt_text: Mapped[str] = mapped_column(Text)
    # What it shows, in a few words for staff lists ("Ann's flat, front door").
    label: Mapped[str] = mapped_column(String(120))
    # A picture key the photo stands for ("house", "staff", "work"...), or none.
    stands_for: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # Random file name stem in the upload folder; the sizes add "-thumb.jpg" and so on.
    file_stem: Mapped[str] = mapped_column(String(64), unique=True)
    # "jpeg" or "png" (photos with transparency keep it as PNG).
    file_format: Mapped[str] = mapped_column(String(10), default="jpeg")
    byte_size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship()

    @property
    def removed(self) -> bool:
        """True once soft-removed: no longer shown or served."""
        return self.removed_at is not None
