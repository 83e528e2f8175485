"""The allocation queue of design §4: who gets stock first, and which supply fills each waiting line.

Per (product, warehouse) the waiting lines form one queue: a manager's priority pin first
(lower pins first), then VIP customers, then order time (first come, first served), with the
line id as the final tie-break so the order is total and stable. The same ordering serves two
purposes and lives only here:

- :func:`allocate` hands real units down the queue (a receipt, or stock a cancelled line gave up);
- :func:`project` walks future supply (stock available now, then open PO lines by ETA) down the
  same queue to say which receipt will complete each line.

Everything here is pure: plain values in, plain values out, no database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Fewer receipts than this say too little about a supplier: the all-supplier profile stands in.
MIN_DELAY_SAMPLES = 5


@dataclass(frozen=True)
class WaitingLine:
    """One order line in a queue, with the units it still waits for."""

    line_id: int
    waiting: int
    ordered_at: dt.datetime
    vip: bool = False
    priority_pin: int | None = None

    def __post_init__(self) -> None:
        """A waiting quantity is a positive whole number of units."""
        if self.waiting <= 0:
            raise ValueError(f"line {self.line_id}: waiting quantity must be positive, not {self.waiting}")


def queue_key(line: WaitingLine) -> tuple:
    """Sort key of the queue: pinned lines first (lowest pin first), then VIP, then order time, then id."""
    pinned = line.priority_pin is not None
    return (0 if pinned else 1, line.priority_pin if pinned else 0, 0 if line.vip else 1, line.ordered_at, line.line_id)


def order_queue(lines: Iterable[WaitingLine]) -> list[WaitingLine]:
    """The queue in serving order."""
    return sorted(lines, key=queue_key)


@dataclass(frozen=True)
class Allocation:
    """Units given to one line; ``completes`` says whether the line now has all it waited for."""

    line_id: int
    qty: int
    completes: bool


def allocate(lines: Iterable[WaitingLine], units: int) -> tuple[list[Allocation], int]:
    """Hand ``units`` down the queue; returns the allocations in queue order and the units left over.

    A line at the head takes what it still needs, or what is left if that is less (a partial
    allocation); nobody behind it gets anything until it is complete.
    """
    if units < 0:
        raise ValueError("units to allocate must not be negative")
    allocations: list[Allocation] = []
    left = units
    for line in order_queue(lines):
        if left == 0:
            break
        take = min(left, line.waiting)
        allocations.append(Allocation(line.line_id, take, take == line.waiting))
        left -= take
    return allocations, left


@dataclass(frozen=True)
class Supply:
    """Units that will be available to the queue: stock now (``po_id`` None) or an open PO line."""

    qty: int
    eta: dt.date | None = None
    po_id: int | None = None
    po_number: str | None = None
    supplier_id: int | None = None

    @property
    def on_hand(self) -> bool:
        """Whether this is stock already in the warehouse."""
        return self.po_id is None


@dataclass(frozen=True)
class LineProjection:
    """Where one waiting line stands: its queue position and the supply that will complete it.

    ``covering`` is the supply whose units complete the line (the last one it needs when it is
    filled from several receipts); ``None`` means no known supply covers it. ``fills`` lists
    every ``(supply index, units)`` the line draws on, in arrival order.
    """

    line_id: int
    position: int
    waiting: int
    covering: Supply | None
    fills: tuple[tuple[int, int], ...] = field(default=())

    @property
    def covered(self) -> bool:
        """Whether some supply completes the line."""
        return self.covering is not None

    @property
    def covered_qty(self) -> int:
        """Units of the line some supply will fill (all of them when covered)."""
        return sum(qty for _, qty in self.fills)


def _arrival_key(indexed: tuple[int, Supply]) -> tuple:
    index, supply = indexed
    # Stock on hand comes first; then receipts by ETA; the input order breaks ties.
    return (0 if supply.on_hand else 1, supply.eta or dt.date.min, index)


def project(lines: Iterable[WaitingLine], supplies: Sequence[Supply]) -> list[LineProjection]:
    """Walk supply, in arrival order, down the queue; one projection per line, in queue order.

    Supplies arrive in order (stock on hand first, then by ETA); each fills the head of the
    queue, partially if it runs out, exactly as :func:`allocate` would on the day it lands.
    """
    for supply in supplies:
        if supply.qty < 0:
            raise ValueError("supply quantity must not be negative")
    arrivals = sorted(enumerate(supplies), key=_arrival_key)
    cursor, left = 0, arrivals[0][1].qty if arrivals else 0
    projections: list[LineProjection] = []
    for position, line in enumerate(order_queue(lines), start=1):
        need, fills, covering = line.waiting, [], None
        while need > 0 and cursor < len(arrivals):
            if left == 0:
                cursor += 1
                left = arrivals[cursor][1].qty if cursor < len(arrivals) else 0
                continue
            take = min(need, left)
            fills.append((arrivals[cursor][0], take))
            need -= take
            left -= take
            if need == 0:
                covering = arrivals[cursor][1]
        projections.append(LineProjection(line.line_id, position, line.waiting, covering, tuple(fills)))
    return projections


@dataclass(frozen=True)
class DelayProfile:
    """A supplier's empirical delay, receipt minus the ETA it last gave (days; negative is early)."""

    p50: float
    p80: float
    samples: int


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile ``q`` (0–1) of ``values``, as numpy's default method."""
    if not values:
        raise ValueError("quantile of no values")
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def delay_profile(delays: Sequence[float], fallback: DelayProfile | None = None) -> DelayProfile:
    """P50 and P80 of a supplier's delays; with fewer than 5 receipts the ``fallback`` (all suppliers) stands."""
    if len(delays) < MIN_DELAY_SAMPLES:
        return fallback or DelayProfile(0.0, 0.0, len(delays))
    return DelayProfile(quantile(delays, 0.5), quantile(delays, 0.8), len(delays))


NO_DELAY = DelayProfile(0.0, 0.0, 0)


@dataclass(frozen=True)
class ShipWindow:
    """The days a line is projected to ship: likely (P50) and promisable (P80)."""

    p50: dt.date
    p80: dt.date


def ship_window(supply: Supply, today: dt.date, handling_days: int, delay: DelayProfile = NO_DELAY) -> ShipWindow:
    """Window for a line completed by ``supply``: [ETA + P50 delay, ETA + P80 delay] + handling days.

    Stock on hand ships after handling alone. A receipt cannot land before tomorrow, so a late
    PO's dates are never in the past; delays round up to whole days (a promise is a day).
    """
    if handling_days < 0:
        raise ValueError("handling_days must not be negative")
    handling = dt.timedelta(days=handling_days)
    if supply.on_hand:
        return ShipWindow(today + handling, today + handling)
    assert supply.eta is not None
    tomorrow = today + dt.timedelta(days=1)
    p50 = max(supply.eta + dt.timedelta(days=math.ceil(delay.p50)), tomorrow) + handling
    p80 = max(supply.eta + dt.timedelta(days=math.ceil(delay.p80)), tomorrow) + handling
    return ShipWindow(p50, max(p80, p50))


def is_at_risk(promised: dt.date | None, window: ShipWindow | None) -> bool:
    """A line is at risk when nothing covers it or its P80 ship date falls after its promise."""
    if window is None:
        return True
    return promised is not None and window.p80 > promised
