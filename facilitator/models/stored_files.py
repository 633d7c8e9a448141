"""Files kept about a person (photos of every size, recorded voices) as rows (issue 19).

The database is the default file store: every app instance sees the same files, and a file is
written in the same transaction as the row that points at it, so backup, restore, subject
access and erasure cover files and rows together. ``key`` is the file's name in the store
(``<photo stem>-<size>.jpg``, ``voices/<name>``: the names the upload folder used).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db import Base
from .base import UTCDateTime, utcnow


class StoredFile(Base):
    """One stored file: its bytes, what they are, and their SHA-256 (also the ETag)."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Loaded only when the bytes are needed (an ETag check reads the row without them).
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
