"""Shop order exports as sales history: Shopify's orders export and line-level WooCommerce order exports.

Recognised by their header, like the product exports (:mod:`.shops`), and imported as ``sales``
without a mapping. One row is one order line; what happens to it depends on where the line stands:

- **cancelled** (Shopify: the order has a ``Cancelled at``; WooCommerce: ``cancelled``, ``failed``,
  ``checkout-draft``, ``trash``) — not demand: left out and counted;
- **fulfilled** (Shopify line fulfillment status ``fulfilled``, or ``partial``: part of it left
  the warehouse, so the order was demand; WooCommerce ``completed``) — history: a sales line sold
  at the order's date, shipped at Shopify's ``Fulfilled at`` (WooCommerce's completion date when
  the export has one);
- **refunded** (WooCommerce ``refunded``) — history whose units all came back (``returned_qty`` =
  quantity), unless the export says how many were refunded;
- **open** (Shopify ``pending`` / ``unfulfilled`` / blank and not cancelled; WooCommerce
  ``processing``, ``on-hold``, ``pending``) — an order the customer placed and the shop has not
  shipped. It is demand that happened on its order date, so it is booked as a sales line without
  a ship date (a later export showing it fulfilled adds the date: the same line, updated), and
  the report counts it as open. It is *not* made an order line for Backorder Desk to serve: the
  units the shop still owes those customers are already in the shop's product export (Shopify's
  ``Variant Inventory Qty`` is on hand less what unfulfilled orders hold, negative when
  oversold), so serving them as orders too would count them twice. Leaving them out would
  under-count demand exactly where it matters, for a SKU that is out of stock now;
- Shopify ``restocked`` lines (taken off the order and put back on the shelf) are not demand.

Shopify writes an order's fields (``Created at``, ``Fulfilled at``, ``Cancelled at``, ``Email``,
``Source``…) only on the order's first row; every later row of the same ``Name`` takes them from
there (so do WooCommerce exports that leave order columns blank on an order's later item rows).
Rows without a SKU (custom items, tips, gift cards) are not products: ignored and counted.

Returns: Shopify's export has no returned quantity per line (refunds are order amounts), so its
lines carry none. WooCommerce's item refund quantity (``item_refunded_qty``, negative as
WooCommerce stores it) or "Quantity" beside "Quantity (- Refund)" gives ``returned_qty``; a line
whose units were all refunded away with nothing left (only "Quantity (- Refund)", 0) is not demand.

The warehouse is the one chosen for the import (``--warehouse``, or the only one there is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboard.domain import import_values as v
from dashboard.services.imports.common import Context, Plan
from dashboard.services.imports.files import ImportFileError, Table
from dashboard.services.imports.kinds import Field, Kind, ParsedRow
from dashboard.services.imports.report import Rejected
from dashboard.services.imports.sales import plan_sales
from dashboard.services.imports.shop_import import shop_warehouse

ORDER_EXPORTS = ("shopify_orders", "woocommerce_orders")
LABELS = {"shopify_orders": "Shopify orders export", "woocommerce_orders": "WooCommerce order export"}
SOLD, REFUNDED, OPEN, CANCELLED = "sold", "refunded", "open", "cancelled"

SHOPIFY_FULFILMENT = {
    "fulfilled": SOLD,
    "partial": SOLD,
    "pending": OPEN,
    "unfulfilled": OPEN,
    "restocked": CANCELLED,
}
WOO_STATUS = {
    "completed": SOLD,
    "refunded": REFUNDED,
    "processing": OPEN,
    "on-hold": OPEN,
    "pending": OPEN,
    "pending-payment": OPEN,
    "cancelled": CANCELLED,
    "failed": CANCELLED,
    "checkout-draft": CANCELLED,
    "draft": CANCELLED,
    "trash": CANCELLED,
}


def _shopify_fulfilment(raw: Any) -> str:
    word = v.cell_text(raw).lower()
    if word not in SHOPIFY_FULFILMENT:
        raise ValueError(f"{v.shown(raw)} is not a line fulfillment status; use {', '.join(SHOPIFY_FULFILMENT)}")
    return SHOPIFY_FULFILMENT[word]


def _woo_status(raw: Any) -> str:
    # Exports write the slug ("on-hold", "wc-completed") or the label ("On hold", "Pending payment").
    word = v.cell_text(raw).lower().removeprefix("wc-").replace(" ", "-").replace("_", "-")
    if word not in WOO_STATUS:
        raise ValueError(f"{v.shown(raw)} is not a WooCommerce order status; use {', '.join(WOO_STATUS)}")
    return WOO_STATUS[word]


_signed_units = v.whole(-v.MAX_UNITS)


def _refunded_units(raw: Any) -> int:
    # WooCommerce keeps refunded quantities negative; some exports print them positive.
    return abs(_signed_units(raw))


SHOP_SALES_KIND = Kind(
    "shop_sales",
    "A shop's orders export, one row per order line.",
    (
        Field("order_number", v.text(32), "order", True),
        Field("sku", v.text(64), "SKU", True),
        Field("qty", v.whole(0), "quantity", True),
        Field("net_qty", v.whole(0), "quantity less refunds"),
        Field("sold_at", v.moment, "order date", True),
        Field("shipped_at", v.moment, "fulfilled at"),
        Field("cancelled_at", v.moment, "cancelled at"),
        Field("fulfilment", _shopify_fulfilment, "line fulfillment status"),
        Field("order_fulfilment", _shopify_fulfilment, "order fulfillment status"),
        Field("status", _woo_status, "order status", True),
        Field("returned_qty", _refunded_units, "refunded quantity"),
        Field("channel", v.text(32), "source"),
        Field("unit_price", v.money, "price"),
        Field("customer", v.text(254), "e-mail"),
    ),
    ("order_number", "sku"),
)

SHOPIFY_COLUMNS = {
    "order_number": "Name",
    "sku": "Lineitem sku",
    "qty": "Lineitem quantity",
    "sold_at": "Created at",
    "shipped_at": "Fulfilled at",
    "cancelled_at": "Cancelled at",
    "fulfilment": "Lineitem fulfillment status",
    "order_fulfilment": "Fulfillment Status",
    "channel": "Source",
    "unit_price": "Lineitem price",
    "customer": "Email",
}
# Written on an order's first row only (Shopify), or possibly so (WooCommerce exports set to leave them blank).
ORDER_FIELDS = ("sold_at", "shipped_at", "cancelled_at", "order_fulfilment", "status", "channel", "customer")
# Each WooCommerce field and the names export plugins give its column (Advanced Order Export's labels,
# the Customer/Order CSV Export's and Order Export & Import's keys): the first one in the header counts.
WOO_ALIASES = {
    "order_number": ("order number", "order_number", "order id", "order_id"),
    "status": ("order status", "status", "order_status"),
    "sold_at": ("order date", "order_date", "date created", "date_created"),
    "sku": ("sku", "item_sku", "item sku", "product sku"),
    "qty": ("quantity", "item_quantity", "item quantity", "qty"),
    "net_qty": ("quantity (- refund)",),
    "returned_qty": ("item_refunded_qty", "item refunded quantity", "refunded quantity", "qty refunded"),
    "unit_price": ("item cost", "item_price", "item price"),
    "shipped_at": ("completed date", "date completed", "date_completed", "completed_date", "order completed date"),
    "customer": ("email (billing)", "billing_email", "billing email", "customer email", "customer_email"),
    "channel": ("created via", "created_via"),
}
WOO_REQUIRED = ("order_number", "status", "sold_at", "sku")


@dataclass
class OrderRows:
    """An order export's lines as :data:`SHOP_SALES_KIND` rows, its column per field, and what was left out."""

    kind: str
    rows: list[tuple[int, dict[str, Any]]]
    columns: dict[str, str]
    ignored: int
    notes: list[str] = field(default_factory=list)


def _index(header: list[str]) -> dict[str, int]:
    """Column index by lower-case name (the first of a repeated name)."""
    return {c.strip().lower(): i for i, c in reversed(list(enumerate(header)))}


def _woo_columns(header: list[str]) -> dict[str, str]:
    index = _index(header)
    names = {c.strip().lower(): c.strip() for c in reversed(header)}
    found = {}
    for ours, aliases in WOO_ALIASES.items():
        hit = next((alias for alias in aliases if alias in index), None)
        if hit is not None:
            found[ours] = names[hit]
    return found


def detect_order_export(header: list[str]) -> str | None:
    """``"shopify_orders"``, ``"woocommerce_orders"`` or None, from a file's header."""
    names = set(_index(header))
    if {"name", "created at", "lineitem quantity", "lineitem sku"} <= names:
        return "shopify_orders"
    found = _woo_columns(header)
    if all(f in found for f in WOO_REQUIRED) and ("qty" in found or "net_qty" in found):
        return "woocommerce_orders"
    return None


def order_columns(kind: str, header: list[str]) -> dict[str, str]:
    """``{our_field: the export's column}`` for the columns this export has (shown on the page, used in reports)."""
    if kind == "shopify_orders":
        index = _index(header)
        return {ours: theirs for ours, theirs in SHOPIFY_COLUMNS.items() if theirs.lower() in index}
    return _woo_columns(header)


def order_rows(kind: str, table: Table) -> OrderRows:
    """The export's lines keyed by :data:`SHOP_SALES_KIND` fields (raw cells), order fields filled down."""
    if detect_order_export(table.header) != kind:
        raise ImportFileError(f"{table.name} does not look like a {LABELS[kind]} (its header differs).")
    columns = order_columns(kind, table.header)
    index = _index(table.header)
    at = {ours: index[theirs.lower()] for ours, theirs in columns.items()}
    orders: dict[str, dict[str, Any]] = {}
    rows, without_sku = [], 0
    for number, cells in table.rows:
        row = {ours: cells[i] if i < len(cells) else None for ours, i in at.items()}
        first = orders.setdefault(v.cell_text(row["order_number"]), {})
        for name in ORDER_FIELDS:
            if name in row:
                if v.is_blank(row[name]):
                    row[name] = first.get(name)
                else:
                    first.setdefault(name, row[name])
        if v.is_blank(row["sku"]):
            without_sku += 1  # a custom item, a tip, a gift card: nothing we stock
            continue
        rows.append((number, row))
    notes = [f"{without_sku:,} line(s) without a SKU (custom items, tips, gift cards) ignored."] if without_sku else []
    return OrderRows(kind, rows, columns, without_sku, notes)


def settle(values: dict[str, Any]) -> str:
    """Where a parsed line stands (sold, open, cancelled); a sold or open line's values become a sales row's.

    Sets ``qty`` and ``returned_qty`` from the export's quantities; a line with nothing left
    after refunds is cancelled. An open line has not shipped: its ship date (Shopify's is the
    order's) is dropped, and so is any refund.
    """
    if values.get("cancelled_at") is not None:
        return CANCELLED
    # The line's own status; an export without it has the order's (filled down from its first row).
    fate = values.get("fulfilment") or values.get("order_fulfilment") or values.get("status", OPEN)
    if fate == CANCELLED:
        return fate
    qty, net, refunded = values.get("qty"), values.get("net_qty"), values.pop("returned_qty", None)
    if qty is None:
        qty, refunded = net, refunded if refunded is not None else 0
    elif refunded is None and net is not None:
        refunded = max(qty - net, 0)
    if not qty:
        return CANCELLED
    values["qty"] = qty
    if fate == OPEN:
        values.pop("shipped_at", None)
        return OPEN
    if refunded is None:
        refunded = qty if fate == REFUNDED else None
    if refunded is not None:
        values["returned_qty"] = min(refunded, qty)
    return SOLD


def plan_shop_sales(ctx: Context, rows: list[ParsedRow], columns: dict[str, str]) -> Plan:
    """The export's sold and open lines planned as sales in the chosen warehouse; cancelled lines counted and told.

    Refused rows name the export's own columns.
    """
    booked: list[ParsedRow] = []
    counts = {SOLD: 0, OPEN: 0, CANCELLED: 0}
    for number, values in rows:
        fate = settle(values)
        counts[fate] += 1
        if fate != CANCELLED:
            booked.append((number, values))
    code = shop_warehouse(ctx) if booked else None
    for _, values in booked:
        values["warehouse_code"] = code
    plan = plan_sales(ctx, booked)
    names = {**columns, "warehouse_code": "warehouse"}
    plan.rejected = [Rejected(r.row, names.get(r.column, r.column), r.value, r.reason) for r in plan.rejected]
    plan.ignored += counts[CANCELLED]
    if counts[CANCELLED]:
        plan.notes.append(f"{counts[CANCELLED]:,} line(s) cancelled, restocked or refunded away: not demand, left out.")
    if counts[OPEN]:
        plan.notes.append(
            f"{counts[OPEN]:,} unfulfilled line(s) are open orders: booked as demand on their order date, without "
            "a ship date (a later export showing them fulfilled adds it). They are not orders Backorder Desk "
            "serves: what the shop still owes them is in the product export's available quantity."
        )
    return plan
