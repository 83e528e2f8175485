"""The import kinds: their columns (template order), which are required, what each means, and row parsing.

A kind's natural key is what makes an import an upsert: a row whose key exists updates that
record (or changes nothing when it already holds the row's values); a new key creates one.

Blank cells: a required column must have a value. An optional column left out of the file
changes nothing. An optional column in the file with a blank cell keeps the current value (new
records take the default), except the *override* columns (``max_backorder_days``,
``safety_stock``, ``reorder_point``), where blank means "no override".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard.domain import import_values as v
from dashboard.domain import sales_periods as periods
from dashboard.domain.codes import Channel, CustomerPriority, SalesStatus, Substitutability
from dashboard.services.imports.report import Rejected, clip

MAX_LEAD_DAYS = 365


@dataclass(frozen=True)
class Field:
    """One column of a kind."""

    name: str
    parse: Callable[[Any], Any]
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    # An override column: a blank cell means "no override" (otherwise a blank keeps the current value).
    blank_clears: bool = False


@dataclass(frozen=True)
class Kind:
    """An import kind: ordered columns, the natural key, and whether it moves KPI history."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    moves_kpi_history: bool = False

    @property
    def required(self) -> list[str]:
        """Names of the required columns, in template order."""
        return [f.name for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        """The column called ``name``."""
        return next(f for f in self.fields if f.name == name)


def _f(name, parse, description, required=False, *aliases) -> Field:
    return Field(name, parse, description, required, tuple(aliases))


def _override(name, parse, description, *aliases) -> Field:
    return Field(name, parse, description, False, tuple(aliases), blank_clears=True)


SKU = _f(
    "sku",
    v.text(64),
    "Your SKU (stock keeping unit), as on the shop.",
    True,
    *("item", "item no", "item number", "item code", "article", "article no", "product code", "variant sku"),
)
WAREHOUSE = _f(
    "warehouse_code", v.text(16), "Code of a warehouse already set up.", True, "warehouse", "location", "site", "whse"
)
SUPPLIER = _f("supplier_code", v.text(32), "Code of a supplier already set up.", True, "supplier", "vendor")
LEAD = v.whole(1, MAX_LEAD_DAYS)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "warehouses",
            "Stocking locations.",
            (
                _f("code", v.text(16), "Short unique code, e.g. BER.", True, "warehouse_code"),
                _f("name", v.text(120), "Name shown in the app.", True),
                _f("timezone", v.timezone, "IANA time zone, e.g. Europe/Berlin (default UTC)."),
            ),
            ("code",),
        ),
        Kind(
            "suppliers",
            "Vendors you buy from.",
            (
                _f("code", v.text(32), "Short unique supplier code.", True, "supplier_code", "vendor_code"),
                _f("name", v.text(200), "Supplier name.", True, "supplier_name", "vendor"),
                _f("country", v.country, "Two-letter country code, e.g. DE.", True, "country_code"),
                _f("email", v.email, "Purchasing contact e-mail (optional).", False, "e-mail"),
                _f("quoted_lead_time_days", LEAD, "Lead time the supplier quotes, days (1–365).", True, "lead_time"),
            ),
            ("code",),
        ),
        Kind(
            "products",
            "The catalog: one row per SKU.",
            (
                SKU,
                _f("name", v.text(200), "Product name.", True, "title", "product_name", "description"),
                _f("category", v.text(80), "Category for breakdowns.", True, "product_type", "type"),
                _f("unit_price", v.money, "Selling price (≥ 0).", True, "price"),
                _f("unit_cost", v.money, "Cost per unit (≥ 0).", True, "cost", "cost_price"),
                _f(
                    "substitutability",
                    v.code(Substitutability),
                    f"How easily customers buy it elsewhere: {', '.join(Substitutability.values())} "
                    "(default standard).",
                ),
                _f(
                    "sales_status",
                    v.code(SalesStatus),
                    f"{', '.join(SalesStatus.values())} (new SKUs default to in_stock; a change to an "
                    "existing SKU goes through the status rules and is audited).",
                    False,
                    "status",
                ),
                _override("max_backorder_days", LEAD, "Longest wait to offer a backorder, days (blank: default 21)."),
            ),
            ("sku",),
            moves_kpi_history=True,
        ),
        Kind(
            "product_suppliers",
            "Which supplier supplies which SKU, on what terms.",
            (
                SKU,
                SUPPLIER,
                _f("is_primary", v.flag, "true for the SKU's primary supplier (one per SKU).", False, "primary"),
                _f("quoted_lead_time_days", LEAD, "Quoted lead time for this SKU, days.", True, "lead_time"),
                _f("moq", v.whole(1), "Minimum order quantity (default 1).", False, "minimum_order_quantity"),
                _f("pack_size", v.whole(1), "Units per pack; orders round up to it (default 1).", False, "case_pack"),
                _f("unit_cost", v.money, "This supplier's cost per unit.", True, "cost", "price"),
            ),
            ("sku", "supplier_code"),
            moves_kpi_history=True,
        ),
        Kind(
            "stock",
            "On-hand stock per SKU and warehouse (a stock count).",
            (
                SKU,
                WAREHOUSE,
                _f(
                    "on_hand",
                    v.whole(0),
                    "Units physically in the warehouse.",
                    True,
                    *("qty", "quantity", "qty on hand", "quantity on hand", "on hand qty", "stock", "counted"),
                ),
                _override(
                    "safety_stock", v.whole(0), "Safety stock override (blank: computed).", "safety", "safety qty"
                ),
                _override(
                    "reorder_point", v.whole(0), "Reorder point override (blank: computed).", "rop", "reorder level"
                ),
            ),
            ("sku", "warehouse_code"),
        ),
        Kind(
            "orders",
            "Open sales orders, one row per order line.",
            (
                _f("order_number", v.text(32), "The shop's order number.", True, "order", "order_id", "name"),
                _f("customer_code", v.text(32), "Customer number.", True, "customer", "customer_id"),
                _f("customer_name", v.text(200), "Needed when the customer is new.", False),
                _f("customer_email", v.email, "Needed when the customer is new.", False, "email"),
                _f("customer_priority", v.code(CustomerPriority), "normal or vip (default normal).", False),
                _f("channel", v.code(Channel), f"One of: {', '.join(Channel.values())}.", True, "source"),
                WAREHOUSE,
                _f("ordered_at", v.moment, "When ordered: YYYY-MM-DD or YYYY-MM-DD HH:MM (UTC).", True, "created_at"),
                SKU,
                _f("qty", v.whole(1), "Units ordered (≥ 1).", True, "quantity", "lineitem_quantity"),
                _f("unit_price", v.money, "Price per unit on the order.", True, "price", "lineitem_price"),
                _f("promised_date", v.day, "Date promised to the customer (optional).", False, "promise"),
            ),
            ("order_number", "sku"),
            moves_kpi_history=True,
        ),
        Kind(
            "purchase_orders",
            "Open purchase orders, one row per PO line.",
            (
                _f("po_number", v.text(32), "Purchase order number.", True, "po", "purchase_order"),
                SUPPLIER,
                WAREHOUSE,
                _f("ordered_at", v.moment, "When the PO was placed (YYYY-MM-DD).", True, "order_date"),
                _f("eta", v.day, "Expected arrival (YYYY-MM-DD), not before ordered_at.", True, "expected"),
                _f("eta_confirmed", v.flag, "true when the supplier confirmed the ETA.", False, "confirmed"),
                SKU,
                _f("qty", v.whole(1), "Units ordered (≥ 1).", True, "quantity"),
                _f("cross_dock", v.flag, "true when the units go straight to waiting orders.", False),
            ),
            ("po_number", "sku"),
            moves_kpi_history=True,
        ),
        Kind(
            "receipts",
            "Goods received against purchase orders (a WMS's goods-received export).",
            (
                _f("po_number", v.text(32), "Purchase order number.", True, "po"),
                _f("sku", v.text(64), "SKU received.", True, "item", "item no", "item number"),
                _f("qty", v.whole(1), "Units received (≥ 1).", True, "quantity", "qty received", "received"),
                _f(
                    "reference",
                    v.text(48),
                    "Delivery note (or the WMS's receipt reference). Required: it is what makes a re-import safe, "
                    "as the same PO, SKU and note is booked once. At most 48 characters, and with the PO number "
                    "(filed as 'PO / note') at most 51 in all.",
                    True,
                    *("delivery note", "delivery_note", "receipt reference", "grn", "packing slip", "asn"),
                ),
            ),
            ("po_number", "sku", "reference"),
        ),
        Kind(
            "sales_periods",
            "Units sold per SKU and warehouse over periods (for systems that keep only totals): one period per "
            "row (start and end, a month or an ISO week), or a snapshot's 'sold in the last N months' columns.",
            (
                SKU,
                _f(
                    "warehouse_code",
                    v.text(16),
                    "Code of a warehouse already set up (or give one warehouse for the whole file).",
                    True,
                    *WAREHOUSE.aliases,
                ),
                _f(
                    "period_start", v.day, "First day of the period (YYYY-MM-DD).", False, "start", "from", "start_date"
                ),
                _f(
                    "period_end",
                    v.day,
                    "Last day of the period, included (YYYY-MM-DD).",
                    False,
                    "end",
                    "to",
                    "end_date",
                ),
                _f("month", periods.month_period, "Or the month: 2026-03, Mar 2026 or a date in it.", False),
                _f("week", periods.week_period, "Or the ISO week: 2026-W09.", False, "iso_week", "iso week"),
                _f(
                    "quantity",
                    v.whole(0),
                    "Units sold in the period (≥ 0).",
                    False,
                    *("qty", "units", "units_sold", "qty_sold", "quantity_sold", "sold", "sales"),
                ),
                _f(
                    "days_out_of_stock",
                    v.whole(0),
                    "Days of the period the SKU could not be sold (optional; at most the period's length).",
                    False,
                    *("stockout_days", "days_oos", "oos_days", "out_of_stock_days"),
                ),
                _f(
                    "as_of",
                    v.day,
                    "Snapshot files: the day the 'last N months' columns end on (default today).",
                    False,
                    *("as of", "as_of_date", "snapshot_date", "snapshot"),
                ),
            ),
            ("sku", "warehouse_code", "period_start", "period_end"),
        ),
    )
}
TEMPLATES = {name: [f.name for f in kind.fields] for name, kind in KINDS.items()}


def template(kind: str) -> str:
    """The CSV header of ``kind``'s template."""
    return ",".join(TEMPLATES[kind]) + "\n"


def describe(kind: str) -> list[dict[str, object]]:
    """Each column of ``kind``: name, required, description (for the page and the template help)."""
    return [{"name": f.name, "required": f.required, "description": f.description} for f in KINDS[kind].fields]


ParsedRow = tuple[int, dict[str, Any]]


def parse_rows(
    kind: Kind, rows: list[tuple[int, dict[str, Any]]], tick: Callable[[int], None] | None = None
) -> tuple[list[ParsedRow], list[Rejected]]:
    """Check every cell of every row; returns the clean rows and one :class:`Rejected` per bad cell.

    A clean row holds each mapped column's parsed value. A blank optional cell is left out (keep the
    current value; new records take the default), except an override column's, which is None.
    """
    good: list[ParsedRow] = []
    bad: list[Rejected] = []
    parsers = {f.name: f for f in kind.fields}
    for index, (number, raw) in enumerate(rows, start=1):
        values: dict[str, Any] = {}
        problems = []
        for name, cell in raw.items():
            spec = parsers[name]
            if v.is_blank(cell):
                if spec.required:
                    problems.append(Rejected(number, name, "", "required"))
                elif spec.blank_clears:
                    values[name] = None
                continue
            try:
                values[name] = spec.parse(cell)
            except ValueError as exc:
                problems.append(Rejected(number, name, clip(cell), str(exc)))
        if problems:
            bad.extend(problems)
        else:
            good.append((number, values))
        if tick and index % 10_000 == 0:
            tick(10_000)
    if tick:
        tick(len(rows) % 10_000)
    return good, bad
