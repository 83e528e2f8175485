"""Tables the system computes (never edited by people); pages read these to stay fast."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.db.base import Base, UTCDateTime

MONEY = Numeric(14, 2, asdecimal=False)


class SkuMetrics(Base):
    """Replenishment numbers of design §3 for one (product, warehouse), with its flags.

    The product's display fields (SKU, name, category, warehouse code, primary supplier, sales
    status, unit cost) are copied in at refresh so the replenishment grid reads one table and
    sorts and counts on its own indexes. Whatever changes them (a status change, an import)
    updates these copies in the same transaction or triggers a refresh. ``sku``, ``product_name``
    and ``supplier_name`` also feed the trigram search index (migration 0004): on SQLite whatever
    rewrites them calls :func:`dashboard.db.text_search.rebuild_sku_metrics_search` in the same transaction.
    """

    __tablename__ = "sku_metrics"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id"),
        Index(None, "below_reorder_point", "warehouse_id"),
        Index(None, "below_safety_stock", "warehouse_id"),
        Index(None, "stocked_out", "warehouse_id"),
        Index(None, "demand_basis"),
        Index(None, "category"),
        Index(None, "supplier_id"),
        Index(None, "sku"),
        # The page's natural sorts: what runs out first, and what to order first.
        Index("ix_sku_metrics_warehouse_cover", "warehouse_id", "days_of_cover"),
        Index(None, "suggested_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    sku: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80))
    warehouse_code: Mapped[str | None] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    sales_status: Mapped[str | None] = mapped_column(String(24))
    unit_cost: Mapped[float | None] = mapped_column(MONEY)
    suggested_value: Mapped[float | None] = mapped_column(MONEY)
    avg_daily_demand: Mapped[float] = mapped_column(Float, default=0.0)
    demand_sd: Mapped[float] = mapped_column(Float, default=0.0)
    lead_time_days: Mapped[float] = mapped_column(Float, default=0.0)
    lead_time_sd: Mapped[float] = mapped_column(Float, default=0.0)
    abc_class: Mapped[str] = mapped_column(String(1), default="C")
    service_level: Mapped[float] = mapped_column(Float, default=0.9)
    safety_stock: Mapped[float] = mapped_column(Float, default=0.0)
    reorder_point: Mapped[float] = mapped_column(Float, default=0.0)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    on_order: Mapped[int] = mapped_column(Integer, default=0)
    # Units waiting customers are owed that no stock covers yet (unallocated waiting lines + owed without orders).
    owed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stock_position: Mapped[int] = mapped_column(Integer, default=0)
    days_of_cover: Mapped[float | None] = mapped_column(Float)
    projected_stockout_date: Mapped[dt.date | None] = mapped_column(Date)
    suggested_order_qty: Mapped[int] = mapped_column(Integer, default=0)
    below_reorder_point: Mapped[bool] = mapped_column(Boolean, default=False)
    below_safety_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    stocked_out: Mapped[bool] = mapped_column(Boolean, default=False)
    demand_spike: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the demand estimate rests on (DemandBasis: lines, short, periods, none) and how many days
    # of it: days of line history in the window, or in-stock days the period totals cover.
    demand_basis: Mapped[str] = mapped_column(String(8), default="lines", server_default="lines")
    history_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How the safety stock was found (dashboard/domain/lead_time_demand.py): normal, poisson,
    # negative_binomial or none.
    ss_method: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    # How the demand rate was forecast (dashboard/domain/forecast.py), the demand pattern it was
    # chosen for, and the chosen method's rolling-origin WAPE (NULL: nothing sold to score on).
    forecast_method: Mapped[str] = mapped_column(String(20), default="moving_average", server_default="moving_average")
    demand_pattern: Mapped[str] = mapped_column(String(12), default="smooth", server_default="smooth")
    forecast_wape: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SkuMetricsSummary(Base):
    """Counts and order value of ``sku_metrics`` per (warehouse, category, supplier, status).

    Written with ``sku_metrics`` at each refresh so the replenishment cards sum a few thousand
    rows instead of scanning every pair. An unknown category is keyed as
    :data:`dashboard.domain.unknown.NO_CATEGORY` (a NULL would not group).
    """

    __tablename__ = "sku_metrics_summary"
    __table_args__ = (Index(None, "warehouse_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    category: Mapped[str] = mapped_column(String(80))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    sales_status: Mapped[str] = mapped_column(String(24))
    pairs: Mapped[int] = mapped_column(Integer)
    below_reorder_point: Mapped[int] = mapped_column(Integer)
    below_safety_stock: Mapped[int] = mapped_column(Integer)
    stocked_out: Mapped[int] = mapped_column(Integer)
    suggested_units: Mapped[int] = mapped_column(Integer)
    suggested_value: Mapped[float] = mapped_column(MONEY)
    # Pairs whose demand rests on nothing (DemandBasis.NONE): listed, never a silent reorder point of 0.
    no_history: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Pairs with a suggestion but no known unit cost: left out of ``suggested_value``, counted here.
    unpriced: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SkuMetricsExplain(Base):
    """The inputs and steps behind one pair's numbers, for the "why flagged" panel.

    Kept out of ``sku_metrics`` so the grid's scans and sorts read narrow rows.
    """

    __tablename__ = "sku_metrics_explain"
    __table_args__ = (UniqueConstraint("product_id", "warehouse_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    explain: Mapped[dict[str, Any]] = mapped_column(JSON)


class BackorderTriage(Base):
    """One waiting order line as support triages it: queue position, projected ship window, last contact.

    Rebuilt from the allocation-queue projection at each metrics refresh, and per queue in the same
    transaction as any action that changes a queue (a cancellation). Dates that the severity score
    and the aging buckets compare with "today" are also stored as day numbers (days since
    1970-01-01), so "days past promise" or "age" is plain integer arithmetic in any database and
    today's value is always computed at query time, never stored stale.
    """

    __tablename__ = "backorder_triage"
    __table_args__ = (
        Index(None, "warehouse_id", "promised_day"),
        Index(None, "promised_day"),
        Index(None, "backordered_day"),
        Index(None, "product_id", "warehouse_id"),
        Index(None, "customer_id"),
        Index(None, "sku"),
        # "Customers waiting on this PO" (inbound, supplier scorecard) looks lines up by their covering PO.
        Index(None, "covering_po_id"),
    )

    # The order line's id: one row per waiting line.
    id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="CASCADE"), primary_key=True)
    order_number: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(String(200))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    warehouse_code: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    customer_name: Mapped[str] = mapped_column(String(200))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(Integer)
    qty_waiting: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(MONEY)
    backordered_on: Mapped[dt.date] = mapped_column(Date)
    backordered_day: Mapped[int] = mapped_column(Integer)
    original_promised_date: Mapped[dt.date | None] = mapped_column(Date)
    promised_date: Mapped[dt.date] = mapped_column(Date)
    promised_day: Mapped[int] = mapped_column(Integer)
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    queue_position: Mapped[int] = mapped_column(Integer)
    queue_length: Mapped[int] = mapped_column(Integer)
    covering_po_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id", ondelete="SET NULL"))
    covering_po_number: Mapped[str | None] = mapped_column(String(32))
    covering_eta: Mapped[dt.date | None] = mapped_column(Date)
    # "stock" when units on hand cover it, "po" for a receipt, "none" when no known supply does.
    covered_by: Mapped[str] = mapped_column(String(8))
    covered_qty: Mapped[int] = mapped_column(Integer, default=0)
    ship_p50: Mapped[dt.date | None] = mapped_column(Date)
    ship_p80: Mapped[dt.date | None] = mapped_column(Date)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    last_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_notice_kind: Mapped[str | None] = mapped_column(String(32))
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_contact_outcome: Mapped[str | None] = mapped_column(String(32))
    # Day of the last contact, or of the backorder when nobody has been in touch yet.
    quiet_since_day: Mapped[int] = mapped_column(Integer)
    # The parts of the severity score that do not move with the calendar (value, VIP, revisions, risk).
    base_score: Mapped[float] = mapped_column(Float, default=0.0)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StatusAdvice(Base):
    """The sales-status policy's recommendation per product, and the mismatch with its current status.

    Rebuilt at each metrics refresh and, for the products concerned, in the same transaction as
    any change that moves it (a status change, an ETA revision), so the "status mismatches" list
    and the backorder cap read one small table.
    """

    __tablename__ = "status_advice"
    __table_args__ = (Index(None, "has_mismatch"),)

    # The product's id: one row per product.
    id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80))
    current_status: Mapped[str] = mapped_column(String(24))
    recommended_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(400))
    available: Mapped[int] = mapped_column(Integer, default=0)
    waiting_units: Mapped[int] = mapped_column(Integer, default=0)
    backorderable: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.date | None] = mapped_column(Date)
    window_end: Mapped[dt.date | None] = mapped_column(Date)
    has_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    mismatch: Mapped[str | None] = mapped_column(String(500))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
