"""Queries behind /suppliers: the scorecard per supplier, one supplier's weekly trend, its open POs at risk.

Scorecard numbers come from ``kpi_supplier_daily`` summed over the chosen days in SQL (the day filter comes
first, so the cost follows the length of the range, not of the history) and are turned into KPIs by the
supplier formulas of :mod:`dashboard.domain.kpi_kinds`; the P80 delay comes from the delay histogram the
table is keyed by.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Date, Select, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session

from dashboard.db.counters import counter_columns
from dashboard.db.models import BackorderTriage, KpiSupplierDaily, PurchaseOrder, Supplier, Warehouse
from dashboard.db.queries import day_diff, po_is_open
from dashboard.domain import dates, inputs, kpi, kpi_kinds
from dashboard.domain.inputs import InputError
from dashboard.services.inbound import purchase_orders as inbound

DEFAULT_WEEKS = 26
# Two years and a day: enough for a year-on-year look, small enough to stay a quick query.
MAX_RANGE_DAYS = 731
MAX_ID = 2**31 - 1  # an INTEGER column; a larger id cannot exist and would only upset the driver
AT_RISK_LIMIT = 200
COUNTERS = tuple(counter_columns(KpiSupplierDaily.__table__))
# A Monday: week numbers count whole weeks from it, so every week in SQL starts on a Monday.
EPOCH_MONDAY = dt.date(1970, 1, 5)


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 26 full weeks (Monday to Sunday) plus the current week up to ``today``."""
    return kpi.week_start(today) - dt.timedelta(weeks=DEFAULT_WEEKS), today


def _day(name: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 32:
        raise InputError(f"{name} must be a date (YYYY-MM-DD)")
    try:
        # The date picker sends "YYYY-MM-DD" or, after some interactions, "YYYY-MM-DDT00:00:00".
        return dt.datetime.fromisoformat(value).date() if len(value) > 10 else dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be a real date (YYYY-MM-DD), not {value!r}") from None


def _id(name: str, value: Any) -> int | None:
    return inputs.optional_integer(value, name, minimum=1, maximum=MAX_ID)


@dataclass(frozen=True)
class SupplierFilters:
    """The page's filters, validated: days completed (inclusive), warehouse, and the supplier looked at."""

    start: dt.date
    end: dt.date
    warehouse_id: int | None = None
    supplier_id: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], today: dt.date) -> SupplierFilters:
        """Validate raw values from the browser; missing dates fall back to :func:`default_range`."""
        default_start, default_end = default_range(today)
        start = _day("start date", raw.get("start")) or default_start
        end = _day("end date", raw.get("end")) or default_end
        if start > end:
            raise InputError("The start date is after the end date.")
        if end > today:
            raise InputError(f"The end date is in the future; choose {dates.day(today)} or earlier.")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise InputError(f"Choose at most {MAX_RANGE_DAYS} days (about two years).")
        return cls(start, end, _id("warehouse", raw.get("warehouse_id")), _id("supplier", raw.get("supplier_id")))

    def previous(self) -> SupplierFilters:
        """The same filters over the period of the same length just before this one."""
        start, end = kpi.previous_period(self.start, self.end)
        return replace(self, start=start, end=end)


@dataclass
class Counters:
    """Summed ``kpi_supplier_daily`` counters of one supplier and its delay histogram ``(days, POs)``.

    Filled while the rows of one query are read; treat it as read-only afterwards.
    """

    sums: dict[str, float] = field(default_factory=dict)
    delays: list[tuple[int, int]] = field(default_factory=list)

    def kpis(self) -> dict[str, float | None]:
        """The scorecard numbers: POs completed and confirmed, then every supplier KPI of ``domain.kpi_kinds``."""
        histograms = {"delay_days": self.delays}
        return {
            "pos": self.sums.get("pos", 0),
            "pos_confirmed": self.sums.get("pos_confirmed", 0),
            **kpi_kinds.compute(kpi_kinds.SUPPLIERS, self.sums, histograms),
        }


def counters_statement(filters: SupplierFilters) -> Select:
    """Counters per (supplier, delay) over ``filters``' days: the day range is the first thing narrowed."""
    k = KpiSupplierDaily
    statement = (
        select(k.supplier_id, k.delay_days, *[func.sum(getattr(k, name)).label(name) for name in COUNTERS])
        .where(k.day >= filters.start, k.day <= filters.end)
        .group_by(k.supplier_id, k.delay_days)
    )
    if filters.warehouse_id:
        statement = statement.where(k.warehouse_id == filters.warehouse_id)
    if filters.supplier_id:
        statement = statement.where(k.supplier_id == filters.supplier_id)
    return statement


def _counters(session: Session, filters: SupplierFilters) -> dict[int, Counters]:
    """Per supplier over ``filters``' days: counters summed in SQL per delay, folded per supplier here."""
    statement = counters_statement(filters)
    out: dict[int, Counters] = {}
    for row in session.execute(statement).mappings():
        counters = out.setdefault(row["supplier_id"], Counters())
        for name in COUNTERS:
            counters.sums[name] = counters.sums.get(name, 0) + float(row[name] or 0)
        counters.delays.append((int(row["delay_days"]), int(row["pos"] or 0)))
    return out


# ---- the scorecard -------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenPOCounts:
    """A supplier's open POs now: how many, how many past their ETA, how many on time but waited on."""

    open: int = 0
    past_eta: int = 0
    waited_on: int = 0

    def at_risk(self, p80_delay: float | None) -> int:
        """POs at risk (see :func:`at_risk_pos`): past their ETA, or waited on when the P80 delay is positive."""
        return self.past_eta + (self.waited_on if p80_delay is not None and p80_delay > 0 else 0)


def _open_po_counts(session: Session, filters: SupplierFilters, today: dt.date) -> dict[int, OpenPOCounts]:
    po = PurchaseOrder
    waited_on = exists().where(BackorderTriage.covering_po_id == po.id)
    statement = (
        select(
            po.supplier_id,
            func.count().label("open"),
            func.sum(case((po.eta < today, 1), else_=0)).label("past_eta"),
            func.sum(case((and_(po.eta >= today, waited_on), 1), else_=0)).label("waited_on"),
        )
        .where(po_is_open())
        .group_by(po.supplier_id)
    )
    if filters.warehouse_id:
        statement = statement.where(po.warehouse_id == filters.warehouse_id)
    if filters.supplier_id:
        statement = statement.where(po.supplier_id == filters.supplier_id)
    return {
        row.supplier_id: OpenPOCounts(int(row.open), int(row.past_eta or 0), int(row.waited_on or 0))
        for row in session.execute(statement)
    }


@dataclass(frozen=True)
class SupplierScore:
    """One supplier's row of the scorecard."""

    supplier_id: int
    code: str
    name: str
    kpis: dict[str, float | None]
    open_pos: OpenPOCounts

    @property
    def at_risk(self) -> int:
        """Open POs at risk now."""
        return self.open_pos.at_risk(self.kpis["p80_delay"])


def _rank(score: SupplierScore) -> tuple:
    on_time = score.kpis["on_time_receipt"]
    # Worst on-time first; suppliers with nothing completed in the period last; busier first among equals.
    return (on_time is None, on_time if on_time is not None else 0.0, -(score.kpis["pos"] or 0), score.name)


def scorecard(session: Session, filters: SupplierFilters, today: dt.date) -> list[SupplierScore]:
    """Every supplier with POs completed in the period or open now, worst on-time receipt first."""
    counters = _counters(session, filters)
    open_counts = _open_po_counts(session, filters, today)
    ids = set(counters) | set(open_counts)
    if not ids:
        return []
    names = session.execute(select(Supplier.id, Supplier.code, Supplier.name).where(Supplier.id.in_(ids)))
    scores = [
        SupplierScore(sid, code, name, counters.get(sid, Counters()).kpis(), open_counts.get(sid, OpenPOCounts()))
        for sid, code, name in names
    ]
    return sorted(scores, key=_rank)


# ---- one supplier: the period against the one before, the weekly trend --------------------


@dataclass(frozen=True)
class SupplierPeriod:
    """One supplier's numbers for the period and for the period of the same length before it."""

    supplier_id: int
    name: str
    current: dict[str, float | None]
    previous: dict[str, float | None]
    delays: list[tuple[int, int]]
    previous_start: dt.date
    previous_end: dt.date

    def change(self, key: str) -> float | None:
        """Period-over-period change of one number (None when either period has none)."""
        return kpi.change(self.current[key], self.previous[key])


def supplier_period(session: Session, filters: SupplierFilters) -> SupplierPeriod | None:
    """The chosen supplier's scorecard now and for the previous period; None for an unknown supplier."""
    if filters.supplier_id is None:
        raise InputError("Choose a supplier.")
    name = session.scalar(select(Supplier.name).where(Supplier.id == filters.supplier_id))
    if name is None:
        return None
    current = _counters(session, filters).get(filters.supplier_id, Counters())
    before = filters.previous()
    previous = _counters(session, before).get(filters.supplier_id, Counters())
    return SupplierPeriod(
        filters.supplier_id,
        name,
        current.kpis(),
        previous.kpis(),
        sorted(current.delays),
        before.start,
        before.end,
    )


@dataclass(frozen=True)
class TrendWeek:
    """A week (Monday start) of a supplier's completed POs, judged over the ``window`` weeks ending with it.

    A supplier completes a PO or two a week: one week's on-time share jumps 0 / 50 / 100 %, so the
    numbers are over the rolling window, with ``window_pos`` (its sample) beside them.
    """

    week: dt.date
    pos: int
    on_time_receipt: float | None
    mean_delay: float | None
    on_time_change: float | None
    delay_change: float | None
    window_pos: int = 0


TREND_WINDOW_WEEKS = 4


def weekly_trend(session: Session, filters: SupplierFilters, window: int = TREND_WINDOW_WEEKS) -> list[TrendWeek]:
    """On-time receipt and mean delay of the chosen supplier over the ``window`` weeks ending each week of the range.

    Every week of the range is listed (empty ones too). Weeks are clipped to the range: with a start
    or end mid-week, that week counts only its days in the range; the first weeks' windows start
    at the range's start.
    """
    if filters.supplier_id is None:
        raise InputError("Choose a supplier.")
    k = KpiSupplierDaily
    week = (day_diff(k.day, literal(EPOCH_MONDAY, Date)) // 7).label("week")
    statement = (
        select(
            week,
            func.sum(k.pos).label("pos"),
            func.sum(k.pos_on_time).label("on_time"),
            func.sum(k.delay_days * k.pos).label("delay_total"),
        )
        .where(k.day >= filters.start, k.day <= filters.end, k.supplier_id == filters.supplier_id)
        .group_by(week)
    )
    if filters.warehouse_id:
        statement = statement.where(k.warehouse_id == filters.warehouse_id)
    by_week = {
        EPOCH_MONDAY + dt.timedelta(weeks=int(row.week)): (int(row.pos or 0), row.on_time, row.delay_total)
        for row in session.execute(statement)
    }
    weeks: list[TrendWeek] = []
    recent: list[tuple[int, float, float]] = []  # the window's weeks: (POs, on time, delay total)
    monday, last = kpi.week_start(filters.start), kpi.week_start(filters.end)
    while monday <= last:
        pos, on_time_pos, delay_total = by_week.get(monday, (0, 0, 0))
        recent = [*recent, (pos, float(on_time_pos or 0), float(delay_total or 0))][-window:]
        n = sum(week[0] for week in recent)
        on_time = kpi.ratio(sum(week[1] for week in recent), n)
        delay = kpi.ratio(sum(week[2] for week in recent), n)
        before = weeks[-1] if weeks else None
        weeks.append(
            TrendWeek(
                monday,
                pos,
                on_time,
                delay,
                kpi.change(on_time, before.on_time_receipt) if before else None,
                kpi.change(delay, before.mean_delay) if before else None,
                n,
            )
        )
        monday += dt.timedelta(weeks=1)
    return weeks


# ---- open purchase orders at risk ----------------------------------------------------------


@dataclass(frozen=True)
class AtRiskPO:
    """An open PO of the supplier that is late already, or likely late with customers waiting on it."""

    number: str
    warehouse: str
    eta: dt.date
    eta_confirmed: bool
    days_late: int
    expected_arrival: dt.date
    waiting_lines: int
    waiting_value: float

    @property
    def reason(self) -> str:
        """Why it is on the list."""
        return "Past its ETA" if self.days_late > 0 else "Likely late, customers waiting"


def expected_arrival(eta: dt.date, p80_delay: float | None, today: dt.date) -> dt.date:
    """ETA plus the supplier's P80 delay (none known: the ETA); never before ``today``, as the PO is still open."""
    delay = math.ceil(p80_delay) if p80_delay is not None else 0
    return max(eta + dt.timedelta(days=delay), today)


def at_risk_pos(session: Session, filters: SupplierFilters, p80_delay: float | None, today: dt.date) -> list[AtRiskPO]:
    """The chosen supplier's open POs at risk, latest first (at most :data:`AT_RISK_LIMIT`).

    At risk: the ETA has passed, or customers wait on the PO (it covers backordered lines) and the supplier's
    P80 delay over the period is positive, so the expected arrival falls after the ETA. Days late and waiting
    lines are the very columns of /inbound; ``p80_delay`` is the supplier's, from :func:`supplier_period`.
    """
    if filters.supplier_id is None:
        raise InputError("Choose a supplier.")
    columns, _base = inbound.grid_columns(today)
    days_late = columns["days_late"].expr
    # The inbound grid's base also aggregates PO lines and revisions, which this list does not show:
    # reading only the waiting lines per covering PO keeps it a few milliseconds at 100k SKUs.
    waiting = (
        select(
            BackorderTriage.covering_po_id.label("po_id"),
            func.count().label("lines"),
            func.sum(BackorderTriage.value).label("value"),
        )
        .where(BackorderTriage.covering_po_id.is_not(None))
        .group_by(BackorderTriage.covering_po_id)
        .subquery()
    )
    waiting_lines = func.coalesce(waiting.c.lines, 0)
    waiting_value = func.coalesce(waiting.c.value, 0)
    base = (
        select(PurchaseOrder.id)
        .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
        .outerjoin(waiting, waiting.c.po_id == PurchaseOrder.id)
        .where(po_is_open())
    )
    risky = PurchaseOrder.eta < today
    if p80_delay is not None and p80_delay > 0:
        risky = risky | (waiting_lines > 0)
    statement = (
        base.with_only_columns(
            PurchaseOrder.number,
            Warehouse.code.label("warehouse"),
            PurchaseOrder.eta,
            PurchaseOrder.eta_confirmed,
            days_late.label("days_late"),
            waiting_lines.label("waiting_lines"),
            waiting_value.label("waiting_value"),
        )
        .where(PurchaseOrder.supplier_id == filters.supplier_id, risky)
        .order_by(days_late.desc(), waiting_value.desc(), PurchaseOrder.number)
        .limit(AT_RISK_LIMIT)
    )
    if filters.warehouse_id:
        statement = statement.where(PurchaseOrder.warehouse_id == filters.warehouse_id)
    return [
        AtRiskPO(
            row.number,
            row.warehouse,
            row.eta,
            bool(row.eta_confirmed),
            int(row.days_late),
            expected_arrival(row.eta, p80_delay, today),
            int(row.waiting_lines),
            round(float(row.waiting_value), 2),
        )
        for row in session.execute(statement)
    ]


def filter_options(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Warehouse and supplier choices (the same lists /inbound offers)."""
    options = inbound.filter_options(session)
    return {"warehouse": options["warehouse"], "supplier": options["supplier"]}
