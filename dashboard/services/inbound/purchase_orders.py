"""Queries behind /inbound: open purchase orders with their lines, lateness and the customers waiting on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Select, String, case, cast, func, literal, select
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows, with_default_sort
from dashboard.db.models import (
    BackorderTriage,
    EtaRevision,
    POLine,
    Product,
    PurchaseOrder,
    Supplier,
    Warehouse,
)
from dashboard.db.queries import day_diff, po_is_open, utc_day
from dashboard.domain import inputs
from dashboard.domain.codes import ON_ORDER_PO_STATUSES, CauseCode, POStatus


@dataclass(frozen=True)
class InboundFilters:
    """Warehouse, supplier and which POs (all open / late / unconfirmed / sent awaiting confirmation / drafts)."""

    warehouse_id: int | None = None
    supplier_id: int | None = None
    show: str = "all"

    SHOW = ("all", "late", "unconfirmed", "awaiting", "drafts")

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> InboundFilters:
        """Validate raw values from the browser."""
        show = inputs.choice(raw.get("show") or "all", "show", cls.SHOW)
        warehouse_id = inputs.optional_id(raw.get("warehouse_id"), "warehouse_id")
        return cls(warehouse_id, inputs.optional_id(raw.get("supplier_id"), "supplier_id"), show)


def _open_po_ids() -> Select:
    # An IN list the planner drives from the open POs' status index, then each PO's lines by po_id.
    return select(PurchaseOrder.id).where(PurchaseOrder.status.in_(ON_ORDER_PO_STATUSES))


def _lines() -> Any:
    open_qty = POLine.qty - POLine.qty_received
    return (
        select(
            POLine.po_id,
            func.count().label("lines"),
            func.sum(open_qty).label("open_units"),
            func.sum(open_qty * Product.unit_cost).label("open_value"),
        )
        .join(Product, Product.id == POLine.product_id)
        # Only open POs' lines: the grid lists nothing else, and aggregating every PO line ever
        # received took over a second per request at 100k SKUs.
        .where(POLine.po_id.in_(_open_po_ids()))
        .group_by(POLine.po_id)
        .subquery()
    )


def _revisions() -> Any:
    return (
        select(EtaRevision.po_id, func.count().label("revisions"))
        .where(EtaRevision.po_id.in_(_open_po_ids()))
        .group_by(EtaRevision.po_id)
        .subquery()
    )


def _waiting() -> Any:
    return (
        select(BackorderTriage.covering_po_id.label("po_id"), func.count().label("waiting_lines"))
        .where(BackorderTriage.covering_po_id.is_not(None))
        .group_by(BackorderTriage.covering_po_id)
        .subquery()
    )


def grid_columns(today: dt.date) -> tuple[dict[str, GridColumn], Select]:
    """The allow-listed columns and the base statement they read from."""
    lines, revisions, waiting = _lines(), _revisions(), _waiting()
    late = day_diff(literal(today, Date), PurchaseOrder.eta)
    # Days since drafted, or since sent for a PO placed here (how long the supplier has left it unconfirmed).
    age = day_diff(literal(today, Date), utc_day(func.coalesce(PurchaseOrder.sent_at, PurchaseOrder.ordered_at)))
    columns = {
        c.key: c
        for c in (
            GridColumn("number", PurchaseOrder.number, "text"),
            GridColumn("supplier", Supplier.name, "text"),
            GridColumn("warehouse", Warehouse.code, "text"),
            GridColumn(
                "status",
                case({s.value: s.label for s in POStatus}, value=PurchaseOrder.status, else_=PurchaseOrder.status),
                "text",
            ),
            # Never negative: a clock pinned to an earlier day (a demo, a test) sees today's sends as day 0.
            GridColumn("age_days", case((age > 0, age), else_=0), "number"),
            GridColumn("ordered_on", utc_day(PurchaseOrder.ordered_at), "date", filterable=False),
            GridColumn("eta", PurchaseOrder.eta, "date"),
            GridColumn("eta_confirmed", PurchaseOrder.eta_confirmed, "bool", filterable=False),
            GridColumn("days_late", case((late > 0, late), else_=0), "number"),
            GridColumn("lines", func.coalesce(lines.c.lines, 0), "number"),
            GridColumn("open_units", func.coalesce(lines.c.open_units, 0), "number"),
            GridColumn("open_value", func.coalesce(lines.c.open_value, 0), "number"),
            GridColumn("revisions", func.coalesce(revisions.c.revisions, 0), "number"),
            GridColumn("waiting_lines", func.coalesce(waiting.c.waiting_lines, 0), "number"),
        )
    }
    base = (
        select(
            PurchaseOrder.id.label("po_id"),
            PurchaseOrder.version.label("version"),
            *[(cast(c.expr, String) if c.kind == "date" else c.expr).label(key) for key, c in columns.items()],
        )
        .select_from(PurchaseOrder)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
        .outerjoin(lines, lines.c.po_id == PurchaseOrder.id)
        .outerjoin(revisions, revisions.c.po_id == PurchaseOrder.id)
        .outerjoin(waiting, waiting.c.po_id == PurchaseOrder.id)
    )
    return columns, base


DEFAULT_SORT = [{"colId": "eta", "sort": "asc"}]


def grid_rows(session: Session, filters: InboundFilters, request: Mapping[str, Any] | None, today: dt.date) -> GridPage:
    """One window of open POs, sorted and filtered in SQL (soonest ETA first by default)."""
    columns, base = grid_columns(today)
    if filters.warehouse_id:
        base = base.where(PurchaseOrder.warehouse_id == filters.warehouse_id)
    if filters.supplier_id:
        base = base.where(PurchaseOrder.supplier_id == filters.supplier_id)
    if filters.show == "drafts":
        base = base.where(PurchaseOrder.status == POStatus.DRAFT)
    elif filters.show == "awaiting":
        base = base.where(PurchaseOrder.status == POStatus.SENT)
    else:
        base = base.where(po_is_open())
    if filters.show == "late":
        base = base.where(PurchaseOrder.eta < today)
    elif filters.show == "unconfirmed":
        base = base.where(PurchaseOrder.eta_confirmed.is_(False))
    return fetch_rows(session, base, columns, with_default_sort(request, DEFAULT_SORT), PurchaseOrder.id)


@dataclass(frozen=True)
class PODetail:
    """One PO for the side panel."""

    po: dict[str, Any]
    lines: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    waiting_lines: int


def po_detail(session: Session, number: str) -> PODetail | None:
    """The PO header, its lines, its ETA history and how many waiting lines it covers."""
    row = session.execute(
        select(PurchaseOrder, Supplier.name.label("supplier"), Warehouse.code.label("warehouse"))
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
        .where(PurchaseOrder.number == number)
    ).first()
    if row is None:
        return None
    po = row[0]
    lines = session.execute(
        select(Product.sku, Product.name, POLine.qty, POLine.qty_received, POLine.cross_dock)
        .join(Product, Product.id == POLine.product_id)
        .where(POLine.po_id == po.id)
        .order_by(Product.sku)
    ).mappings()
    revisions = session.execute(
        select(EtaRevision.at, EtaRevision.old_eta, EtaRevision.new_eta, EtaRevision.cause, EtaRevision.note)
        .where(EtaRevision.po_id == po.id)
        .order_by(EtaRevision.at.desc())
    ).mappings()
    waiting = session.scalar(
        select(func.count()).select_from(BackorderTriage).where(BackorderTriage.covering_po_id == po.id)
    )
    header = {
        "id": po.id,
        "number": po.number,
        "supplier": row.supplier,
        "warehouse": row.warehouse,
        "ordered_at": po.ordered_at,
        "eta": po.eta,
        "eta_confirmed": po.eta_confirmed,
        "status": po.status,
        "version": po.version,
    }
    return PODetail(header, [dict(r) for r in lines], [dict(r) for r in revisions], int(waiting or 0))


def filter_options(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Dropdown choices."""
    warehouses = session.execute(select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code))
    suppliers = session.execute(select(Supplier.id, Supplier.name).order_by(Supplier.name))
    return {
        "warehouse": [{"label": f"{code} · {name}", "value": wid} for wid, code, name in warehouses],
        "supplier": [{"label": name, "value": sid} for sid, name in suppliers],
        "show": [
            {"label": "All open POs", "value": "all"},
            {"label": "Late (ETA passed)", "value": "late"},
            {"label": "ETA not confirmed", "value": "unconfirmed"},
            {"label": "Sent, awaiting the supplier's confirmation", "value": "awaiting"},
            {"label": "Drafts (not sent)", "value": "drafts"},
        ],
        "cause": [{"label": c.label, "value": c.value} for c in CauseCode],
    }
