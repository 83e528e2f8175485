"""Taking an order line: ship from stock, take a backorder within the cap, or refuse (design §4).

The one place an incoming order line (an import, a storefront call) is decided, inside the
caller's transaction:

- enough available stock in the warehouse → the line is allocated;
- otherwise, a SKU on ``backorder`` takes the line only while the confirmed inbound quantity
  not yet promised to other customers covers it (the backorder cap), and promises it at the
  P80 date of its projected window;
- otherwise the line is refused with the reason ("out of stock: notify me").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import Customer, OrderLine, Product, SalesOrder, StockLevel
from dashboard.domain import unknown
from dashboard.domain.codes import LineStatus, SalesStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.comms import notices, reminders
from dashboard.services.derived import advice, freshness, triage
from dashboard.services.kpis import events as kpi_events


class OrderRefusedError(RefusedError):
    """The line cannot be taken; the message is what the customer should be told."""


@dataclass(frozen=True)
class Placement:
    """What happened to the line."""

    line: OrderLine
    backordered: bool
    promised: dt.date


def place_line(
    session: Session,
    order: SalesOrder,
    sku: str,
    qty: object,
    unit_price: float,
    today: dt.date,
    handling_days: int = triage.DEFAULT_HANDLING_DAYS,
) -> Placement:
    """Add one line to ``order`` (already flushed), from stock or as a capped backorder; refuse otherwise."""
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise OrderRefusedError("The quantity must be a whole number of at least 1.")
    product = session.scalar(select(Product).where(Product.sku == sku).with_for_update(key_share=True))
    if product is None:
        raise OrderRefusedError(f"Unknown SKU {sku!r}.")
    stock = session.scalar(
        select(StockLevel)
        .where(StockLevel.product_id == product.id, StockLevel.warehouse_id == order.warehouse_id)
        .with_for_update(key_share=True)
    )
    free = (stock.on_hand - stock.allocated) if stock else 0
    now = utcnow()
    line = OrderLine(
        order_id=order.id,
        product_id=product.id,
        warehouse_id=order.warehouse_id,
        qty=qty,
        qty_allocated=0,
        qty_shipped=0,
        unit_price=unit_price,
    )
    if product.sales_status is not SalesStatus.DISCONTINUED and stock is not None and free >= qty:
        stock.allocated += qty
        line.qty_allocated = qty
        line.status = LineStatus.ALLOCATED
        promised = today + dt.timedelta(days=handling_days)
        line.original_promised_date = line.promised_date = promised
        session.add(line)
        session.flush()
        kpi_events.line_changed(session, None, line)
        freshness.mark_changed(session)
        return Placement(line, False, promised)
    title = unknown.product_title(product.name, product.sku)  # a snapshot's product may have only its SKU
    if product.sales_status is not SalesStatus.BACKORDER:
        raise OrderRefusedError(f"{title} is out of stock. Notify me when it is available.")
    [advised] = advice.compute_advice(session, today, handling_days, [product.id])
    if advised["backorderable"] < qty or advised["window_end"] is None:
        left = advised["backorderable"]
        raise OrderRefusedError(
            f"Only {left} more unit(s) of {title} can be backordered against confirmed supply."
            if left
            else f"{title} is out of stock: confirmed supply is already promised. Notify me when available."
        )
    # Provisional promise; the real one comes from the line's place in its warehouse's queue.
    line.status = LineStatus.BACKORDERED
    line.backordered_at = now
    line.original_promised_date = line.promised_date = advised["window_end"]
    pair = (product.id, order.warehouse_id)
    savepoint = session.begin_nested()
    session.add(line)
    session.flush()
    rows = {row["id"]: row for row in triage.compute_rows(triage.load_inputs(session, [pair]), today, handling_days)}
    projected = rows[line.id]["ship_p80"]
    if projected is None:
        savepoint.rollback()
        raise OrderRefusedError(
            f"{title} cannot be backordered from this warehouse: its confirmed supply is already promised."
        )
    savepoint.commit()
    # Promises are made at P80 of the projected window; the customer hears the whole window.
    line.original_promised_date = line.promised_date = projected
    session.flush()
    customer = session.get(Customer, order.customer_id)
    notices.queue_line(
        session,
        "backorder_confirmed",
        f"backorder_confirmed:{line.id}",
        customer.email,
        {
            "customer_name": customer.name,
            "order_number": order.number,
            "product_name": title,
            "sku": product.sku,
            "qty": qty,
            **reminders.window_context(today, rows[line.id]["ship_p50"], projected),
        },
        order_line_id=line.id,
        product_id=product.id,
    )
    triage.refresh_queue(session, [pair], today, handling_days)
    advice.refresh_advice(session, today, handling_days, [product.id])
    kpi_events.line_changed(session, None, line)
    freshness.mark_changed(session)
    return Placement(line, True, projected)
