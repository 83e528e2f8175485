"""Read queries behind /kpis: the KPIs of design §5 over a date range, from the summary tables only.

Every query bounds ``day`` first: it leads each KPI table's unique key, so a range is an index range
scan and the cost grows with the range chosen, not with the history kept. Aggregation happens in
SQL (by day for the headline and the weekly trends, by dimension for the breakdowns, by cause for
the Pareto); Python only adds days into periods and ISO weeks and applies
:data:`dashboard.domain.kpi_kinds.KPIS`, whose formulas say which counters each KPI reads. Open
backorders are today's, read from ``backorder_triage``. The filters arrive validated, as
:class:`dashboard.services.kpis.filters.KpiFilters`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dashboard.db.counters import counter_columns
from dashboard.db.models import (
    BackorderTriage,
    KpiCauseDaily,
    KpiDaily,
    KpiNotifyDaily,
    KpiStockDaily,
    Product,
    ProductSupplier,
    Supplier,
    Warehouse,
)
from dashboard.db.models.kpi import WEEKLY
from dashboard.domain import kpi_kinds
from dashboard.domain.codes import AGING_BUCKETS, CauseCode
from dashboard.domain.days import day_number
from dashboard.domain.kpi import Counters, change, histogram_median, week_start
from dashboard.services.kpis.events import closed_through
from dashboard.services.kpis.filters import KpiFilters, parse_dimension

NO_SUPPLIER_LABEL = "No primary supplier"
LINE_COUNTERS = tuple(counter_columns(KpiDaily.__table__))
STOCK_COUNTERS = tuple(counter_columns(KpiStockDaily.__table__))
BACKLOG = tuple(name for name in STOCK_COUNTERS if name.startswith("open_backorder"))
ONE = dt.timedelta(days=1)


# ---- shared SQL ----------------------------------------------------------------------------------


def _scope(model: Any, filters: KpiFilters, start: dt.date, end: dt.date) -> list[ColumnElement[bool]]:
    """Day range first (the leading key column), then the dimension filters the table has."""
    where = [model.day >= start, model.day <= end]
    if filters.warehouse_id is not None:
        where.append(model.warehouse_id == filters.warehouse_id)
    if filters.category is not None:
        where.append(model.category == filters.category)
    if filters.supplier_id is not None:
        where.append(model.supplier_id == filters.supplier_id)
    return where


def _sums(model: Any, names: Iterable[str]) -> list[ColumnElement[Any]]:
    return [func.sum(getattr(model, name)).label(name) for name in names]


def _counters(row: Any, names: Iterable[str]) -> Counters:
    return {name: float(row._mapping[name] or 0) for name in names}


def _by(session: Session, model: Any, names: tuple[str, ...], group: Any, where: list) -> dict[Any, Counters]:
    rows = session.execute(select(group.label("key"), *_sums(model, names)).where(*where).group_by(group))
    return {row.key: _counters(row, names) for row in rows}


def _full_weeks(start: dt.date, end: dt.date, closed: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """Mondays of the weeks lying wholly inside ``[start, end]`` and closed by ``closed`` (None: none)."""
    if closed is None:
        return None
    first = week_start(start + dt.timedelta(days=6))
    last = week_start(min(end, closed) - dt.timedelta(days=6))
    return (first, last) if first <= last else None


def _by_range(
    session: Session,
    daily: Any,
    names: tuple[str, ...],
    column: str,
    filters: KpiFilters,
    start: dt.date,
    end: dt.date,
    closed: dt.date | None,
) -> dict[Any, Counters]:
    """``_by`` over ``[start, end]`` reading the weekly rollup for whole closed weeks and daily rows for the edges.

    Grouped by ``column``; when that is ``day``, a whole week's sums arrive keyed by its Monday.
    """
    weeks = _full_weeks(start, end, closed)
    if weeks is None:
        return _by(session, daily, names, getattr(daily, column), _scope(daily, filters, start, end))
    weekly = WEEKLY[daily]
    first, last = weeks
    parts = [_by(session, weekly, names, getattr(weekly, column), _scope(weekly, filters, first, last))]
    if start < first:
        parts.append(_by(session, daily, names, getattr(daily, column), _scope(daily, filters, start, first - ONE)))
    if last + 6 * ONE < end:
        parts.append(_by(session, daily, names, getattr(daily, column), _scope(daily, filters, last + 7 * ONE, end)))
    merged: dict[Any, Counters] = {}
    for part in parts:
        for key, counters in part.items():
            row = merged.setdefault(key, {})
            for name, amount in counters.items():
                row[name] = row.get(name, 0.0) + amount
    return merged


def _add(daily: Mapping[dt.date, Counters], start: dt.date, end: dt.date) -> Counters:
    total: Counters = {}
    for day, counters in daily.items():
        if start <= day <= end:
            for name, amount in counters.items():
                total[name] = total.get(name, 0.0) + amount
    return total


def notify_applies(filters: KpiFilters) -> bool:
    """Notify-me requests are per product, not per warehouse: a warehouse filter leaves them out."""
    return filters.warehouse_id is None


def stock_span(session: Session, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The closed days within ``[start, end]`` (snapshots exist for closed days only, written in order)."""
    day = KpiStockDaily.day
    first = session.scalar(select(func.min(day)).where(day >= start, day <= end))
    last = session.scalar(select(func.max(day)).where(day >= start, day <= end))
    return (first, last) if first is not None and last is not None else None


def _overlap(span: tuple[dt.date, dt.date] | None, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    if span is None:
        return None
    low, high = max(span[0], start), min(span[1], end)
    return (low, high) if low <= high else None


@dataclass(frozen=True)
class DailyCounters:
    """Per-day sums of every KPI table over a range, for the chosen filters."""

    lines: dict[dt.date, Counters]
    stock: dict[dt.date, Counters]
    notify: dict[dt.date, float]
    revisions: dict[dt.date, Counters]
    closed: tuple[dt.date, dt.date] | None

    def kpis(self, start: dt.date, end: dt.date) -> tuple[dict[str, float | None], Counters]:
        """The KPI values over ``[start, end]`` and the summed counters they came from."""
        lines = _add(self.lines, start, end)
        span = _overlap(self.closed, start, end)
        closed_days = (span[1] - span[0]).days + 1 if span else 0
        stock = _add(self.stock, *span) if span else {}
        cogs = _add(self.lines, *span).get("cogs_shipped", 0.0) if span else 0.0
        notify = sum(value for day, value in self.notify.items() if start <= day <= end)
        revisions = _add(self.revisions, start, end)
        stock_sums = kpi_kinds.stock_sums(stock, closed_days, cogs, notify)
        values = kpi_kinds.compute(kpi_kinds.LINES, lines) | kpi_kinds.compute(kpi_kinds.STOCK, stock_sums)
        sums = {**lines, **revisions, "notify_value": notify, "closed_days": float(closed_days)}
        return values, sums

    def stock_through(self, start: dt.date, end: dt.date) -> dt.date | None:
        """The last closed day within ``[start, end]``."""
        span = _overlap(self.closed, start, end)
        return span[1] if span else None

    def has_data(self, start: dt.date, end: dt.date) -> bool:
        """Whether any table has a row for these filters within ``[start, end]``."""
        sources: tuple[Mapping[dt.date, Any], ...] = (self.lines, self.stock, self.notify, self.revisions)
        return any(start <= day <= end for source in sources for day in source)


def daily_counters(session: Session, filters: KpiFilters, start: dt.date, end: dt.date) -> DailyCounters:
    """Every KPI table summed by day over ``[start, end]``: four GROUP BY day queries on index ranges."""
    closed = closed_through(session)
    lines = _by_range(session, KpiDaily, LINE_COUNTERS, "day", filters, start, end, closed)
    stock = _by_range(session, KpiStockDaily, STOCK_COUNTERS, "day", filters, start, end, closed)
    causes = ("revisions", "days_added")
    revisions = _by(session, KpiCauseDaily, causes, KpiCauseDaily.day, _scope(KpiCauseDaily, filters, start, end))
    notify: dict[dt.date, float] = {}
    if notify_applies(filters):
        by_day = _by(
            session, KpiNotifyDaily, ("value",), KpiNotifyDaily.day, _scope(KpiNotifyDaily, filters, start, end)
        )
        notify = {day: counters["value"] for day, counters in by_day.items()}
    return DailyCounters(lines, stock, notify, revisions, stock_span(session, start, end))


# ---- headline and trends ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """Each KPI over the range and over the previous period of equal length."""

    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    current: dict[str, float | None]
    previous: dict[str, float | None]
    sums: Counters
    stock_through: dt.date | None
    notify_included: bool
    has_data: bool

    def delta(self, key: str) -> float | None:
        """Current minus previous for ``key`` (None when either is missing)."""
        return change(self.current.get(key), self.previous.get(key))


def headline(session: Session, filters: KpiFilters) -> Headline:
    """The KPI cards: the range's values, the previous period's, and what they were computed from."""
    previous_start, previous_end = filters.previous
    # Two reads, not one sliced: a whole week's rollup must not straddle the two periods.
    daily = daily_counters(session, filters, filters.start, filters.end)
    before = daily_counters(session, filters, previous_start, previous_end)
    current, sums = daily.kpis(filters.start, filters.end)
    previous, _ = before.kpis(previous_start, previous_end)
    return Headline(
        filters.start,
        filters.end,
        previous_start,
        previous_end,
        current,
        previous,
        sums,
        daily.stock_through(filters.start, filters.end),
        notify_applies(filters),
        daily.has_data(filters.start, filters.end),
    )


@dataclass(frozen=True)
class WeekPoint:
    """One ISO week of the trend (only its days inside the range are counted)."""

    week: dt.date
    first_day: dt.date
    last_day: dt.date
    values: dict[str, float | None]
    sums: Counters
    # Open backorders at the end of the week's last closed day (None: no closed day that week).
    backlog: Counters | None = field(default=None)

    @property
    def partial(self) -> bool:
        """Whether the range cuts this week short."""
        return (self.last_day - self.first_day).days + 1 < 7


def weekly_trends(session: Session, filters: KpiFilters) -> list[WeekPoint]:
    """Per ISO week of the range: every KPI from the week's summed counters, and the backlog at week end."""
    daily = daily_counters(session, filters, filters.start, filters.end)
    if not daily.has_data(filters.start, filters.end):
        return []
    weeks = []
    monday = week_start(filters.start)
    while monday <= filters.end:
        first, last = max(monday, filters.start), min(monday + dt.timedelta(days=6), filters.end)
        weeks.append((monday, first, last, daily.stock_through(first, last)))
        monday += dt.timedelta(weeks=1)
    # The backlog is a level, not a flow: read it on each week's last closed day, not from the weekly sums.
    ends = [through for *_, through in weeks if through is not None]
    where = [KpiStockDaily.day.in_(ends), *_scope(KpiStockDaily, filters, filters.start, filters.end)]
    levels = _by(session, KpiStockDaily, BACKLOG, KpiStockDaily.day, where) if ends else {}
    points = []
    for monday, first, last, through in weeks:
        values, sums = daily.kpis(first, last)
        backlog = None
        if through is not None:
            backlog = {name: levels.get(through, {}).get(name, 0.0) for name in BACKLOG}
        points.append(WeekPoint(monday, first, last, values, sums, backlog))
    return points


# ---- breakdowns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    """One warehouse, category or supplier: its KPIs over the range and its open backorders now."""

    key: int | str
    label: str
    values: dict[str, float | None]
    sums: Counters
    open_lines: int
    open_value: float


def _triage_filtered(stmt: Any, filters: KpiFilters, dimension: str | None = None) -> Any:
    """Waiting lines of the chosen warehouse / category / primary supplier (joins only as needed)."""
    b = BackorderTriage
    if filters.warehouse_id is not None:
        stmt = stmt.where(b.warehouse_id == filters.warehouse_id)
    if filters.category is not None or dimension == "category":
        stmt = stmt.join(Product, Product.id == b.product_id)
        if filters.category is not None:
            stmt = stmt.where(Product.category == filters.category)
    if filters.supplier_id is not None:
        stmt = stmt.join(
            ProductSupplier,
            (ProductSupplier.product_id == b.product_id)
            & ProductSupplier.is_primary
            & (ProductSupplier.supplier_id == filters.supplier_id),
        )
    elif dimension == "supplier":
        stmt = stmt.outerjoin(
            ProductSupplier, (ProductSupplier.product_id == b.product_id) & ProductSupplier.is_primary
        )
    return stmt


def _open_by(session: Session, filters: KpiFilters, dimension: str) -> dict[Any, tuple[int, float]]:
    b = BackorderTriage
    group = {
        "warehouse": b.warehouse_id,
        "category": Product.category,
        "supplier": func.coalesce(ProductSupplier.supplier_id, 0),
    }[dimension]
    stmt = select(group.label("key"), func.count().label("lines"), func.sum(b.value).label("value")).select_from(b)
    stmt = _triage_filtered(stmt, filters, dimension).group_by(group)
    return {row.key: (int(row.lines), float(row.value or 0)) for row in session.execute(stmt)}


def _labels(session: Session, dimension: str, keys: Iterable[Any]) -> dict[Any, str]:
    keys = list(keys)
    if dimension == "category":
        return {key: str(key) for key in keys}
    if dimension == "warehouse":
        found = session.execute(select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_(keys)))
    else:
        found = session.execute(select(Supplier.id, Supplier.name).where(Supplier.id.in_(keys)))
    names = dict(found.all())
    fallback = "Warehouse" if dimension == "warehouse" else "Supplier"
    return {key: names.get(key, NO_SUPPLIER_LABEL if key == 0 else f"{fallback} #{key}") for key in keys}


def breakdown(session: Session, filters: KpiFilters, dimension: str) -> list[BreakdownRow]:
    """The range's KPIs per warehouse, category or supplier (busiest first), with open backorders now."""
    dimension = parse_dimension(dimension)
    column = {"warehouse": "warehouse_id", "category": "category", "supplier": "supplier_id"}[dimension]
    closed = closed_through(session)
    lines = _by_range(session, KpiDaily, LINE_COUNTERS, column, filters, filters.start, filters.end, closed)
    span = stock_span(session, filters.start, filters.end)
    closed_days = (span[1] - span[0]).days + 1 if span else 0
    stock = _by_range(session, KpiStockDaily, STOCK_COUNTERS, column, filters, *span, closed) if span else {}
    notify: dict[Any, Counters] = {}
    if dimension != "warehouse" and notify_applies(filters):
        where = _scope(KpiNotifyDaily, filters, filters.start, filters.end)
        notify = _by(session, KpiNotifyDaily, ("value",), getattr(KpiNotifyDaily, column), where)
    open_now = _open_by(session, filters, dimension)
    keys = set(lines) | set(stock) | set(notify) | set(open_now)
    labels = _labels(session, dimension, keys)
    columns = kpi_kinds.breakdown_kpis()
    rows = []
    for key in keys:
        sums = lines.get(key, {})
        # No cost of goods per member over the closed days: the stock KPIs that need it are not columns here.
        stock_sums = kpi_kinds.stock_sums(stock.get(key, {}), closed_days, 0.0, notify.get(key, {}).get("value", 0.0))
        values = kpi_kinds.compute(kpi_kinds.LINES, sums) | kpi_kinds.compute(kpi_kinds.STOCK, stock_sums, only=columns)
        open_lines, open_value = open_now.get(key, (0, 0.0))
        rows.append(BreakdownRow(key, labels[key], values, sums, open_lines, open_value))
    return sorted(rows, key=lambda r: (-r.sums.get("lines_ordered", 0), -r.open_value, r.label))


# ---- delay causes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CauseShare:
    """One cause code in the Pareto: its revisions, the days they added, its share and the running share."""

    cause: str
    label: str
    revisions: int
    days_added: int
    share: float
    cumulative_share: float


def delay_causes(session: Session, filters: KpiFilters) -> list[CauseShare]:
    """Promise revisions in the range by cause, most frequent first, with the cumulative share."""
    where = _scope(KpiCauseDaily, filters, filters.start, filters.end)
    by_cause = _by(session, KpiCauseDaily, ("revisions", "days_added"), KpiCauseDaily.cause, where)
    order = {code.value: i for i, code in enumerate(CauseCode)}
    ranked = sorted(
        ((cause, sums) for cause, sums in by_cause.items() if sums["revisions"] > 0),
        key=lambda item: (-item[1]["revisions"], -item[1]["days_added"], order.get(item[0], len(order)), item[0]),
    )
    total = sum(sums["revisions"] for _, sums in ranked)
    labels = {code.value: code.label for code in CauseCode}
    out, running = [], 0.0
    for cause, sums in ranked:
        running += sums["revisions"]
        out.append(
            CauseShare(
                cause,
                labels.get(cause, cause),
                int(sums["revisions"]),
                int(sums["days_added"]),
                sums["revisions"] / total,
                running / total,
            )
        )
    return out


# ---- open backorders now -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingBucket:
    """Open backorders in one age band (design §5)."""

    key: str
    label: str
    lines: int
    units: int
    value: float


@dataclass(frozen=True)
class OpenBackorders:
    """Lines waiting for stock today: how many, how much, how old."""

    lines: int
    units: int
    value: float
    mean_age: float | None
    median_age: float | None
    buckets: list[AgingBucket]


def open_backorders(session: Session, filters: KpiFilters, today: dt.date) -> OpenBackorders:
    """Today's open backorders for the warehouse / category / supplier filters (the date range does not apply).

    One GROUP BY on the day each line went on backorder gives counts, units, value, ages and buckets.
    """
    b = BackorderTriage
    stmt = select(
        b.backordered_day.label("day"),
        func.count().label("lines"),
        func.sum(b.qty_waiting).label("units"),
        func.sum(b.value).label("value"),
    ).select_from(b)
    stmt = _triage_filtered(stmt, filters).group_by(b.backordered_day)
    today_number = day_number(today)
    rows = [
        (max(today_number - int(r.day), 0), int(r.lines), int(r.units or 0), float(r.value or 0))
        for r in session.execute(stmt)
    ]
    lines = sum(r[1] for r in rows)
    buckets = []
    for key, label, low, high in AGING_BUCKETS:
        inside = [r for r in rows if r[0] >= low and (high is None or r[0] <= high)]
        buckets.append(
            AgingBucket(
                key, label, sum(r[1] for r in inside), sum(r[2] for r in inside), round(sum(r[3] for r in inside), 2)
            )
        )
    return OpenBackorders(
        lines,
        sum(r[2] for r in rows),
        round(sum(r[3] for r in rows), 2),
        sum(r[0] * r[1] for r in rows) / lines if lines else None,
        histogram_median((r[0], r[1]) for r in rows),
        buckets,
    )
