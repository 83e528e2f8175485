"""Customers, their orders and the promises made to them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.db.base import Base, UTCDateTime, code_enum
from dashboard.domain.codes import CauseCode, Channel, CustomerPriority, LineStatus


class Customer(Base):
    """Someone who orders; VIPs go ahead of others in the allocation queue."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    priority: Mapped[CustomerPriority] = mapped_column(code_enum(CustomerPriority, "customer_priority"))


class SalesOrder(Base):
    """A customer order; its lines carry the stock state."""

    __tablename__ = "sales_order"
    __table_args__ = (Index(None, "customer_id"), Index(None, "ordered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[Channel] = mapped_column(code_enum(Channel, "channel"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    ordered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order")


class OrderLine(Base):
    """One product on an order, and the promise made for it while it waits.

    ``warehouse_id`` is the fulfilling warehouse. It starts as the order's warehouse but is
    kept on the line so each (product, warehouse) allocation queue is one index lookup.
    """

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_allocated >= 0 AND qty_allocated <= qty", name="allocated_within_qty"),
        CheckConstraint("qty_shipped >= 0 AND qty_shipped <= qty", name="shipped_within_qty"),
        CheckConstraint("status <> 'backordered' OR promised_date IS NOT NULL", name="backorder_has_promise"),
        Index(None, "order_id"),
        Index(None, "status", "product_id", "warehouse_id"),
        Index(None, "product_id", "warehouse_id", "status"),
        Index(None, "promised_date"),
        # Closing a KPI day counts the backlog open at its end.
        Index(None, "backordered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    qty: Mapped[int] = mapped_column(Integer)
    qty_allocated: Mapped[int] = mapped_column(Integer, default=0)
    qty_shipped: Mapped[int] = mapped_column(Integer, default=0)
    unit_price: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    status: Mapped[LineStatus] = mapped_column(code_enum(LineStatus, "line_status"))
    backordered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    original_promised_date: Mapped[dt.date | None] = mapped_column(Date)
    promised_date: Mapped[dt.date | None] = mapped_column(Date)
    promise_revision_count: Mapped[int] = mapped_column(Integer, default=0)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A manager's pin moves a line ahead of VIP and order time; lower pins go first.
    priority_pin: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    order: Mapped[SalesOrder] = relationship(back_populates="lines")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PromiseRevision(Base):
    """A changed promised date on a line, and the ETA revision that caused it (if any)."""

    __tablename__ = "promise_revision"
    __table_args__ = (Index(None, "order_line_id"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    old_date: Mapped[dt.date | None] = mapped_column(Date)
    new_date: Mapped[dt.date] = mapped_column(Date)
    cause: Mapped[CauseCode] = mapped_column(code_enum(CauseCode, "promise_cause"))
    eta_revision_id: Mapped[int | None] = mapped_column(ForeignKey("eta_revision.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContactLog(Base):
    """A support contact with a waiting customer about one line."""

    __tablename__ = "contact_log"
    __table_args__ = (Index(None, "order_line_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
