"""Importing open sales orders and their lines (key: order number + SKU).

Why imported lines do not go through :func:`dashboard.services.orders.place_line`: that function
decides whether the *shop takes* a new order — it refuses a line when the SKU is out of stock or
past its backorder cap, and tells the customer their backorder is confirmed. An imported order
was already taken by the shop; refusing it would hide a real customer's order, and e-mailing
thousands of customers about orders they placed days ago would be noise. So the import keeps
place_line's rules about *where a line stands* and applies them in bulk
(:mod:`.order_queue`): free stock first, in queue order, otherwise a backorder promised at the
P80 date of its projected window; no customer notices are queued (the next real change of a
promise notifies as usual), and it scales to 200,000 lines.

- Customers are created from ``customer_code``, ``customer_name`` and ``customer_email`` on the
  order row (name and e-mail are required only for a customer we do not know yet); details that
  differ from ours update the customer; two rows disagreeing about one customer are refused.
- An order's header (customer, channel, warehouse, order day) must match the order already in
  the system and every other row of the same order in the file.
- An existing line is never changed by an import: the same quantity and price is "unchanged";
  anything else is refused (a changed quantity would bypass allocation and promises — cancel or
  adjust it in Backorder Desk). Its promised date is not compared: promises move with the queue.
- No new lines for discontinued SKUs, orders dated in the future, or closed orders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dashboard.db.models import Customer, OrderLine, Product, SalesOrder, StockLevel
from dashboard.domain.codes import CustomerPriority, LineStatus, SalesStatus
from dashboard.services.importing.bulk_update import update_existing
from dashboard.services.importing.common import (
    NEW,
    UNCHANGED,
    UPDATE,
    Context,
    Plan,
    chunks,
    first_seen,
    insert_new,
    rows_by_key,
    warehouse_ids,
)
from dashboard.services.importing.kinds import ParsedRow
from dashboard.services.importing.order_queue import NewLine, place_new_lines

CUSTOMER_FIELDS = {"customer_name": "name", "customer_email": "email", "customer_priority": "priority"}


def plan_orders(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Decide every row: a new line (allocated or waiting, with its promise), unchanged, or refused."""
    session = ctx.session
    plan = Plan()
    warehouses = warehouse_ids(session)
    products = rows_by_key(
        session, [Product.id, Product.sku, Product.sales_status], Product.sku, (v["sku"] for _, v in rows)
    )
    customers = rows_by_key(
        session,
        [Customer.id, Customer.code, Customer.name, Customer.email, Customer.priority],
        Customer.code,
        (v["customer_code"] for _, v in rows),
    )
    orders = rows_by_key(
        session,
        [
            SalesOrder.id,
            SalesOrder.number,
            SalesOrder.customer_id,
            SalesOrder.channel,
            SalesOrder.warehouse_id,
            SalesOrder.ordered_at,
            SalesOrder.status,
        ],
        SalesOrder.number,
        (v["order_number"] for _, v in rows),
    )
    lines = _existing_lines(session, [o.id for o in orders.values()])
    order_customers = {
        customer_id: row.code
        for customer_id, row in rows_by_key(
            session, [Customer.id, Customer.code], Customer.id, (o.customer_id for o in orders.values())
        ).items()
    }
    warehouse_codes = {warehouse_id: code for code, warehouse_id in warehouses.items()}
    state = _State(plan, customers)
    seen: dict[tuple, int] = {}
    headers: dict[str, tuple[int, tuple]] = {}
    new_lines: list[tuple[NewLine, dict[str, Any]]] = []
    for number, values in rows:
        ordered_at = values["ordered_at"]
        if ordered_at.date() > ctx.today:
            plan.refuse(number, "ordered_at", ordered_at.date().isoformat(), "in the future")
            continue
        promised = values.get("promised_date")
        if promised is not None and promised < ordered_at.date():
            plan.refuse(number, "promised_date", promised.isoformat(), "before the order date")
            continue
        warehouse_id = warehouses.get(values["warehouse_code"])
        if warehouse_id is None:
            plan.refuse(
                number,
                "warehouse_code",
                values["warehouse_code"],
                f"no such warehouse; known: {', '.join(sorted(warehouses))}",
            )
            continue
        product = products.get(values["sku"])
        if product is None:
            plan.refuse(number, "sku", values["sku"], "no such SKU; import products first")
            continue
        key = (values["order_number"], values["sku"])
        if not first_seen(plan, seen, key, number, "sku", " / ".join(key)):
            continue
        if not state.customer_ok(number, values):
            continue
        header = (values["customer_code"], values["channel"], values["warehouse_code"], ordered_at.date())
        existing = orders.get(values["order_number"])
        if existing is not None:
            theirs = (
                order_customers.get(existing.customer_id),
                existing.channel,
                warehouse_codes.get(existing.warehouse_id),
                existing.ordered_at.date(),
            )
            if not _same_header(plan, number, values, header, theirs, "the order in the system"):
                continue
            line = lines.get((existing.id, product.id))
            if line is not None:
                if (line.qty, line.unit_price) != (values["qty"], values["unit_price"]):
                    plan.refuse(
                        number,
                        "qty",
                        values["qty"],
                        f"{values['order_number']} already has {values['sku']} × {line.qty} at "
                        f"{line.unit_price:.2f}; an import does not change existing lines "
                        "(cancel or adjust it in Backorder Desk)",
                    )
                    continue
                plan.outcomes[number] = state.accept(number, values)
                continue
            if existing.status != "open":
                plan.refuse(
                    number,
                    "order_number",
                    values["order_number"],
                    f"the order is {existing.status}; put new lines on a new order",
                )
                continue
        else:
            first = headers.setdefault(values["order_number"], (number, header))
            if not _same_header(plan, number, values, header, first[1], f"row {first[0]}"):
                continue
        if product.sales_status is SalesStatus.DISCONTINUED:
            plan.refuse(number, "sku", values["sku"], "discontinued; no new orders are taken for it")
            continue
        vip = state.priority(values["customer_code"]) is CustomerPriority.VIP
        new_lines.append((NewLine(number, product.id, warehouse_id, values["qty"], ordered_at, vip, promised), values))
    placement = place_new_lines(session, [line for line, _ in new_lines], ctx.today, ctx.handling_days)
    accepted = []
    for line, values in new_lines:
        reason = placement.refused.get(line.row)
        if reason is not None:
            plan.refuse(line.row, "promised_date", "", reason)
            continue
        state.accept(line.row, values)
        plan.outcomes[line.row] = NEW
        accepted.append((line, values))
    plan.data = {"lines": accepted, "orders": orders, "customers": state, "taken": placement.taken}
    return plan


def _same_header(plan: Plan, number: int, values: dict, ours: tuple, theirs: tuple, where: str) -> bool:
    for column, mine, other in zip(
        ("customer_code", "channel", "warehouse_code", "ordered_at"), ours, theirs, strict=True
    ):
        if mine != other:
            shown = other.isoformat() if hasattr(other, "isoformat") else other
            plan.refuse(
                number,
                column,
                values[column] if column != "ordered_at" else mine.isoformat(),
                f"{values['order_number']} has {shown} in {where}",
            )
            return False
    return True


def _existing_lines(session, order_ids: list[int]) -> dict[tuple[int, int], Any]:
    found = {}
    for part in chunks(sorted(order_ids)):
        query = (
            select(OrderLine.order_id, OrderLine.product_id, OrderLine.qty, OrderLine.unit_price)
            .where(OrderLine.order_id.in_(part))
            .order_by(OrderLine.id)
        )
        for row in session.execute(query):
            found.setdefault((row.order_id, row.product_id), row)
    return found


class _State:
    """The customers the file names: who is new, what changes, and which rows agree."""

    def __init__(self, plan: Plan, existing: dict[str, Any]) -> None:
        self.plan, self.existing = plan, existing
        # customer code → field → (value, row that gave it)
        self.details: dict[str, dict[str, tuple[Any, int]]] = {}
        self.used: set[str] = set()
        self.updated_by: dict[str, int] = {}

    def customer_ok(self, number: int, values: dict[str, Any]) -> bool:
        """Whether the row's customer details agree with earlier rows (and suffice for a new customer)."""
        code = values["customer_code"]
        known = self.details.setdefault(code, {})
        for field in CUSTOMER_FIELDS:
            value = values.get(field)
            if value is None:
                continue
            if field in known and known[field][0] != value:
                earlier, row = known[field]
                self.plan.refuse(number, field, value, f"customer {code} has {earlier} on row {row}")
                return False
        for field in CUSTOMER_FIELDS:
            if values.get(field) is not None and field not in known:
                known[field] = (values[field], number)
        if code not in self.existing:
            missing = [f for f in ("customer_name", "customer_email") if f not in known]
            if missing:
                self.plan.refuse(number, "customer_code", code, f"a new customer: give {' and '.join(missing)}")
                return False
        return True

    def _given(self, code: str) -> dict[str, Any]:
        return {field: value for field, (value, _row) in self.details.get(code, {}).items()}

    def priority(self, code: str) -> CustomerPriority:
        """The customer's priority after the import."""
        given = self._given(code).get("customer_priority")
        if given is not None:
            return given
        current = self.existing.get(code)
        return current.priority if current is not None else CustomerPriority.NORMAL

    def changes(self, code: str) -> dict[str, Any]:
        """Columns of an existing customer the file changes."""
        current = self.existing.get(code)
        if current is None:
            return {}
        given = self._given(code)
        return {
            column: given[f]
            for f, column in CUSTOMER_FIELDS.items()
            if f in given and getattr(current, column) != given[f]
        }

    def accept(self, number: int, values: dict[str, Any]) -> str:
        """Count ``values``' customer as used by an accepted row; the outcome of an existing line's row."""
        code = values["customer_code"]
        self.used.add(code)
        if self.changes(code) and code not in self.updated_by:
            self.updated_by[code] = number
            return UPDATE
        return UNCHANGED

    def new_records(self) -> list[dict[str, Any]]:
        """Customers to create: new codes that an accepted row uses."""
        records = []
        for code in sorted(self.used):
            if code in self.existing:
                continue
            given = self._given(code)
            priority = given.get("customer_priority") or CustomerPriority.NORMAL
            records.append(
                {"code": code, "name": given["customer_name"], "email": given["customer_email"], "priority": priority}
            )
        return records

    def updates(self) -> list[tuple[int, dict[str, Any]]]:
        """``(customer id, changed columns)`` of existing customers an accepted row uses."""
        return [(self.existing[code].id, changes) for code in sorted(self.used) if (changes := self.changes(code))]


def write_orders(ctx: Context, plan: Plan) -> None:
    """Customers, then orders, then lines, then the stock they reserved."""
    session = ctx.session
    state: _State = plan.data["customers"]
    insert_new(session, Customer.__table__, state.new_records())
    update_existing(session, Customer.__table__, state.updates(), ctx.now)
    accepted = plan.data["lines"]
    customer_ids = {
        code: row.id
        for code, row in rows_by_key(
            session, [Customer.id, Customer.code], Customer.code, (v["customer_code"] for _, v in accepted)
        ).items()
    }
    existing = plan.data["orders"]
    new_orders: dict[str, dict[str, Any]] = {}
    for line, values in accepted:
        if values["order_number"] not in existing and values["order_number"] not in new_orders:
            new_orders[values["order_number"]] = {
                "number": values["order_number"],
                "customer_id": customer_ids[values["customer_code"]],
                "channel": values["channel"],
                "warehouse_id": line.warehouse_id,
                "ordered_at": values["ordered_at"],
                "status": "open",
            }
    insert_new(session, SalesOrder.__table__, list(new_orders.values()))
    order_ids = {number: row.id for number, row in existing.items()}
    order_ids |= {
        n: row.id
        for n, row in rows_by_key(session, [SalesOrder.id, SalesOrder.number], SalesOrder.number, new_orders).items()
    }
    insert_new(session, OrderLine.__table__, [_line_record(line, values, order_ids) for line, values in accepted])
    taken = plan.data["taken"]
    changes = [(level_id, {"allocated": before + units}) for level_id, (before, units, _) in taken.items()]
    versions = {level_id: version for level_id, (_, _, version) in taken.items()}
    update_existing(session, StockLevel.__table__, changes, ctx.now, versions)


def _line_record(line: NewLine, values: dict[str, Any], order_ids: dict[str, int]) -> dict[str, Any]:
    waiting = line.status is LineStatus.BACKORDERED
    return {
        "order_id": order_ids[values["order_number"]],
        "product_id": line.product_id,
        "warehouse_id": line.warehouse_id,
        "qty": line.qty,
        "qty_allocated": line.allocated,
        "qty_shipped": 0,
        "unit_price": values["unit_price"],
        "status": line.status,
        "backordered_at": line.ordered_at if waiting else None,
        "original_promised_date": line.promised,
        "promised_date": line.promised,
        "promise_revision_count": 0,
        "shipped_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "priority_pin": None,
        "version": 1,
    }
