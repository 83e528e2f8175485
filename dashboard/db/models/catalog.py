"""Where stock lives and what it is: warehouses, suppliers, products and stock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.db.base import Base, UTCDateTime, code_enum, utcnow
from dashboard.domain.codes import MovementKind, SalesStatus, Substitutability

MONEY = Numeric(12, 2, asdecimal=False)


class Warehouse(Base):
    """A stocking location."""

    __tablename__ = "warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class Supplier(Base):
    """A vendor we buy from; its quoted lead time is the fallback when history is thin.

    Country and quoted lead time may be unknown (NULL): a supplier set up from a snapshot that names
    no more than a code. A link imported without a lead time takes the supplier's quoted one, so a
    supplier without one needs a lead time on each of its links (see ``imports/catalog.py``).
    """

    __tablename__ = "supplier"
    # 0 days is same-day supply (a local wholesaler), not an error.
    __table_args__ = (CheckConstraint("quoted_lead_time_days >= 0", name="lead_time_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    quoted_lead_time_days: Mapped[int | None] = mapped_column(Integer)


class Product(Base):
    """A SKU and what the shop currently says about its availability.

    Only the SKU is certain: a snapshot may bring nothing else. A NULL name, category, price or cost
    is *unknown* (:mod:`dashboard.domain.unknown` says how it is shown and grouped); no sum of prices
    or costs ever counts it as 0.
    """

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("unit_cost >= 0", name="cost_not_negative"),
        CheckConstraint("max_backorder_days IS NULL OR max_backorder_days > 0", name="max_wait_positive"),
        Index(None, "sales_status"),
        Index(None, "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80))
    unit_price: Mapped[float | None] = mapped_column(MONEY)
    unit_cost: Mapped[float | None] = mapped_column(MONEY)
    substitutability: Mapped[Substitutability] = mapped_column(code_enum(Substitutability, "substitutability"))
    sales_status: Mapped[SalesStatus] = mapped_column(code_enum(SalesStatus, "sales_status"))
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Per-SKU override of how long a customer may be asked to wait (design §4; default 21 days).
    max_backorder_days: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    suppliers: Mapped[list[ProductSupplier]] = relationship(back_populates="product")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


class ProductSupplier(Base):
    """Who can supply a product and on what terms; several per product is diversification."""

    __tablename__ = "product_supplier"
    __table_args__ = (
        UniqueConstraint("product_id", "supplier_id"),
        CheckConstraint("moq >= 1", name="moq_positive"),
        CheckConstraint("pack_size >= 1", name="pack_positive"),
        Index(None, "supplier_id"),
        # Covers "the product's primary supplier", which every KPI breakdown by supplier joins on.
        Index("ix_product_supplier_primary", "product_id", "is_primary", "supplier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    quoted_lead_time_days: Mapped[int] = mapped_column(Integer)
    moq: Mapped[int] = mapped_column(Integer, default=1)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    # NULL: this supplier's cost is unknown (a link from a snapshot that has no costs).
    unit_cost: Mapped[float | None] = mapped_column(MONEY)

    product: Mapped[Product] = relationship(back_populates="suppliers")
    supplier: Mapped[Supplier] = relationship()


class StockLevel(Base):
    """On-hand and reserved stock of one product in one warehouse, plus manual overrides."""

    __tablename__ = "stock_level"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0 AND allocated <= on_hand", name="allocated_within_on_hand"),
        CheckConstraint("owed_without_orders >= 0", name="owed_without_orders_not_negative"),
        CheckConstraint("in_transit >= 0", name="in_transit_not_negative"),
        CheckConstraint(
            "service_level_override IS NULL OR (service_level_override > 0 AND service_level_override < 1)",
            name="service_level_range",
        ),
        Index(None, "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    # Units owed to waiting customers with no order lines behind them (a snapshot's "on backorder"
    # total, a negative stock count): they count against the stock position like waiting lines do.
    owed_without_orders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Units on their way with no purchase order behind them (a snapshot's "in transit" column), and
    # when they are expected: the file's date, or the import day plus the supplier's lead time. The
    # stock position counts them as on order (design §3); the next snapshot replaces both.
    in_transit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    in_transit_eta: Mapped[dt.date | None] = mapped_column(Date)
    service_level_override: Mapped[float | None] = mapped_column(Float)
    safety_stock_override: Mapped[int | None] = mapped_column(Integer)
    reorder_point_override: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the SKU started being stocked here; the stockout KPI counts SKU-days from then on.
    # NULL for rows older than this column: they count from the start of history.
    created_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    product: Mapped[Product] = relationship()
    warehouse: Mapped[Warehouse] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class StockMovement(Base):
    """Append-only stock history; the sum of a (product, warehouse)'s quantities is its on hand."""

    __tablename__ = "stock_movement"
    # ``at`` alone: closing a KPI day subtracts every movement stamped after it.
    __table_args__ = (Index(None, "product_id", "warehouse_id", "at"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    quantity: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MovementKind] = mapped_column(code_enum(MovementKind, "movement_kind"))
    reference: Mapped[str | None] = mapped_column(String(64))
