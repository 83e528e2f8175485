"""Safety stock from the distribution of lead-time demand, so a 95 % target means 95 % (issue 20).

The textbook SS = z·√(L·σd² + d̄²·σL²) treats lead-time demand as normal. For a slow mover that is
wrong: 0.05 a day over a 9-day lead time is 0 units most of the time and 1 or 2 now and then, and
the normal formula's reorder point of 1.55 covers a Poisson lead-time demand only 92.5 % of the
time. Counts are counted here: the reorder point is the smallest whole number of units whose
cumulative probability reaches the service level (the cycle service level: the chance that what
sells during one lead time does not exceed it), and the safety stock is that point less the mean.

- Mean lead-time demand μ = d̄·L ≥ :data:`NORMAL_FROM_MEAN` units: the normal formula, which is
  accurate there (and what the rest of the product has always shown).
- Below it, with variance σ² = L·σd² + d̄²·σL² at most μ: **Poisson**(μ).
- Below it, with σ² > μ (lumpy or uncertain supply): **negative binomial** with the same mean and
  variance (r = μ² / (σ² − μ)), whose heavier tail is what lumpy demand has.
- μ = 0: nothing sells, nothing is held (method ``none``).

Pure numpy; units are units and days. Probabilities are summed term by term from the pmf
recurrences, for every pair at once.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from dashboard.domain.replenishment import safety_stock_array

# From a mean of 20 units the normal quantile is within about a unit of the Poisson one at 90–99 %.
NORMAL_FROM_MEAN = 20.0
# The longest tail summed (units); a pair that would need more keeps the normal formula.
MAX_UNITS = 5000
# How the page names each method (an overridden safety stock is "override").
METHOD_LABELS = {
    "normal": "Normal",
    "poisson": "Poisson",
    "negative_binomial": "Negative binomial",
    "none": "No demand",
    "override": "Override",
}


class LeadTimeDemandStock(NamedTuple):
    """Per pair: safety stock (units), the method, the lead-time demand's mean and variance, the quantile."""

    safety_stock: np.ndarray
    method: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    quantile: np.ndarray  # units: the reorder point the distribution gives (mean + SS for the normal)


def lead_time_demand_moments(
    avg_daily_demand, demand_sd, lead_time_days, lead_time_sd
) -> tuple[np.ndarray, np.ndarray]:
    """Mean d̄·L and variance L·σd² + d̄²·σL² of demand over a lead time (units, units²)."""
    d = np.asarray(avg_daily_demand, float)
    lead = np.asarray(lead_time_days, float)
    return d * lead, lead * np.square(demand_sd) + d**2 * np.square(lead_time_sd)


def _over_dispersed(mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    # A variance equal to the mean up to float noise (10·(√0.01)² is not exactly 0.1) is Poisson's.
    return variance > mean * (1 + 1e-9)


def _count_quantiles(mean: np.ndarray, variance: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Smallest k with P(X ≤ k) ≥ level, X Poisson (variance ≤ mean) or negative binomial; NaN past MAX_UNITS."""
    dispersed = _over_dispersed(mean, variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(dispersed, mean**2 / np.where(dispersed, variance - mean, 1.0), np.inf)
        # log P(X = 0): −μ for Poisson; r·log(r / (r + μ)) for the negative binomial.
        log_p0 = np.where(dispersed, r * np.log1p(-mean / np.where(dispersed, r + mean, 1.0)), -mean)
        tail_ratio = np.where(dispersed, mean / np.where(dispersed, r + mean, 1.0), 0.0)
    pmf = np.exp(log_p0)
    cdf = pmf.copy()
    # Float sums reach a level such as 0.95 a hair late; that hair is not a unit of stock.
    target = level - 1e-12
    result = np.where(cdf >= target, 0.0, np.nan)
    open_ = np.flatnonzero(np.isnan(result))
    k = 0
    while open_.size and k < MAX_UNITS:
        k += 1
        m, rr = mean[open_], r[open_]
        # P(k) = P(k−1)·μ/k (Poisson) or P(k−1)·(k−1+r)/k·μ/(r+μ) (negative binomial).
        step = np.where(np.isinf(rr), m / k, (k - 1 + np.where(np.isinf(rr), 0.0, rr)) / k * tail_ratio[open_])
        pmf[open_] *= step
        cdf[open_] += pmf[open_]
        done = cdf[open_] >= target[open_]
        result[open_[done]] = k
        open_ = open_[~done]
    return result


def safety_stock_from_distribution(
    avg_daily_demand, demand_sd, lead_time_days, lead_time_sd, service_level
) -> LeadTimeDemandStock:
    """Safety stock per pair from the lead-time demand distribution its numbers imply (see the module)."""
    mean, variance = lead_time_demand_moments(avg_daily_demand, demand_sd, lead_time_days, lead_time_sd)
    level = np.broadcast_to(np.asarray(service_level, float), mean.shape).astype(float)
    normal_ss = safety_stock_array(avg_daily_demand, demand_sd, lead_time_days, lead_time_sd, level)
    method = np.where(
        mean <= 0,
        "none",
        np.where(
            mean >= NORMAL_FROM_MEAN,
            "normal",
            np.where(_over_dispersed(mean, variance), "negative_binomial", "poisson"),
        ),
    ).astype(object)
    ss = np.where(method == "none", 0.0, normal_ss)
    quantile = mean + ss
    counted = np.flatnonzero((method == "poisson") | (method == "negative_binomial"))
    if counted.size:
        q = _count_quantiles(mean[counted], variance[counted], level[counted])
        found = ~np.isnan(q)
        # A tail longer than MAX_UNITS is left to the normal formula (and said so by the method).
        method[counted[~found]] = "normal"
        hit = counted[found]
        quantile[hit] = q[found]
        ss[hit] = np.maximum(q[found] - mean[hit], 0.0)
    return LeadTimeDemandStock(ss, method, mean, variance, quantile)


def demand_interval(mean: float, variance: float, low: float = 0.1, high: float = 0.9) -> tuple[float, float]:
    """The ``low``–``high`` quantiles of demand with this mean and variance (units), as the methods above see it.

    Counts (Poisson, or negative binomial when variance exceeds the mean) below
    :data:`NORMAL_FROM_MEAN`, the normal distribution from there (never below 0). The SKU page's
    forecast band: 80 % of weeks should sell within it.
    """
    if mean <= 0:
        return 0.0, 0.0
    if mean < NORMAL_FROM_MEAN:
        m, v = np.full(2, float(mean)), np.full(2, float(max(variance, 0.0)))
        q = _count_quantiles(m, v, np.array([low, high]))
        if not np.isnan(q).any():
            return float(q[0]), float(q[1])
    sd = float(np.sqrt(max(variance, 0.0)))
    normal = NormalDist(float(mean), sd) if sd > 0 else None
    if normal is None:
        return float(mean), float(mean)
    return max(normal.inv_cdf(low), 0.0), normal.inv_cdf(high)
