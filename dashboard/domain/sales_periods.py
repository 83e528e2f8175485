"""Sales periods: months, ISO weeks and "last N months" columns read, nested windows cut into disjoint periods.

Pure functions. A period is a pair of dates ``(start, end)``, both days included, so March 2026 is
``(2026-03-01, 2026-03-31)`` and an ISO week runs Monday to Sunday.

A snapshot file gives *trailing windows* that all end on the same day (``as_of``) and nest: the
last 1, 3, 6 and 9 months. Their totals overlap (the 3 months include the last one), so they are
cut into disjoint periods — the last month, the two months before it, and so on — each holding
the difference of two totals (:func:`disjoint_periods`). A longer window that sold fewer units
than a window inside it contradicts itself and is refused.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from dashboard.domain.import_values import MAX_YEAR, MIN_YEAR, cell_text, day, shown
from dashboard.domain.inputs import RefusedError

Period = tuple[dt.date, dt.date]

MONTHS, WEEKS, DAYS = "months", "weeks", "days"
UNIT_WORDS = {
    **dict.fromkeys(("m", "mo", "mos", "mon", "mth", "mths", "month", "months"), MONTHS),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), WEEKS),
    **dict.fromkeys(("d", "day", "days"), DAYS),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
}
# A window column must say it is a sales total looking back ("sold", "last" …)…
MARKERS = frozenset({"last", "past", "trailing", "prior", "previous", "sold", "sales", "sale", "l"})
# …and may say nothing else but these. A whitelist, because snapshot files put other numbers per
# period beside the sales ("forecast_3_month", "perf_6_month_avg"), which must never be read as sales.
FILLERS = frozenset({"units", "unit", "qty", "quantity", "pcs", "pieces", "total", "the", "in", "of", "sum"})
MAX_WINDOW = 10_000  # days, weeks or months: beyond any real history, and a typo's guard
MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_name) if name
}
YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
NAMED_MONTH = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-/]+(\d{4})$")
ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
TOKENS = re.compile(r"[a-z]+|\d+")


class WindowError(RefusedError):
    """A row's trailing windows contradict each other; ``column`` and ``value`` say where."""

    def __init__(self, column: str, value: object, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value = column, value


@dataclass(frozen=True, order=True)
class Window:
    """A trailing window: the last ``count`` ``unit`` (months, weeks or days) up to and including ``as_of``."""

    count: int
    unit: str

    def start(self, as_of: dt.date) -> dt.date:
        """The window's first day when it ends on ``as_of``."""
        if self.unit == MONTHS:
            # Counted back from the day after: a month-end as_of gives whole calendar months (the last
            # month to 30 September is September, not 31 August to 30 September).
            return months_before(as_of + dt.timedelta(days=1), self.count)
        days = self.count * (7 if self.unit == WEEKS else 1)
        return as_of - dt.timedelta(days=days - 1)

    def __str__(self) -> str:
        unit = self.unit if self.count != 1 else self.unit[:-1]
        return f"the last {self.count} {unit}"


def window(header: str) -> Window | None:
    """The trailing window a column header names, or None when it is not one.

    ``sold_last_1_month``, ``units_sold_last_3_months``, ``last_6_months``, ``sold_9m``,
    ``sales_9_month``, ``Sales (last 30 days)``, ``qty_sold_4wk``, ``sold_last_month`` (one month),
    ``L3M`` are windows; ``forecast_3_month``, ``perf_6_month_avg``, ``month``, ``week`` are not.
    Years count as 12 months.
    """
    tokens = TOKENS.findall(str(header).lower())
    numbers = [t for t in tokens if t.isdigit()]
    units = [t for t in tokens if t in UNIT_WORDS]
    rest = [t for t in tokens if not t.isdigit() and t not in UNIT_WORDS]
    if len(units) != 1 or len(numbers) > 1 or not MARKERS.intersection(rest):
        return None
    if any(t not in MARKERS and t not in FILLERS for t in rest):
        return None
    if not numbers:
        # "sold last month": one unit, but only with the word for it (a lone "m" is too little to go on).
        if len(units[0]) < 3 or not {"last", "past", "previous", "prior"}.intersection(rest):
            return None
        numbers = ["1"]
    count, unit = int(numbers[0]), UNIT_WORDS[units[0]]
    if unit == "years":
        count, unit = count * 12, MONTHS
    if not 1 <= count <= MAX_WINDOW:
        return None
    return Window(count, unit)


def months_before(when: dt.date, count: int) -> dt.date:
    """``when`` moved back ``count`` months; a day the earlier month lacks becomes its last day (31 May → 28 Feb)."""
    index = when.year * 12 + when.month - 1 - count
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(when.day, calendar.monthrange(year, month + 1)[1]))


def month_period(raw: Any) -> Period:
    """The month a cell names: ``2026-03``, ``Mar 2026``, ``March 2026``, or a date within it (``2026-03-01``)."""
    if isinstance(raw, dt.date):
        found = day(raw)
        return _month(found.year, found.month, raw)
    value = cell_text(raw)
    if match := YEAR_MONTH.match(value):
        return _month(int(match[1]), int(match[2]), raw)
    if match := NAMED_MONTH.match(value):
        number = MONTH_NAMES.get(match[1].lower())
        if number is None:
            raise ValueError(f"{shown(raw)} is not a month; write 2026-03 or Mar 2026")
        return _month(int(match[2]), number, raw)
    try:
        found = day(value)
    except ValueError:
        raise ValueError(f"{shown(raw)} is not a month; write 2026-03 or Mar 2026") from None
    return _month(found.year, found.month, raw)


def _month(year: int, month: int, raw: Any) -> Period:
    if not 1 <= month <= 12:
        raise ValueError(f"{shown(raw)} is not a month; months run from 01 to 12")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{shown(raw)} is outside {MIN_YEAR}–{MAX_YEAR}; check the year")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def week_period(raw: Any) -> Period:
    """The ISO week a cell names (``2026-W09`` or ``2026W09``): Monday to Sunday."""
    value = cell_text(raw)
    match = ISO_WEEK.match(value)
    if not match:
        raise ValueError(f"{shown(raw)} is not an ISO week; write 2026-W09")
    year, week = int(match[1]), int(match[2])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{shown(raw)} is outside {MIN_YEAR}–{MAX_YEAR}; check the year")
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        last = dt.date(year, 12, 28).isocalendar().week
        raise ValueError(f"{shown(raw)} is not a week of {year}, which has weeks 1 to {last}") from None
    return monday, monday + dt.timedelta(days=6)


def length(period: Period) -> int:
    """Days in ``period``, both ends included."""
    return (period[1] - period[0]).days + 1


def shown_period(period: Period) -> str:
    """A period as people read it: ``2026-03-01–2026-03-31``."""
    return f"{period[0].isoformat()}–{period[1].isoformat()}"


@dataclass(frozen=True)
class Piece:
    """One disjoint period cut from trailing windows, and the column whose total it comes from."""

    start: dt.date
    end: dt.date
    qty: int
    column: str


def disjoint_periods(as_of: dt.date, totals: list[tuple[str, Window, int]]) -> list[Piece]:
    """Cut nested trailing ``totals`` (``(column, window, units sold)``, all ending on ``as_of``) into disjoint periods.

    The shortest window is a period of its own; each longer one gives the days before the next
    shorter window, holding the difference of the two totals. With 1, 3, 6 and 9 months::

        [s1, as_of]      q1         where sN = (as_of + 1 day) - N months
        [s3, s1 - 1]     q3 - q1
        [s6, s3 - 1]     q6 - q3
        [s9, s6 - 1]     q9 - q6

    Two windows covering the same days (4 weeks and 28 days) must give the same total and make
    one period. Raises :class:`WindowError` naming the column when a longer window sold fewer
    units than a shorter one inside it (the file contradicts itself; no split of it is true).
    """
    spans = sorted(((window.start(as_of), column, window, qty) for column, window, qty in totals), reverse=True)
    pieces: list[Piece] = []
    inner: tuple[str, Window, int] | None = None
    end, start_of_inner = as_of, None
    for start, column, window_, qty in spans:
        if inner is not None and start == start_of_inner:
            if qty != inner[2]:
                raise WindowError(
                    column,
                    qty,
                    f"{window_} cover the same days as {inner[1]} ({inner[0]}) "
                    f"but say {qty} units sold, not {inner[2]}",
                )
            continue
        if inner is not None and qty < inner[2]:
            raise WindowError(
                column,
                qty,
                f"{qty} units sold in {window_} is fewer than the {inner[2]} sold in {inner[1]} "
                f"({inner[0]}), which lies within it",
            )
        pieces.append(Piece(start, end, qty - (inner[2] if inner else 0), column))
        inner, start_of_inner, end = (column, window_, qty), start, start - dt.timedelta(days=1)
    return pieces


class PeriodIndex:
    """Disjoint periods of one SKU-warehouse, sorted, answering "which one overlaps this?" by bisection."""

    def __init__(self) -> None:
        self._starts: list[dt.date] = []
        self._items: list[tuple[Period, Any]] = []

    def overlapping(self, period: Period) -> tuple[Period, Any] | None:
        """A stored period that shares a day with ``period`` (with its tag), or None.

        The periods are disjoint, so sorted by start they are sorted by end too: the last one starting
        on or before ``period``'s end is the only one that can reach into it.
        """
        index = bisect_right(self._starts, period[1]) - 1
        if index >= 0 and self._items[index][0][1] >= period[0]:
            return self._items[index]
        return None

    def all_overlapping(self, period: Period) -> list[tuple[Period, Any]]:
        """Every kept period that shares a day with ``period`` (with its tag), oldest first."""
        index = bisect_right(self._starts, period[1]) - 1
        found = []
        while index >= 0 and self._items[index][0][1] >= period[0]:
            found.append(self._items[index])
            index -= 1
        return found[::-1]

    def add(self, period: Period, tag: Any = None) -> None:
        """Keep ``period`` (it must overlap none already kept)."""
        index = bisect_right(self._starts, period[0])
        self._starts.insert(index, period[0])
        self._items.insert(index, (period, tag))
