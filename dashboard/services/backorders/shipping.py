"""Shipping an allocated line: the reserved units leave the warehouse (stock movement, line shipped)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import OrderLine, StockLevel, StockMovement
from dashboard.domain.codes import LineStatus, MovementKind
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.derived import freshness
from dashboard.services.kpis import events as kpi_events


class ShipError(RefusedError):
    """A line that cannot ship; the message says why."""


def ship_line(session: Session, actor: Actor, line_id: int) -> OrderLine:
    """Ship a fully allocated line in the caller's transaction."""
    line = session.get(OrderLine, line_id, with_for_update={"key_share": True})
    if line is None:
        raise ShipError(f"Order line {line_id} does not exist.")
    if line.status is not LineStatus.ALLOCATED or line.qty_allocated != line.qty - line.qty_shipped:
        raise ShipError(f"Order line {line_id} is {line.status.label.lower()}, not ready to ship.")
    stock = session.scalar(
        select(StockLevel)
        .where(StockLevel.product_id == line.product_id, StockLevel.warehouse_id == line.warehouse_id)
        .with_for_update(key_share=True)
    )
    before = kpi_events.line_facts(session, line)
    units = line.qty_allocated
    stock.on_hand -= units
    stock.allocated -= units
    now = utcnow()
    line.qty_shipped += units
    line.qty_allocated = 0
    line.status = LineStatus.SHIPPED
    line.shipped_at = now
    session.add(
        StockMovement(
            product_id=line.product_id,
            warehouse_id=line.warehouse_id,
            at=now,
            quantity=-units,
            kind=MovementKind.SHIPMENT,
            reference=f"line {line.id}",
        )
    )
    session.flush()
    kpi_events.line_changed(session, before, line)
    audit.record(session, actor, "order_line", line.id, "ship", None, {"units": units}, None)
    freshness.mark_changed(session)
    return line
