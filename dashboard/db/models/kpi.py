"""Counters the KPIs of design §5 are computed from (derived; never edited by people).

Event counters are maintained incrementally: each service that places, ships or cancels a line,
revises a promise, completes a purchase order or takes a notify-me request adds its deltas to
these rows in its own transaction (``dashboard.services.kpis.events``).
``backorder-desk refresh --kpis`` rebuilds every table from the base tables
(``dashboard.services.kpis.rebuild``); the two must agree, and a test holds them to it.

Rows are keyed by UTC day plus the breakdown dimensions. ``supplier_id`` is the product's primary
supplier when the event happened (``0`` when it has none), so it is a plain integer rather than a
foreign key: a unique key with NULLs in it would not deduplicate on either database.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.db.base import Base

MONEY = Numeric(16, 2, asdecimal=False)


class _Keyed:
    """The breakdown every per-day KPI table is keyed by (``day`` first: date ranges are index ranges)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    category: Mapped[str] = mapped_column(String(80))
    supplier_id: Mapped[int] = mapped_column(Integer)


class _LineCounters(_Keyed):
    lines_ordered: Mapped[int] = mapped_column(Integer, default=0)
    units_ordered: Mapped[int] = mapped_column(Integer, default=0)
    revenue_ordered: Mapped[float] = mapped_column(MONEY, default=0.0)
    lines_first_pass: Mapped[int] = mapped_column(Integer, default=0)
    units_first_pass: Mapped[int] = mapped_column(Integer, default=0)
    lines_backordered: Mapped[int] = mapped_column(Integer, default=0)
    units_backordered: Mapped[int] = mapped_column(Integer, default=0)
    lines_shipped: Mapped[int] = mapped_column(Integer, default=0)
    units_shipped: Mapped[int] = mapped_column(Integer, default=0)
    revenue_shipped: Mapped[float] = mapped_column(MONEY, default=0.0)
    cogs_shipped: Mapped[float] = mapped_column(MONEY, default=0.0)
    shipped_on_time_original: Mapped[int] = mapped_column(Integer, default=0)
    shipped_on_time_current: Mapped[int] = mapped_column(Integer, default=0)
    backorders_shipped: Mapped[int] = mapped_column(Integer, default=0)
    backorder_wait_days: Mapped[int] = mapped_column(Integer, default=0)
    lines_cancelled: Mapped[int] = mapped_column(Integer, default=0)
    backorders_cancelled: Mapped[int] = mapped_column(Integer, default=0)


class KpiDaily(_LineCounters, Base):
    """Order-line events per (day, warehouse, category, supplier).

    Which day a counter lands on is part of its meaning: ``lines_*`` ordered/backordered/first-pass
    count on the order day (a cohort); shipped and on-time counts on the ship day; cancellations on
    the cancel day.
    """

    __tablename__ = "kpi_daily"
    __table_args__ = (UniqueConstraint("day", "warehouse_id", "category", "supplier_id"),)


class KpiWeekly(_LineCounters, Base):
    """``kpi_daily`` summed per ISO week (``day`` is the Monday), kept with it in the same transaction.

    A quarter's KPIs read 13 rows per breakdown here instead of 91: pages use a week's row when the
    whole week lies inside the range and is closed, and the daily rows for the edges.
    """

    __tablename__ = "kpi_weekly"
    __table_args__ = (UniqueConstraint("day", "warehouse_id", "category", "supplier_id"),)


class KpiCauseDaily(Base):
    """Promise revisions per (day, warehouse, category, supplier, cause): the delay-cause Pareto."""

    __tablename__ = "kpi_cause_daily"
    __table_args__ = (UniqueConstraint("day", "warehouse_id", "category", "supplier_id", "cause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    category: Mapped[str] = mapped_column(String(80))
    supplier_id: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(24))
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    # Days the revisions pushed promises out (earlier promises subtract).
    days_added: Mapped[int] = mapped_column(Integer, default=0)


class _StockCounters(_Keyed):
    sku_days: Mapped[int] = mapped_column(Integer, default=0)
    sku_days_out: Mapped[int] = mapped_column(Integer, default=0)
    units_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    inventory_value: Mapped[float] = mapped_column(MONEY, default=0.0)
    # Σ demand rate × price over the SKUs out of stock that day (lost-sales estimate).
    lost_sales_value: Mapped[float] = mapped_column(MONEY, default=0.0)
    open_backorder_lines: Mapped[int] = mapped_column(Integer, default=0)
    open_backorder_units: Mapped[int] = mapped_column(Integer, default=0)
    open_backorder_value: Mapped[float] = mapped_column(MONEY, default=0.0)


class KpiStockDaily(_StockCounters, Base):
    """End-of-day stock and backlog per (day, warehouse, category, supplier), for closed days only.

    Written when a day is closed (``kpis.events.close_days``): the state at the end of day D is
    today's state minus every change stamped after D, so a day can be closed late and still be right.
    """

    __tablename__ = "kpi_stock_daily"
    __table_args__ = (UniqueConstraint("day", "warehouse_id", "category", "supplier_id"),)


class KpiStockWeekly(_StockCounters, Base):
    """``kpi_stock_daily`` summed per ISO week (``day`` is the Monday): SKU-days, stock-days, backlog-days."""

    __tablename__ = "kpi_stock_weekly"
    __table_args__ = (UniqueConstraint("day", "warehouse_id", "category", "supplier_id"),)


class KpiSupplierDaily(Base):
    """Completed purchase orders per (day received, supplier, warehouse, delay in days).

    The delay is part of the key so the scorecard's P80 comes from a histogram, not from the POs.
    """

    __tablename__ = "kpi_supplier_daily"
    __table_args__ = (
        UniqueConstraint("day", "supplier_id", "warehouse_id", "delay_days"),
        Index(None, "supplier_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    # Day received minus the ETA the PO carried when it was placed (negative: early).
    delay_days: Mapped[int] = mapped_column(Integer)
    pos: Mapped[int] = mapped_column(Integer, default=0)
    pos_on_time: Mapped[int] = mapped_column(Integer, default=0)
    pos_revised: Mapped[int] = mapped_column(Integer, default=0)
    lead_days: Mapped[float] = mapped_column(Float, default=0.0)
    lead_days_sq: Mapped[float] = mapped_column(Float, default=0.0)
    units_ordered: Mapped[int] = mapped_column(Integer, default=0)
    units_on_time: Mapped[int] = mapped_column(Integer, default=0)
    # Confirmations through the supplier's link, counted on the day they arrive (delay_days 0):
    # how many, days from sending to confirming (summed), how many confirmed the date sent with.
    pos_confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirm_days: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    pos_confirmed_as_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class KpiNotifyDaily(Base):
    """Notify-me requests per (day, category, supplier): demand the shop could not take.

    Subscriptions are per product, not per warehouse, so this table has no warehouse.
    """

    __tablename__ = "kpi_notify_daily"
    __table_args__ = (UniqueConstraint("day", "category", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(80))
    supplier_id: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float] = mapped_column(MONEY, default=0.0)


KPI_TABLES = (KpiDaily, KpiWeekly, KpiCauseDaily, KpiStockDaily, KpiStockWeekly, KpiSupplierDaily, KpiNotifyDaily)
# Each daily table with a weekly rollup, and the rollup.
WEEKLY = {KpiDaily: KpiWeekly, KpiStockDaily: KpiStockWeekly}
