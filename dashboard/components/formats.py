"""How dates and times read on every page: one form, "3 Dec 2026" (docs/ui.md, "Numbers, dates and periods").

Python builders use the functions (from :mod:`dashboard.domain.dates`, which services' messages use
too); AG Grid cells use the same forms through ``assets/dashAgGridFunctions.js`` (:data:`DAY_CELL`,
:data:`STAMP_CELL`), so a date reads the same in a card, a panel, a sentence and a grid.
"""

from __future__ import annotations

from dashboard.domain.dates import day, period, stamp, weekday

# AG Grid valueFormatters: the cell keeps its ISO value (SQL sorts and filters on it).
DAY_CELL = {"function": "formatDay(params.value)"}
STAMP_CELL = {"function": "formatStamp(params.value)"}

__all__ = ["DAY_CELL", "STAMP_CELL", "day", "period", "stamp", "weekday"]
