"""Importing open sales orders and their lines (key: order number + SKU).

Why imported lines do not go through :func:`dashboard.services.orders.place_line`: that function
decides whether the *shop takes* a new order — it refuses a line when the SKU is out of stock or
past its backorder cap, and tells the customer their backorder is confirmed. An imported order
was already taken by the shop; refusing it would hide a real customer's order, and e-mailing
thousands of customers about orders they placed days ago would be noise. So the import keeps
place_line's rules about *where a line stands* and applies them in bulk
(:mod:`.order_queue`): free stock first, in queue order, otherwise a backorder promised at the
P80 date of its projected window, or — when nothing covers it yet — by the policy (the last day
of the SKU's maximum backorder wait); no customer notices are queued (the next real change of a
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
    rows_by_key,
    warehouse_ids,
)
from dashboard.services.imports.kinds import ParsedRow
from dashboard.services.imports.order_queue import NewLine, place_new_lines

CUSTOMER_FIELDS = {"customer_name": "name", "customer_email": "email", "customer_priority": "priority"}


def plan_orders(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Decide every row: a new line (allocated or waiting, with its promise), unchanged, or refused."""
    session = ctx.session
    plan = Plan()
    warehouses = warehouse_ids(session)
    products = rows_by_key(
        session,
        [Product.id, Product.sku, Product.sales_status, Product.max_backorder_days],
        Product.sku,
        (v["sku"] for _, v in rows),
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
    unchanged_lines: list[int] = []  # rows naming an existing line as it is
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
                state.hold(number, values)
                unchanged_lines.append(number)
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
        state.hold(number, values)
        vip = state.priority(values["customer_code"], number) is CustomerPriority.VIP
        line = NewLine(
            number, product.id, warehouse_id, values["qty"], ordered_at, vip, promised, product.max_backorder_days
        )
        new_lines.append((line, values))
    placement = place_new_lines(session, [line for line, _ in new_lines], ctx.today, ctx.handling_days)
    for number in unchanged_lines:
        plan.outcomes[number] = state.outcome(number)
    for line, _values in new_lines:
        plan.outcomes[line.row] = NEW
    plan.data = {"lines": new_lines, "orders": orders, "customers": state, "taken": placement.taken}
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
    """The customers the file names: who is new, what changes, and which rows agree.

    Only accepted rows give customer details: a row is held once every check of its own has passed
    (placing a new line refuses none: a line nothing covers is promised by the policy), so a
    refused row never changes a customer nor stands in another row's way. Rows are held in file
    order.
    """

    def __init__(self, plan: Plan, existing: dict[str, Any]) -> None:
        self.plan, self.existing = plan, existing
        # customer code → field → {held row: value}, rows in file order (all values of a field agree)
        self.given: dict[str, dict[str, dict[int, Any]]] = {}
        self.held: dict[int, str] = {}  # held row → its customer code
        self.updated: set[str] = set()  # codes whose update an accepted row's outcome counts

    def _first(self, code: str, field: str, upto: int | None = None) -> tuple[Any, int] | None:
        """``(value, row)`` of the first held row giving ``field`` (at or before row ``upto``)."""
        rows = self.given.get(code, {}).get(field)
        if not rows:
            return None
        row, value = next(iter(rows.items()))
        return None if upto is not None and row > upto else (value, row)

    def _missing(self, code: str, values: dict[str, Any], upto: int) -> list[str]:
        """The name / e-mail a new customer still lacks, from held rows up to ``upto`` and ``values``."""
        if code in self.existing:
            return []
        return [
            f
            for f in ("customer_name", "customer_email")
            if values.get(f) is None and self._first(code, f, upto) is None
        ]

    def customer_ok(self, number: int, values: dict[str, Any]) -> bool:
        """Whether the row's customer details agree with held rows (and suffice for a new customer).

        Nothing is recorded: the row's details count once it is :meth:`hold`-ed.
        """
        code = values["customer_code"]
        for field in CUSTOMER_FIELDS:
            value = values.get(field)
            if value is None:
                continue
            first = self._first(code, field)
            if first is not None and first[0] != value:
                earlier, row = first
                self.plan.refuse(number, field, value, f"customer {code} has {earlier} on row {row}")
                return False
        missing = self._missing(code, values, number)
        if missing:
            self.plan.refuse(number, "customer_code", code, f"a new customer: give {' and '.join(missing)}")
            return False
        return True

    def hold(self, number: int, values: dict[str, Any]) -> None:
        """Count row ``number``'s customer details: every check of the row itself has passed."""
        code = values["customer_code"]
        self.held[number] = code
        given = self.given.setdefault(code, {})
        for field in CUSTOMER_FIELDS:
            if values.get(field) is not None:
                given.setdefault(field, {})[number] = values[field]

    def _given(self, code: str, upto: int | None = None) -> dict[str, Any]:
        found = {field: self._first(code, field, upto) for field in CUSTOMER_FIELDS}
        return {field: first[0] for field, first in found.items() if first is not None}

    def priority(self, code: str, upto: int | None = None) -> CustomerPriority:
        """The customer's priority after the import (as far as the held rows up to row ``upto`` tell)."""
        given = self._given(code, upto).get("customer_priority")
        if given is not None:
            return given
        current = self.existing.get(code)
        return current.priority if current is not None else CustomerPriority.NORMAL

    def changes(self, code: str, upto: int | None = None) -> dict[str, Any]:
        """Columns of an existing customer the file changes (the held rows up to row ``upto``)."""
        current = self.existing.get(code)
        if current is None:
            return {}
        given = self._given(code, upto)
        return {
            column: given[f]
            for f, column in CUSTOMER_FIELDS.items()
            if f in given and getattr(current, column) != given[f]
        }

    def outcome(self, number: int) -> str:
        """The outcome of an accepted row naming an existing line, asked in file order once all rows are decided.

        The first such row of a customer the accepted rows up to it change is the update.
        """
        code = self.held[number]
        if code not in self.updated and self.changes(code, number):
            self.updated.add(code)
            return UPDATE
        return UNCHANGED

    @property
    def used(self) -> set[str]:
        """Codes of the customers accepted rows use."""
        return set(self.held.values())

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
