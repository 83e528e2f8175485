"""Pure rules of drafting purchase orders: order quantities in whole packs, cover bought, PO numbers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from dashboard.domain.replenishment import DEFAULT_LEAD_TIME_DAYS


def whole_packs(qty: int, moq: int, pack_size: int) -> int:
    """``qty`` raised to the supplier's minimum order, then up to whole packs (units)."""
    if moq < 1 or pack_size < 1:
        raise ValueError("moq and pack_size must be whole numbers ≥ 1")
    if qty <= 0:
        return 0
    base = max(int(qty), int(moq))
    return -(-base // pack_size) * pack_size


def order_lead_days(line_lead_days: Iterable[int | None]) -> int:
    """A PO's lead time: its slowest line's quoted lead time (days), the default where none is quoted."""
    return max(int(days or DEFAULT_LEAD_TIME_DAYS) for days in line_lead_days)


def days_of_cover(qty: int, daily_demand: float) -> float | None:
    """How many days of demand ``qty`` units buy (None when nothing sells)."""
    return None if daily_demand <= 0 else qty / daily_demand


def po_number(day: dt.date, sequence: int) -> str:
    """The number of the ``sequence``-th purchase order drafted on ``day``: PO-YYMMDD-NNN."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    width = max(3, math.ceil(math.log10(sequence + 1)))
    return f"PO-{day:%y%m%d}-{sequence:0{width}d}"
