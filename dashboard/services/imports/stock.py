"""Importing stock levels (by SKU and warehouse): a stock count that keeps the ledger true.

On hand always equals the sum of the pair's stock movements: a row that changes on hand
writes a ``count`` movement of the difference, filed under the file's name; a new pair with
stock writes one for all of it. On hand may not go below the units already reserved for
orders (that row is refused). When a count raises free stock where customers wait, the units
go down the allocation queue at once — the same code a receipt uses — so found stock serves
the queue before anyone new can buy it.

A shop export counts what is *available* (free to sell), not what is on hand. Units the
shop's customers wait for are physically needed on top of it, whether they are reserved here
already or still waiting, so on hand is::

    on hand = allocated + max(0, available + waiting)

where *waiting* is what backordered lines of the pair still lack. Serving the queue only moves
units from waiting to allocated, so importing the same export again gives the same on hand and
changes nothing; a new level takes the same formula (nothing is allocated yet). An oversold
quantity (negative) is what the waiting lines owe; past them nothing is free, so on hand is then
just what is reserved.

A stock file (not a shop export) also says what is owed and what is on its way
(:mod:`.snapshot`): a negative count is kept as units owed without orders (on hand 0), and so is
a ``units_on_backorder`` column; an ``in_transit`` column is counted as on order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from dashboard.db.models import OrderLine, StockLevel, StockMovement
from dashboard.domain.codes import WAITING_LINE_STATUSES, LineStatus, MovementKind
from dashboard.services.backorders import allocation
from dashboard.services.imports.bulk_update import update_existing
from dashboard.services.imports.common import (
    NEW,
    UNCHANGED,
    UPDATE,
    Context,
    Plan,
    chunks,
    first_seen,
    insert_new,
    product_ids,
    restricted,
    warehouse_ids,
)
from dashboard.services.imports.kinds import ParsedRow
from dashboard.services.imports.snapshot import SNAPSHOT_COLUMNS, lead_times, snapshot_changes

OVERRIDES = {"safety_stock": "safety_stock_override", "reorder_point": "reorder_point_override"}
# Waiting queues served per flush when a count brings stock for them.
SERVE_BATCH = 500


def plan_stock(
    ctx: Context, rows: list[ParsedRow], new_skus: set[str] | frozenset[str] = frozenset(), available: bool = False
) -> Plan:
    """New and changed stock levels; ``new_skus`` are products this same import creates (a shop export).

    With ``available`` the file counts units free to sell (a shop's quantity, which already left
    out what its open orders hold, and may be negative when oversold): on hand is worked out by
    :func:`on_hand_from_available`, from inputs that serving the queue cannot change.
    """
    session = ctx.session
    plan = Plan(data={"new": [], "changes": [], "movements": []})
    products = product_ids(session, (v["sku"] for _, v in rows))
    warehouses = warehouse_ids(session)
    levels: dict[tuple[int, int], Any] = {}
    columns = (
        StockLevel.id,
        StockLevel.product_id,
        StockLevel.warehouse_id,
        StockLevel.on_hand,
        StockLevel.allocated,
        StockLevel.version,
        StockLevel.safety_stock_override,
        StockLevel.reorder_point_override,
        *SNAPSHOT_COLUMNS,
    )
    for query in restricted(select(*columns), StockLevel.product_id, products.values()):
        for row in session.execute(query):
            levels[(row.product_id, row.warehouse_id)] = row
    waiting = _waiting_units(session, products.values()) if available else {}
    leads = {} if available else lead_times(session, products.values())
    seen: dict[tuple, int] = {}
    for number, values in rows:
        sku, code = values["sku"], values["warehouse_code"]
        product_id = products.get(sku)
        warehouse_id = warehouses.get(code)
        if product_id is None and sku not in new_skus:
            plan.refuse(number, "sku", sku, "no such SKU; import products first")
            continue
        if warehouse_id is None:
            plan.refuse(number, "warehouse_code", code, f"no such warehouse; known: {', '.join(sorted(warehouses))}")
            continue
        if not first_seen(plan, seen, (sku, warehouse_id), number, "sku", f"{sku} / {code}"):
            continue
        on_hand = values["on_hand"]
        # The stock_level columns this row sets besides on hand (overrides, owed, in transit).
        row_columns = {column: values[field] for field, column in OVERRIDES.items() if field in values}
        current = levels.get((product_id, warehouse_id)) if product_id is not None else None
        if available:
            allocated = current.allocated if current is not None else 0
            on_hand = on_hand_from_available(on_hand, allocated, waiting.get((product_id, warehouse_id), 0))
        else:
            try:
                row_columns |= snapshot_changes(values, current, ctx.today, leads.get(product_id))
            except ValueError as exc:
                plan.refuse(number, "in_transit_eta", values.get("in_transit_eta"), str(exc))
                continue
            on_hand = max(on_hand, 0)  # a negative count is owed units (in the changes), not stock
        if current is None:
            plan.data["new"].append((sku, product_id, warehouse_id, on_hand, row_columns))
            if on_hand:
                plan.data["movements"].append((sku, product_id, warehouse_id, on_hand))
            plan.outcomes[number] = NEW
            continue
        if on_hand < current.allocated:
            plan.refuse(
                number,
                "on_hand",
                values["on_hand"],
                f"{current.allocated} unit(s) are reserved for orders; on hand cannot go below that "
                "(cancel or ship those lines first)",
            )
            continue
        changed = {column: value for column, value in row_columns.items() if getattr(current, column) != value}
        if on_hand != current.on_hand:
            changed["on_hand"] = on_hand
            plan.data["movements"].append((sku, product_id, warehouse_id, on_hand - current.on_hand))
        plan.outcomes[number] = UPDATE if changed else UNCHANGED
        if changed:
            went_up = (product_id, warehouse_id) if on_hand > current.on_hand else None
            plan.data["changes"].append((current.id, changed, went_up, current.version))
    return plan


def on_hand_from_available(available: int, allocated: int, waiting: int) -> int:
    """On hand for a shop's ``available`` count: ``allocated + max(0, available + waiting)``.

    ``allocated`` units are reserved here for orders and ``waiting`` units are what backordered lines
    still lack; the shop sells neither again, so both are on the shelf besides what it can still
    sell. Handing stock to the queue moves units from ``waiting`` to ``allocated`` and leaves the
    result alone, which makes a shop import idempotent. Never below ``allocated``.
    """
    return allocated + max(0, available + waiting)


def _waiting_units(session: Session, products: Iterable[int]) -> dict[tuple[int, int], int]:
    """``{(product, warehouse): units backordered lines still lack}`` for these products."""
    lacking = OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped
    query = (
        select(OrderLine.product_id, OrderLine.warehouse_id, func.sum(lacking))
        .where(OrderLine.status.in_(WAITING_LINE_STATUSES), lacking > 0)
        .group_by(OrderLine.product_id, OrderLine.warehouse_id)
    )
    found: dict[tuple[int, int], int] = {}
    for part in restricted(query, OrderLine.product_id, products):
        for product_id, warehouse_id, units in session.execute(part):
            found[(product_id, warehouse_id)] = int(units or 0)
    return found


def write_stock(ctx: Context, plan: Plan) -> None:
    """Write levels and their count movements, then serve waiting customers from stock that went up."""
    session = ctx.session
    pending = {sku for sku, product_id, *_ in plan.data["new"] if product_id is None}
    resolved = product_ids(session, pending) if pending else {}
    now = ctx.now
    new = [
        {
            "product_id": product_id or resolved[sku],
            "warehouse_id": warehouse_id,
            "on_hand": on_hand,
            "allocated": 0,
            "safety_stock_override": row_columns.get("safety_stock_override"),
            "reorder_point_override": row_columns.get("reorder_point_override"),
            "service_level_override": None,
            "owed_without_orders": row_columns.get("owed_without_orders", 0),
            "in_transit": row_columns.get("in_transit", 0),
            "in_transit_eta": row_columns.get("in_transit_eta"),
            "updated_at": now,
            "created_at": now,
            "version": 1,
        }
        for sku, product_id, warehouse_id, on_hand, row_columns in plan.data["new"]
    ]
    insert_new(session, StockLevel.__table__, new)
    changes = plan.data["changes"]
    versions = {level_id: version for level_id, _, _, version in changes}
    update_existing(session, StockLevel.__table__, [(i, c) for i, c, _, _ in changes], now, versions)
    movements = [
        {
            "product_id": product_id or resolved[sku],
            "warehouse_id": warehouse_id,
            "at": now,
            "quantity": quantity,
            "kind": MovementKind.COUNT,
            "reference": ctx.reference,
        }
        for sku, product_id, warehouse_id, quantity in plan.data["movements"]
    ]
    insert_new(session, StockMovement.__table__, movements)
    more = {pair for _, _, pair, _ in changes if pair is not None}
    more |= {(record["product_id"], record["warehouse_id"]) for record in new if record["on_hand"] > 0}
    _serve_waiting(ctx, more)


def _serve_waiting(ctx: Context, pairs: set[tuple[int, int]]) -> None:
    """Hand the new free units of these (product, warehouse) pairs to the customers waiting for them."""
    session = ctx.session
    queues = select(OrderLine.product_id, OrderLine.warehouse_id).where(OrderLine.status == LineStatus.BACKORDERED)
    waiting = {tuple(row) for row in session.execute(queues.distinct())} & pairs
    for part in chunks(sorted(waiting), SERVE_BATCH):
        levels = (
            select(StockLevel)
            .where(tuple_(StockLevel.product_id, StockLevel.warehouse_id).in_(part))
            .order_by(StockLevel.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        # Each queue is its own (product, warehouse): nothing one allocation reads waits on another's
        # writes, so they are flushed together per batch instead of before every query.
        with session.no_autoflush:
            for level in session.scalars(levels).all():
                allocation.allocate_free_stock(session, level, ctx.handling_days)
        session.flush()
