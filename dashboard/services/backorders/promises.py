"""Changing a waiting line's promised date: the revision, the customer notice and the audit event together."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import Customer, OrderLine, Product, PromiseRevision, SalesOrder
from dashboard.domain import unknown
from dashboard.domain.codes import CauseCode
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.comms import notices
from dashboard.services.kpis import events as kpi_events


def revise_promise(
    session: Session,
    actor: Actor,
    line_id: int,
    new_date: dt.date,
    cause: CauseCode,
    reason: str,
    today: dt.date,
    *,
    eta_revision_id: int | None = None,
) -> PromiseRevision:
    """Move the line's promise to ``new_date`` (later: an apology; earlier: good news), in the caller's transaction."""
    line = session.get(OrderLine, line_id, with_for_update={"key_share": True})
    order = session.get(SalesOrder, line.order_id)
    customer = session.get(Customer, order.customer_id)
    product = session.get(Product, line.product_id)
    old = line.promised_date
    line.promised_date = new_date
    line.promise_revision_count = (line.promise_revision_count or 0) + 1
    revision = PromiseRevision(
        order_line_id=line.id,
        old_date=old,
        new_date=new_date,
        cause=cause,
        eta_revision_id=eta_revision_id,
        at=utcnow(),
    )
    session.add(revision)
    session.flush()
    kpi_events.promise_revised(session, revision, line)
    notices.queue_line(
        session,
        "promise_revised",
        f"promise_revised:{line.id}:{new_date.isoformat()}",
        customer.email,
        {
            "customer_name": customer.name,
            "order_number": order.number,
            "product_name": unknown.product_title(product.name, product.sku),
            "sku": product.sku,
            "qty": line.qty - line.qty_allocated - line.qty_shipped,
            "old_date": old,
            "new_date": new_date,
            "earlier": old is not None and new_date < old,
            "days": max((new_date - today).days, 0),
            "cause": cause.label.lower(),
        },
        order_line_id=line.id,
        product_id=line.product_id,
    )
    session.flush()
    audit.record(
        session,
        actor,
        "order_line",
        line.id,
        "revise_promise",
        {"promised_date": old.isoformat() if old else None},
        {"promised_date": new_date.isoformat(), "eta_revision_id": eta_revision_id},
        reason,
    )
    return revision
