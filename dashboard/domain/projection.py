"""Forward stock projection: demand drains available stock; purchase orders refill it at their ETA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProjectionPoint:
    """Projected available units at the end of ``day``."""

    day: dt.date
    available: float


def project_available(
    today: dt.date,
    available: float,
    avg_daily_demand: float,
    inbound: Iterable[tuple[dt.date, float]],
    horizon_days: int,
) -> list[ProjectionPoint]:
    """Available stock day by day: a(t) = a(t−1) − d̄ + receipts due on t (units; days).

    Receipts whose ETA is already past count as arriving tomorrow (they are late, not lost).
    Stock may go below zero: that is demand that will wait (backorders) or be lost.
    """
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    if avg_daily_demand < 0:
        raise ValueError("avg_daily_demand must not be negative")
    due: dict[dt.date, float] = {}
    tomorrow = today + dt.timedelta(days=1)
    for eta, qty in inbound:
        day = max(eta, tomorrow)
        due[day] = due.get(day, 0.0) + qty
    points = [ProjectionPoint(today, float(available))]
    level = float(available)
    for offset in range(1, horizon_days + 1):
        day = today + dt.timedelta(days=offset)
        level = level - avg_daily_demand + due.get(day, 0.0)
        points.append(ProjectionPoint(day, level))
    return points


def first_stockout(points: list[ProjectionPoint]) -> dt.date | None:
    """The first day the projection has nothing left (None if it never runs out)."""
    for point in points:
        if point.available <= 0:
            return point.day
    return None
