"""Facts about the installation itself (which dataset this is, when jobs last ran)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.db.base import Base, UTCDateTime, utcnow

DEMO_DATASET_KEY = "demo_dataset"


class AppSetting(Base):
    """A named JSON value; e.g. ``demo_dataset`` marks a database built by ``backorder-desk demo``."""

    __tablename__ = "app_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
