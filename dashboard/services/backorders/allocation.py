"""Handing real stock down the allocation queue, in the caller's transaction.

The one place units are reserved for waiting customers, after a receipt or when a cancelled
line frees its units: the queue order comes from :mod:`dashboard.domain.allocation`, so the
projection on /backorders and what actually happens can never disagree.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Customer, OrderLine, Product, SalesOrder, StockLevel
from dashboard.domain import allocation as alloc
from dashboard.domain import unknown
from dashboard.domain.codes import CustomerPriority, LineStatus
from dashboard.services.comms import notices


def allocate_free_stock(session: Session, stock: StockLevel, handling_days: int) -> list[alloc.Allocation]:
    """Hand the pair's free units (on hand − allocated) down its queue; complete lines get a ready-to-ship notice.

    The caller holds ``stock`` locked (SELECT … FOR UPDATE on PostgreSQL, the write lock on SQLite),
    so two receipts for one SKU and warehouse cannot hand out the same units.
    """
    free = stock.on_hand - stock.allocated
    if free <= 0:
        return []
    rows = session.execute(
        select(OrderLine, SalesOrder.ordered_at, Customer.priority, Customer.name, Customer.email, SalesOrder.number)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(
            OrderLine.product_id == stock.product_id,
            OrderLine.warehouse_id == stock.warehouse_id,
            OrderLine.status == LineStatus.BACKORDERED,
        )
        .with_for_update(of=OrderLine, key_share=True)
    ).all()
    by_id = {row[0].id: row for row in rows}
    queue = [
        alloc.WaitingLine(
            line.id,
            line.qty - line.qty_allocated - line.qty_shipped,
            ordered_at,
            vip=priority == CustomerPriority.VIP,
            priority_pin=line.priority_pin,
        )
        for line, ordered_at, priority, *_ in rows
        if line.qty - line.qty_allocated - line.qty_shipped > 0
    ]
    allocations, _left = alloc.allocate(queue, free)
    product = session.get(Product, stock.product_id)
    for allocation in allocations:
        line, _ordered_at, _priority, name, email, number = by_id[allocation.line_id]
        line.qty_allocated += allocation.qty
        stock.allocated += allocation.qty
        if allocation.completes:
            line.status = LineStatus.ALLOCATED
            notices.queue_line(
                session,
                "ready_to_ship",
                f"ready_to_ship:{line.id}",
                email,
                {
                    "customer_name": name,
                    "order_number": number,
                    "product_name": unknown.product_title(product.name, product.sku),
                    "sku": product.sku,
                    "qty": line.qty - line.qty_shipped,
                    "handling_days": handling_days,
                },
                order_line_id=line.id,
                product_id=product.id,
            )
    return allocations
