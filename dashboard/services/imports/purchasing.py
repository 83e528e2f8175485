"""Importing open purchase orders and their lines (key: PO number + SKU).

New POs and new lines go in as open supply; the next refresh projects them down the waiting
queues. An existing PO is not *changed* by an import:

- a different ETA or confirmation is refused with a pointer to ``backorder-desk eta`` or
  Revise ETA on /inbound. Moving an ETA re-promises waiting customers and notifies them
  (design §4); that needs a cause code and a manager's look at the impact, which a file row
  cannot give, and doing it silently would leave promises the new date cannot keep;
- a different supplier, warehouse or order day is refused (it is another PO, or a typo);
- an existing line with a different quantity or cross-dock flag is refused;
- lines may be added to a PO that is still open.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dashboard.db.models import POLine, PurchaseOrder, Supplier
from dashboard.domain.codes import OPEN_PO_STATUSES, POStatus
from dashboard.services.imports.common import (
    NEW,
    UNCHANGED,
    Context,
    Plan,
    chunks,
    first_seen,
    insert_new,
    product_ids,
    rows_by_key,
    warehouse_ids,
)
from dashboard.services.imports.kinds import ParsedRow

IN_SYSTEM = "the system"


def plan_purchase_orders(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Decide every row: a new PO line, unchanged, or refused with the reason."""
    session = ctx.session
    plan = Plan()
    warehouses = warehouse_ids(session)
    products = product_ids(session, (v["sku"] for _, v in rows))
    suppliers = rows_by_key(session, [Supplier.id, Supplier.code], Supplier.code, (v["supplier_code"] for _, v in rows))
    columns = [
        PurchaseOrder.id,
        PurchaseOrder.number,
        PurchaseOrder.supplier_id,
        PurchaseOrder.warehouse_id,
        PurchaseOrder.ordered_at,
        PurchaseOrder.eta,
        PurchaseOrder.eta_confirmed,
        PurchaseOrder.status,
    ]
    pos = rows_by_key(session, columns, PurchaseOrder.number, (v["po_number"] for _, v in rows))
    lines = _existing_lines(session, [po.id for po in pos.values()])
    seen: dict[tuple, int] = {}
    headers: dict[str, tuple[int, dict]] = {}
    accepted: list[tuple[dict[str, Any], int, int, int]] = []
    for number, values in rows:
        ordered_on, eta = values["ordered_at"].date(), values["eta"]
        if ordered_on > ctx.today:
            plan.refuse(number, "ordered_at", ordered_on.isoformat(), "in the future")
            continue
        if eta < ordered_on:
            plan.refuse(number, "eta", eta.isoformat(), f"before the order date {ordered_on.isoformat()}")
            continue
        supplier = suppliers.get(values["supplier_code"])
        if supplier is None:
            plan.refuse(number, "supplier_code", values["supplier_code"], "no such supplier; import suppliers first")
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
        product_id = products.get(values["sku"])
        if product_id is None:
            plan.refuse(number, "sku", values["sku"], "no such SKU; import products first")
            continue
        if not first_seen(
            plan, seen, (values["po_number"], values["sku"]), number, "sku", f"{values['po_number']} / {values['sku']}"
        ):
            continue
        header = {
            "supplier_code": supplier.id,
            "warehouse_code": warehouse_id,
            "ordered_at": ordered_on,
            "eta": eta,
            "eta_confirmed": values.get("eta_confirmed"),
        }
        po = pos.get(values["po_number"])
        if po is None:
            first_row, first = headers.setdefault(values["po_number"], (number, header))
            if not _same(plan, number, values, header, first, f"row {first_row}"):
                continue
            accepted.append((values, supplier.id, warehouse_id, product_id))
            plan.outcomes[number] = NEW
            continue
        theirs = {
            "supplier_code": po.supplier_id,
            "warehouse_code": po.warehouse_id,
            "ordered_at": po.ordered_at.date(),
            "eta": po.eta,
            "eta_confirmed": po.eta_confirmed,
        }
        if not _same(plan, number, values, header, theirs, IN_SYSTEM):
            continue
        line = lines.get((po.id, product_id))
        cross_dock = values.get("cross_dock")
        if line is not None:
            if line.qty != values["qty"] or (cross_dock is not None and cross_dock != line.cross_dock):
                plan.refuse(
                    number,
                    "qty",
                    values["qty"],
                    f"{po.number} already has {values['sku']} × {line.qty}; "
                    "an import does not change existing PO lines",
                )
                continue
            plan.outcomes[number] = UNCHANGED
            continue
        if po.status not in OPEN_PO_STATUSES:
            plan.refuse(number, "po_number", po.number, f"the PO is {po.status.label.lower()}; nothing can be added")
            continue
        accepted.append((values, supplier.id, warehouse_id, product_id))
        plan.outcomes[number] = NEW
    plan.data = {"accepted": accepted, "pos": pos}
    return plan


def _same(plan: Plan, number: int, values: dict, mine: dict, theirs: dict, where: str) -> bool:
    """Whether the row's PO header agrees with ``theirs``; refuses the row with the first difference."""
    for column, value in mine.items():
        if value is None or theirs[column] is None or value == theirs[column]:
            continue
        po = values["po_number"]
        if column in ("eta", "eta_confirmed") and where == IN_SYSTEM:
            shown = theirs["eta"].isoformat() + (" (confirmed)" if theirs["eta_confirmed"] else " (unconfirmed)")
            reason = (
                f"{po} has ETA {shown} in {where}. Moving an ETA re-promises waiting customers: use Revise ETA on "
                f"/inbound or `backorder-desk eta {po} {values['eta'].isoformat()} --cause CODE"
                f"{' --confirmed' if values.get('eta_confirmed') else ''} --user NAME`"
            )
        else:
            reason = f"{po} has a different {column.removesuffix('_code').replace('_', ' ')} in {where}"
            if where != IN_SYSTEM:
                reason += "; every row of a PO must agree"
        plan.refuse(number, column, values[column].isoformat() if column == "ordered_at" else values[column], reason)
        return False
    return True


def _existing_lines(session, po_ids: list[int]) -> dict[tuple[int, int], Any]:
    found = {}
    for part in chunks(sorted(po_ids)):
        query = select(POLine.po_id, POLine.product_id, POLine.qty, POLine.cross_dock).where(POLine.po_id.in_(part))
        for row in session.execute(query):
            found.setdefault((row.po_id, row.product_id), row)
    return found


def write_purchase_orders(ctx: Context, plan: Plan) -> None:
    """New POs, then every new line."""
    session = ctx.session
    accepted, existing = plan.data["accepted"], plan.data["pos"]
    new_pos: dict[str, dict[str, Any]] = {}
    for values, supplier_id, warehouse_id, _ in accepted:
        number = values["po_number"]
        if number not in existing and number not in new_pos:
            new_pos[number] = {
                "number": number,
                "supplier_id": supplier_id,
                "warehouse_id": warehouse_id,
                "ordered_at": values["ordered_at"],
                "eta": values["eta"],
                "original_eta": values["eta"],
                "eta_confirmed": bool(values.get("eta_confirmed")),
                "status": POStatus.OPEN,
                "received_at": None,
                "version": 1,
            }
    insert_new(session, PurchaseOrder.__table__, list(new_pos.values()))
    ids = {number: po.id for number, po in existing.items()}
    ids |= {
        n: row.id
        for n, row in rows_by_key(
            session, [PurchaseOrder.id, PurchaseOrder.number], PurchaseOrder.number, new_pos
        ).items()
    }
    records = [
        {
            "po_id": ids[values["po_number"]],
            "product_id": product_id,
            "qty": values["qty"],
            "qty_received": 0,
            "qty_received_on_time": 0,
            "cross_dock": bool(values.get("cross_dock")),
            "last_received_at": None,
        }
        for values, _, _, product_id in accepted
    ]
    insert_new(session, POLine.__table__, records)
