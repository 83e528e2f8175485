"""Send a draft purchase order to its supplier: draft → sent, by email through the outbox (issue 21 item 3).

The email carries the order as CSV (for a buyer's system) and as an HTML document (for a person),
asks for the quantities and date to be confirmed, and records who sent it. Sending places the
order: its ETA becomes today plus the supplier's quoted lead time and the original ETA the
scorecard measures against; from now on it is supply customers may be promised against, so the
derived tables are marked stale.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import POLine, Product, ProductSupplier, PurchaseOrder, Supplier, Warehouse
from dashboard.domain.codes import POStatus
from dashboard.domain.inputs import RefusedError
from dashboard.domain.purchasing import order_lead_days
from dashboard.services.audit.trail import Actor, record
from dashboard.services.comms import notices
from dashboard.services.derived.freshness import mark_changed
from dashboard.services.purchasing.confirmation import LINK_DAYS, make_token
from dashboard.services.purchasing.drafts import find_po


class SendError(RefusedError):
    """The purchase order cannot be sent; the message says why and nothing changed."""


@dataclass(frozen=True)
class SentPO:
    """What sending did: the PO, where it went, its ETA and what the email carried."""

    number: str
    supplier: str
    recipient: str
    eta: dt.date
    lines: int
    attachments: list[str]


def _lines(session: Session, po: PurchaseOrder) -> list[dict]:
    rows = session.execute(
        select(
            Product.sku,
            Product.name,
            POLine.qty,
            POLine.unit_cost,
            func.coalesce(ProductSupplier.quoted_lead_time_days, Supplier.quoted_lead_time_days).label("lead_days"),
        )
        .join(Product, Product.id == POLine.product_id)
        .join(Supplier, Supplier.id == po.supplier_id)
        .outerjoin(
            ProductSupplier,
            (ProductSupplier.product_id == POLine.product_id) & (ProductSupplier.supplier_id == po.supplier_id),
        )
        .where(POLine.po_id == po.id)
        .order_by(Product.sku)
    ).all()
    return [
        {
            "sku": r.sku,
            "name": r.name or r.sku,
            "qty": int(r.qty),
            "unit_cost": None if r.unit_cost is None else float(r.unit_cost),
            "lead_days": r.lead_days,
        }
        for r in rows
    ]


def purchase_order_csv(number: str, lines: list[dict]) -> str:
    """The order as CSV: one row per line (po_number, sku, product, quantity, unit_cost, line_value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["po_number", "sku", "product", "quantity", "unit_cost", "line_value"])
    for line in lines:
        cost = line["unit_cost"]
        writer.writerow(
            [
                number,
                line["sku"],
                line["name"],
                line["qty"],
                "" if cost is None else f"{cost:.2f}",
                "" if cost is None else f"{cost * line['qty']:.2f}",
            ]
        )
    return out.getvalue()


def send_po(session: Session, actor: Actor, number: object, today: dt.date, base_url: str) -> SentPO:
    """Send draft ``number`` to its supplier, in the caller's transaction.

    The email links to ``base_url``/supplier/confirm/<signed token>, where the supplier confirms.

    Raises:
        SendError: No such PO, it is not a draft (already sent, received or cancelled), it has no
            lines, or its supplier has no email address; nothing was changed.
    """
    po = find_po(session, number, SendError, "name the purchase order to send")
    if po.status != POStatus.DRAFT:
        raise SendError(f"{po.number} is {po.status.label.lower()}, not a draft: only a draft is sent")
    supplier = session.get(Supplier, po.supplier_id)
    warehouse = session.get(Warehouse, po.warehouse_id)
    if not supplier.email:
        raise SendError(
            f"{po.number} cannot be sent: {supplier.name} has no email address (add one with `import suppliers`)"
        )
    lines = _lines(session, po)
    if not lines:
        raise SendError(f"{po.number} has no lines")
    lead = order_lead_days(line["lead_days"] for line in lines)
    before = {"status": po.status.value, "eta": po.eta.isoformat()}
    now = utcnow()
    po.status = POStatus.SENT
    po.ordered_at = now
    po.sent_at = now
    po.sent_by = actor.user_id
    po.eta = po.original_eta = today + dt.timedelta(days=lead)
    po.eta_confirmed = False
    session.flush()  # the version the confirmation link names is the sent one
    link = f"{base_url.rstrip('/')}/supplier/confirm/{make_token(session, po.number, po.version)}"
    priced = [line for line in lines if line["unit_cost"] is not None]
    context = {
        "po_number": po.number,
        "supplier_name": supplier.name,
        "warehouse_name": warehouse.name,
        "line_count": len(lines),
        "lines": lines,
        "eta": po.eta,
        "lead_days": lead,
        "value": round(sum(line["qty"] * line["unit_cost"] for line in priced), 2),
        "unpriced": len(lines) - len(priced),
        "confirm_url": link,
        "link_days": LINK_DAYS,
    }
    attachments = [
        {"filename": f"{po.number}.csv", "content_type": "text/csv", "text": purchase_order_csv(po.number, lines)},
        {
            "filename": f"{po.number}.html",
            "content_type": "text/html",
            "text": notices.render_document(
                "purchase_order_table.html", f"Purchase order {po.number} for {warehouse.name}", context
            ),
        },
    ]
    notices.queue(session, "purchase_order", f"po-sent:{po.number}", supplier.email, context, attachments=attachments)
    record(
        session,
        actor,
        "purchase_order",
        po.number,
        "send",
        before,
        {"status": POStatus.SENT.value, "eta": po.eta.isoformat(), "to": supplier.email},
    )
    # Placed supply: customers may now be promised against it.
    mark_changed(session)
    session.flush()
    return SentPO(po.number, supplier.name, supplier.email, po.eta, len(lines), [a["filename"] for a in attachments])
