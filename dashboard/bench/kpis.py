"""`backorder-desk bench` scenarios for /kpis and /suppliers: the executive report and the supplier scorecard.

Their floor is the SQL their services run, captured once and replayed on the DB-API cursor; their
naive baseline is what the summary tables replace: recomputing the KPIs from the order history on
every page load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from dashboard.bench.common import Scenario
from dashboard.db.engine import Database
from dashboard.db.models import OrderLine, Product, PurchaseOrder, SalesOrder
from dashboard.services.inbound import suppliers
from dashboard.services.kpis import filters as kpi_filters
from dashboard.services.kpis import report as kpi_report


def _captured(database: Database, call: Callable[[Session], Any]) -> Callable[[Any], None]:
    """Run ``call`` once, keep every statement it sent, and return a replay of them on a raw cursor."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", keep)
    try:
        with database.read_session() as session:
            call(session)
    finally:
        event.remove(Engine, "before_cursor_execute", keep)

    def replay(dbapi: Any) -> None:
        cursor = dbapi.cursor()
        try:
            for statement, parameters in sent:
                cursor.execute(statement, parameters)
                cursor.fetchall()
        finally:
            cursor.close()

    return replay


def _kpi_inputs(start: dt.date, end: dt.date, warehouse: int | None = None, category: str | None = None) -> dict:
    return {
        "kpi-dates.start_date": start.isoformat(),
        "kpi-dates.end_date": end.isoformat(),
        "kpi-warehouse.value": warehouse,
        "kpi-category.value": category,
        "kpi-supplier.value": None,
    }


def _naive_lines(start: dt.date, end: dt.date) -> Callable[[Any], None]:
    """The KPIs recomputed from every order line of the range in pandas."""
    begin = dt.datetime.combine(start, dt.time(), dt.UTC)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)

    def naive(connection: Any) -> None:
        frame = pd.read_sql(
            select(
                SalesOrder.ordered_at,
                OrderLine.warehouse_id,
                Product.category,
                OrderLine.qty,
                OrderLine.qty_shipped,
                OrderLine.backordered_at,
                OrderLine.shipped_at,
                OrderLine.original_promised_date,
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(SalesOrder.ordered_at >= begin, SalesOrder.ordered_at < stop),
            connection,
        )
        frame["week"] = pd.to_datetime(frame["ordered_at"], utc=True).dt.tz_convert(None).dt.to_period("W")
        frame["backordered"] = frame["backordered_at"].notna()
        frame["first_pass"] = ~frame["backordered"] & frame["shipped_at"].notna()
        frame.groupby(["week", "warehouse_id", "category"])[["backordered", "first_pass"]].mean()

    return naive


def _naive_pos(start: dt.date, end: dt.date) -> Callable[[Any], None]:
    """The scorecard recomputed from every purchase order received in the range."""
    begin = dt.datetime.combine(start, dt.time(), dt.UTC)

    def naive(connection: Any) -> None:
        frame = pd.read_sql(
            select(
                PurchaseOrder.supplier_id,
                PurchaseOrder.ordered_at,
                PurchaseOrder.received_at,
                PurchaseOrder.original_eta,
            ).where(PurchaseOrder.received_at >= begin),
            connection,
        )
        received = pd.to_datetime(frame["received_at"]).dt.normalize().dt.tz_localize(None)
        frame["delay"] = (received - pd.to_datetime(frame["original_eta"])).dt.days
        frame.groupby("supplier_id")["delay"].agg(["mean", lambda d: d.quantile(0.8), "count"])

    return naive


def kpi_scenarios(database: Database, today: dt.date) -> list[Scenario]:
    """What an executive does on /kpis and a manager on /suppliers."""
    with database.read_session() as session:
        options = kpi_filters.filter_options(session)
    warehouse = min(options.warehouses)
    category = options.categories[0]
    quarter = kpi_filters.default_range(today, 13)
    year = kpi_filters.default_range(today, 52)

    def report(start: dt.date, end: dt.date, **narrow: Any) -> Callable[[Session], Any]:
        def call(session: Session) -> None:
            raw = {"start": start.isoformat(), "end": end.isoformat(), **narrow}
            filters = kpi_filters.KpiFilters.parse(raw, kpi_filters.filter_options(session), today)
            kpi_report.headline(session, filters)
            kpi_report.weekly_trends(session, filters)
            kpi_report.delay_causes(session, filters)
            kpi_report.open_backorders(session, filters, today)

        return call

    def breakdown(session: Session) -> None:
        raw = {"start": quarter[0].isoformat(), "end": quarter[1].isoformat()}
        filters = kpi_filters.KpiFilters.parse(raw, kpi_filters.filter_options(session), today)
        kpi_report.breakdown(session, filters, "supplier")

    scenarios = [
        Scenario(
            "KPI report: last 13 weeks, everything",
            "kpi-headline.children",
            "kpi-dates.start_date",
            _kpi_inputs(*quarter),
            _captured(database, report(*quarter)),
            _naive_lines(*quarter),
        ),
        Scenario(
            "KPI report: last 52 weeks, one warehouse and category",
            "kpi-headline.children",
            "kpi-warehouse.value",
            _kpi_inputs(*year, warehouse, category),
            _captured(database, report(*year, warehouse_id=warehouse, category=category)),
            _naive_lines(*year),
        ),
        Scenario(
            "KPI breakdown by supplier: last 13 weeks",
            "kpi-breakdown-table.children",
            "kpi-dimension.value",
            {**_kpi_inputs(*quarter), "kpi-dimension.value": "supplier"},
            _captured(database, breakdown),
            _naive_lines(*quarter),
        ),
    ]
    return scenarios + supplier_scenarios(database, today)


def supplier_scenarios(database: Database, today: dt.date) -> list[Scenario]:
    """The scorecard of every supplier, and the worst one's trend, delays and open POs at risk."""
    start, end = suppliers.default_range(today)
    inputs = {"sup-dates.start_date": start.isoformat(), "sup-dates.end_date": end.isoformat()}
    everyone = suppliers.SupplierFilters.parse({"start": start.isoformat(), "end": end.isoformat()}, today)
    with database.read_session() as session:
        worst = suppliers.scorecard(session, everyone, today)[0].supplier_id
    one = suppliers.SupplierFilters.parse(
        {"start": start.isoformat(), "end": end.isoformat(), "supplier_id": worst}, today
    )

    def scorecard(session: Session) -> None:
        suppliers.scorecard(session, everyone, today)

    def detail(session: Session) -> None:
        period = suppliers.supplier_period(session, one)
        suppliers.weekly_trend(session, one)
        suppliers.at_risk_pos(session, one, period.current["p80_delay"], today)

    return [
        Scenario(
            "supplier scorecard: every supplier, 26 weeks",
            "sup-grid.rowData",
            "sup-dates.start_date",
            {**inputs, "sup-warehouse.value": None, "sup-supplier.value": None},
            _captured(database, scorecard),
            _naive_pos(start, end),
        ),
        Scenario(
            "supplier detail: worst supplier's trend, delays, POs at risk",
            "sup-cards.children",
            "sup-supplier.value",
            {**inputs, "sup-warehouse.value": None, "sup-supplier.value": worst},
            _captured(database, detail),
            _naive_pos(start, end),
        ),
    ]
