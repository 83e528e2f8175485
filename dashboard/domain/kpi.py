"""The KPI counters of design §5 and the arithmetic over them: pure functions, no database.

Two halves:

- :func:`line_contribution` says what one order line adds to the daily counters, given the line's
  facts. The incremental path applies ``contribution(after) − contribution(before)`` whenever a
  line changes, so every counter means exactly what this function says, wherever it is computed.
- The ratio, quantile, spread and period helpers that the KPI formulas and the trends are built
  from. The KPIs themselves (definitions, units, formulas, sections) are the table in
  :mod:`dashboard.domain.kpi_kinds`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Counters = dict[str, float]


# ---- what one order line adds ---------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    """The facts about one order line that the counters read (dates are UTC days)."""

    warehouse_id: int
    category: str
    supplier_id: int
    ordered_on: dt.date
    qty: int
    unit_price: float
    unit_cost: float | None  # unknown for a SKU imported without a cost: left out of the cost of goods
    backordered_on: dt.date | None
    shipped_on: dt.date | None
    cancelled_on: dt.date | None
    qty_shipped: int
    original_promised_date: dt.date | None
    promised_date: dt.date | None

    @property
    def key(self) -> tuple[int, str, int]:
        """The breakdown the line's counters are filed under."""
        return (self.warehouse_id, self.category, self.supplier_id)


def line_contribution(facts: LineFacts) -> list[tuple[dt.date, Counters]]:
    """What ``facts`` add to ``kpi_daily``: ``(day, {counter: amount})`` per day touched."""
    out: list[tuple[dt.date, Counters]] = []
    backordered = facts.backordered_on is not None
    shipped_in_full = facts.shipped_on is not None and facts.qty_shipped >= facts.qty
    ordered: Counters = {
        "lines_ordered": 1,
        "units_ordered": facts.qty,
        "revenue_ordered": facts.qty * facts.unit_price,
    }
    if backordered:
        ordered |= {"lines_backordered": 1, "units_backordered": facts.qty}
    elif shipped_in_full:
        ordered |= {"lines_first_pass": 1, "units_first_pass": facts.qty}
    out.append((facts.ordered_on, ordered))
    if facts.shipped_on is not None:
        day = facts.shipped_on
        shipped: Counters = {
            "lines_shipped": 1,
            "units_shipped": facts.qty_shipped,
            "revenue_shipped": facts.qty_shipped * facts.unit_price,
            "cogs_shipped": facts.qty_shipped * facts.unit_cost if facts.unit_cost is not None else 0,
            "shipped_on_time_original": int(shipped_in_full and _by(day, facts.original_promised_date)),
            "shipped_on_time_current": int(shipped_in_full and _by(day, facts.promised_date)),
        }
        if backordered:
            shipped |= {"backorders_shipped": 1, "backorder_wait_days": (day - facts.backordered_on).days}
        out.append((day, shipped))
    if facts.cancelled_on is not None:
        out.append((facts.cancelled_on, {"lines_cancelled": 1, "backorders_cancelled": int(backordered)}))
    return out


def _by(day: dt.date, promised: dt.date | None) -> bool:
    return promised is not None and day <= promised


def line_delta(before: LineFacts | None, after: LineFacts | None) -> dict[tuple, Counters]:
    """``contribution(after) − contribution(before)`` keyed by ``(day, warehouse, category, supplier)``.

    Zero amounts are dropped, so an event that changes nothing the KPIs count writes nothing.
    """
    totals: dict[tuple, Counters] = {}
    for facts, sign in ((after, 1), (before, -1)):
        if facts is None:
            continue
        for day, counters in line_contribution(facts):
            row = totals.setdefault((day, *facts.key), {})
            for name, amount in counters.items():
                row[name] = row.get(name, 0) + sign * amount
    return {
        key: cleaned
        for key, row in totals.items()
        if (cleaned := {name: amount for name, amount in row.items() if abs(amount) > 1e-9})
    }


# ---- from counters to KPIs -----------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator ÷ denominator``, or None when there is nothing to divide by."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


def spread(n: float, total: float, total_sq: float) -> float | None:
    """Sample standard deviation from n, Σx and Σx² (None below two samples)."""
    if n < 2:
        return None
    variance = (total_sq - total * total / n) / (n - 1)
    return math.sqrt(max(variance, 0.0))


def histogram_quantile(counts: Iterable[tuple[float, float]], q: float) -> float | None:
    """The ``q`` quantile of a histogram of ``(value, count)``: the smallest value with ≥ q of the mass at or below."""
    items = sorted((value, count) for value, count in counts if count > 0)
    total = sum(count for _, count in items)
    if not total:
        return None
    running = 0.0
    for value, count in items:
        running += count
        if running >= q * total - 1e-9:
            return value
    return items[-1][0]


def histogram_median(counts: Iterable[tuple[float, int]]) -> float | None:
    """The median of a histogram of ``(value, count)``: the middle value, or the mean of the two middle ones.

    Unlike ``histogram_quantile(counts, 0.5)``, which returns the lower of the two middle values, an
    even total averages them: ages 1, 1, 9, 9 have a median of 5 days.
    """
    items = sorted((value, count) for value, count in counts if count > 0)
    total = sum(count for _, count in items)
    if not total:
        return None

    def value_at(index: int) -> float:
        seen = 0
        for value, count in items:
            seen += count
            if index < seen:
                return value
        return items[-1][0]

    return (value_at((total - 1) // 2) + value_at(total // 2)) / 2


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week: trends are weekly."""
    return day - dt.timedelta(days=day.weekday())


def by_week(rows: Mapping[tuple, Mapping[str, float]]) -> dict[tuple, Counters]:
    """Counter rows keyed ``(day, *rest)`` summed into ``(Monday of the day's week, *rest)``."""
    weekly: dict[tuple, Counters] = {}
    for (day, *rest), counters in rows.items():
        row = weekly.setdefault((week_start(day), *rest), {})
        for name, amount in counters.items():
            row[name] = row.get(name, 0) + amount
    return weekly


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length just before ``[start, end]`` (for period-over-period deltas)."""
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def change(current: float | None, previous: float | None) -> float | None:
    """Current minus previous, or None when either is missing."""
    if current is None or previous is None:
        return None
    return current - previous
