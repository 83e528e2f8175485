"""The import kinds: their columns (template order), which are required, what each means, and row parsing.

A kind's natural key is what makes an import an upsert: a row whose key exists updates that
record (or changes nothing when it already holds the row's values); a new key creates one.

Blank cells: a required column must have a value. An optional column left out of the file
changes nothing. An optional column in the file with a blank cell keeps the current value (new
records take the default; a product's name, category, price and cost are then *unknown*),
except where the column says what a blank means: the *override* columns (``max_backorder_days``,
``safety_stock``, ``reorder_point``), where blank means "no override", and a stock count's
``units_on_backorder`` and ``in_transit``, which say how things stand now, where blank is 0.

Every value a file (or ``--set``) gives goes through the same cell parser
(:mod:`dashboard.domain.import_values`). A column in other units names the field it fills
(``into``): a lead time in weeks becomes the lead time in days, and a row giving both is refused.
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
# What a blank cell means by default: keep the current value (new records take the default).
KEEP = "keep"


@dataclass(frozen=True)
class Field:
    """One column of a kind."""

    name: str
    parse: Callable[[Any], Any]
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    # What a blank cell means: KEEP the current value, or this value (None: "no override").
    blank: Any = KEEP
    # The field this column fills in other units (a lead time in weeks fills the one in days).
    into: str | None = None


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
    return Field(name, parse, description, False, tuple(aliases), blank=None)


def _now(name, parse, description, *aliases) -> Field:
    """A quantity that says how things stand now: blank is 0."""
    return Field(name, parse, description, False, tuple(aliases), blank=0)


def _weeks(description, *aliases) -> Field:
    return Field(
        "quoted_lead_time_weeks",
        v.weeks_as_days(MAX_LEAD_DAYS),
        description,
        False,
        tuple(aliases),
        into="quoted_lead_time_days",
    )


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
# 0 days is same-day supply (a local wholesaler), not a missing value.
LEAD = v.whole(0, MAX_LEAD_DAYS)
# A customer's longest wait is at least a day (a backorder shipped the same day is no backorder).
WAIT = v.whole(1, MAX_LEAD_DAYS)
WEEKS_ALIASES = ("lead time in weeks", "lead time weeks", "lead_time_weeks", "lead time (weeks)")
_units = v.whole(-v.MAX_UNITS)


def _sold_units(raw: Any) -> int:
    """Units sold on a history line: 1 or more; a negative quantity (a return) is pointed to returned_qty."""
    value = _units(raw)
    if value < 0:
        raise ValueError(f"{v.shown(raw)} is negative: a return is returned_qty on the line that sold, not a line")
    if value == 0:
        raise ValueError(f"{v.shown(raw)} sold nothing; leave the row out")
    return value


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
                _f(
                    "country", v.country, "Two-letter country code, e.g. DE (optional: unknown).", False, "country_code"
                ),
                _f("email", v.email, "Purchasing contact e-mail (optional).", False, "e-mail"),
                _f(
                    "quoted_lead_time_days",
                    LEAD,
                    "Lead time the supplier quotes, days (0–365; 0 is same-day supply). Optional: without it "
                    "each of the supplier's SKUs needs its own lead time.",
                    False,
                    "lead_time",
                ),
                _weeks("The quoted lead time in weeks instead of days.", *WEEKS_ALIASES),
            ),
            ("code",),
        ),
        Kind(
            "products",
            "The catalog: one row per SKU.",
            (
                SKU,
                _f(
                    "name",
                    v.text(200),
                    "Product name (optional: unknown, shown as —).",
                    False,
                    "title",
                    "product_name",
                    "description",
                ),
                _f(
                    "category",
                    v.text(80),
                    "Category for breakdowns (optional: unknown).",
                    False,
                    "product_type",
                    "type",
                ),
                _f(
                    "unit_price",
                    v.money,
                    "Selling price (≥ 0). Optional: an unknown price is left out of lost sales, never counted as 0.",
                    False,
                    "price",
                ),
                _f(
                    "unit_cost",
                    v.money,
                    "Cost per unit (≥ 0). Optional: an unknown cost is left out of inventory and order values.",
                    False,
                    "cost",
                    "cost_price",
                ),
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
                _override("max_backorder_days", WAIT, "Longest wait to offer a backorder, days (blank: default 21)."),
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
                _f(
                    "quoted_lead_time_days",
                    LEAD,
                    "Quoted lead time for this SKU, days (0 is same-day supply). Blank: the supplier's quoted "
                    "lead time (a row is refused when the supplier has none either).",
                    False,
                    "lead_time",
                ),
                _weeks("The SKU's lead time in weeks instead of days (a snapshot's lead time).", *WEEKS_ALIASES),
                _f("moq", v.whole(1), "Minimum order quantity (default 1).", False, "minimum_order_quantity"),
                _f("pack_size", v.whole(1), "Units per pack; orders round up to it (default 1).", False, "case_pack"),
                _f(
                    "unit_cost",
                    v.money,
                    "This supplier's cost per unit (optional: a new link takes the product's cost, maybe unknown).",
                    False,
                    "cost",
                    "price",
                ),
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
                    v.whole(-v.MAX_UNITS),
                    "Units physically in the warehouse. A negative count is what the shop owes beyond its stock: "
                    "on hand becomes 0 and the units are kept as owed.",
                    True,
                    *("qty", "quantity", "qty on hand", "quantity on hand", "on hand qty", "stock", "counted"),
                    *("national_inv", "inventory", "current inventory"),
                ),
                _now(
                    "units_on_backorder",
                    v.whole(0),
                    "Units customers are owed that no order line in Backorder Desk stands for (a snapshot's "
                    "backorder total; blank is 0). With a negative count the larger of the two is owed.",
                    *("on backorder", "backorder qty", "backorder quantity", "backordered", "bo qty", "local_bo_qty"),
                ),
                _now(
                    "in_transit",
                    v.whole(0),
                    "Units on their way with no purchase order here; counted as on order (blank is 0).",
                    *("in transit", "on order", "incoming", "open po qty", "in_transit_qty", "qty on order"),
                    *("in transit qty", "on order qty"),
                ),
                _f(
                    "in_transit_eta",
                    v.day,
                    "When the units in transit are expected (YYYY-MM-DD). Blank: within the supplier's lead time.",
                    False,
                    *("expected", "expected date", "eta", "due date", "arrival date", "in transit eta"),
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
                _f(
                    "promised_date",
                    v.day,
                    "Date promised to the customer (optional; else by its projected supply, or the policy's wait).",
                    False,
                    "promise",
                ),
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
            "sales",
            "Sales history: lines customers bought, booked as demand that happened. They never reserve stock, "
            "never wait for it and never change on hand. A line is known by order number + SKU + warehouse; "
            "rows without an order number are totals, added up per SKU, warehouse and sold_at. A return is "
            "returned_qty on the sold line, never a negative quantity. Importing the same file again changes nothing.",
            (
                _f(
                    "order_number",
                    v.text(32),
                    "The order's number (optional; without it, rows with the same SKU, warehouse and sold_at "
                    "are one line, their quantities added).",
                    False,
                    *("order", "order_id", "order no", "order number"),
                ),
                SKU,
                WAREHOUSE,
                _f("qty", _sold_units, "Units sold (≥ 1).", True, "quantity", "units", "qty sold", "quantity sold"),
                _f(
                    "sold_at",
                    v.moment,
                    "When the customer ordered: YYYY-MM-DD or YYYY-MM-DD HH:MM (UTC unless an offset such as "
                    "+01:00 follows); not after today. The demand counts on its UTC day.",
                    True,
                    *("ordered_at", "order_date", "order date", "created_at", "sale_date", "date"),
                ),
                _f(
                    "shipped_at",
                    v.moment,
                    "When it shipped (optional), not before sold_at.",
                    False,
                    *("shipped", "ship_date", "shipped_date", "fulfilled_at"),
                ),
                _f(
                    "returned_qty",
                    v.whole(0),
                    "Units of this line the customer returned (optional; 0 to qty, default 0).",
                    False,
                    *("returned", "qty returned", "return_qty"),
                ),
                _f(
                    "channel",
                    v.text(32),
                    "Where it sold, in your words: web, pos, amazon… (optional).",
                    False,
                    *("source", "sales channel"),
                ),
                _f("unit_price", v.money, "Price per unit (optional).", False, "price"),
                _f(
                    "customer",
                    v.text(254),
                    "Customer number or e-mail (optional).",
                    False,
                    *("customer_code", "customer_id", "customer_email", "email"),
                ),
            ),
            ("order_number", "sku", "warehouse_code"),
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

    A clean row holds each mapped column's parsed value (under the field it fills). A blank optional
    cell is left out (keep the current value; new records take the default), except where the
    column's ``blank`` says what it means (None for an override, 0 for a quantity now).
    """
    good: list[ParsedRow] = []
    bad: list[Rejected] = []
    parsers = {f.name: f for f in kind.fields}
    for index, (number, raw) in enumerate(rows, start=1):
        values: dict[str, Any] = {}
        problems = []
        for name, cell in raw.items():
            spec = parsers[name]
            target = spec.into or name
            if v.is_blank(cell):
                if spec.required:
                    problems.append(Rejected(number, name, "", "required"))
                elif spec.blank != KEEP:
                    values[target] = spec.blank
                continue
            if target in values:
                problems.append(Rejected(number, name, clip(cell), f"{target} is given too; give one of the two"))
                continue
            try:
                values[target] = spec.parse(cell)
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
