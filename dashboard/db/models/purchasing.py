"""Inbound supply: purchase orders, their lines and every change to their ETA."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.db.base import Base, UTCDateTime, code_enum
from dashboard.domain.codes import CauseCode, POStatus


class PurchaseOrder(Base):
    """An order to a supplier for one warehouse; ``eta`` is the current expected arrival."""

    __tablename__ = "purchase_order"
    __table_args__ = (Index(None, "status", "eta"), Index(None, "supplier_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    ordered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    eta: Mapped[dt.date] = mapped_column(Date)
    # The ETA the supplier gave when the PO was placed; revisions move ``eta``, never this.
    # The supplier scorecard measures delay and on-time receipt against it.
    original_eta: Mapped[dt.date | None] = mapped_column(Date, default=lambda ctx: ctx.get_current_parameters()["eta"])
    # The supplier confirmed the date; only confirmed ETAs justify taking backorders.
    eta_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[POStatus] = mapped_column(code_enum(POStatus, "po_status"))
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Who drafted it in the product (NULL: placed outside it), who sent it and when, when the supplier confirmed.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The date the supplier confirmed on its link (NULL: not confirmed through the product).
    confirmed_eta: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[POLine]] = relationship(back_populates="purchase_order")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class POLine(Base):
    """One product on a purchase order."""

    __tablename__ = "po_line"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_received >= 0 AND qty_received <= qty", name="received_within_qty"),
        Index(None, "po_id"),
        Index(None, "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int] = mapped_column(Integer)
    qty_received: Mapped[int] = mapped_column(Integer, default=0)
    # Units received on or before the PO's original ETA (the supplier's fill rate).
    qty_received_on_time: Mapped[int] = mapped_column(Integer, default=0)
    # Cross-dock lines go straight to waiting orders and never become shelf stock.
    cross_dock: Mapped[bool] = mapped_column(Boolean, default=False)
    last_received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The unit cost agreed on this line (from the product-supplier row when drafted); NULL: unknown.
    unit_cost: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")


class EtaRevision(Base):
    """A change of a PO's expected arrival, with its cause (feeds the delay-cause Pareto)."""

    __tablename__ = "eta_revision"
    __table_args__ = (Index(None, "po_id"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"))
    old_eta: Mapped[dt.date] = mapped_column(Date)
    new_eta: Mapped[dt.date] = mapped_column(Date)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    cause: Mapped[CauseCode] = mapped_column(code_enum(CauseCode, "eta_cause"))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
