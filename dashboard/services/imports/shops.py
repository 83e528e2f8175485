"""Shopify and WooCommerce product exports, recognised by their header and imported as products + stock.

Each sellable variant becomes a product (its SKU, name, price, cost and category) and, when the
export carries a quantity, a stock level in the warehouse the caller chooses. The sales status
follows the shop's own settings:

- quantity > 0 → ``in_stock``;
- quantity ≤ 0 and the shop keeps selling (Shopify inventory policy ``continue``; WooCommerce
  "Backorders allowed?" ``1`` or ``notify``) → ``backorder``; otherwise → ``out_of_stock``;
- WooCommerce without managed stock uses its "In stock?" flag (``1``, ``0``, ``backorder``);
- a Shopify variant whose inventory is not tracked (the export has a ``Variant Inventory Tracker``
  column and its cell is blank) is always sellable and its quantity means nothing: the row
  brings no stock level and no count, and no status is derived from stock — a new SKU starts
  ``in_stock`` (always sellable), an existing SKU keeps its status (the export says nothing
  about its stock, and a status change has consequences a manager decides on);
- Shopify ``archived`` → ``discontinued``: Shopify's own meaning of archived is "no longer sold,
  kept for records", which is what discontinued says. Shopify ``draft`` and WooCommerce's
  draft/private (Published -1/0) are *not* discontinued: they are products not yet (or not
  publicly) on sale, and nothing says they will not be sold; their status follows stock.

A shop's quantity is what it can still sell: Shopify's inventory quantity is its *available*
count, and WooCommerce takes stock off when an order is placed. Units its customers wait for —
reserved here already, or on backordered lines still waiting — are on the shelf besides, so on
hand is ``allocated + max(0, quantity + waiting)`` (see :mod:`.stock`; with no orders imported
it is the quantity). It does not move when the queue is served, so importing the same export
again changes nothing. A negative quantity (oversold) is what waiting orders owe: it is passed
on signed, so those units are not counted as stock.
Rows that are not sellable variants are ignored and counted: Shopify's image-only rows,
WooCommerce's variable/grouped/external parents (their variations carry the stock).
For an existing SKU a status change goes through the status rules like any import
(:mod:`.products`); a blank cost or product type keeps the current one (unknown for a new SKU,
never 0 or a made-up category).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dashboard.domain import import_values as v
from dashboard.domain.codes import SalesStatus
from dashboard.services.imports.files import ImportFileError, Table
from dashboard.services.imports.kinds import Field, Kind

SHOPS = ("shopify", "woocommerce")
SELLING_ON = frozenset({"continue", "1", "notify", "yes", "true"})
NOT_SELLING_ON = frozenset({"deny", "0", "no", "false"})


def _backorders(raw: Any) -> bool:
    word = v.cell_text(raw).lower()
    if word in SELLING_ON:
        return True
    if word in NOT_SELLING_ON:
        return False
    raise ValueError(f"{v.shown(raw)} is not an inventory policy; use deny or continue (or 0, 1, notify)")


def _shopify_status(raw: Any) -> bool:
    word = v.cell_text(raw).lower()
    if word not in ("active", "draft", "archived"):
        raise ValueError(f"{v.shown(raw)} is not a Shopify status; use active, draft or archived")
    return word == "archived"


def _stock_flag(raw: Any) -> SalesStatus:
    word = v.cell_text(raw).lower()
    statuses = {"1": SalesStatus.IN_STOCK, "0": SalesStatus.OUT_OF_STOCK, "backorder": SalesStatus.BACKORDER}
    if word not in statuses:
        raise ValueError(f"{v.shown(raw)} is not a stock status; use 1, 0 or backorder")
    return statuses[word]


SHOP_KIND = Kind(
    "shop_products",
    "A shop's product export.",
    (
        Field("sku", v.text(64), "SKU", True),
        Field("name", v.text(200), "name", True),
        Field("category", v.text(80), "category"),
        Field("unit_price", v.money, "price", True),
        Field("unit_cost", v.money, "cost"),
        Field("quantity", v.whole(-v.MAX_UNITS), "quantity"),
        Field("backorders", _backorders, "keeps selling when out"),
        Field("archived", _shopify_status, "status"),
        Field("stock_flag", _stock_flag, "in stock?"),
    ),
    ("sku",),
    moves_kpi_history=True,
)


@dataclass
class ShopRows:
    """A shop export as rows of :data:`SHOP_KIND` fields, the shop's column behind each field, and rows ignored."""

    shop: str
    rows: list[tuple[int, dict[str, Any]]]
    columns: dict[str, str]
    ignored: int


def detect_shop(header: list[str]) -> str | None:
    """``"shopify"``, ``"woocommerce"`` or None, from a file's header."""
    names = {c.strip().lower() for c in header}
    if {"handle", "variant sku", "title"} <= names:
        return "shopify"
    if {"sku", "name", "type"} <= names and names & {"in stock?", "backorders allowed?", "regular price"}:
        return "woocommerce"
    return None


def shop_rows(shop: str, table: Table) -> ShopRows:
    """The export's sellable rows, keyed by :data:`SHOP_KIND` fields (raw cells, parsed later)."""
    if detect_shop(table.header) != shop:
        raise ImportFileError(f"{table.name} does not look like a {shop} product export (its header differs).")
    index = {c.strip().lower(): i for i, c in reversed(list(enumerate(table.header)))}
    return _shopify(table, index) if shop == "shopify" else _woocommerce(table, index)


def shop_columns(shop: str, header: list[str]) -> dict[str, str]:
    """``{our_field: the export's column}`` for the columns this export has (shown on the page)."""
    index = {c.strip().lower(): i for i, c in enumerate(header)}
    columns = SHOPIFY_COLUMNS if shop == "shopify" else WOO_COLUMNS
    return {ours: theirs for ours, theirs in columns.items() if theirs.lower() in index}


def _cell(cells: list[Any], index: dict[str, int], name: str) -> Any:
    i = index.get(name)
    return cells[i] if i is not None and i < len(cells) else None


# Blank in this column: Shopify does not track the variant's inventory (always sellable).
SHOPIFY_TRACKER = "variant inventory tracker"
SHOPIFY_COLUMNS = {
    "sku": "Variant SKU",
    "name": "Title",
    "category": "Type",
    "unit_price": "Variant Price",
    "unit_cost": "Cost per item",
    "quantity": "Variant Inventory Qty",
    "backorders": "Variant Inventory Policy",
    "archived": "Status",
}


def _shopify(table: Table, index: dict[str, int]) -> ShopRows:
    products: dict[str, dict[str, Any]] = {}
    rows, ignored = [], 0
    for number, cells in table.rows:
        get = lambda name, cells=cells: _cell(cells, index, name)  # noqa: E731
        handle = v.cell_text(get("handle"))
        if not v.is_blank(get("title")) or handle not in products:
            products[handle] = {
                "title": get("title"),
                "category": get("type") if not v.is_blank(get("type")) else _last_segment(get("product category")),
                "archived": get("status"),
            }
        product = products[handle]
        if v.is_blank(get("variant sku")) and v.is_blank(get("variant price")):
            ignored += 1  # an image-only row
            continue
        options = [
            v.cell_text(get(f"option{i} value"))
            for i in (1, 2, 3)
            if not v.is_blank(get(f"option{i} value")) and v.cell_text(get(f"option{i} value")) != "Default Title"
        ]
        title = v.cell_text(product["title"])
        row = {
            "sku": get("variant sku"),
            "name": f"{title} - {' / '.join(options)}" if options and title else product["title"],
            "category": product["category"],
            "unit_price": get("variant price"),
            "unit_cost": get("cost per item"),
            "quantity": get("variant inventory qty"),
            "backorders": get("variant inventory policy"),
            "archived": product["archived"],
        }
        if SHOPIFY_TRACKER in index and v.is_blank(get(SHOPIFY_TRACKER)):
            del row["quantity"]  # not tracked: the quantity is no count, and no status follows from it
        rows.append((number, {k: val for k, val in row.items() if _has_column(k, index, "shopify")}))
    return ShopRows("shopify", rows, SHOPIFY_COLUMNS, ignored)


WOO_COLUMNS = {
    "sku": "SKU",
    "name": "Name",
    "category": "Categories",
    "unit_price": "Regular price",
    "quantity": "Stock",
    "backorders": "Backorders allowed?",
    "stock_flag": "In stock?",
}
WOO_SELLABLE = ("simple", "variation")


def _woocommerce(table: Table, index: dict[str, int]) -> ShopRows:
    categories: dict[str, Any] = {}
    for _number, cells in table.rows:
        found = _first_category(_cell(cells, index, "categories"))
        for key in (f"id:{v.cell_text(_cell(cells, index, 'id'))}", v.cell_text(_cell(cells, index, "sku"))):
            if key and key != "id:":
                categories[key] = found
    rows, ignored = [], 0
    for number, cells in table.rows:
        get = lambda name, cells=cells: _cell(cells, index, name)  # noqa: E731
        types = {t.strip().lower() for t in v.cell_text(get("type")).split(",")}
        if not types & set(WOO_SELLABLE):
            ignored += 1  # a variable, grouped or external parent: its variations carry the stock
            continue
        category = _first_category(get("categories")) or categories.get(v.cell_text(get("parent")))
        row = {
            "sku": get("sku"),
            "name": get("name"),
            "category": category,
            "unit_price": get("regular price"),
            "quantity": get("stock"),
            "backorders": get("backorders allowed?"),
            "stock_flag": get("in stock?"),
        }
        rows.append((number, {k: val for k, val in row.items() if _has_column(k, index, "woocommerce")}))
    return ShopRows("woocommerce", rows, WOO_COLUMNS, ignored)


def _has_column(field: str, index: dict[str, int], shop: str) -> bool:
    """Whether the export has the column behind ``field`` (derived fields always count)."""
    if field in ("name", "category"):
        return True
    column = (SHOPIFY_COLUMNS if shop == "shopify" else WOO_COLUMNS)[field]
    return column.lower() in index


def _last_segment(raw: Any) -> str | None:
    """The deepest name of a taxonomy path: ``"Apparel > Clothing > Shirts"`` → ``Shirts``."""
    deepest = v.cell_text(raw).split(">")[-1].strip()
    return deepest or None


def _first_category(raw: Any) -> str | None:
    """The deepest name of the first category path: ``"Clothing > Hoodies, Sale"`` → ``Hoodies``."""
    text = v.cell_text(raw)
    if not text:
        return None
    first = re.split(r"(?<!\\),", text)[0]
    return first.split(">")[-1].strip().replace("\\,", ",") or None


def derive(values: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """A parsed shop row as product values (with the sales status the shop implies) and its quantity.

    The quantity is the shop's available count as the export gives it (negative when oversold),
    or None when the row carries none; :func:`.stock.plan_stock` turns it into on hand.
    """
    quantity = values.get("quantity")
    if values.get("archived"):
        status = SalesStatus.DISCONTINUED
    elif quantity is not None:
        if quantity > 0:
            status = SalesStatus.IN_STOCK
        else:
            status = SalesStatus.BACKORDER if values.get("backorders") else SalesStatus.OUT_OF_STOCK
    else:
        status = values.get("stock_flag")
    product = {k: values[k] for k in ("sku", "name", "category", "unit_price", "unit_cost") if k in values}
    if status is not None:
        product["sales_status"] = status
    return product, quantity
