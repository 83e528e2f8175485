"""Rebuild ``backorder_triage``: every waiting line with its queue position and projected ship window.

Reads the waiting lines, the stock available now, open PO lines and each supplier's delay
history; runs the allocation-queue projection (:mod:`dashboard.domain.allocation`) per
(product, warehouse); writes one row per waiting line. :func:`refresh_triage` rebuilds all of
it (with the metrics refresh); :func:`refresh_queue` rebuilds one queue inside the caller's
transaction, for actions that change a queue (a cancellation frees a place and maybe stock).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, tuple_
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.engine import Database
from dashboard.db.models import (
    BackorderTriage,
    ContactLog,
    Customer,
    Notification,
    NotificationLine,
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    StockLevel,
    Warehouse,
)
from dashboard.db.queries import line_is_waiting, po_is_open, utc_day
from dashboard.db.upserts import upsert_rows
from dashboard.domain import allocation as alloc
from dashboard.domain.codes import CustomerPriority, POStatus
from dashboard.domain.days import day_number

DEFAULT_HANDLING_DAYS = 2
Pair = tuple[int, int]

# Severity weights (the /backorders page shows this same table to its users).
POINTS_PER_DAY_PAST_PROMISE = 3
MAX_DAYS_PAST_PROMISE = 60
POINTS_PER_QUIET_DAY = 1
MAX_QUIET_DAYS = 30
POINTS_VIP = 20
POINTS_PER_REVISION = 5
MAX_REVISIONS = 4
POINTS_AT_RISK = 15
POINTS_PER_VALUE_DECADE = 10


def base_score(value: float, vip: bool, revisions: int, at_risk: bool) -> float:
    """The calendar-independent part of the severity score.

    10 points per decade of line value (€10 → 10, €100 → 20, €1,000 → 30), +20 for a VIP,
    +5 per promise revision (at most 4 counted), +15 when the line is projected to miss its
    promise or nothing covers it.
    """
    return round(
        POINTS_PER_VALUE_DECADE * math.log10(1 + max(value, 0.0))
        + (POINTS_VIP if vip else 0)
        + POINTS_PER_REVISION * min(revisions, MAX_REVISIONS)
        + (POINTS_AT_RISK if at_risk else 0),
        2,
    )


def severity(base: float, today: dt.date, promised: dt.date, quiet_since: dt.date) -> float:
    """Full severity score: base + 3 per day past promise (≤ 60 days) + 1 per day without contact (≤ 30).

    The SQL in :mod:`dashboard.services.backorders` computes the same sum; tests hold the two equal.
    """
    past = min(max((today - promised).days, 0), MAX_DAYS_PAST_PROMISE)
    quiet = min(max((today - quiet_since).days, 0), MAX_QUIET_DAYS)
    return round(base + POINTS_PER_DAY_PAST_PROMISE * past + POINTS_PER_QUIET_DAY * quiet, 2)


@dataclass(frozen=True)
class TriageInputs:
    """What the projection needs, read in one go."""

    lines: list[dict[str, Any]]
    available: dict[Pair, int]
    inbound: dict[Pair, list[alloc.Supply]]
    delays: dict[int, alloc.DelayProfile]
    fallback_delay: alloc.DelayProfile
    last_contact: dict[int, tuple[dt.datetime, str]]
    last_notice: dict[int, tuple[dt.datetime, str]]


def _pair_filter(pairs: Iterable[Pair] | None, product_col, warehouse_col) -> list:
    if pairs is None:
        return []
    return [tuple_(product_col, warehouse_col).in_(list(pairs))]


def delay_profiles(session: Session) -> tuple[dict[int, alloc.DelayProfile], alloc.DelayProfile]:
    """Per supplier, receipt day minus the ETA the PO carried when it arrived (its last promise)."""
    received = session.execute(
        select(PurchaseOrder.supplier_id, PurchaseOrder.eta, utc_day(PurchaseOrder.received_at)).where(
            PurchaseOrder.status == POStatus.RECEIVED, PurchaseOrder.received_at.is_not(None)
        )
    )
    by_supplier: dict[int, list[float]] = defaultdict(list)
    everyone: list[float] = []
    for supplier_id, eta, received_on in received:
        day = received_on if isinstance(received_on, dt.date) else dt.date.fromisoformat(str(received_on))
        delay = float((day - eta).days)
        by_supplier[supplier_id].append(delay)
        everyone.append(delay)
    fallback = alloc.delay_profile(everyone)
    return {sid: alloc.delay_profile(values, fallback) for sid, values in by_supplier.items()}, fallback


def open_supply() -> Select:
    """Units still to come on open PO lines: product, warehouse, PO id, number, ETA, supplier, open qty."""
    return (
        select(
            POLine.product_id,
            PurchaseOrder.warehouse_id,
            PurchaseOrder.id,
            PurchaseOrder.number,
            PurchaseOrder.eta,
            PurchaseOrder.supplier_id,
            (POLine.qty - POLine.qty_received).label("open_qty"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .where(po_is_open(), POLine.qty > POLine.qty_received)
    )


def load_inputs(session: Session, pairs: Iterable[Pair] | None = None) -> TriageInputs:
    """Waiting lines, available stock, open supply and delay history (for ``pairs``, or everything)."""
    pairs = list(pairs) if pairs is not None else None
    lines = [
        dict(row)
        for row in session.execute(
            select(
                OrderLine.id,
                OrderLine.product_id,
                OrderLine.warehouse_id,
                OrderLine.qty,
                (OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped).label("waiting"),
                OrderLine.unit_price,
                OrderLine.backordered_at,
                OrderLine.original_promised_date,
                OrderLine.promised_date,
                OrderLine.promise_revision_count,
                OrderLine.priority_pin,
                SalesOrder.number.label("order_number"),
                SalesOrder.ordered_at,
                SalesOrder.channel,
                SalesOrder.customer_id,
                Customer.name.label("customer_name"),
                Customer.priority,
                Product.sku,
                Product.name.label("product_name"),
                Warehouse.code.label("warehouse_code"),
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .join(Product, Product.id == OrderLine.product_id)
            .join(Warehouse, Warehouse.id == OrderLine.warehouse_id)
            .where(line_is_waiting(), *_pair_filter(pairs, OrderLine.product_id, OrderLine.warehouse_id))
        ).mappings()
    ]
    wanted = {(line["product_id"], line["warehouse_id"]) for line in lines}
    available: dict[Pair, int] = {}
    if wanted:
        stock = select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand - StockLevel.allocated)
        for product_id, warehouse_id, free in session.execute(
            stock.where(*_pair_filter(pairs, StockLevel.product_id, StockLevel.warehouse_id))
        ):
            if (product_id, warehouse_id) in wanted:
                available[(product_id, warehouse_id)] = max(int(free), 0)
    inbound: dict[Pair, list[alloc.Supply]] = defaultdict(list)
    open_lines = open_supply().where(*_pair_filter(pairs, POLine.product_id, PurchaseOrder.warehouse_id))
    for product_id, warehouse_id, po_id, number, eta, supplier_id, open_qty in session.execute(open_lines):
        if (product_id, warehouse_id) in wanted:
            inbound[(product_id, warehouse_id)].append(alloc.Supply(int(open_qty), eta, po_id, number, supplier_id))
    delays, fallback = delay_profiles(session)
    line_ids = [line["id"] for line in lines]
    everything = pairs is None
    contacts = _latest(session, ContactLog.order_line_id, ContactLog.at, ContactLog.outcome, line_ids, everything)
    # A notice may tell about several lines of one order: each line reads it through notification_line.
    told = NotificationLine.__table__.join(Notification, Notification.id == NotificationLine.notification_id)
    notices = _latest(
        session,
        NotificationLine.order_line_id,
        Notification.created_at,
        Notification.kind,
        line_ids,
        everything,
        source=told,
    )
    return TriageInputs(lines, available, dict(inbound), delays, fallback, contacts, notices)


def _latest(session: Session, line_col, at_col, what_col, line_ids: list[int], everything: bool, source=None) -> dict:
    """The newest (at, what) per waiting line from a per-line history (contacts; notices through ``source``)."""
    if not line_ids:
        return {}
    newest = select(line_col.label("line_id"), func.max(at_col).label("at")).group_by(line_col)
    latest = select(line_col, at_col, what_col)
    if source is not None:
        newest, latest = newest.select_from(source), latest.select_from(source)
    if everything:
        newest = newest.join(OrderLine, OrderLine.id == line_col).where(line_is_waiting())
    else:
        newest = newest.where(line_col.in_(line_ids))
    newest = newest.subquery()
    rows = session.execute(latest.join(newest, and_(line_col == newest.c.line_id, at_col == newest.c.at)))
    return {line_id: (at, what) for line_id, at, what in rows}


def compute_rows(inputs: TriageInputs, today: dt.date, handling_days: int = DEFAULT_HANDLING_DAYS) -> list[dict]:
    """One ``backorder_triage`` row per waiting line, from the queue projection of its (product, warehouse)."""
    queues: dict[Pair, list[dict[str, Any]]] = defaultdict(list)
    for line in inputs.lines:
        if line["waiting"] > 0:
            queues[(line["product_id"], line["warehouse_id"])].append(line)
    now = utcnow()
    rows: list[dict] = []
    for pair, members in queues.items():
        waiting = [
            alloc.WaitingLine(
                m["id"],
                int(m["waiting"]),
                m["ordered_at"],
                vip=m["priority"] == CustomerPriority.VIP,
                priority_pin=m["priority_pin"],
            )
            for m in members
        ]
        supplies = [alloc.Supply(inputs.available.get(pair, 0))] if inputs.available.get(pair, 0) > 0 else []
        supplies += inputs.inbound.get(pair, [])
        by_id = {m["id"]: m for m in members}
        for projection in alloc.project(waiting, supplies):
            rows.append(_row(by_id[projection.line_id], projection, len(members), inputs, today, handling_days, now))
    return rows


def _row(
    line: dict[str, Any],
    projection: alloc.LineProjection,
    queue_length: int,
    inputs: TriageInputs,
    today: dt.date,
    handling_days: int,
    now: dt.datetime,
) -> dict[str, Any]:
    covering = projection.covering
    window = None
    if covering is not None:
        delay = inputs.delays.get(covering.supplier_id, inputs.fallback_delay) if covering.po_id else alloc.NO_DELAY
        window = alloc.ship_window(covering, today, handling_days, delay)
    promised = line["promised_date"]
    at_risk = alloc.is_at_risk(promised, window)
    vip = line["priority"] == CustomerPriority.VIP
    value = round(int(line["waiting"]) * float(line["unit_price"]), 2)
    backordered_on = (line["backordered_at"] or line["ordered_at"]).date()
    contact = inputs.last_contact.get(line["id"])
    notice = inputs.last_notice.get(line["id"])
    quiet_since = max(backordered_on, contact[0].date()) if contact else backordered_on
    return {
        "id": line["id"],
        "order_number": line["order_number"],
        "product_id": line["product_id"],
        "sku": line["sku"],
        "product_name": line["product_name"],
        "warehouse_id": line["warehouse_id"],
        "warehouse_code": line["warehouse_code"],
        "customer_id": line["customer_id"],
        "customer_name": line["customer_name"],
        "vip": vip,
        "channel": str(line["channel"]),
        "qty": int(line["qty"]),
        "qty_waiting": int(line["waiting"]),
        "value": value,
        "backordered_on": backordered_on,
        "backordered_day": day_number(backordered_on),
        "original_promised_date": line["original_promised_date"],
        "promised_date": promised,
        "promised_day": day_number(promised),
        "revisions": int(line["promise_revision_count"] or 0),
        "queue_position": projection.position,
        "queue_length": queue_length,
        "covering_po_id": covering.po_id if covering else None,
        "covering_po_number": covering.po_number if covering else None,
        "covering_eta": covering.eta if covering else None,
        "covered_by": "none" if covering is None else ("stock" if covering.on_hand else "po"),
        "covered_qty": projection.covered_qty,
        "ship_p50": window.p50 if window else None,
        "ship_p80": window.p80 if window else None,
        "at_risk": at_risk,
        "last_notice_at": notice[0] if notice else None,
        "last_notice_kind": notice[1] if notice else None,
        "last_contact_at": contact[0] if contact else None,
        "last_contact_outcome": contact[1] if contact else None,
        "quiet_since_day": day_number(quiet_since),
        "base_score": base_score(value, vip, int(line["promise_revision_count"] or 0), at_risk),
        "computed_at": now,
    }


def _write(session: Session, rows: list[dict], pairs: list[Pair] | None) -> None:
    table = BackorderTriage.__table__
    if pairs is None:
        session.execute(delete(table))
    else:
        session.execute(delete(table).where(*_pair_filter(pairs, table.c.product_id, table.c.warehouse_id)))
    # Upserts: another transaction rebuilding the same queue may have written these keys meanwhile.
    upsert_rows(session, table, rows)


def refresh_queue(
    session: Session, pairs: Iterable[Pair], today: dt.date, handling_days: int = DEFAULT_HANDLING_DAYS
) -> int:
    """Rebuild the rows of the given (product, warehouse) queues inside the caller's transaction."""
    pairs = list(pairs)
    rows = compute_rows(load_inputs(session, pairs), today, handling_days)
    _write(session, rows, pairs)
    return len(rows)


def refresh_triage(db: Database, today: dt.date, handling_days: int = DEFAULT_HANDLING_DAYS) -> int:
    """Rebuild every row in one transaction (pages never see half a rebuild); returns the row count."""
    with db.read_session() as session:
        inputs = load_inputs(session)
    rows = compute_rows(inputs, today, handling_days)
    with db.write_session() as session:
        _write(session, rows, None)
        # A line cancelled or filled while we computed must not come back as waiting.
        table = BackorderTriage.__table__
        still_waiting = select(OrderLine.id).where(line_is_waiting())
        session.execute(delete(table).where(table.c.id.not_in(still_waiting)))
    return len(rows)
