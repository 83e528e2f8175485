"""Status advice: what the sales-status policy recommends for each product (``status_advice``).

Derived like the metrics: rewritten for every product by a refresh, and for the products an
action touched inside that action's transaction, so the recommendation never lags a change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import (
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    StatusAdvice,
    StockLevel,
)
from dashboard.db.queries import line_is_waiting, po_is_open
from dashboard.db.upserts import upsert_rows
from dashboard.domain import allocation as alloc
from dashboard.domain import status_policy as policy
from dashboard.services.derived import triage


def _ids_filter(column, product_ids: Sequence[int] | None) -> list:
    return [] if product_ids is None else [column.in_(list(product_ids))]


def compute_advice(
    session: Session, today: dt.date, handling_days: int, product_ids: Sequence[int] | None = None
) -> list[dict]:
    """One ``status_advice`` row per product (or per product in ``product_ids``)."""
    products = session.execute(
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.category,
            Product.sales_status,
            Product.substitutability,
            Product.max_backorder_days,
        ).where(*_ids_filter(Product.id, product_ids))
    ).all()
    unreserved = StockLevel.on_hand - StockLevel.allocated
    free = func.sum(case((unreserved > 0, unreserved), else_=0))
    available = dict(
        session.execute(
            select(StockLevel.product_id, free)
            .where(*_ids_filter(StockLevel.product_id, product_ids))
            .group_by(StockLevel.product_id)
        ).all()
    )
    waiting_qty = func.sum(OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped)
    waiting = dict(
        session.execute(
            select(OrderLine.product_id, waiting_qty)
            .where(line_is_waiting(), *_ids_filter(OrderLine.product_id, product_ids))
            .group_by(OrderLine.product_id)
        ).all()
    )
    delays, fallback = triage.delay_profiles(session)
    inbound: dict[int, list[policy.Inbound]] = defaultdict(list)
    for product_id, number, qty, confirmed, eta, supplier_id in session.execute(
        select(
            POLine.product_id,
            PurchaseOrder.number,
            POLine.qty - POLine.qty_received,
            PurchaseOrder.eta_confirmed,
            PurchaseOrder.eta,
            PurchaseOrder.supplier_id,
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .where(po_is_open(), POLine.qty > POLine.qty_received, *_ids_filter(POLine.product_id, product_ids))
    ):
        supply = alloc.Supply(int(qty), eta, 1, number, supplier_id)
        window = alloc.ship_window(supply, today, handling_days, delays.get(supplier_id, fallback))
        inbound[product_id].append(policy.Inbound(number, int(qty), bool(confirmed), window.p50, window.p80))
    now = utcnow()
    rows = []
    for pid, sku, name, category, status, substitutability, max_days in products:
        units = int(waiting.get(pid) or 0)
        rec = policy.recommend(
            status, int(available.get(pid) or 0), inbound.get(pid, []), substitutability, units, today, max_days
        )
        why = policy.mismatch(status, rec)
        rows.append(
            {
                "id": pid,
                "sku": sku,
                "product_name": name,
                "category": category,
                "current_status": status.value,
                "recommended_status": rec.status.value,
                "reason": rec.reason[:400],
                "available": int(available.get(pid) or 0),
                "waiting_units": units,
                "backorderable": rec.backorderable,
                "window_start": rec.window[0] if rec.window else None,
                "window_end": rec.window[1] if rec.window else None,
                "has_mismatch": why is not None,
                "mismatch": why[:500] if why else None,
                "computed_at": now,
            }
        )
    return rows


def refresh_advice(
    session: Session, today: dt.date, handling_days: int, product_ids: Sequence[int] | None = None
) -> int:
    """Rewrite ``status_advice`` for ``product_ids`` (or all products) inside the caller's transaction."""
    rows = compute_advice(session, today, handling_days, product_ids)
    session.execute(delete(StatusAdvice).where(*_ids_filter(StatusAdvice.id, product_ids)))
    # Upserts: another transaction (a refresh, a confirm on the same product) may have written these keys meanwhile.
    upsert_rows(session, StatusAdvice.__table__, rows)
    return len(rows)


def mismatches(session: Session, limit: int = 50) -> tuple[list[StatusAdvice], int]:
    """SKUs whose status disagrees with the policy, most waiting units first, and how many there are."""
    where = StatusAdvice.has_mismatch.is_(True)
    total = session.scalar(select(func.count()).select_from(StatusAdvice).where(where)) or 0
    rows = session.scalars(
        select(StatusAdvice).where(where).order_by(StatusAdvice.waiting_units.desc(), StatusAdvice.sku).limit(limit)
    ).all()
    return list(rows), int(total)
