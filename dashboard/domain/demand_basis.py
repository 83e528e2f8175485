"""Where a demand estimate comes from: day-by-day line history, period totals, or nothing usable.

A shop arrives with order lines (its own orders or an imported sales history), with only totals
per month or week (``sales_period``), or with neither. Design §3's d̄ and σ_d come from daily
history when the shop has enough of it; otherwise from period totals; a SKU-warehouse with
neither is *listed* as having no usable history instead of quietly getting a reorder point of 0.

Pure functions on numpy arrays (one entry per SKU-warehouse pair); units are units/day and days.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dashboard.domain.codes import DemandBasis

# Four weeks of daily history see every weekday four times: less is "short" and shown as such.
MIN_LINE_HISTORY_DAYS = 28
# With fewer period totals than this their spread says nothing about day-to-day variation.
MIN_PERIODS_FOR_SPREAD = 3


class PeriodDemand(NamedTuple):
    """Per-pair demand from period totals: d̄, σ_d (units/day), days in stock covered, periods used."""

    avg_daily_demand: np.ndarray
    demand_sd: np.ndarray
    days_covered: np.ndarray
    periods: np.ndarray


def period_demand(
    pair: np.ndarray,
    qty: np.ndarray,
    length_days: np.ndarray,
    days_out_of_stock: np.ndarray,
    pairs: int,
) -> PeriodDemand:
    """d̄ and σ_d per pair from disjoint period totals.

    ``pair`` is each period's pair index (0 ≤ pair < ``pairs``), ``qty`` its units sold,
    ``length_days`` its length and ``days_out_of_stock`` the days it had nothing to sell (0 when
    unknown). Days out of stock sold nothing by force, so they are left out of the denominator
    as stockout days are from daily history: d̄ = Σ qty / Σ (length − days out).

    σ_d: if daily demand is independent with variance σ², a period of L in-stock days sells
    q ~ (L·d̄, L·σ²), so σ² is estimated by Σ (q − L·d̄)² / L / (k − 1) over k ≥ 3 periods. With
    fewer periods, or an estimate below it, the Poisson spread √d̄ is used: counts of sales are
    at least that variable, and assuming less would under-protect the reorder point.
    """
    pair = np.asarray(pair, np.int64)
    qty = np.asarray(qty, float)
    in_stock = np.maximum(np.asarray(length_days, float) - np.asarray(days_out_of_stock, float), 0.0)
    units = np.bincount(pair, qty, pairs)
    days = np.bincount(pair, in_stock, pairs)
    k = np.bincount(pair, minlength=pairs)
    avg = np.divide(units, days, out=np.zeros(pairs), where=days > 0)
    usable = in_stock > 0
    expected = in_stock * avg[pair]
    scaled = np.where(usable, (qty - expected) ** 2 / np.where(usable, in_stock, 1.0), 0.0)
    squares = np.bincount(pair, scaled, pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(k >= MIN_PERIODS_FOR_SPREAD, squares / np.maximum(k - 1, 1), 0.0)
    sd = np.maximum(np.sqrt(var), np.sqrt(avg))
    return PeriodDemand(avg, sd, days.astype(np.int64), k.astype(np.int64))


def choose_basis(history_days: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Each pair's :class:`DemandBasis` value: enough line history, else period totals, else short or none.

    ``history_days`` is the days of line history inside the window; ``periods`` the period totals
    available. Line history of at least :data:`MIN_LINE_HISTORY_DAYS` wins; shorter line history
    loses to period totals (a quarter of monthly totals says more than ten days of orders), and
    without totals it is used but marked short.
    """
    history_days = np.asarray(history_days)
    periods = np.asarray(periods)
    return np.select(
        [history_days >= MIN_LINE_HISTORY_DAYS, periods > 0, history_days > 0],
        [DemandBasis.LINES.value, DemandBasis.PERIODS.value, DemandBasis.SHORT.value],
        DemandBasis.NONE.value,
    ).astype(object)
