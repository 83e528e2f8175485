"""Importing sales history: lines customers bought, booked as demand that happened (table ``sales_line``).

A sales line is history, not an order to serve: it never reserves stock, never joins an
allocation queue, never moves on hand and queues no notice. What it is for is demand: the
units customers took per (product, warehouse, day).

Keys, and what importing again does:

- A row with an order number is the line of that order for its SKU and warehouse: the key is
  order number + SKU + warehouse.
- A row without one is a total: rows with the same SKU, warehouse and ``sold_at`` are added up
  into one line, keyed by those three (a file of daily totals per SKU works as well as one row
  per sale).

Rows of one file with the same key are added together (two lines of one order for the same SKU
are one line of history): quantities and returns add up, the earliest ``sold_at`` and latest
``shipped_at`` count, the price is the quantity-weighted mean and channel and customer are the
first row's. A line already in the database with the same values is *unchanged*; one whose
values differ is *updated* to what the file says (a later export knows the ship date or a
return); blank optional cells keep what is there. An import never deletes a line. So importing
the same file again changes nothing, with or without order numbers.

Returns are ``returned_qty`` on the sold line (0 to qty), never a negative quantity: demand
happened on the day of the sale, and whoever reads it chooses gross (``qty``) or net.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from dashboard.db.bulk import insert_rows
from dashboard.db.models import SalesLine
from dashboard.services.imports.bulk_update import update_existing
from dashboard.services.imports.common import (
    NEW,
    UNCHANGED,
    UPDATE,
    Context,
    Plan,
    product_ids,
    raw_value,
    restricted,
    warehouse_ids,
)
from dashboard.services.imports.kinds import ParsedRow

COLUMNS = (
    "product_id",
    "warehouse_id",
    "order_number",
    "sold_at",
    "sold_on",
    "qty",
    "returned_qty",
    "shipped_at",
    "channel",
    "unit_price",
    "customer_ref",
    "source",
    "imported_at",
)
# What is read of a line already there, in this order (see :func:`_existing`).
STORED = (
    SalesLine.id,
    SalesLine.order_number,
    SalesLine.product_id,
    SalesLine.warehouse_id,
    SalesLine.sold_at,
    SalesLine.qty,
    SalesLine.returned_qty,
    SalesLine.shipped_at,
    SalesLine.channel,
    SalesLine.unit_price,
    SalesLine.customer_ref,
)
# A line's key: (order number, product, warehouse), or (None, product, warehouse, sold_at as naive UTC).
Key = tuple[Any, ...]


def plan_sales(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Decide every row: part of a new line, of a line that changes, of one already there as it is, or refused.

    Built for a million rows: one dict of values per line (a row's own, until a second row of the
    same key makes it a merged copy), the lines already there read once without ORM types, and
    compared field by field only where they exist.
    """
    session = ctx.session
    plan = Plan(data={"new": [], "changes": []})
    warehouses = warehouse_ids(session)
    products = product_ids(session, {values["sku"] for _, values in rows})
    lines: dict[Key, dict[str, Any]] = {}
    first_row: dict[Key, int] = {}
    more_rows: dict[Key, list[int]] = {}
    for number, values in rows:
        product_id = products.get(values["sku"])
        warehouse_id = warehouses.get(values["warehouse_code"])
        if not _row_ok(ctx, plan, number, values, product_id, warehouse_id, warehouses):
            continue
        order = values.get("order_number")
        if order:
            key: Key = (order, product_id, warehouse_id)
        else:
            key = (None, product_id, warehouse_id, values["sold_at"].replace(tzinfo=None))
        line = lines.get(key)
        if line is None:
            lines[key] = values
            first_row[key] = number
            continue
        if key not in more_rows:
            more_rows[key] = []
            lines[key] = line = _merged(line)
        more_rows[key].append(number)
        _add(line, values)
    existing = _existing(session, lines)
    source, now = ctx.file_name[:200], ctx.now
    for key, values in lines.items():
        current = existing.get(key)
        numbers = [first_row[key], *more_rows.get(key, ())]
        if current is None:
            plan.data["new"].append((key, values))
            outcome = NEW
        else:
            returned = values.get("returned_qty", current[6])
            if returned > values["qty"]:
                for number in numbers:
                    plan.refuse(
                        number, "qty", values["qty"], f"the line has {returned} unit(s) returned; it cannot sell fewer"
                    )
                continue
            changed = _changes(values, current)
            if changed:
                changed |= {"source": source, "imported_at": now}
                plan.data["changes"].append((current[0], changed))
            outcome = UPDATE if changed else UNCHANGED
        for number in numbers:
            plan.outcomes[number] = outcome
    return plan


def _merged(values: dict[str, Any]) -> dict[str, Any]:
    """A line's own copy of its first row's values, ready to take more rows (the row itself stays as parsed)."""
    line = dict(values)
    price = values.get("unit_price")
    line["_priced"] = values["qty"] if price is not None else 0
    line["_revenue"] = values["qty"] * price if price is not None else 0.0
    return line


def _add(line: dict[str, Any], values: dict[str, Any]) -> None:
    """Another row of the same line: quantities add, the earliest sale and latest shipment count."""
    line["qty"] += values["qty"]
    if "returned_qty" in values:
        line["returned_qty"] = line.get("returned_qty", 0) + values["returned_qty"]
    line["sold_at"] = min(line["sold_at"], values["sold_at"])
    if values.get("shipped_at") is not None:
        line["shipped_at"] = max(line.get("shipped_at") or values["shipped_at"], values["shipped_at"])
    for name in ("channel", "customer"):
        if name in values:
            line.setdefault(name, values[name])
    if values.get("unit_price") is not None:
        line["_priced"] += values["qty"]
        line["_revenue"] += values["qty"] * values["unit_price"]
        line["unit_price"] = round(line["_revenue"] / line["_priced"], 2)


def _row_ok(
    ctx: Context,
    plan: Plan,
    number: int,
    values: dict[str, Any],
    product_id: int | None,
    warehouse_id: int | None,
    warehouses: dict[str, int],
) -> bool:
    """Whether one row can be history: known SKU and warehouse, sold by today, shipped after, returned ≤ sold."""
    sold_at = values["sold_at"]
    if warehouse_id is None:
        known = ", ".join(sorted(warehouses)) or "none; import warehouses first"
        plan.refuse(number, "warehouse_code", values["warehouse_code"], f"no such warehouse; known: {known}")
    elif product_id is None:
        plan.refuse(number, "sku", values["sku"], "no such SKU; import products first")
    elif sold_at.date() > ctx.today:
        plan.refuse(number, "sold_at", sold_at.isoformat(sep=" "), f"after today ({ctx.today}); history has happened")
    elif values.get("shipped_at") is not None and values["shipped_at"] < sold_at:
        plan.refuse(
            number,
            "shipped_at",
            values["shipped_at"].isoformat(sep=" "),
            f"before the sale ({sold_at.isoformat(sep=' ')})",
        )
    elif values.get("returned_qty", 0) > values["qty"]:
        plan.refuse(number, "returned_qty", values["returned_qty"], f"more than the {values['qty']} unit(s) sold")
    else:
        return True
    return False


def _existing(session: Session, lines: dict[Key, Any]) -> dict[Key, tuple]:
    """The lines already there with one of these keys, as raw tuples in :data:`STORED` order.

    Read without the ORM's column types (a million timestamps made aware cost seconds); timestamps
    are compared through :func:`_naive`, prices through :func:`_number`.
    """
    raw = [type_coerce(column, NullType()) for column in STORED]
    numbered = {key[0] for key in lines if key[0] is not None}
    unnumbered = {key[1] for key in lines if key[0] is None}
    queries: list[Any] = []
    if numbered:
        with_number = select(*raw).where(SalesLine.order_number.is_not(None))
        queries += restricted(with_number, SalesLine.order_number, numbered)
    if unnumbered:
        without = select(*raw).where(SalesLine.order_number.is_(None))
        queries += restricted(without, SalesLine.product_id, unnumbered)
    found: dict[Key, tuple] = {}
    session.flush()
    connection = session.connection()
    for query in queries:
        for row in connection.execute(query):
            number = row[1]
            key = (number, row[2], row[3]) if number is not None else (None, row[2], row[3], _naive(row[4]))
            if key in lines:
                found[key] = row
    return found


def _naive(stored: Any) -> dt.datetime | None:
    """A stored timestamp as naive UTC: SQLite keeps text, PostgreSQL's driver gives a datetime."""
    return dt.datetime.fromisoformat(stored) if isinstance(stored, str) else stored


def _number(stored: Any) -> float | None:
    return None if stored is None else float(stored)


def _changes(values: dict[str, Any], current: tuple) -> dict[str, Any]:
    """``{column: new value}`` where the file's line differs from the stored one; absent optional fields keep theirs.

    Parsed timestamps are UTC (``import_values.moment``), so their date is the UTC day.
    """
    sold, qty, returned, shipped, channel, price, customer = current[4:]
    changed: dict[str, Any] = {}
    if values["qty"] != qty:
        changed["qty"] = values["qty"]
    if "returned_qty" in values and values["returned_qty"] != returned:
        changed["returned_qty"] = values["returned_qty"]
    sold_at = values["sold_at"]
    if sold_at.replace(tzinfo=None) != _naive(sold):
        changed |= {"sold_at": sold_at, "sold_on": sold_at.date()}
    if "shipped_at" in values and values["shipped_at"].replace(tzinfo=None) != _naive(shipped):
        changed["shipped_at"] = values["shipped_at"]
    if "channel" in values and values["channel"] != channel:
        changed["channel"] = values["channel"]
    if "unit_price" in values and values["unit_price"] != _number(price):
        changed["unit_price"] = values["unit_price"]
    if "customer" in values and values["customer"] != customer:
        changed["customer_ref"] = values["customer"]
    return changed


def write_sales(ctx: Context, plan: Plan) -> list:
    """Insert the new lines in bulk (COPY on PostgreSQL) and update the changed ones; nothing is refused here."""
    session = ctx.session
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    new = plan.data["new"]
    rows = _records(new, ctx.file_name[:200], raw_value(ctx.now, postgres), postgres)
    shown = 0

    def progress(done: int) -> None:
        nonlocal shown
        ctx.tick(done - shown)
        shown = done

    insert_rows(connection, SalesLine.__table__, COLUMNS, rows, on_progress=progress)
    update_existing(session, SalesLine.__table__, plan.data["changes"], ctx.now)
    return []


def _records(
    new: Iterable[tuple[Key, dict[str, Any]]], source: str, imported_at: Any, postgres: bool
) -> Iterator[tuple[Any, ...]]:
    """New lines as rows in :data:`COLUMNS` order, values as the driver takes them (no ORM in the loop)."""
    for key, values in new:
        sold_at = values["sold_at"]
        shipped_at = values.get("shipped_at")
        yield (
            key[1],
            key[2],
            key[0],
            raw_value(sold_at, postgres),
            sold_at.date().isoformat(),
            values["qty"],
            values.get("returned_qty", 0),
            None if shipped_at is None else raw_value(shipped_at, postgres),
            values.get("channel"),
            values.get("unit_price"),
            values.get("customer"),
            source,
            imported_at,
        )
