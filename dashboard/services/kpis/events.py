"""Keep the KPI counters current as events happen, inside the event's own transaction.

Every service that changes what a KPI counts calls one function here before it commits:

- a line placed, shipped or cancelled → :func:`line_changed` with the line's facts from before
  (``None`` for a new line); the counters move by ``contribution(after) − contribution(before)``;
- a promise revised → :func:`promise_revised`;
- a purchase order received complete → :func:`po_completed`;
- a supplier's confirmation through its link → :func:`po_confirmed`;
- a notify-me request → :func:`subscribed`.

End-of-day stock and backlog are not events: :func:`close_days` writes them for each day that has
ended, from today's state minus everything stamped later (``kpi_snapshots``), so closing late is
still right. ``kpi_rebuild`` recomputes all of it from the base tables and must agree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.counters import add_counters
from dashboard.db.models import (
    AppSetting,
    EtaRevision,
    KpiCauseDaily,
    KpiDaily,
    KpiNotifyDaily,
    KpiStockDaily,
    KpiSupplierDaily,
    OrderLine,
    POLine,
    Product,
    ProductSupplier,
    PromiseRevision,
    PurchaseOrder,
    SalesOrder,
)
from dashboard.db.models.kpi import WEEKLY
from dashboard.domain import kpi, unknown
from dashboard.services.kpis import snapshots as kpi_snapshots

CLOSED_KEY = "kpi_closed_through"
NO_SUPPLIER = 0


def _day(stamp: dt.datetime | None) -> dt.date | None:
    """The UTC calendar day of a stored timestamp (the day the rebuild's SQL gives it)."""
    if stamp is None:
        return None
    return (stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp).date()


def primary_supplier_id(session: Session, product_id: int) -> int:
    """The product's primary supplier, or :data:`NO_SUPPLIER`."""
    found = session.scalar(
        select(ProductSupplier.supplier_id).where(ProductSupplier.product_id == product_id, ProductSupplier.is_primary)
    )
    return found or NO_SUPPLIER


def line_facts(session: Session, line: OrderLine) -> kpi.LineFacts:
    """What the counters read about ``line`` as it stands now (flushed or not)."""
    ordered_at = session.scalar(select(SalesOrder.ordered_at).where(SalesOrder.id == line.order_id))
    category, cost = session.execute(
        select(Product.category, Product.unit_cost).where(Product.id == line.product_id)
    ).one()
    return kpi.LineFacts(
        warehouse_id=line.warehouse_id,
        category=unknown.category_key(category),
        supplier_id=primary_supplier_id(session, line.product_id),
        ordered_on=_day(ordered_at),
        qty=line.qty,
        unit_price=float(line.unit_price),
        unit_cost=None if cost is None else float(cost),
        backordered_on=_day(line.backordered_at),
        shipped_on=_day(line.shipped_at),
        cancelled_on=_day(line.cancelled_at),
        qty_shipped=line.qty_shipped or 0,
        original_promised_date=line.original_promised_date,
        promised_date=line.promised_date,
    )


def add_daily(session: Session, model: type, rows: dict[tuple, dict[str, float]]) -> None:
    """Add per-day rows to ``model`` and, when it has one, to its weekly rollup in the same transaction."""
    add_counters(session, model.__table__, rows)
    if model in WEEKLY:
        add_counters(session, WEEKLY[model].__table__, kpi.by_week(rows))


def line_changed(session: Session, before: kpi.LineFacts | None, line: OrderLine) -> None:
    """Move the counters from ``before`` (None: a new line) to ``line``'s current facts."""
    add_daily(session, KpiDaily, kpi.line_delta(before, line_facts(session, line)))


def promise_revised(session: Session, revision: PromiseRevision, line: OrderLine) -> None:
    """Count one promise revision under its cause (the delay-cause Pareto)."""
    category = session.scalar(select(Product.category).where(Product.id == line.product_id))
    added = (revision.new_date - revision.old_date).days if revision.old_date else 0
    key = (
        _day(revision.at),
        line.warehouse_id,
        category,
        primary_supplier_id(session, line.product_id),
        str(revision.cause),
    )
    add_counters(session, KpiCauseDaily.__table__, {key: {"revisions": 1, "days_added": added}})


def po_completed(session: Session, po: PurchaseOrder) -> None:
    """Count a purchase order that has just been received complete (the supplier scorecard)."""
    received_on = _day(po.received_at)
    promised = po.original_eta or po.eta
    units, on_time_units = session.execute(
        select(func.coalesce(func.sum(POLine.qty), 0), func.coalesce(func.sum(POLine.qty_received_on_time), 0)).where(
            POLine.po_id == po.id
        )
    ).one()
    revised = session.scalar(select(func.count()).select_from(EtaRevision).where(EtaRevision.po_id == po.id))
    lead = (received_on - _day(po.ordered_at)).days
    key = (received_on, po.supplier_id, po.warehouse_id, (received_on - promised).days)
    counters = {
        "pos": 1,
        "pos_on_time": int(received_on <= promised),
        "pos_revised": int(bool(revised)),
        "lead_days": float(lead),
        "lead_days_sq": float(lead * lead),
        "units_ordered": int(units),
        "units_on_time": int(on_time_units),
    }
    add_counters(session, KpiSupplierDaily.__table__, {key: counters})


def po_confirmed(session: Session, po: PurchaseOrder) -> None:
    """Count a supplier's confirmation of ``po`` on the day it arrived; "as sent" is its original ETA.

    The row's delay is 0: confirmations are not deliveries, and their ``pos`` stays 0, so the
    delay histogram and the receipt KPIs do not see them.
    """
    key = (_day(po.confirmed_at), po.supplier_id, po.warehouse_id, 0)
    counters = {
        "pos_confirmed": 1,
        "confirm_days": (po.confirmed_at - po.sent_at).total_seconds() / 86_400,
        "pos_confirmed_as_sent": int(po.confirmed_eta == po.original_eta),
    }
    add_counters(session, KpiSupplierDaily.__table__, {key: counters})


def subscribed(session: Session, product: Product, at: dt.datetime) -> None:
    """Count a notify-me request: demand the shop could not take."""
    key = (_day(at), unknown.category_key(product.category), primary_supplier_id(session, product.id))
    # An unknown price adds nothing to the value of what was asked for (never a made-up 0 per unit).
    value = float(product.unit_price) if product.unit_price is not None else 0.0
    add_counters(session, KpiNotifyDaily.__table__, {key: {"requests": 1, "value": value}})


def closed_through(session: Session) -> dt.date | None:
    """The last day whose end-of-day stock and backlog are written (None: never closed)."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == CLOSED_KEY))
    return dt.date.fromisoformat(value["day"]) if value else None


def close_days(session: Session, today: dt.date) -> int:
    """Write end-of-day stock and backlog for every day that ended since the last close; returns days written.

    The marker row is locked first, so two workers closing at once write each day once.
    """
    marker = _locked_marker(session)
    if marker is None:
        return 0
    first_day = dt.date.fromisoformat(marker.value["day"]) + dt.timedelta(days=1)
    last_day = today - dt.timedelta(days=1)
    if first_day > last_day:
        return 0
    rows = kpi_snapshots.snapshot_rows(session, first_day, last_day)
    add_daily(session, KpiStockDaily, rows)
    marker.value = {"day": last_day.isoformat()}
    session.flush()
    return (last_day - first_day).days + 1


def _locked_marker(session: Session) -> AppSetting | None:
    """The close marker, locked; created ("closed through the day before history") when missing.

    Created with INSERT … ON CONFLICT DO NOTHING, so two workers closing for the first time both
    end up waiting on the one row instead of the second failing on its unique key.
    """
    query = select(AppSetting).where(AppSetting.key == CLOSED_KEY).with_for_update()
    marker = session.scalar(query)
    if marker is not None:
        return marker
    start = kpi_snapshots.history_start(session)
    if start is None:
        return None
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    before = {"day": (start - dt.timedelta(days=1)).isoformat()}
    session.execute(
        insert(AppSetting)
        .values(key=CLOSED_KEY, value=before, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.scalar(query.execution_options(populate_existing=True))
