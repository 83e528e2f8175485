"""Where imported order lines stand: stock first, otherwise the allocation queue with an honest promise.

The same rules as :func:`dashboard.services.orders.place_line`, in bulk and with the queue code
of :mod:`dashboard.domain.allocation`: per (product, warehouse), the new lines — in queue order
(VIP, then order time) — take the free stock; a line stock does not complete waits as a
backorder (keeping what it got, as a receipt would leave it) and is promised at the P80 date of
its projected ship window, the covering supply found by projecting stock and open POs down the
whole queue (lines already waiting keep their place and their claim on stock). A line that no
stock or open PO covers gets the file's ``promised_date``; without one the policy promises it
(design §4): the last day of the SKU's maximum backorder wait after it was ordered
(:func:`dashboard.domain.status_policy.promise_without_supply`). Pure planning: nothing is
written here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.models import Customer, OrderLine, POLine, PurchaseOrder, SalesOrder, StockLevel
from dashboard.db.queries import line_is_waiting
from dashboard.domain import allocation as alloc
from dashboard.domain import status_policy as policy
from dashboard.domain.codes import CustomerPriority, LineStatus
from dashboard.services.derived import triage
from dashboard.services.imports.common import restricted

Pair = tuple[int, int]


@dataclass
class NewLine:
    """An order line the file brings, and (after :func:`place_new_lines`) where it stands."""

    row: int
    product_id: int
    warehouse_id: int
    qty: int
    ordered_at: dt.datetime
    vip: bool
    given_promise: dt.date | None  # the file's promised_date
    max_wait: int | None = None  # the SKU's maximum backorder wait (None: the policy's default)
    allocated: int = 0
    status: LineStatus = LineStatus.ALLOCATED
    promised: dt.date | None = None


@dataclass
class Placement:
    """The outcome for all new lines: units taken per stock level."""

    taken: dict[int, tuple[int, int, int]]  # stock level id → (allocated before, units taken, version read)


def place_new_lines(session: Session, lines: list[NewLine], today: dt.date, handling_days: int) -> Placement:
    """Decide every new line's allocation, status and promise (mutating ``lines``)."""
    by_pair: dict[Pair, list[NewLine]] = defaultdict(list)
    for line in lines:
        by_pair[(line.product_id, line.warehouse_id)].append(line)
    levels = _levels(session, by_pair)
    waiting_units = _waiting_units(session, by_pair)
    taken: dict[int, tuple[int, int, int]] = {}
    needs_projection: dict[Pair, tuple[list[NewLine], int]] = {}
    for pair, members in by_pair.items():
        level = levels.get(pair)
        free = max(level.on_hand - level.allocated, 0) if level else 0
        # Customers already waiting were first in this system: the free units they need stay theirs.
        for_new = max(free - waiting_units.get(pair, 0), 0)
        given = _allocate(members, for_new)
        if level is not None and given:
            taken[level.id] = (level.allocated, given, level.version)
        if any(line.allocated < line.qty for line in members):
            needs_projection[pair] = (members, free - given)
    if needs_projection:
        _promise(session, needs_projection, today, handling_days)
    for line in lines:
        if line.status is LineStatus.ALLOCATED:
            line.promised = line.given_promise or today + dt.timedelta(days=handling_days)
    return Placement(taken)


def _allocate(members: list[NewLine], units: int) -> int:
    queue = [alloc.WaitingLine(line.row, line.qty, line.ordered_at, vip=line.vip) for line in members]
    given, _left = alloc.allocate(queue, units)
    by_row = {line.row: line for line in members}
    for line in members:
        line.allocated = 0
        line.status = LineStatus.BACKORDERED
    for allocation in given:
        by_row[allocation.line_id].allocated = allocation.qty
    for line in members:
        if line.allocated == line.qty:
            line.status = LineStatus.ALLOCATED
    return sum(a.qty for a in given)


def _promise(session, needs, today, handling_days) -> None:
    """Project each queue with its waiting new lines and promise each at P80 (or by the policy)."""
    old_waiting, inbound = _queues(session, needs)
    delays = triage.delay_profiles(session)
    for pair, (members, stock_left) in needs.items():
        supplies = ([alloc.Supply(stock_left)] if stock_left > 0 else []) + inbound.get(pair, [])
        _project_pair(members, old_waiting.get(pair, []), supplies, delays, today, handling_days)


def _queues(session: Session, needs) -> tuple[dict[Pair, list[alloc.WaitingLine]], dict[Pair, list[alloc.Supply]]]:
    """Lines already waiting, and open PO supply, for the queues in ``needs``."""
    waiting: dict[Pair, list[alloc.WaitingLine]] = defaultdict(list)
    inbound: dict[Pair, list[alloc.Supply]] = defaultdict(list)
    product_ids = {product_id for product_id, _ in needs}
    lines = (
        select(
            OrderLine.id,
            OrderLine.product_id,
            OrderLine.warehouse_id,
            (OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped).label("waiting"),
            OrderLine.priority_pin,
            SalesOrder.ordered_at,
            Customer.priority,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(line_is_waiting())
    )
    for query in restricted(lines, OrderLine.product_id, product_ids):
        for row in session.execute(query):
            pair = (row.product_id, row.warehouse_id)
            if pair in needs and row.waiting > 0:
                vip = row.priority == CustomerPriority.VIP
                waiting[pair].append(alloc.WaitingLine(row.id, int(row.waiting), row.ordered_at, vip, row.priority_pin))
    supply = triage.open_supply().order_by(PurchaseOrder.eta, PurchaseOrder.id)
    for query in restricted(supply, POLine.product_id, product_ids):
        for product_id, warehouse_id, po_id, number, eta, supplier_id, open_qty in session.execute(query):
            if (product_id, warehouse_id) in needs:
                inbound[(product_id, warehouse_id)].append(alloc.Supply(int(open_qty), eta, po_id, number, supplier_id))
    return waiting, inbound


def _project_pair(members, old, supplies, delays, today, handling_days) -> None:
    """Promise each waiting new line of one queue: the file's date, else P80 of its window, else the policy's."""
    new_waiting = [
        alloc.WaitingLine(-line.row, line.qty - line.allocated, line.ordered_at, vip=line.vip)
        for line in members
        if line.allocated < line.qty
    ]
    by_supplier, fallback = delays
    by_row = {line.row: line for line in members}
    for projection in alloc.project([*old, *new_waiting], supplies):
        if projection.line_id >= 0:
            continue
        line = by_row[-projection.line_id]
        covering = projection.covering
        if line.given_promise is not None:
            line.promised = line.given_promise
        elif covering is None:
            line.promised = policy.promise_without_supply(line.ordered_at.date(), line.max_wait)
        else:
            delay = by_supplier.get(covering.supplier_id, fallback) if covering.po_id else alloc.NO_DELAY
            line.promised = alloc.ship_window(covering, today, handling_days, delay).p80


def _levels(session: Session, by_pair: dict[Pair, list[NewLine]]) -> dict[Pair, object]:
    found = {}
    columns = (
        StockLevel.id,
        StockLevel.product_id,
        StockLevel.warehouse_id,
        StockLevel.on_hand,
        StockLevel.allocated,
        StockLevel.version,
    )
    for query in restricted(select(*columns), StockLevel.product_id, {product_id for product_id, _ in by_pair}):
        for row in session.execute(query):
            if (row.product_id, row.warehouse_id) in by_pair:
                found[(row.product_id, row.warehouse_id)] = row
    return found


def _waiting_units(session: Session, by_pair: dict[Pair, list[NewLine]]) -> dict[Pair, int]:
    found: dict[Pair, int] = {}
    units = func.sum(OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped)
    query = (
        select(OrderLine.product_id, OrderLine.warehouse_id, units)
        .where(OrderLine.status == LineStatus.BACKORDERED)
        .group_by(OrderLine.product_id, OrderLine.warehouse_id)
    )
    for part in restricted(query, OrderLine.product_id, {product_id for product_id, _ in by_pair}):
        for product_id, warehouse_id, total in session.execute(part):
            if (product_id, warehouse_id) in by_pair:
                found[(product_id, warehouse_id)] = int(total or 0)
    return found
