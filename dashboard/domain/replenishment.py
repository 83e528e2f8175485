"""Replenishment math: safety stock, reorder points, demand and lead-time statistics, ABC, order sizes.

Pure functions on plain numbers (no I/O, no clock: ``today`` is always passed in). Units: demand in
units/day, lead times and review periods in days, stock and order quantities in units. The ``*_array``
and ``*_matrix`` variants do the same math on numpy arrays, for scoring every (product, warehouse) pair at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from types import MappingProxyType
from typing import Literal, NamedTuple

import numpy as np

ABC_SERVICE_LEVELS: Mapping[str, float] = MappingProxyType({"A": 0.98, "B": 0.95, "C": 0.90})
# The lead time assumed for a SKU no supplier is linked to yet (the metrics refresh assumes the same).
DEFAULT_LEAD_TIME_DAYS = 14
# What the "on order from" list and the SKU page call units in transit that came without a PO.
IN_TRANSIT = "in transit"

# Float noise such as 0.07 * 100 = 7.000000000000001 must not round an order up by a whole unit.
_EPS = 1e-9
_STANDARD_NORMAL = NormalDist()


def _require_non_negative(**values: float) -> None:
    """Raise ``ValueError`` naming the first value that is negative or NaN."""
    for name, value in values.items():
        if not value >= 0:
            raise ValueError(f"{name} must be ≥ 0, got {value!r}")


def _require_whole_at_least_one(**values: float) -> None:
    """Raise ``ValueError`` naming the first value that is not a whole number ≥ 1."""
    for name, value in values.items():
        if not (value >= 1 and float(value).is_integer()):
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")


def z_for_service_level(service_level: float) -> float:
    """Standard-normal quantile for a cycle service level: z = Φ⁻¹(service_level), dimensionless.

    E.g. z(0.95) = 1.6449, z(0.98) = 2.0537, z(0.90) = 1.2816.

    Raises:
        ValueError: If ``service_level`` is not strictly between 0 and 1.
    """
    if not 0 < service_level < 1:
        raise ValueError(f"service_level must be strictly between 0 and 1 (e.g. 0.95), got {service_level!r}")
    return _STANDARD_NORMAL.inv_cdf(service_level)


def safety_stock(
    avg_daily_demand: float, demand_sd: float, lead_time_days: float, lead_time_sd: float, service_level: float
) -> float:
    """Safety stock in units, covering both demand and lead-time variability.

    SS = z · √(L · σ_d² + d̄² · σ_L²) with z = Φ⁻¹(service_level); d̄ = ``avg_daily_demand`` and σ_d =
    ``demand_sd`` in units/day, L = ``lead_time_days`` and σ_L = ``lead_time_sd`` in days. Floored at 0:
    below a 50 % service level z is negative and no negative buffer is held.

    Raises:
        ValueError: If any input is negative (the message names it) or the service level is out of range.
    """
    _require_non_negative(
        avg_daily_demand=avg_daily_demand, demand_sd=demand_sd, lead_time_days=lead_time_days, lead_time_sd=lead_time_sd
    )
    z = z_for_service_level(service_level)
    spread = math.sqrt(lead_time_days * demand_sd**2 + avg_daily_demand**2 * lead_time_sd**2)
    return max(0.0, z * spread)


def safety_stock_array(avg_daily_demand, demand_sd, lead_time_days, lead_time_sd, service_level) -> np.ndarray:
    """Vectorised :func:`safety_stock`: SS = max(0, z · √(L · σ_d² + d̄² · σ_L²)) in units, element-wise.

    Inputs broadcast like numpy arrays (units/day, units/day, days, days, probability). Only the service
    levels are checked (each distinct value once, so an ABC-coded array costs three quantile calls).
    """
    d = np.asarray(avg_daily_demand, dtype=float)
    spread = np.sqrt(np.asarray(lead_time_days, dtype=float) * np.square(demand_sd) + d**2 * np.square(lead_time_sd))
    levels = np.asarray(service_level, dtype=float)
    distinct, inverse = np.unique(levels, return_inverse=True)
    z = np.array([z_for_service_level(float(level)) for level in distinct])[inverse].reshape(levels.shape)
    return np.maximum(0.0, z * spread)


def reorder_point(avg_daily_demand: float, lead_time_days: float, safety_stock: float) -> float:
    """Stock position at which to reorder: ROP = d̄ · L + SS, in units (d̄ units/day, L days, SS units).

    Raises:
        ValueError: If any input is negative (the message names it).
    """
    _require_non_negative(avg_daily_demand=avg_daily_demand, lead_time_days=lead_time_days, safety_stock=safety_stock)
    return avg_daily_demand * lead_time_days + safety_stock


@dataclass(frozen=True)
class DemandStats:
    """Daily demand over a trailing window; averages exclude stockout days and spike days."""

    avg_daily_demand: float
    demand_sd: float
    days_counted: int
    days_out_of_stock: int
    spike_days: tuple[int, ...]
    has_spike: bool


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1); (0, 0) for no values, sd 0 for one value."""
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((x - mean) ** 2 for x in values) / (n - 1))


# A slow mover's few sales are its demand: spikes are looked for only among this many sale days or more.
MIN_SALE_DAYS_FOR_SPIKES = 10
# How far above a typical sale day a spike must be, in robust spreads (1.4826 · MAD ≈ σ for normal data).
SPIKE_SPREADS = 5.0


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _spike_threshold(sale_days: Sequence[float]) -> float:
    """The level a sale day must exceed to be a spike: median + 5 robust spreads (∞ for too few days).

    The spread is 1.4826 · MAD of the sale days, but never less than half the median: when most
    sale days sell the same quantity the MAD is 0, and twice the usual is not yet a spike.
    """
    if len(sale_days) < MIN_SALE_DAYS_FOR_SPIKES:
        return math.inf
    median = _median(sale_days)
    spread = max(1.4826 * _median([abs(x - median) for x in sale_days]), 0.5 * median)
    return median + SPIKE_SPREADS * spread


def demand_statistics(daily_demand: Sequence[float], in_stock: Sequence[bool], spike_sigma: float = 3.0) -> DemandStats:
    """Mean and standard deviation of daily demand, counting only days the item could be sold.

    Days with ``in_stock`` False are dropped: a zero sold while out of stock is lost demand, not low demand.
    A spike is a counted day whose demand is both above mean + spike_sigma · sd of all counted days and
    above the robust threshold of :func:`_spike_threshold` over the days that sold anything. The robust
    rule looks for spikes only among 10 or more sale days, so it can never call the only sales of a slow
    mover spikes (which would set its demand, and its reorder point, to 0). Spikes are flagged, not
    silently averaged in: the reported mean and sample sd (ddof=1; 0 with fewer than two days) are
    computed again without them. ``days_counted`` includes the spike days.

    Args:
        daily_demand: Units sold per day, oldest first.
        in_stock: Whether the item was sellable that day, same length.
        spike_sigma: How many standard deviations above the mean a spike must also be.

    Returns:
        DemandStats with the average and sd in units/day and the spike positions in the window.

    Raises:
        ValueError: On a length mismatch, negative demand or a non-positive ``spike_sigma``.
    """
    if len(daily_demand) != len(in_stock):
        raise ValueError(f"daily_demand has {len(daily_demand)} days but in_stock has {len(in_stock)}")
    if not spike_sigma > 0:
        raise ValueError(f"spike_sigma must be > 0, got {spike_sigma!r}")
    for value in daily_demand:
        _require_non_negative(daily_demand=value)
    counted = [i for i, sellable in enumerate(in_stock) if sellable]
    mean, sd = _mean_sd([daily_demand[i] for i in counted])
    robust = _spike_threshold([daily_demand[i] for i in counted if daily_demand[i] > 0])
    spikes = tuple(i for i in counted if daily_demand[i] > max(mean + spike_sigma * sd, robust))
    if spikes:
        mean, sd = _mean_sd([daily_demand[i] for i in counted if i not in spikes])
    return DemandStats(mean, sd, len(counted), len(in_stock) - len(counted), spikes, bool(spikes))


class DemandStatsMatrix(NamedTuple):
    """Per-pair arrays from :func:`demand_statistics_matrix` (unpacks as a 5-tuple)."""

    avg_daily_demand: np.ndarray
    demand_sd: np.ndarray
    days_counted: np.ndarray
    days_out_of_stock: np.ndarray
    has_spike: np.ndarray


def _masked_mean_sd(demand: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise mean and sample sd over masked cells, with the conventions of ``_mean_sd``."""
    n = mask.sum(axis=1)
    mean = np.where(mask, demand, 0.0).sum(axis=1) / np.maximum(n, 1)
    squares = np.where(mask, (demand - mean[:, None]) ** 2, 0.0).sum(axis=1)
    return mean, np.where(n >= 2, np.sqrt(squares / np.maximum(n - 1, 1)), 0.0)


def _row_medians(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's median over its masked cells (NaN for none), and how many cells that was."""
    count = mask.sum(axis=1)
    ordered = np.sort(np.where(mask, values, np.inf), axis=1)
    rows = np.arange(len(values))
    low = ordered[rows, np.maximum((count - 1) // 2, 0)]
    high = ordered[rows, np.minimum(count // 2, values.shape[1] - 1)]
    return np.where(count > 0, (low + high) / 2, np.nan), count


def _spike_threshold_matrix(demand: np.ndarray, sale_days: np.ndarray) -> np.ndarray:
    """Vectorised :func:`_spike_threshold`: one threshold per row (∞ with too few sale days)."""
    median, count = _row_medians(demand, sale_days)
    mad, _ = _row_medians(np.abs(demand - np.nan_to_num(median)[:, None]), sale_days)
    spread = np.maximum(1.4826 * np.nan_to_num(mad), 0.5 * np.nan_to_num(median))
    return np.where(count >= MIN_SALE_DAYS_FOR_SPIKES, np.nan_to_num(median) + SPIKE_SPREADS * spread, np.inf)


def spike_days(demand: np.ndarray, in_stock: np.ndarray, spike_sigma: float = 3.0) -> np.ndarray:
    """The (pairs, days) mask of spike days :func:`demand_statistics_matrix` leaves out (same rule)."""
    mean, sd = _masked_mean_sd(demand, in_stock)
    robust = _spike_threshold_matrix(demand, in_stock & (demand > 0))
    return in_stock & (demand > np.maximum(mean + spike_sigma * sd, robust)[:, None])


def demand_statistics_matrix(demand: np.ndarray, in_stock: np.ndarray, spike_sigma: float = 3.0) -> DemandStatsMatrix:
    """Vectorised :func:`demand_statistics` over the rows of a (pairs, days) matrix, same semantics.

    ``demand`` is units/day, oldest day first; ``in_stock`` the boolean sellable flags of the same shape.
    Returns arrays of length ``pairs``: average and sd in units/day (stockout and spike days excluded), days
    counted, days out of stock, and whether a spike was flagged. Temporaries are a few times the input size,
    so chunk very large inputs (300,000 pairs × 90 days is about 216 MB per float matrix).
    """
    demand = np.asarray(demand, dtype=float)
    in_stock = np.asarray(in_stock, dtype=bool)
    if demand.ndim != 2 or demand.shape != in_stock.shape:
        raise ValueError(f"demand {demand.shape} and in_stock {in_stock.shape} must be the same (pairs, days) shape")
    mean, sd = _masked_mean_sd(demand, in_stock)
    spikes = spike_days(demand, in_stock, spike_sigma)
    clean_mean, clean_sd = _masked_mean_sd(demand, in_stock & ~spikes)
    has_spike = spikes.any(axis=1)
    days_counted = in_stock.sum(axis=1)
    avg, sd = np.where(has_spike, clean_mean, mean), np.where(has_spike, clean_sd, sd)
    return DemandStatsMatrix(avg, sd, days_counted, demand.shape[1] - days_counted, has_spike)


@dataclass(frozen=True)
class LeadTimeStats:
    """Lead time in days and its standard deviation, and where they came from."""

    lead_time_days: float
    lead_time_sd: float
    samples: int
    source: Literal["history", "quoted"]


def lead_time_statistics(
    observed_days: Sequence[float],
    quoted_lead_time_days: float,
    min_samples: int = 3,
    fallback_sd_fraction: float = 0.2,
) -> LeadTimeStats:
    """Lead time L and σ_L (days) from observed receipts, or from the supplier's quote when history is thin.

    With at least ``min_samples`` observed order-to-receipt times (days): L = their mean, σ_L = their sample
    sd (ddof=1), source "history". Otherwise L = ``quoted_lead_time_days`` and σ_L = fallback_sd_fraction · L
    (20 % by default), source "quoted". ``samples`` is the number of observations either way.

    Raises:
        ValueError: On negative days or fraction, or ``min_samples`` not a whole number ≥ 1.
    """
    _require_non_negative(quoted_lead_time_days=quoted_lead_time_days, fallback_sd_fraction=fallback_sd_fraction)
    _require_whole_at_least_one(min_samples=min_samples)
    for value in observed_days:
        _require_non_negative(observed_days=value)
    if len(observed_days) >= min_samples:
        mean, sd = _mean_sd(list(observed_days))
        return LeadTimeStats(mean, sd, len(observed_days), "history")
    quoted = float(quoted_lead_time_days)
    return LeadTimeStats(quoted, fallback_sd_fraction * quoted, len(observed_days), "quoted")


def abc_classes(revenue: Sequence[float], a_share: float = 0.8, b_share: float = 0.95) -> list[str]:
    """Pareto ABC classes on trailing revenue, returned in the input order.

    Items are sorted by revenue, highest first (ties keep input order). With S = cumulative share of total
    revenue of the items ranked BEFORE an item: A if S < a_share, B if S < b_share, else C. Items with zero
    (or negative, e.g. net of returns) revenue are always C and do not count towards the total.

    Raises:
        ValueError: Unless 0 < a_share ≤ b_share ≤ 1.
    """
    if not 0 < a_share <= b_share <= 1:
        raise ValueError(f"need 0 < a_share ≤ b_share ≤ 1, got a_share={a_share!r}, b_share={b_share!r}")
    classes = ["C"] * len(revenue)
    total = math.fsum(value for value in revenue if value > 0)
    before = 0.0
    for i in sorted(range(len(revenue)), key=lambda i: -revenue[i]):
        if not revenue[i] > 0:
            break
        share = before / total
        classes[i] = "A" if share < a_share else "B" if share < b_share else "C"
        before += revenue[i]
    return classes


def service_level_for(abc_class: str, levels: Mapping[str, float] = ABC_SERVICE_LEVELS) -> float:
    """Target cycle service level for an ABC class (A 0.98, B 0.95, C 0.90 by default).

    Raises:
        ValueError: For a class not in ``levels``, naming the known ones.
    """
    try:
        return levels[abc_class]
    except KeyError:
        raise ValueError(f"unknown ABC class {abc_class!r}; use one of: {', '.join(levels)}") from None


def stock_position(on_hand: int, allocated: int, on_order: int, owed: int = 0) -> int:
    """Inventory position in units: on hand − allocated + on order − owed.

    ``owed`` is what waiting customers are owed that no stock covers yet (their lines' unallocated
    units, and units owed without order lines). Leaving it out makes a SKU with more backorders
    than supply look fine; with it the position is negative when the shop owes more than it has
    and has ordered.

    Raises:
        ValueError: If any input is negative (the message names it).
    """
    _require_non_negative(on_hand=on_hand, allocated=allocated, on_order=on_order, owed=owed)
    return on_hand - allocated + on_order - owed


def lead_time_shortfall(
    available: float,
    owed: float,
    avg_daily_demand: float,
    lead_time_days: float,
    inbound: Iterable[tuple[int, float]] = (),
) -> float:
    """Units the projected available stock falls short by before an order placed today can arrive.

    a(t) = available − owed − d̄·t + Σ receipts due by day t (units), for t = 0 … ⌈L⌉ days, the
    projection of :func:`dashboard.domain.projection.project_available` (a receipt due on day t
    counts from that day; one already late counts from tomorrow). The shortfall is
    max(0, −min a(t)): what must be ordered now so the shop owes nobody more than it holds. The
    stock position counts every open PO, however late it lands; this catches the ones that land
    after the lead time.

    Args:
        available: On hand − allocated, in units.
        owed: Units waiting customers are owed that no stock covers yet.
        avg_daily_demand: d̄ in units/day.
        lead_time_days: L in days.
        inbound: (days from today until due, units) per open PO line.
    """
    _require_non_negative(owed=owed, avg_daily_demand=avg_daily_demand, lead_time_days=lead_time_days)
    horizon = math.ceil(lead_time_days - _EPS)
    due: dict[int, float] = {}
    for offset, qty in inbound:
        due[max(int(offset), 1)] = due.get(max(int(offset), 1), 0.0) + qty
    level = lowest = float(available) - float(owed)
    for day in range(1, horizon + 1):
        level += due.get(day, 0.0) - avg_daily_demand
        lowest = min(lowest, level)
    return max(0.0, -lowest)


def lead_time_shortfall_array(
    base: np.ndarray,
    avg_daily_demand: np.ndarray,
    lead_time_days: np.ndarray,
    inbound_pair: np.ndarray,
    inbound_offset: np.ndarray,
    inbound_qty: np.ndarray,
) -> np.ndarray:
    """Vectorised :func:`lead_time_shortfall` for every pair; ``base`` = available − owed per pair.

    a(t) falls between receipts, so its lowest point within the horizon H = ⌈L⌉ is at t = 0, at
    t = H, or at the end of a day on which a receipt lands (after that day's demand, before the
    next receipt): only those points are evaluated, never every day.
    """
    base = np.asarray(base, float)
    avg = np.asarray(avg_daily_demand, float)
    horizon = np.ceil(np.asarray(lead_time_days, float) - _EPS)
    offset = np.maximum(np.asarray(inbound_offset, np.int64), 1)
    pair = np.asarray(inbound_pair, np.int64)
    qty = np.asarray(inbound_qty, float)
    # Receipts landing by the horizon, ordered by pair and day; each row's receipts *before* its day.
    keep = offset <= horizon[pair]
    pair, offset, qty = pair[keep], offset[keep], qty[keep]
    order = np.lexsort((offset, pair))
    pair, offset, qty = pair[order], offset[order], qty[order]
    by_pair_total = np.bincount(pair, weights=qty, minlength=len(base))
    cumulative = np.cumsum(qty)
    first_of_pair = np.r_[0, np.flatnonzero(np.diff(pair)) + 1] if len(pair) else np.array([], np.int64)
    starts = np.repeat(cumulative[first_of_pair] - qty[first_of_pair], np.diff(np.r_[first_of_pair, len(pair)]))
    received_before = cumulative - qty - starts  # within the pair, receipts sorted before this one
    # The lowest point before a receipt is the end of the day before it lands.
    before_receipt = base[pair] - avg[pair] * (offset - 1) + received_before
    lowest = np.minimum(base, base - avg * horizon + by_pair_total)
    if len(pair):
        np.minimum.at(lowest, pair, before_receipt)
    return np.maximum(0.0, -lowest)


def days_of_cover(on_hand: int, allocated: int, avg_daily_demand: float) -> float | None:
    """Days the available stock lasts: (on hand − allocated) / d̄, in days.

    Returns:
        None when d̄ = 0 (cover is infinite), 0.0 when nothing is available, else the cover in days.

    Raises:
        ValueError: If any input is negative (the message names it).
    """
    _require_non_negative(on_hand=on_hand, allocated=allocated, avg_daily_demand=avg_daily_demand)
    if avg_daily_demand == 0:
        return None
    return max(0, on_hand - allocated) / avg_daily_demand


def projected_stockout_date(today: date, on_hand: int, allocated: int, avg_daily_demand: float) -> date | None:
    """Date the available stock runs out at d̄ units/day: today + ⌊days of cover⌋ days; None when d̄ = 0."""
    cover = days_of_cover(on_hand, allocated, avg_daily_demand)
    return None if cover is None else today + timedelta(days=math.floor(cover))


@dataclass(frozen=True)
class OrderSuggestion:
    """A suggested order and how it was sized (``pack_rounding`` = units added to reach whole packs)."""

    quantity: int
    target_position: float
    raw_need: float
    moq_applied: bool
    pack_rounding: int
    reason: str


def suggested_order_quantity(
    stock_position: float,
    reorder_point: float,
    avg_daily_demand: float,
    review_period_days: float = 14,
    moq: int = 1,
    pack_size: int = 1,
    shortfall: float = 0.0,
) -> OrderSuggestion:
    """Order-up-to suggestion: once the position is at or below ROP, bring it up to ROP + d̄ · review period.

    target = ROP + d̄ · R (units); need = target − position (units). A ``shortfall`` within the lead
    time (:func:`lead_time_shortfall`) is always covered, even when the position is above ROP (a
    PO counted in it lands too late). The quantity is the smallest multiple of ``pack_size`` that
    is ≥ max(⌈need⌉, ⌈shortfall⌉, moq), so the MOQ is also rounded up to whole packs. It is 0 when
    the position is above ROP and nothing falls short, or when nothing is needed.

    Args:
        stock_position: On hand − allocated + on order − owed, in units.
        reorder_point: ROP in units.
        avg_daily_demand: d̄ in units/day.
        review_period_days: R, days until the next chance to order.
        moq: Supplier minimum order quantity in units (whole number ≥ 1).
        pack_size: Units per pack (whole number ≥ 1); orders are whole packs.
        shortfall: Units the projected stock falls short by within the lead time.

    Returns:
        OrderSuggestion with the quantity in units and a short sentence explaining it.

    Raises:
        ValueError: If ``moq`` or ``pack_size`` is not a whole number ≥ 1, or d̄, R or the shortfall is negative.
    """
    _require_whole_at_least_one(moq=moq, pack_size=pack_size)
    _require_non_negative(avg_daily_demand=avg_daily_demand, review_period_days=review_period_days, shortfall=shortfall)
    moq, pack_size = int(moq), int(pack_size)
    target = reorder_point + avg_daily_demand * review_period_days
    need = target - stock_position if stock_position <= reorder_point else 0.0
    short = math.ceil(shortfall - _EPS)
    if stock_position > reorder_point and short <= 0:
        return OrderSuggestion(0, target, need, False, 0, "stock position above reorder point")
    units_needed = max(math.ceil(need - _EPS), short)
    if units_needed <= 0:
        return OrderSuggestion(0, target, need, False, 0, "stock position already at target")
    base = max(units_needed, moq)
    quantity = -(-base // pack_size) * pack_size
    steps = [f"need {need:.1f}"] if need > _EPS else []
    if short > 0 and short >= math.ceil(need - _EPS):
        steps.append(f"short {short} before the lead time ends")
    steps += [f"MOQ {moq}"] if moq > units_needed else []
    steps.append(f"{quantity} (packs of {pack_size})" if pack_size > 1 else str(quantity))
    return OrderSuggestion(quantity, target, need, moq > units_needed, quantity - base, " → ".join(steps))


def suggested_order_quantity_array(
    stock_position, reorder_point, avg_daily_demand, review_period_days, moq, pack_size, shortfall=0.0
) -> np.ndarray:
    """Vectorised :func:`suggested_order_quantity`: integer order quantities in units, element-wise.

    Raises:
        ValueError: If any ``moq`` or ``pack_size`` is below 1.
    """
    moq, pack_size = np.asarray(moq, dtype=np.int64), np.asarray(pack_size, dtype=np.int64)
    if np.any(moq < 1) or np.any(pack_size < 1):
        raise ValueError("moq and pack_size must be whole numbers ≥ 1")
    position = np.asarray(stock_position, dtype=float)
    rop = np.asarray(reorder_point, dtype=float)
    need = rop + np.asarray(avg_daily_demand, dtype=float) * np.asarray(review_period_days, dtype=float) - position
    below = position <= rop
    short = np.ceil(np.asarray(shortfall, dtype=float) - _EPS)
    units_needed = np.maximum(np.where(below, np.ceil(need - _EPS), 0), short)
    ordering = (below | (short > 0)) & (units_needed > 0)
    base = np.maximum(np.where(ordering, units_needed, 0).astype(np.int64), moq)
    return np.where(ordering, -(-base // pack_size) * pack_size, 0).astype(np.int64)
