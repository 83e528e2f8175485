"""Receiving a purchase order: stock in, reserved for waiting customers first (design §4; the field article's rule).

:func:`receive` runs in the caller's single transaction: it books the received units (stock
movements, PO line and PO status), hands them down each (product, warehouse) allocation queue
with the same code the projection uses, queues "ready to ship" notices for lines that are now
complete, recomputes the promises of lines still waiting (a materially earlier date is good
news worth telling; a later one is an apology), rebuilds the triage rows and the status advice,
and records the audit event and the change marker that triggers a metrics refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import POLine, Product, PurchaseOrder, StockLevel, StockMovement
from dashboard.domain import allocation as alloc
from dashboard.domain.codes import OPEN_PO_STATUSES, CauseCode, MovementKind, POStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import allocation, promises
from dashboard.services.derived import advice, freshness, triage
from dashboard.services.kpis import events as kpi_events

# A promise moves earlier only for real news: at least this many days sooner.
EARLIER_NEWS_DAYS = 3
# A receipt's stock movement is filed under "{po} / {delivery note}" (StockMovement.reference holds 64
# characters), with this suffix for a cross-dock line. A reference is never cut short: two delivery
# notes that differ only past the cut would be taken for one delivery.
REFERENCE_LENGTH = 64
CROSS_DOCK = " (cross-dock)"


class ReceiveError(RefusedError):
    """A receipt that cannot be booked; the message says why and nothing changed."""


@dataclass
class ReceiptResult:
    """What a receipt did."""

    po_number: str
    po_status: POStatus
    received: dict[str, int] = field(default_factory=dict)
    allocations: list[alloc.Allocation] = field(default_factory=list)
    promises_moved: int = 0

    @property
    def lines_completed(self) -> int:
        """Waiting lines now fully reserved (ready to ship)."""
        return sum(a.completes for a in self.allocations)


def _quantities(po: PurchaseOrder, lines: list[POLine], skus: dict[int, str], wanted: Mapping[str, object] | None):
    """Validated ``{po_line: qty}``: everything still open, or exactly the requested SKUs and quantities."""
    open_by_sku = {skus[line.product_id]: line for line in lines if line.qty > line.qty_received}
    if wanted is None:
        if not open_by_sku:
            raise ReceiveError(f"{po.number} has nothing left to receive.")
        return {line: line.qty - line.qty_received for line in open_by_sku.values()}
    if not wanted:
        raise ReceiveError("Say which SKU and how many units arrived.")
    plan = {}
    for sku, qty in wanted.items():
        if sku not in skus.values():
            raise ReceiveError(f"{sku!r} is not on {po.number}.")
        line = open_by_sku.get(sku)
        if line is None:
            raise ReceiveError(f"{sku} on {po.number} is already fully received.")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise ReceiveError(f"The quantity of {sku} must be a whole number of at least 1, not {qty!r}.")
        left = line.qty - line.qty_received
        if qty > left:
            raise ReceiveError(f"Only {left} unit(s) of {sku} are still open on {po.number}; {qty} is too many.")
        plan[line] = qty
    return plan


def receive(
    session: Session,
    actor: Actor,
    po_number: object,
    today: dt.date,
    handling_days: int = triage.DEFAULT_HANDLING_DAYS,
    quantities: Mapping[str, object] | None = None,
    version: object | None = None,
    reference: str | None = None,
) -> ReceiptResult:
    """Book a receipt of ``quantities`` (``{sku: units}``; None = everything still open) on the PO."""
    if not isinstance(po_number, str) or not po_number:
        raise ReceiveError("Choose a purchase order.")
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == po_number).with_for_update(key_share=True))
    if po is None:
        raise ReceiveError(f"No purchase order {po_number!r}.")
    if po.status not in OPEN_PO_STATUSES:
        raise ReceiveError(f"{po.number} is {po.status.label.lower()}; nothing more can be received.")
    if version is not None and version != po.version:
        raise ReceiveError(f"{po.number} changed after you loaded it; reload it and try again.")
    lines = session.scalars(select(POLine).where(POLine.po_id == po.id).with_for_update(key_share=True)).all()
    skus = dict(
        session.execute(select(Product.id, Product.sku).where(Product.id.in_([x.product_id for x in lines]))).all()
    )
    plan = _quantities(po, list(lines), skus, quantities)
    reference_base = movement_reference(po.number, reference)  # a note too long is refused before any change
    now = utcnow()
    result = ReceiptResult(po.number, po.status)
    for line, qty in sorted(plan.items(), key=lambda item: skus[item[0].product_id]):
        line.qty_received += qty
        line.last_received_at = now
        if now.date() <= (po.original_eta or po.eta):
            line.qty_received_on_time += qty
        stock = _stock(session, line.product_id, po.warehouse_id)
        stock.on_hand += qty
        note = reference_base + CROSS_DOCK if line.cross_dock else reference_base
        session.add(
            StockMovement(
                product_id=line.product_id,
                warehouse_id=po.warehouse_id,
                at=now,
                quantity=qty,
                kind=MovementKind.RECEIPT,
                reference=note,
            )
        )
        session.flush()
        # Waiting customers first: every free unit goes down the queue before anyone else can buy it.
        # A cross-dock line's units go straight to those orders the same way; only what nobody
        # waits for stays on the shelf.
        result.allocations += allocation.allocate_free_stock(session, stock, handling_days)
        result.received[skus[line.product_id]] = qty
    fully = all(x.qty_received >= x.qty for x in lines)
    po.status = POStatus.RECEIVED if fully else POStatus.PARTIALLY_RECEIVED
    if fully:
        po.received_at = now
    result.po_status = po.status
    session.flush()
    if fully:
        kpi_events.po_completed(session, po)
    pairs = sorted({(line.product_id, po.warehouse_id) for line in plan})
    result.promises_moved = _recompute_promises(session, actor, pairs, po.number, today, handling_days)
    audit.record(
        session,
        actor,
        "purchase_order",
        po.number,
        "receive",
        None,
        {"received": result.received, "status": po.status.value, "allocated_lines": len(result.allocations)},
        None,
    )
    triage.refresh_queue(session, pairs, today, handling_days)
    advice.refresh_advice(session, today, handling_days, [product_id for product_id, _ in pairs])
    freshness.mark_changed(session)
    return result


def movement_reference(po_number: str, delivery: str | None) -> str:
    """What a receipt's stock movement is filed under: the PO, and the delivery note when there is one.

    Raises :class:`ReceiveError` when the reference, with the cross-dock suffix, would not fit whole
    (see :func:`max_delivery_length`): a cut reference could stand for two different deliveries.
    """
    if not delivery:
        return po_number
    if len(delivery) > max_delivery_length(po_number):
        raise ReceiveError(
            f"The delivery note {delivery[:80]!r} is too long for {po_number}: it may have at most "
            f"{max(max_delivery_length(po_number), 0)} characters."
        )
    return f"{po_number} / {delivery}"


def max_delivery_length(po_number: str) -> int:
    """The longest delivery note whose reference on ``po_number`` fits whole (negative when none can)."""
    return REFERENCE_LENGTH - len(CROSS_DOCK) - len(f"{po_number} / ")


def _stock(session: Session, product_id: int, warehouse_id: int) -> StockLevel:
    """The (product, warehouse) stock row, locked; created empty if the SKU was never stocked there."""
    query = select(StockLevel).where(StockLevel.product_id == product_id, StockLevel.warehouse_id == warehouse_id)
    stock = session.scalar(query.with_for_update(key_share=True))
    if stock is None:
        stock = StockLevel(product_id=product_id, warehouse_id=warehouse_id, on_hand=0, allocated=0)
        session.add(stock)
        session.flush()
    return stock


def _recompute_promises(
    session: Session, actor: Actor, pairs: list[tuple[int, int]], po_number: str, today: dt.date, handling_days: int
) -> int:
    """Lines still waiting get the promise their new projection supports, when it changed materially."""
    moved = 0
    reason = f"Re-projected after receiving {po_number}"
    for row in triage.compute_rows(triage.load_inputs(session, pairs), today, handling_days):
        projected, promised = row["ship_p80"], row["promised_date"]
        if projected is None or promised is None:
            continue
        later = projected > promised
        earlier = (promised - projected).days >= EARLIER_NEWS_DAYS
        if later or earlier:
            cause = CauseCode.SUPPLIER_DELAY if later else CauseCode.OTHER
            promises.revise_promise(session, actor, row["id"], projected, cause, reason, today)
            moved += 1
    return moved
