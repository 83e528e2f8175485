"""Imports: saved column mappings, and uploaded files waiting for (or done with) their import job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.db.base import Base, UTCDateTime, utcnow


class ImportMapping(Base):
    """A named ``{our_field: their_column}`` mapping for one import kind (names are unique per kind)."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(80))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportUpload(Base):
    """A file uploaded on /import, kept in the database until its import job has run.

    The database, not a local directory, holds it, so whichever web or job worker picks the job
    up can read it. The token is the only handle the browser gets; the uploader's user id is
    checked on every use, and uploads older than a day are purged.
    """

    __tablename__ = "import_upload"
    __table_args__ = (Index(None, "created_at"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # uploaded → running → done | failed
    state: Mapped[str] = mapped_column(String(16), default="uploaded")
    kind: Mapped[str | None] = mapped_column(String(24))
    # What the import did (counts and the first refused rows) and the whole refused-rows CSV.
    summary: Mapped[dict | None] = mapped_column(JSON)
    rejected_csv: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
