"""Importing receipts (a WMS's goods-received export): one row per PO, SKU and delivery.

Each row is booked through :func:`dashboard.services.receiving.receive`, so an imported receipt
serves waiting customers exactly as one entered on /inbound. A row's ``reference`` (the
delivery note) makes a re-import of the same file a no-op instead of a second receipt. Rows
are booked one by one, each in its own savepoint: a refused row leaves no trace.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import Product, StockMovement
from dashboard.domain.codes import MovementKind
from dashboard.services import receiving
from dashboard.services.importing.common import NEW, UNCHANGED, Context, Plan
from dashboard.services.importing.kinds import ParsedRow


def plan_receipts(ctx: Context, rows: list[ParsedRow]) -> Plan:
    """Rows already booked under their delivery note are unchanged; the rest wait for :func:`write_receipts`."""
    plan = Plan(data=defaultdict(list))
    for number, values in rows:
        po, sku, reference = values["po_number"], values["sku"], values.get("reference") or ""
        if reference and _already_booked(ctx.session, po, sku, reference):
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
                receiving.receive(
                    session, ctx.actor, po, ctx.today, ctx.handling_days, {sku: qty}, reference=reference or None
                )
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
                StockMovement.reference.in_([reference, f"{reference} (cross-dock)"]),
            )
            .limit(1)
        )
        is not None
    )
