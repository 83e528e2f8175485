"""Importing receipts (a WMS's goods-received export): one row per PO, SKU and delivery.

Each row is booked through :func:`dashboard.services.receiving.receive`, so an imported receipt
serves waiting customers exactly as one entered on /inbound. A row's ``reference`` (the
delivery note, required) makes a re-import of the same file a no-op instead of a second receipt;
the same PO, SKU and delivery note twice in one file is refused as a repeat, and a note too long
to be filed whole beside its PO number is refused rather than cut short (two notes cut to the
same text would look like one delivery). Rows are booked one by one, each in its own savepoint:
a refused row leaves no trace.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Product, StockMovement
from dashboard.domain.codes import MovementKind
from dashboard.services.imports.common import NEW, UNCHANGED, Context, Plan, first_seen
from dashboard.services.imports.kinds import ParsedRow
from dashboard.services.inbound import receiving


def plan_receipts(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Rows already booked under their delivery note are unchanged; the rest wait for :func:`write_receipts`.

    Refused here: a delivery note too long to be filed whole with its PO number, and a row repeating
    an earlier row's PO, SKU and delivery note (one delivery is booked once).
    """
    plan = Plan(data=defaultdict(list))
    seen: dict[tuple[str, str, str], int] = {}
    for number, values in rows:
        po, sku, reference = values["po_number"], values["sku"], values["reference"]
        room = receiving.max_delivery_length(po)
        if len(reference) > room:
            plan.refuse(
                number,
                "reference",
                reference,
                f"too long to be filed whole: with PO number {po} the delivery note may have at most "
                f"{max(room, 0)} characters, not {len(reference)} (the receipt is filed as 'PO / note "
                f"{receiving.CROSS_DOCK.strip()}', at most {receiving.REFERENCE_LENGTH} characters)",
            )
            continue
        if not first_seen(plan, seen, (po, sku, reference), number, "reference", f"{po} / {sku} / {reference}"):
            continue
        if _already_booked(ctx.session, po, sku, reference):
            plan.outcomes[number] = UNCHANGED  # this delivery was imported before
        else:
            plan.data[po].append((number, sku, values["qty"], reference))
            plan.outcomes[number] = NEW
    return plan


def write_receipts(ctx: Context, plan: Plan) -> list:
    """Book each planned row; one the receiving rules refuse is reported and left out."""
    session = ctx.session
    for po, items in sorted(plan.data.items()):
        for number, sku, qty, reference in items:
            savepoint = session.begin_nested()
            try:
                receiving.receive(session, ctx.actor, po, ctx.today, ctx.handling_days, {sku: qty}, reference=reference)
                savepoint.commit()
            except receiving.ReceiveError as exc:
                savepoint.rollback()
                del plan.outcomes[number]
                column = "qty" if "unit" in str(exc) else "po_number / sku"
                plan.refuse(number, column, f"{po} / {sku} / {qty}", str(exc))
    return []


def _already_booked(session: Session, po: str, sku: str, delivery: str) -> bool:
    """Whether this PO's SKU already has a receipt filed under this delivery note."""
    reference = receiving.movement_reference(po, delivery)
    return (
        session.scalar(
            select(StockMovement.id)
            .join(Product, Product.id == StockMovement.product_id)
            .where(
                Product.sku == sku,
                StockMovement.kind == MovementKind.RECEIPT,
                StockMovement.reference.in_([reference, reference + receiving.CROSS_DOCK]),
            )
            .limit(1)
        )
        is not None
    )
