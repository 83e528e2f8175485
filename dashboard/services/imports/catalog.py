"""Importing warehouses, suppliers and product–supplier links: plain upserts on their natural keys.

Product–supplier links keep exactly one primary supplier per product that has links: a row
with ``is_primary`` true makes that link the primary (the old primary is unset); a product
left with links but no primary gets its first link in the file as primary. ``is_primary``
false (or blank) never unsets the current primary by itself, so importing a file again, or
importing links that do not mention the primary, changes nothing.

What a snapshot may leave out, and what stands in for it:

- a supplier needs a code and a name; its country and quoted lead time may be unknown;
- a new link without a lead time takes its supplier's quoted lead time (a row is refused when the
  supplier has none either: there would be no lead time to plan with); without a cost it takes
  the product's cost, which may be unknown too. A blank cell on an existing link keeps its value,
  so importing the file again changes nothing even after the supplier's lead time changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dashboard.db.models import Product, ProductSupplier, Supplier, Warehouse
from dashboard.services.imports.bulk_update import update_existing
from dashboard.services.imports.common import (
    NEW,
    UNCHANGED,
    UPDATE,
    Context,
    Plan,
    differences,
    first_seen,
    insert_new,
    product_ids,
    restricted,
    rows_by_key,
)
from dashboard.services.imports.kinds import ParsedRow

WAREHOUSE_FIELDS = {"name": "name", "timezone": "timezone"}
SUPPLIER_FIELDS = {
    "name": "name",
    "country": "country",
    "email": "email",
    "quoted_lead_time_days": "quoted_lead_time_days",
}
LINK_FIELDS = {
    "quoted_lead_time_days": "quoted_lead_time_days",
    "moq": "moq",
    "pack_size": "pack_size",
    "unit_cost": "unit_cost",
}


def _plan_by_code(ctx: Context, rows: list[ParsedRow], model, fields: dict[str, str], defaults: dict) -> Plan:
    plan = Plan(data={"new": [], "changes": []})
    existing = rows_by_key(
        ctx.session,
        [model.id, model.code, *(getattr(model, c) for c in fields.values())],
        model.code,
        (v["code"] for _, v in rows),
    )
    seen: dict[str, int] = {}
    for number, values in rows:
        if not first_seen(plan, seen, values["code"], number, "code", values["code"]):
            continue
        current = existing.get(values["code"])
        if current is None:
            plan.data["new"].append(
                {"code": values["code"], **{c: values.get(f, defaults.get(c)) for f, c in fields.items()}}
            )
            plan.outcomes[number] = NEW
            continue
        changed = differences(current, values, fields)
        plan.outcomes[number] = UPDATE if changed else UNCHANGED
        if changed:
            plan.data["changes"].append((current.id, changed))
    return plan


def _write_by_code(ctx: Context, plan: Plan, model) -> list:
    insert_new(ctx.session, model.__table__, plan.data["new"])
    update_existing(ctx.session, model.__table__, plan.data["changes"], ctx.now)
    return []


def plan_warehouses(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Warehouses by code; new ones default to UTC."""
    return _plan_by_code(ctx, rows, Warehouse, WAREHOUSE_FIELDS, {"timezone": "UTC"})


def write_warehouses(ctx: Context, plan: Plan) -> list:
    """Write the planned warehouses."""
    return _write_by_code(ctx, plan, Warehouse)


def plan_suppliers(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Suppliers by code."""
    return _plan_by_code(ctx, rows, Supplier, SUPPLIER_FIELDS, {"email": None})


def write_suppliers(ctx: Context, plan: Plan) -> list:
    """Write the planned suppliers."""
    return _write_by_code(ctx, plan, Supplier)


def plan_product_suppliers(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Links by (sku, supplier code), and the primary supplier each touched product ends with."""
    session = ctx.session
    plan = Plan()
    products = product_ids(session, (v["sku"] for _, v in rows))
    found = rows_by_key(
        session,
        [Supplier.id, Supplier.code, Supplier.quoted_lead_time_days],
        Supplier.code,
        (v["supplier_code"] for _, v in rows),
    )
    suppliers = {code: row.id for code, row in found.items()}
    quoted = {row.id: row.quoted_lead_time_days for row in found.values()}
    costs = {
        row.id: row.unit_cost
        for row in rows_by_key(session, [Product.id, Product.unit_cost], Product.id, products.values()).values()
    }
    links: dict[int, dict[int, Any]] = {}
    for query in restricted(select(ProductSupplier), ProductSupplier.product_id, products.values()):
        for link in session.execute(query).scalars():
            links.setdefault(link.product_id, {})[link.supplier_id] = link
    seen: dict[tuple, int] = {}
    primary_row: dict[int, int] = {}
    accepted: list[tuple[int, int, int, dict[str, Any]]] = []
    for number, values in rows:
        product_id, supplier_id = products.get(values["sku"]), suppliers.get(values["supplier_code"])
        if product_id is None:
            plan.refuse(number, "sku", values["sku"], "no such SKU; import products first")
            continue
        if supplier_id is None:
            plan.refuse(number, "supplier_code", values["supplier_code"], "no such supplier; import suppliers first")
            continue
        if not first_seen(
            plan, seen, (product_id, supplier_id), number, "sku", f"{values['sku']} / {values['supplier_code']}"
        ):
            continue
        is_new = supplier_id not in links.get(product_id, {})
        if is_new and values.get("quoted_lead_time_days") is None and quoted[supplier_id] is None:
            plan.refuse(
                number,
                "quoted_lead_time_days",
                "",
                f"no lead time: supplier {values['supplier_code']} quotes none either; give it here "
                "(days, or quoted_lead_time_weeks) or import the supplier with its quoted lead time",
            )
            continue
        if values.get("is_primary"):
            if product_id in primary_row:
                plan.refuse(
                    number,
                    "is_primary",
                    "true",
                    f"row {primary_row[product_id]} already makes another supplier primary for {values['sku']}",
                )
                continue
            primary_row[product_id] = number
        accepted.append((number, product_id, supplier_id, values))
    primary = _primaries(accepted, links)
    new, changes = [], []
    for number, product_id, supplier_id, values in accepted:
        current = links.get(product_id, {}).get(supplier_id)
        is_primary = primary.get(product_id) == supplier_id
        if current is None:
            new.append(
                {
                    "product_id": product_id,
                    "supplier_id": supplier_id,
                    "is_primary": is_primary,
                    "quoted_lead_time_days": values.get("quoted_lead_time_days", quoted[supplier_id]),
                    "moq": values.get("moq", 1),
                    "pack_size": values.get("pack_size", 1),
                    # The product's cost, unknown (None) when it is: never a made-up 0.
                    "unit_cost": values.get("unit_cost", costs.get(product_id)),
                }
            )
            plan.outcomes[number] = NEW
            continue
        changed = differences(current, values, LINK_FIELDS)
        if current.is_primary != is_primary:
            changed["is_primary"] = is_primary
        plan.outcomes[number] = UPDATE if changed else UNCHANGED
        if changed:
            changes.append((current.id, changed))
    # Links not in the file lose the primary flag when another supplier became primary.
    in_file = {(p, s) for _, p, s, _ in accepted}
    for product_id, supplier_id in primary.items():
        for other, link in links.get(product_id, {}).items():
            if other != supplier_id and link.is_primary and (product_id, other) not in in_file:
                changes.append((link.id, {"is_primary": False}))
    plan.data = {"new": new, "changes": changes}
    return plan


def _primaries(accepted: list, links: dict[int, dict[int, Any]]) -> dict[int, int]:
    """The supplier each product in the file ends with as primary."""
    primary: dict[int, int] = {}
    for _number, product_id, supplier_id, values in accepted:
        if values.get("is_primary"):
            primary[product_id] = supplier_id
    for _number, product_id, supplier_id, _values in accepted:
        if product_id in primary:
            continue
        current = next((s for s, link in links.get(product_id, {}).items() if link.is_primary), None)
        primary[product_id] = current if current is not None else supplier_id
    return primary


def write_product_suppliers(ctx: Context, plan: Plan) -> list:
    """Write the planned links (flags unset before set, so a product never has two primaries)."""
    changes = plan.data["changes"]
    unset = [(i, c) for i, c in changes if c.get("is_primary") is False]
    rest = [(i, c) for i, c in changes if c.get("is_primary") is not False]
    update_existing(ctx.session, ProductSupplier.__table__, unset, ctx.now)
    update_existing(ctx.session, ProductSupplier.__table__, rest, ctx.now)
    insert_new(ctx.session, ProductSupplier.__table__, plan.data["new"])
    return []
