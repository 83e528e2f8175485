"""Demand forecasts by kind of demand, chosen per SKU-warehouse by its own rolling-origin error (issue 20).

A 90-day average is right for a smooth seller and wrong for the rest: it lags a trend and a season,
and on an item that sells one week in five it is as good as any other number only by luck. Each
SKU-warehouse gets the method that forecast *its own* recent past best:

- the demand **pattern** (Syntetos–Boylan on weekly buckets: average interval between selling weeks
  ADI ≥ 1.32 is intermittent, squared coefficient of variation of the sizes CV² ≥ 0.49 is erratic,
  both is lumpy) decides the candidates: smooth and erratic items try the moving average,
  exponential smoothing and — with a year of history — last year's season; intermittent and lumpy
  items try the moving average, Croston with the Syntetos–Boylan correction and TSB;
- **rolling origins** every two weeks from 4 to 12 weeks before the cutoff: each candidate
  forecasts from the weeks before the origin only and is scored on the units of the next four weeks' sellable days; the
  candidate with the least absolute error wins, and the moving average (what the product always
  used) keeps the item unless another beats it by :data:`MARGIN`;
- **new items** (first stocked within the last eight weeks and sold only since, in a shop that
  recorded sales before) get their own rate since they were stocked, shrunk towards their category's
  typical rate, and are labelled as such: the days before they existed are not days they sold nothing.

Pure numpy over (pairs, days) matrices; a forecast is a rate in units per day. Weekly buckets are
whole weeks ending at the cutoff; a week's demand is its units scaled to seven days over its
sellable days, and a week with fewer than three sellable days is missing (the recursions skip it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from dashboard.domain.replenishment import demand_statistics_matrix, spike_days

WINDOW_DAYS = 90  # the moving average's window, as design §3 has it
HISTORY_DAYS = 182  # 26 weeks: the recursions' history, and room for three origins
HORIZON_DAYS = 28
ORIGINS = (4, 6, 8, 10, 12)  # weeks before the cutoff
MARGIN = 0.05  # a challenger must beat the moving average's error by 5 % to replace it
SES_ALPHA = 0.2
CROSTON_ALPHA = 0.1
TSB_ALPHA_DEMAND = 0.1
TSB_ALPHA_PROBABILITY = 0.1
MIN_WEEK_DAYS = 3
# Syntetos–Boylan cut-offs.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
NEW_ITEM_DAYS = 56
PRIOR_DAYS = 28  # a new item's prior weighs as much as four weeks of its own sales
SEASON_DAYS = 364  # 52 weeks: the same weekdays a year earlier
SEASON_PSEUDO_UNITS = 2.0
SEASON_RATIO_BOUNDS = (0.2, 5.0)
# The product's names for methods and patterns (the page shows the label, the database the key).
METHOD_LABELS = {
    "moving_average": "Moving average",
    "exp_smoothing": "Exponential smoothing",
    "seasonal": "Seasonal (last year)",
    "croston_sba": "Croston-SBA",
    "tsb": "TSB",
    "new_item": "New item (category prior)",
    "period_totals": "Period totals",
    "none": "No usable history",
}
PATTERN_LABELS = {
    "smooth": "Smooth",
    "erratic": "Erratic",
    "intermittent": "Intermittent",
    "lumpy": "Lumpy",
    "none": "No sales",
}
SMOOTH_CANDIDATES = ("moving_average", "exp_smoothing", "seasonal")
SPARSE_CANDIDATES = ("moving_average", "croston_sba", "tsb")
METHODS = ("moving_average", "exp_smoothing", "seasonal", "croston_sba", "tsb")


class LastYear(NamedTuple):
    """Units sold a year before each origin (columns: the cutoff, then :data:`ORIGINS`): 90 days before, 28 after.

    ``usable`` is False where the shop's records do not reach that far back.
    """

    before: np.ndarray  # (pairs, 1 + len(ORIGINS))
    after: np.ndarray
    usable: bool


class Forecast(NamedTuple):
    """Per pair: the rate (units/day), the method, the pattern, the chosen method's rolling-origin WAPE."""

    rate: np.ndarray
    method: np.ndarray
    pattern: np.ndarray
    wape: np.ndarray  # NaN where the origins saw no units
    moving_average: np.ndarray  # the 90-day average the product always used, for comparison
    # The chosen method's mean absolute error over a 28-day horizon at the origins (units; 0 unscored).
    horizon_mae: np.ndarray
    # New items: units sold and sellable days since first stocked, and the category rate blended in (NaN: not new).
    new_item: np.ndarray  # (pairs, 3)


def weekly(demand: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Whole weeks ending at the last column: units per week scaled over sellable days; NaN for missing weeks."""
    n, days = demand.shape
    weeks = days // 7
    tail = slice(days - 7 * weeks, days)
    units = np.where(counted[:, tail], demand[:, tail], 0.0).reshape(n, weeks, 7).sum(axis=2)
    sellable = counted[:, tail].reshape(n, weeks, 7).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sellable >= MIN_WEEK_DAYS, units * 7.0 / np.maximum(sellable, 1), np.nan)


def smoothing_forecasts(weeks: np.ndarray) -> dict[str, np.ndarray]:
    """Per method, the weekly forecast made *before* each week (column w: from weeks 0 … w−1); one extra column.

    Missing weeks leave every state as it was. Forecasts before the first sale are 0.
    """
    n, total = weeks.shape
    out = {name: np.zeros((n, total + 1)) for name in ("exp_smoothing", "croston_sba", "tsb")}
    level = np.full(n, np.nan)
    size = np.full(n, np.nan)
    interval = np.full(n, np.nan)
    since = np.ones(n)  # weeks since the last selling week, counting this one
    probability = np.full(n, 0.5)
    tsb_size = np.full(n, np.nan)
    for w in range(total):
        y = weeks[:, w]
        seen = ~np.isnan(y)
        sold = seen & (y > 0)
        level = np.where(seen, np.where(np.isnan(level), y, level + SES_ALPHA * (y - level)), level)
        first = sold & np.isnan(size)
        size = np.where(first, y, np.where(sold, size + CROSTON_ALPHA * (y - size), size))
        interval = np.where(first, since, np.where(sold, interval + CROSTON_ALPHA * (since - interval), interval))
        since = np.where(sold, 1.0, np.where(seen, since + 1.0, since))
        probability = np.where(seen, probability + TSB_ALPHA_PROBABILITY * (sold - probability), probability)
        tsb_size = np.where(
            sold, np.where(np.isnan(tsb_size), y, tsb_size + TSB_ALPHA_DEMAND * (y - tsb_size)), tsb_size
        )
        out["exp_smoothing"][:, w + 1] = np.nan_to_num(level)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["croston_sba"][:, w + 1] = np.nan_to_num((1 - CROSTON_ALPHA / 2) * size / interval)
        out["tsb"][:, w + 1] = np.nan_to_num(probability * tsb_size)
    return out


def demand_pattern(weeks: np.ndarray) -> np.ndarray:
    """Syntetos–Boylan class per pair from its weekly buckets (missing weeks left out)."""
    seen = ~np.isnan(weeks)
    sold = seen & (weeks > 0)
    n_seen, n_sold = seen.sum(axis=1), sold.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = n_seen / n_sold
        sizes = np.where(sold, weeks, np.nan)
        mean = np.nanmean(np.where(n_sold[:, None] > 0, sizes, 0.0), axis=1)
        cv2 = np.where(n_sold > 1, np.nanvar(np.where(n_sold[:, None] > 1, sizes, 0.0), axis=1) / mean**2, 0.0)
    sparse, erratic = adi >= ADI_CUTOFF, cv2 >= CV2_CUTOFF
    return np.select(
        [n_sold == 0, sparse & erratic, sparse, erratic],
        ["none", "lumpy", "intermittent", "erratic"],
        "smooth",
    ).astype(object)


def _seasonal_rate(ma: np.ndarray, last_year: LastYear, column: int) -> np.ndarray:
    before, after = last_year.before[:, column], last_year.after[:, column]
    m = SEASON_PSEUDO_UNITS
    ratio = ((after + m) / HORIZON_DAYS) / ((before + m * WINDOW_DAYS / HORIZON_DAYS) / WINDOW_DAYS)
    return ma * np.clip(ratio, *SEASON_RATIO_BOUNDS)


def forecast(
    demand: np.ndarray,
    counted: np.ndarray,
    *,
    last_year: LastYear | None = None,
    stocked_days_ago: np.ndarray | None = None,
    first_sold_days_ago: np.ndarray | None = None,
    recorded_days: int = HISTORY_DAYS,
    category: np.ndarray | None = None,
    prior_rates: Mapping[str, float] | None = None,
) -> Forecast:
    """Choose and apply a method per pair (see the module).

    ``demand`` and ``counted`` are (pairs, days) with the cutoff's day last, days ≥ WINDOW_DAYS +
    HORIZON_DAYS·3 for the origins to be scored (fewer: the moving average stands). ``stocked_days_ago``
    is each pair's first stock evidence and ``first_sold_days_ago`` its first sale, in days before the
    cutoff (NaN: unknown, or never); ``recorded_days`` how many days the shop's records reach back;
    ``category`` a label per pair for the new-item prior; ``prior_rates`` the typical rate per category
    when the pairs given are not all of them (a refresh of a few SKUs), else it is taken from these.
    """
    demand = np.asarray(demand, float)
    counted = np.asarray(counted, bool)
    n, days = demand.shape
    # Spike days are left out of the weeks as the moving average leaves them out of its days: a
    # one-off bulk order must not double a smoothed rate (same robust rule, over the whole history).
    weeks = weekly(demand, counted & ~spike_days(demand, counted))
    ma_now = demand_statistics_matrix(demand[:, -WINDOW_DAYS:], counted[:, -WINDOW_DAYS:]).avg_daily_demand
    smooth = smoothing_forecasts(weeks)
    total_weeks = weeks.shape[1]
    seasonal = last_year is not None and last_year.usable
    candidates = {
        "moving_average": None,
        "exp_smoothing": None,
        "croston_sba": None,
        "tsb": None,
        **({"seasonal": None} if seasonal else {}),
    }
    errors = {name: np.zeros(n) for name in candidates}
    actual_total = np.zeros(n)
    scored = days >= WINDOW_DAYS + 7 * max(ORIGINS) and total_weeks > max(ORIGINS)
    if scored:
        for j, weeks_back in enumerate(ORIGINS, start=1):
            origin = days - 7 * weeks_back
            ahead = slice(origin, origin + HORIZON_DAYS)
            units = np.where(counted[:, ahead], demand[:, ahead], 0.0).sum(axis=1)
            sellable = counted[:, ahead].sum(axis=1)
            actual_total += units
            past = slice(origin - WINDOW_DAYS, origin)
            ma = demand_statistics_matrix(demand[:, past], counted[:, past]).avg_daily_demand
            rates = {"moving_average": ma}
            for name in ("exp_smoothing", "croston_sba", "tsb"):
                rates[name] = smooth[name][:, total_weeks - weeks_back] / 7.0
            if seasonal:
                rates["seasonal"] = _seasonal_rate(ma, last_year, j)
            for name in candidates:
                errors[name] += np.abs(rates[name] * sellable - units)
    now = {"moving_average": ma_now}
    for name in ("exp_smoothing", "croston_sba", "tsb"):
        now[name] = smooth[name][:, total_weeks] / 7.0
    if seasonal:
        now["seasonal"] = _seasonal_rate(ma_now, last_year, 0)
    pattern = demand_pattern(weeks)
    sparse = (pattern == "intermittent") | (pattern == "lumpy")
    best = np.full(n, "moving_average", dtype=object)
    best_error = errors["moving_average"] * (1 - MARGIN)
    if scored:
        for name in candidates:
            if name == "moving_average":
                continue
            allowed = sparse if name in ("croston_sba", "tsb") else ~sparse & (pattern != "none")
            better = allowed & (errors[name] < best_error)
            best = np.where(better, name, best)
            best_error = np.where(better, errors[name], best_error)
    rate = np.zeros(n)
    wape = np.full(n, np.nan)
    mae = np.zeros(n)
    for name in candidates:
        chosen = best == name
        rate[chosen] = now[name][chosen]
        mae[chosen] = errors[name][chosen] / len(ORIGINS)
        with np.errstate(invalid="ignore", divide="ignore"):
            wape[chosen] = np.where(actual_total > 0, errors[name] / actual_total, np.nan)[chosen]
    method = best
    new_item = np.full((n, 3), np.nan)
    if stocked_days_ago is not None and first_sold_days_ago is not None:
        rate, method, new_item = _new_items(
            demand, counted, rate, method, stocked_days_ago, first_sold_days_ago, recorded_days, category, prior_rates
        )
        wape = np.where(method == "new_item", np.nan, wape)
    mae = np.where(method == "new_item", 0.0, mae)
    return Forecast(np.maximum(rate, 0.0), method, pattern, wape, ma_now, mae, new_item)


def _new_items(
    demand, counted, rate, method, stocked_days_ago, first_sold_days_ago, recorded_days, category, prior_rates=None
):
    """New items' own rate since they were first stocked, shrunk towards their category's typical rate."""
    n, days = demand.shape
    stocked = np.asarray(stocked_days_ago, float)
    sold = np.asarray(first_sold_days_ago, float)
    # New: first stocked in the last eight weeks, sold only since then, in records that reach four
    # weeks further back. An item that sold before its first count (an imported shop's history) is
    # not new; one that never sold gets no prior (no demand is invented for dead stock).
    with np.errstate(invalid="ignore"):
        new = (
            np.isfinite(stocked)
            & (stocked < NEW_ITEM_DAYS)
            & np.isfinite(sold)
            & (sold <= stocked)
            & (recorded_days >= stocked + 28)
        )
    facts = np.full((n, 3), np.nan)
    if not new.any():
        return rate, method, facts
    since = np.arange(days)[None, :] >= (days - 1 - np.nan_to_num(stocked, nan=days))[:, None]
    own_units = np.where(counted & since, demand, 0.0).sum(axis=1)
    own_days = (counted & since).sum(axis=1)
    labels = np.asarray(category if category is not None else np.zeros(n), dtype=object).astype(str)
    established = ~new & (rate > 0)
    overall = float(np.median(rate[established])) if established.any() else 0.0
    prior = np.full(n, overall)
    for label in np.unique(labels[new]):
        members = labels == label
        pool = rate[members & established]
        if prior_rates is not None and label in prior_rates:
            prior[members] = prior_rates[label]
        elif pool.size:
            prior[members] = float(np.median(pool))
    shrunk = (own_units + prior * PRIOR_DAYS) / (own_days + PRIOR_DAYS)
    facts[new] = np.column_stack([own_units, own_days, prior])[new]
    return np.where(new, shrunk, rate), np.where(new, "new_item", method).astype(object), facts


def last_year_from_daily(demand: np.ndarray, cutoff: int, recorded_from: int) -> LastYear:
    """:class:`LastYear` from a long daily matrix whose column ``cutoff`` is the cutoff's day.

    ``recorded_from`` is the first column inside the shop's records.
    """
    cumulative = np.concatenate([np.zeros((len(demand), 1)), np.cumsum(demand, axis=1)], axis=1)
    origins = [cutoff + 1] + [cutoff + 1 - 7 * w for w in ORIGINS]
    start = min(origins) - SEASON_DAYS - WINDOW_DAYS
    if start < max(recorded_from, 0):
        empty = np.zeros((len(demand), len(origins)))
        return LastYear(empty, empty, False)
    before = np.stack(
        [cumulative[:, o - SEASON_DAYS] - cumulative[:, o - SEASON_DAYS - WINDOW_DAYS] for o in origins], 1
    )
    after = np.stack(
        [cumulative[:, o - SEASON_DAYS + HORIZON_DAYS] - cumulative[:, o - SEASON_DAYS] for o in origins], 1
    )
    return LastYear(before, after, True)


def spread_with_forecast_error(demand_sd: np.ndarray, forecast: Forecast) -> np.ndarray:
    """σd for the safety stock: the day-to-day spread, or the forecast's own error if that is larger.

    Safety stock protects against what the forecast gets wrong over a lead time. For steady demand
    that is the day-to-day spread; for demand that trends or shifts the forecast errs more than
    the spread says, and its mean absolute error over 28-day horizons at the origins shows by how
    much. As a daily spread: σ₂₈ ≈ 1.25·MAE₂₈ (normal errors) would overstate it for the skewed
    errors of counts, so MAE₂₈ / √28 is used, the spread of daily demand that would make 28-day
    totals err that much.
    """
    return np.maximum(np.asarray(demand_sd, float), forecast.horizon_mae / np.sqrt(HORIZON_DAYS))
