"""Customer communication: the notification outbox and notify-me subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.db.base import Base, UTCDateTime, code_enum, utcnow
from dashboard.domain.codes import NotificationStatus, SubscriptionStatus


class Notification(Base):
    """One message to one recipient; the idempotency key makes redelivery safe."""

    __tablename__ = "notification"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "order_line_id"),
        Index(None, "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    status: Mapped[NotificationStatus] = mapped_column(code_enum(NotificationStatus, "notification_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Files sent with the message: [{filename, content_type, text}] (a purchase order's CSV and HTML).
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class NotificationLine(Base):
    """An order line a notice tells about: one notice per customer order per event covers all its lines."""

    __tablename__ = "notification_line"
    __table_args__ = (Index(None, "order_line_id"),)

    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"), primary_key=True)
    # The event for this line (``promise_revised:42:2026-12-10``): the same line and event never go out twice.
    line_key: Mapped[str] = mapped_column(String(128), unique=True)


class RestockSubscription(Base):
    """A shopper's "notify me when it is back" request."""

    __tablename__ = "restock_subscription"
    __table_args__ = (Index(None, "product_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[SubscriptionStatus] = mapped_column(code_enum(SubscriptionStatus, "subscription_status"))
