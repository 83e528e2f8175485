"""Planning and writing a shop export: the product part and the stock part of each row, all or nothing per row."""

from __future__ import annotations

from dashboard.services.imports.common import NEW, UNCHANGED, UPDATE, Context, Plan, warehouse_ids
from dashboard.services.imports.files import ImportFileError
from dashboard.services.imports.kinds import ParsedRow
from dashboard.services.imports.products import apply_statuses, plan_products, write_products
from dashboard.services.imports.report import Rejected
from dashboard.services.imports.shops import derive
from dashboard.services.imports.stock import plan_stock, write_stock


def shop_warehouse(ctx: Context) -> str:
    """The warehouse the export's stock goes to: the caller's choice, or the only one there is."""
    codes = sorted(warehouse_ids(ctx.session))
    if ctx.warehouse_code is not None:
        if ctx.warehouse_code not in codes:
            raise ImportFileError(f"No warehouse {ctx.warehouse_code!r}; known: {', '.join(codes) or 'none'}.")
        return ctx.warehouse_code
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise ImportFileError("The export carries stock but no warehouse is set up: import warehouses first.")
    raise ImportFileError(
        f"Choose the warehouse this stock is in (on the page, or --warehouse CODE): {', '.join(codes)}."
    )


def plan_shop(ctx: Context, rows: list[ParsedRow], columns: dict[str, str]) -> Plan:
    """Products and stock for the rows; a row either part refuses is refused whole (columns named as the shop's)."""
    # Each row's quantity is the shop's available count (signed); plan_stock adds what customers wait for.
    derived = [(number, *derive(values)) for number, values in rows]
    code = shop_warehouse(ctx) if any(quantity is not None for _, _, quantity in derived) else None
    names = {**columns, "on_hand": columns.get("quantity", "quantity"), "warehouse_code": "warehouse"}
    refused: set[int] = set()
    rejected: list[Rejected] = []
    while True:
        products = plan_products(ctx, [(n, p) for n, p, _ in derived if n not in refused])
        stock_rows = [
            (n, {"sku": p["sku"], "warehouse_code": code, "on_hand": quantity})
            for n, p, quantity in derived
            if quantity is not None and n not in refused
        ]
        stock = plan_stock(ctx, stock_rows, products.data["new_skus"], available=True)
        found = products.rejected + stock.rejected
        if not found:
            break
        rejected += [Rejected(r.row, names.get(r.column, r.column), r.value, r.reason) for r in found]
        refused |= {r.row for r in found}
    plan = Plan(rejected=rejected, data={"products": products, "stock": stock})
    for number, _, _ in derived:
        if number in refused:
            continue
        outcomes = {products.outcomes.get(number), stock.outcomes.get(number)}
        plan.outcomes[number] = NEW if NEW in outcomes else UPDATE if UPDATE in outcomes else UNCHANGED
    return plan


def write_shop(ctx: Context, plan: Plan) -> list[Rejected]:
    """Products, then stock, then status changes (judged on the new stock); returns rows the status rules refuse."""
    write_products(ctx, plan.data["products"])
    write_stock(ctx, plan.data["stock"])
    return apply_statuses(ctx, plan.data["products"])
