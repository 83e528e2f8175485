"""Rebuild every KPI table from the base tables (``backorder-desk refresh --kpis``).

The incremental path (``kpi_events``) and this rebuild compute the same counters two ways: per
event in Python (``domain.kpi.line_contribution``) and in bulk here with GROUP BY. A test runs
random event sequences and requires the two to agree, so a definition cannot drift in one of them.

Use it after loading history from outside (a demo, an import that changed categories, costs or
primary suppliers), or whenever the counters are in doubt. One transaction: readers see the old
counters until the new ones are complete.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, delete, func, literal, select
from sqlalchemy.orm import Session

from dashboard.db.bulk import insert_rows
from dashboard.db.counters import counter_columns, key_columns
from dashboard.db.models import (
    KPI_TABLES,
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
    PromiseRevision,
    PurchaseOrder,
    RestockSubscription,
    SalesOrder,
)
from dashboard.db.models.kpi import WEEKLY
from dashboard.db.queries import day_diff, days_between, utc_day
from dashboard.domain.codes import POStatus
from dashboard.domain.kpi import week_start
from dashboard.domain.unknown import NO_CATEGORY
from dashboard.services.kpis import snapshots as kpi_snapshots
from dashboard.services.kpis.events import CLOSED_KEY

# A counter's key cannot hold NULL (it would not group): an unknown category is keyed as NO_CATEGORY.
category = func.coalesce(Product.category, NO_CATEGORY).label("category")


@dataclass(frozen=True)
class RebuildSummary:
    """How many counter rows each table got, and the days covered."""

    rows: dict[str, int]
    first_day: dt.date | None
    closed_through: dt.date | None


def _when(condition, amount=1):
    return func.sum(case((condition, amount), else_=0))


def _line_frames(session: Session) -> list[pd.DataFrame]:
    primary = kpi_snapshots.primary_suppliers()
    supplier = func.coalesce(primary.c.supplier_id, 0).label("supplier_id")

    def grouped(day, *columns, where=None):
        statement = (
            select(day.label("day"), OrderLine.warehouse_id, category, supplier, *columns)
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .outerjoin(primary, primary.c.product_id == OrderLine.product_id)
            .group_by(day, OrderLine.warehouse_id, category, supplier)
        )
        return kpi_snapshots.frame(session, statement if where is None else statement.where(where))

    backordered = OrderLine.backordered_at.is_not(None)
    in_full = OrderLine.qty_shipped >= OrderLine.qty
    first_pass = and_(~backordered, OrderLine.shipped_at.is_not(None), in_full)
    ordered = grouped(
        utc_day(SalesOrder.ordered_at),
        func.count().label("lines_ordered"),
        func.sum(OrderLine.qty).label("units_ordered"),
        func.sum(OrderLine.qty * OrderLine.unit_price).label("revenue_ordered"),
        _when(backordered).label("lines_backordered"),
        _when(backordered, OrderLine.qty).label("units_backordered"),
        _when(first_pass).label("lines_first_pass"),
        _when(first_pass, OrderLine.qty).label("units_first_pass"),
    )
    ship_day = utc_day(OrderLine.shipped_at)
    shipped = grouped(
        ship_day,
        func.count().label("lines_shipped"),
        func.sum(OrderLine.qty_shipped).label("units_shipped"),
        func.sum(OrderLine.qty_shipped * OrderLine.unit_price).label("revenue_shipped"),
        func.sum(OrderLine.qty_shipped * Product.unit_cost).label("cogs_shipped"),
        _when(and_(in_full, ship_day <= OrderLine.original_promised_date)).label("shipped_on_time_original"),
        _when(and_(in_full, ship_day <= OrderLine.promised_date)).label("shipped_on_time_current"),
        _when(backordered).label("backorders_shipped"),
        _when(backordered, day_diff(ship_day, utc_day(OrderLine.backordered_at))).label("backorder_wait_days"),
        where=OrderLine.shipped_at.is_not(None),
    )
    cancelled = grouped(
        utc_day(OrderLine.cancelled_at),
        func.count().label("lines_cancelled"),
        _when(backordered).label("backorders_cancelled"),
        where=OrderLine.cancelled_at.is_not(None),
    )
    return [ordered, shipped, cancelled]


def _cause_frame(session: Session) -> pd.DataFrame:
    primary = kpi_snapshots.primary_suppliers()
    supplier = func.coalesce(primary.c.supplier_id, 0).label("supplier_id")
    day = utc_day(PromiseRevision.at)
    added = case(
        (PromiseRevision.old_date.is_not(None), day_diff(PromiseRevision.new_date, PromiseRevision.old_date)), else_=0
    )
    return kpi_snapshots.frame(
        session,
        select(
            day.label("day"),
            OrderLine.warehouse_id,
            category,
            supplier,
            PromiseRevision.cause,
            func.count().label("revisions"),
            func.sum(added).label("days_added"),
        )
        .join(OrderLine, OrderLine.id == PromiseRevision.order_line_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(primary, primary.c.product_id == OrderLine.product_id)
        .group_by(day, OrderLine.warehouse_id, category, supplier, PromiseRevision.cause),
    )


def _supplier_frame(session: Session) -> pd.DataFrame:
    units = (
        select(
            POLine.po_id,
            func.sum(POLine.qty).label("units"),
            func.sum(POLine.qty_received_on_time).label("on_time_units"),
        )
        .group_by(POLine.po_id)
        .subquery()
    )
    revised = select(EtaRevision.po_id).group_by(EtaRevision.po_id).subquery()
    day = utc_day(PurchaseOrder.received_at)
    promised = func.coalesce(PurchaseOrder.original_eta, PurchaseOrder.eta)
    delay = day_diff(day, promised)
    lead = cast(day_diff(day, utc_day(PurchaseOrder.ordered_at)), Integer)
    return kpi_snapshots.frame(
        session,
        select(
            day.label("day"),
            PurchaseOrder.supplier_id,
            PurchaseOrder.warehouse_id,
            delay.label("delay_days"),
            func.count().label("pos"),
            _when(day <= promised).label("pos_on_time"),
            _when(revised.c.po_id.is_not(None)).label("pos_revised"),
            func.sum(lead).label("lead_days"),
            func.sum(lead * lead).label("lead_days_sq"),
            func.sum(func.coalesce(units.c.units, 0)).label("units_ordered"),
            func.sum(func.coalesce(units.c.on_time_units, 0)).label("units_on_time"),
        )
        .outerjoin(units, units.c.po_id == PurchaseOrder.id)
        .outerjoin(revised, revised.c.po_id == PurchaseOrder.id)
        .where(PurchaseOrder.status == POStatus.RECEIVED, PurchaseOrder.received_at.is_not(None))
        .group_by(day, PurchaseOrder.supplier_id, PurchaseOrder.warehouse_id, delay),
    )


def _confirmation_frame(session: Session) -> pd.DataFrame:
    """Supplier confirmations through the link, on the day each arrived (delay 0; see ``po_confirmed``)."""
    po = PurchaseOrder
    day = utc_day(po.confirmed_at)
    return kpi_snapshots.frame(
        session,
        select(
            day.label("day"),
            po.supplier_id,
            po.warehouse_id,
            literal(0).label("delay_days"),
            func.count().label("pos_confirmed"),
            func.sum(days_between(po.confirmed_at, po.sent_at)).label("confirm_days"),
            _when(po.confirmed_eta == po.original_eta).label("pos_confirmed_as_sent"),
        )
        .where(po.confirmed_at.is_not(None), po.sent_at.is_not(None), po.confirmed_eta.is_not(None))
        .group_by(day, po.supplier_id, po.warehouse_id),
    )


def _notify_frame(session: Session) -> pd.DataFrame:
    primary = kpi_snapshots.primary_suppliers()
    supplier = func.coalesce(primary.c.supplier_id, 0).label("supplier_id")
    day = utc_day(RestockSubscription.created_at)
    return kpi_snapshots.frame(
        session,
        select(
            day.label("day"),
            category,
            supplier,
            func.count().label("requests"),
            func.sum(Product.unit_price).label("value"),
        )
        .join(Product, Product.id == RestockSubscription.product_id)
        .outerjoin(primary, primary.c.product_id == RestockSubscription.product_id)
        .group_by(day, category, supplier),
    )


def _write(session: Session, model, frames: list[pd.DataFrame]) -> int:
    table = model.__table__
    keys, counters = key_columns(table), counter_columns(table)
    frames = [f for f in frames if not f.empty]
    if not frames:
        return 0
    combined = pd.concat(frames, ignore_index=True)
    combined["day"] = combined["day"].map(lambda d: str(d)[:10])
    for column in counters:
        if column not in combined:
            combined[column] = 0
        combined[column] = pd.to_numeric(combined[column], errors="coerce").fillna(0)
    summed = combined.groupby(keys, as_index=False)[counters].sum()
    integer = [c.name for c in table.columns if c.name in counters and isinstance(c.type, Integer)]
    summed[integer] = summed[integer].round().astype("int64")
    rows = summed[keys + counters].astype(object).itertuples(index=False, name=None)
    return insert_rows(session.connection(), table, keys + counters, rows)


def rebuild_kpis(session: Session, today: dt.date) -> RebuildSummary:
    """Replace every KPI table with counters recomputed from history, closing days through yesterday."""
    for model in KPI_TABLES:
        session.execute(delete(model))
    session.execute(delete(AppSetting).where(AppSetting.key == CLOSED_KEY))
    rows = {
        KpiDaily.__tablename__: _write(session, KpiDaily, _line_frames(session)),
        KpiCauseDaily.__tablename__: _write(session, KpiCauseDaily, [_cause_frame(session)]),
        KpiSupplierDaily.__tablename__: _write(
            session, KpiSupplierDaily, [_supplier_frame(session), _confirmation_frame(session)]
        ),
        KpiNotifyDaily.__tablename__: _write(session, KpiNotifyDaily, [_notify_frame(session)]),
    }
    first = kpi_snapshots.history_start(session)
    closed = today - dt.timedelta(days=1)
    snapshot = pd.DataFrame()
    if first is not None and first <= closed:
        found = kpi_snapshots.snapshot_rows(session, first, closed)
        keys = key_columns(KpiStockDaily.__table__)
        snapshot = pd.DataFrame([{**dict(zip(keys, key, strict=True)), **c} for key, c in found.items()])
    rows[KpiStockDaily.__tablename__] = _write(session, KpiStockDaily, [snapshot])
    if first is not None and first <= closed:
        session.add(AppSetting(key=CLOSED_KEY, value={"day": closed.isoformat()}))
    session.flush()
    rows |= rollup_weeks(session)
    return RebuildSummary(rows, first, closed if first is not None and first <= closed else None)


def rollup_weeks(session: Session) -> dict[str, int]:
    """Refill each weekly rollup from its daily table (Monday-keyed sums); returns rows written per table."""
    written = {}
    for daily, weekly in WEEKLY.items():
        session.execute(delete(weekly))
        table = daily.__table__
        keys, counters = key_columns(table), counter_columns(table)
        frame = kpi_snapshots.frame(session, select(*(table.c[c] for c in keys + counters)))
        if not frame.empty:
            frame["day"] = frame["day"].map(lambda d: week_start(dt.date.fromisoformat(str(d)[:10])))
        written[weekly.__tablename__] = _write(session, weekly, [frame])
    return written
