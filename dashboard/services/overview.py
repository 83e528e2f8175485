"""The numbers behind the Overview page's cards and alert lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.models import (
    Customer,
    KpiDaily,
    KpiSupplierDaily,
    OrderLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    SkuMetricsSummary,
    Supplier,
)
from dashboard.db.queries import (
    available_by_product,
    line_is_waiting,
    po_is_open,
    po_past_eta,
)
from dashboard.domain import kpi, kpi_kinds
from dashboard.domain.codes import POStatus, SalesStatus


@dataclass(frozen=True)
class OverviewCounts:
    """Headline counts; each card on ``/`` shows one of these."""

    open_backorder_lines: int
    open_backorder_units: int
    open_backorder_value: float
    lines_past_promise: int
    skus_stocked_out: int
    active_skus: int
    pairs_stocked_out: int
    pairs: int
    pos_past_eta: int
    open_pos: int
    # Purchase orders sent more than UNCONFIRMED_DAYS ago that the supplier has not confirmed.
    sent_unconfirmed: int = 0


@dataclass(frozen=True)
class OverdueLine:
    """An open line whose promise has passed (for the Overview alert list)."""

    order_number: str
    sku: str
    customer: str
    promised_date: dt.date
    days_late: int
    value: float


@dataclass(frozen=True)
class LatePO:
    """An open purchase order past its ETA."""

    number: str
    supplier: str
    eta: dt.date
    days_late: int
    confirmed: bool


UNCONFIRMED_DAYS = 3
WAITING_UNITS = OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped


def overview_counts(session: Session, today: dt.date) -> OverviewCounts:
    """Count what needs attention today; one round trip per card, each on an index."""
    backorders = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(WAITING_UNITS), 0),
            func.coalesce(func.sum(WAITING_UNITS * OrderLine.unit_price), 0),
        ).where(line_is_waiting())
    ).one()
    # The same definitions as /backorders, which these cards open: waiting lines, waiting units.
    past_promise = session.scalar(
        select(func.count()).select_from(OrderLine).where(line_is_waiting(), OrderLine.promised_date < today)
    )
    available = available_by_product().subquery()
    active = Product.sales_status != SalesStatus.DISCONTINUED
    stocked_out = session.scalar(
        select(func.count())
        .select_from(Product)
        .outerjoin(available, available.c.product_id == Product.id)
        .where(active, func.coalesce(available.c.available, 0) <= 0)
    )
    active_skus = session.scalar(select(func.count()).select_from(Product).where(active))
    # The same set /replenishment's "Stocked out" card counts and the link opens: SKU-warehouse pairs
    # with nothing available there, as of the last refresh (its summary table, not a scan).
    pairs = session.execute(
        select(
            func.coalesce(func.sum(SkuMetricsSummary.stocked_out), 0),
            func.coalesce(func.sum(SkuMetricsSummary.pairs), 0),
        )
    ).one()
    pos = session.execute(
        select(func.count(), func.count().filter(PurchaseOrder.eta < today)).where(po_is_open())
    ).one()
    # Sent before the start of the day UNCONFIRMED_DAYS ago, still not confirmed: chase the supplier.
    chase_before = dt.datetime.combine(today - dt.timedelta(days=UNCONFIRMED_DAYS - 1), dt.time(), dt.UTC)
    sent_unconfirmed = session.scalar(
        select(func.count())
        .select_from(PurchaseOrder)
        .where(PurchaseOrder.status == POStatus.SENT, PurchaseOrder.sent_at < chase_before)
    )
    return OverviewCounts(
        open_backorder_lines=backorders[0],
        open_backorder_units=int(backorders[1]),
        open_backorder_value=float(backorders[2]),
        lines_past_promise=past_promise or 0,
        skus_stocked_out=stocked_out or 0,
        active_skus=active_skus or 0,
        pairs_stocked_out=int(pairs[0]),
        pairs=int(pairs[1]),
        sent_unconfirmed=sent_unconfirmed or 0,
        pos_past_eta=pos[1],
        open_pos=pos[0],
    )


def most_overdue_lines(session: Session, today: dt.date, limit: int = 8) -> list[OverdueLine]:
    """The open lines furthest past their promise, worst first."""
    rows = session.execute(
        select(
            SalesOrder.number, Product.sku, Customer.name, OrderLine.promised_date, WAITING_UNITS * OrderLine.unit_price
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(line_is_waiting(), OrderLine.promised_date < today)
        .order_by(OrderLine.promised_date, OrderLine.id)
        .limit(limit)
    ).all()
    return [OverdueLine(r[0], r[1], r[2], r[3], (today - r[3]).days, float(r[4])) for r in rows]


def latest_pos(session: Session, today: dt.date, limit: int = 8) -> list[LatePO]:
    """Open purchase orders past their ETA, latest first."""
    rows = session.execute(
        select(PurchaseOrder.number, Supplier.name, PurchaseOrder.eta, PurchaseOrder.eta_confirmed)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(po_past_eta(today))
        .order_by(PurchaseOrder.eta, PurchaseOrder.id)
        .limit(limit)
    ).all()
    return [LatePO(r[0], r[1], r[2], (today - r[2]).days, r[3]) for r in rows]


RECENT_DAYS = 28
# The counter table each basis of an Overview KPI is summed from (stock KPIs need closed days: not here).
_TABLES = {kpi_kinds.LINES: KpiDaily, kpi_kinds.SUPPLIERS: KpiSupplierDaily}


@dataclass(frozen=True)
class RecentKpis:
    """The executive headline over the last four weeks and the four before (from the KPI counters)."""

    days: int
    current: dict[str, float | None]
    previous: dict[str, float | None]

    def delta(self, key: str) -> float | None:
        """Current minus previous period."""
        return kpi.change(self.current.get(key), self.previous.get(key))


def _period(session: Session, start: dt.date, end: dt.date) -> dict[str, float | None]:
    """The Overview's KPIs over ``[start, end]``: one query per counter table, summing what their formulas read."""
    values: dict[str, float | None] = {}
    for basis, model in _TABLES.items():
        shown = [found for found in kpi_kinds.overview_kpis() if found.basis == basis]
        names = sorted({name for found in shown for name in found.formula.reads})
        if not names:
            continue
        row = session.execute(
            select(*(func.coalesce(func.sum(getattr(model, name)), 0) for name in names)).where(
                model.day >= start, model.day <= end
            )
        ).one()
        values |= kpi_kinds.compute(basis, dict(zip(names, (float(v) for v in row), strict=True)), only=shown)
    return values


def recent_kpis(session: Session, today: dt.date, days: int = RECENT_DAYS) -> RecentKpis:
    """The Overview's KPIs (``overview`` cards of :mod:`dashboard.domain.kpi_kinds`) for the last ``days`` days."""
    start = today - dt.timedelta(days=days - 1)
    before = kpi.previous_period(start, today)
    return RecentKpis(days, _period(session, start, today), _period(session, *before))
