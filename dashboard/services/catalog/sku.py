"""Everything the /sku/<sku> page shows about one product, read in one short session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.models import (
    Customer,
    OrderLine,
    POLine,
    Product,
    ProductSupplier,
    PurchaseOrder,
    RestockSubscription,
    SalesOrder,
    SkuMetrics,
    SkuMetricsExplain,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from dashboard.db.queries import line_is_waiting, po_is_open, utc_day
from dashboard.domain.codes import ON_ORDER_PO_STATUSES, OPEN_PO_STATUSES, POStatus, SubscriptionStatus
from dashboard.domain.replenishment import DEFAULT_LEAD_TIME_DAYS, IN_TRANSIT
from dashboard.services.derived.metrics import daily_demand

HISTORY_DAYS = 180
DEMAND_WEEKS = 26


@dataclass
class SkuView:
    """The data behind one SKU page for one warehouse."""

    product: Product
    warehouses: list[tuple[int, str]]
    warehouse_id: int | None
    metrics: SkuMetrics | None
    history: list[tuple[dt.date, int]] = field(default_factory=list)
    demand: list[tuple[dt.date, float]] = field(default_factory=list)
    inbound: list[dict[str, Any]] = field(default_factory=list)
    purchase_orders: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    # The other warehouses' waiting lines and open POs of this product, by warehouse code.
    elsewhere: dict[str, dict[str, int]] = field(default_factory=dict)
    explain: dict[str, Any] = field(default_factory=dict)
    notify_me: int = 0
    suppliers: list[dict[str, Any]] = field(default_factory=list)


def _dicts(session: Session, stmt: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(stmt).mappings()]


def _elsewhere(session: Session, product_id: int, chosen: int | None, with_drafts: bool) -> dict[str, dict[str, int]]:
    """Per other warehouse code: its waiting lines and open POs of this product (the page shows one warehouse)."""
    out: dict[str, dict[str, int]] = {}
    waiting = session.execute(
        select(Warehouse.code, func.count())
        .join(OrderLine, OrderLine.warehouse_id == Warehouse.id)
        .where(OrderLine.product_id == product_id, OrderLine.warehouse_id != chosen, line_is_waiting())
        .group_by(Warehouse.code)
    )
    for code, count in waiting:
        out.setdefault(code, {"waiting": 0, "open_pos": 0})["waiting"] = int(count)
    statuses = ON_ORDER_PO_STATUSES if with_drafts else OPEN_PO_STATUSES
    pos = session.execute(
        select(Warehouse.code, func.count(func.distinct(PurchaseOrder.id)))
        .join(PurchaseOrder, PurchaseOrder.warehouse_id == Warehouse.id)
        .join(POLine, POLine.po_id == PurchaseOrder.id)
        .where(
            POLine.product_id == product_id, PurchaseOrder.warehouse_id != chosen, PurchaseOrder.status.in_(statuses)
        )
        .group_by(Warehouse.code)
    )
    for code, count in pos:
        out.setdefault(code, {"waiting": 0, "open_pos": 0})["open_pos"] = int(count)
    return dict(sorted(out.items()))


def load_sku(
    session: Session, sku: str, warehouse_code: str | None, today: dt.date, *, with_drafts: bool = True
) -> SkuView | None:
    """The product and its numbers in ``warehouse_code`` (or its first warehouse); None if no such SKU.

    ``with_drafts=False`` leaves draft purchase orders out of the PO list (purchasing is not support's).
    """
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        return None
    warehouses = [
        (wid, code)
        for wid, code in session.execute(
            select(Warehouse.id, Warehouse.code)
            .join(StockLevel, StockLevel.warehouse_id == Warehouse.id)
            .where(StockLevel.product_id == product.id)
            .order_by(Warehouse.code)
        )
    ]
    chosen = next((wid for wid, code in warehouses if code == warehouse_code), warehouses[0][0] if warehouses else None)
    view = SkuView(product=product, warehouses=warehouses, warehouse_id=chosen, metrics=None)
    view.notify_me = (
        session.scalar(
            select(func.count())
            .select_from(RestockSubscription)
            .where(
                RestockSubscription.product_id == product.id, RestockSubscription.status == SubscriptionStatus.ACTIVE
            )
        )
        or 0
    )
    view.suppliers = _dicts(
        session,
        select(
            Supplier.code,
            Supplier.name,
            ProductSupplier.is_primary,
            ProductSupplier.quoted_lead_time_days,
            ProductSupplier.moq,
            ProductSupplier.pack_size,
            ProductSupplier.unit_cost,
        )
        .join(Supplier, Supplier.id == ProductSupplier.supplier_id)
        .where(ProductSupplier.product_id == product.id)
        .order_by(ProductSupplier.is_primary.desc(), Supplier.name),
    )
    view.purchase_orders = _dicts(
        session,
        select(
            PurchaseOrder.number,
            Supplier.name.label("supplier"),
            Warehouse.code.label("warehouse"),
            PurchaseOrder.ordered_at,
            PurchaseOrder.eta,
            PurchaseOrder.eta_confirmed,
            PurchaseOrder.status,
            POLine.qty,
            POLine.qty_received,
            POLine.cross_dock,
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
        .where(
            POLine.product_id == product.id,
            PurchaseOrder.warehouse_id == chosen,
            *([] if with_drafts else [PurchaseOrder.status != POStatus.DRAFT]),
        )
        .order_by(PurchaseOrder.ordered_at.desc())
        .limit(25),
    )
    view.waiting = _dicts(
        session,
        select(
            SalesOrder.number,
            Customer.name.label("customer"),
            Customer.priority,
            Warehouse.code.label("warehouse"),
            OrderLine.warehouse_id,
            OrderLine.qty,
            OrderLine.qty_allocated,
            OrderLine.backordered_at,
            OrderLine.promised_date,
            OrderLine.original_promised_date,
            OrderLine.promise_revision_count,
            OrderLine.priority_pin,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Warehouse, Warehouse.id == OrderLine.warehouse_id)
        .where(OrderLine.product_id == product.id, OrderLine.warehouse_id == chosen, line_is_waiting())
        # The allocation queue's order: priority pin, then VIP, then order time.
        .order_by(
            OrderLine.warehouse_id,
            OrderLine.priority_pin.is_(None),
            OrderLine.priority_pin,
            (Customer.priority != "vip"),
            SalesOrder.ordered_at,
            OrderLine.id,
        ),
    )
    view.elsewhere = _elsewhere(session, product.id, chosen, with_drafts)
    if chosen is None:
        return view
    view.metrics = session.scalar(
        select(SkuMetrics).where(SkuMetrics.product_id == product.id, SkuMetrics.warehouse_id == chosen)
    )
    view.explain = (
        session.scalar(
            select(SkuMetricsExplain.explain).where(
                SkuMetricsExplain.product_id == product.id, SkuMetricsExplain.warehouse_id == chosen
            )
        )
        or {}
    )
    view.inbound = _dicts(
        session,
        select(
            PurchaseOrder.number,
            PurchaseOrder.eta,
            PurchaseOrder.eta_confirmed,
            (POLine.qty - POLine.qty_received).label("open_qty"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .where(
            POLine.product_id == product.id,
            PurchaseOrder.warehouse_id == chosen,
            po_is_open(),
            POLine.qty > POLine.qty_received,
        )
        .order_by(PurchaseOrder.eta),
    )
    # A snapshot's units in transit (no PO behind them) land in the projection on their ETA too,
    # as the metrics refresh counts them (design §3).
    transit = session.execute(
        select(StockLevel.in_transit, StockLevel.in_transit_eta).where(
            StockLevel.product_id == product.id, StockLevel.warehouse_id == chosen, StockLevel.in_transit > 0
        )
    ).first()
    if transit is not None:
        eta = transit.in_transit_eta or today + dt.timedelta(days=DEFAULT_LEAD_TIME_DAYS)
        view.inbound.append({"number": IN_TRANSIT, "eta": eta, "eta_confirmed": False, "open_qty": transit.in_transit})
        view.inbound.sort(key=lambda row: row["eta"])
    view.history = stock_history(session, product.id, chosen, today)
    view.demand = weekly_demand(session, product.id, chosen, today)
    return view


def weekly_demand(
    session: Session, product_id: int, warehouse_id: int, today: dt.date, weeks: int = DEMAND_WEEKS
) -> list[tuple[dt.date, float]]:
    """Units customers asked for in each of the last ``weeks`` whole weeks (first day of each week, units).

    Whole weeks ending yesterday (today is not over; the forecast's buckets end with the refresh's
    day); the same demand the metrics count (our orders and imported sales, once each).
    """
    first = today - dt.timedelta(days=7 * weeks)
    frame = daily_demand(session, first, today - dt.timedelta(days=1), (product_id, warehouse_id))
    units = [0.0] * weeks
    for day, qty in zip(frame.get("day", []), frame.get("qty", []), strict=True):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        index = (day - first).days // 7
        if 0 <= index < weeks:
            units[index] += float(qty)
    return [(first + dt.timedelta(days=7 * w), units[w]) for w in range(weeks)]


def stock_history(
    session: Session, product_id: int, warehouse_id: int, today: dt.date, days: int = HISTORY_DAYS
) -> list[tuple[dt.date, int]]:
    """End-of-day on hand for the last ``days`` days, rebuilt backwards from today's on hand and movements."""
    on_hand = (
        session.scalar(
            select(StockLevel.on_hand).where(
                StockLevel.product_id == product_id, StockLevel.warehouse_id == warehouse_id
            )
        )
        or 0
    )
    start = today - dt.timedelta(days=days - 1)
    day = utc_day(StockMovement.at)
    moved = {
        (row.day if isinstance(row.day, dt.date) else dt.date.fromisoformat(row.day)): int(row.qty)
        for row in session.execute(
            select(day.label("day"), func.sum(StockMovement.quantity).label("qty"))
            .where(
                StockMovement.product_id == product_id,
                StockMovement.warehouse_id == warehouse_id,
                StockMovement.at >= dt.datetime.combine(start, dt.time(), dt.UTC),
            )
            .group_by(day)
        )
    }
    series = []
    level = on_hand
    for offset in range(days):
        current = today - dt.timedelta(days=offset)
        series.append((current, level))
        level -= moved.get(current, 0)
    return series[::-1]
