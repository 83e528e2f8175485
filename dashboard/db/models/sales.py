"""Sales history: lines customers bought, brought in from a shop or ERP by the ``sales`` import."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.db.base import Base, UTCDateTime


class SalesLine(Base):
    """One sold line of history: demand that happened, nothing more.

    A sales line never reserves stock, never waits in an allocation queue and never moves on
    hand; the open orders Backorder Desk serves are ``order_line`` rows, and on hand is the sum
    of ``stock_movement``. Readers of demand take sums per (product, warehouse, day)::

        SELECT product_id, warehouse_id, sold_on, SUM(qty), SUM(returned_qty)
        FROM sales_line WHERE sold_on BETWEEN :first AND :last
        GROUP BY product_id, warehouse_id, sold_on

    which ``ix_sales_line_product_id`` (product, warehouse, day, qty, returned_qty) answers from
    the index alone.

    Columns:

    - ``sold_at``: when the customer ordered (UTC); ``sold_on`` is its UTC day, the day the demand
      counts on (days are UTC days everywhere, as in the KPI tables).
    - ``qty``: units sold (≥ 1). ``returned_qty``: units of this line the customer sent back
      (0 ≤ returned ≤ qty). A return is not a line of its own and never negative demand: gross
      demand is ``qty``, net demand ``qty - returned_qty``, on the day of the sale.
    - ``shipped_at``, ``channel`` (the source system's word, e.g. ``web`` or ``pos``),
      ``unit_price`` and ``customer_ref`` (customer number or e-mail) are what the file said, or NULL.
    - ``source`` and ``imported_at``: the file and time of the import that wrote the line as it is.

    The natural key, unique in the database: ``(order_number, product, warehouse)`` for a line of
    a numbered order; ``(product, warehouse, sold_at)`` for a line without order number (such
    rows of one file are added up into one line), so importing the same file again finds every
    line and changes nothing.
    """

    __tablename__ = "sales_line"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("returned_qty >= 0 AND returned_qty <= qty", name="returned_within_qty"),
        # Demand per (product, warehouse, day) over a window, read from the index alone.
        Index(None, "product_id", "warehouse_id", "sold_on", "qty", "returned_qty"),
        Index(
            "uq_sales_line_order_line",
            "order_number",
            "product_id",
            "warehouse_id",
            unique=True,
            sqlite_where=text("order_number IS NOT NULL"),
            postgresql_where=text("order_number IS NOT NULL"),
        ),
        Index(
            "uq_sales_line_unnumbered",
            "product_id",
            "warehouse_id",
            "sold_at",
            unique=True,
            sqlite_where=text("order_number IS NULL"),
            postgresql_where=text("order_number IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    order_number: Mapped[str | None] = mapped_column(String(32))
    sold_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sold_on: Mapped[dt.date] = mapped_column(Date)
    qty: Mapped[int] = mapped_column(Integer)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(32))
    unit_price: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))
    customer_ref: Mapped[str | None] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SalesPeriod(Base):
    """Units sold by a SKU in a warehouse over a period: history for systems that only keep totals.

    Written by the ``sales_periods`` import. ``period_end`` is the period's last day (inclusive),
    so a month is ``[2026-03-01, 2026-03-31]`` and a period's length is ``end - start + 1`` days.
    ``qty`` is the units sold in the whole period (≥ 0: a period with no sales is history too).
    ``days_out_of_stock`` (0 … length, or NULL when the file did not say) are days of the period
    the SKU could not be sold, so a demand rate can leave them out.

    The periods of one (product, warehouse) never overlap: the import refuses a period that
    overlaps a stored one other than identically (an identical one replaces the stored total),
    so summing a pair's periods never counts a day twice. The database does not enforce it (that
    takes a range-exclusion constraint, which only PostgreSQL has). Readers of demand take::

        SELECT product_id, warehouse_id, period_start, period_end, qty, days_out_of_stock
        FROM sales_period WHERE period_end >= :first

    which ``ix_sales_period_product_id`` (product, warehouse, period_end) serves per pair.
    ``source`` and ``imported_at``: the file and time of the import that wrote the total as it is.
    """

    __tablename__ = "sales_period"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id", "period_start", "period_end"),
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        CheckConstraint("period_end >= period_start", name="end_not_before_start"),
        # The upper bound (the period's length) is checked by the import: date arithmetic differs per backend.
        CheckConstraint("days_out_of_stock IS NULL OR days_out_of_stock >= 0", name="days_out_not_negative"),
        Index(None, "product_id", "warehouse_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    qty: Mapped[int] = mapped_column(Integer)
    days_out_of_stock: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
