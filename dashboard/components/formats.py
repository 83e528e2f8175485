"""How dates and times read on every page: one form, "3 Dec 2026" (docs/ui.md, "Numbers, dates and periods").

Python builders use these functions; AG Grid cells use the same forms through
``assets/dashAgGridFunctions.js`` (:data:`DAY_CELL`, :data:`STAMP_CELL`), so a date reads the same
in a card, a panel, a sentence and a grid.
"""

from __future__ import annotations

import datetime as dt

# AG Grid valueFormatters: the cell keeps its ISO value (SQL sorts and filters on it).
DAY_CELL = {"function": "formatDay(params.value)"}
STAMP_CELL = {"function": "formatStamp(params.value)"}


def day(value: dt.date | dt.datetime | None, *, year: bool = True, empty: str = "—") -> str:
    """'3 Dec 2026' (no leading zero, on any platform); ``year=False`` only for chart ticks."""
    if value is None:
        return empty
    return f"{value.day} {value:%b}" + (f" {value.year}" if year else "")


def weekday(value: dt.date) -> str:
    """'Thursday 3 Dec 2026': the "as of" of a page."""
    return f"{value:%A} {day(value)}"


def stamp(value: dt.datetime | None, *, empty: str = "—") -> str:
    """'3 Dec 2026 14:05 UTC' (stored times are UTC, and the page says so)."""
    if value is None:
        return empty
    return f"{day(value)} {value:%H:%M} UTC"


def period(start: dt.date, end: dt.date) -> str:
    """'9 Nov – 22 Nov 2026' (the year once when both ends share it)."""
    return f"{day(start, year=start.year != end.year)} – {day(end)}"
