"""How a date reads, everywhere: "3 Dec 2026" (docs/ui.md, "Numbers, dates and periods").

Pure text functions, so services' messages ("The new ETA 3 Dec 2026 is in the past") and the
pages (:mod:`dashboard.components.formats`) say a date the same way.
"""

from __future__ import annotations

import datetime as dt


def day(value: dt.date | dt.datetime | None, *, year: bool = True, empty: str = "—") -> str:
    """'3 Dec 2026' (no leading zero, on any platform); ``year=False`` only for chart ticks and ranges."""
    if value is None:
        return empty
    return f"{value.day} {value:%b}" + (f" {value.year}" if year else "")


def weekday(value: dt.date) -> str:
    """'Thursday 3 Dec 2026': the "as of" of a page."""
    return f"{value:%A} {day(value)}"


def stamp(value: dt.datetime | None, *, empty: str = "—") -> str:
    """'3 Dec 2026 14:05 UTC' (stored times are UTC, and the text says so)."""
    if value is None:
        return empty
    return f"{day(value)} {value:%H:%M} UTC"


def period(start: dt.date, end: dt.date) -> str:
    """'9 Nov – 22 Nov 2026' (the year once when both ends share it)."""
    return f"{day(start, year=start.year != end.year)} – {day(end)}"
