"""The simulation's vocabulary: time units, policy constants, state containers and set-up.

Kept apart from :mod:`.simulation` (the day loop) so each module has one job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from dashboard.services.demo.catalog import CATEGORIES, WAREHOUSES, Catalog

DAY = 86_400
HOUR = 3_600
HANDLING_DAYS = 2
STOCK_SHIP_DAYS = 2  # promise for a line filled from stock
REVIEW_DAYS = 7
# Planners cover lead time + review period with little margin: the gap safety stock should fill.
ROP_COVER = 1.0
DISRUPTION_RATE = 0.05
# Over the last weeks (the holiday peak) carriers are congested.
PEAK_CONGESTION_DAYS = 45
CAUSES_FOREIGN = (("supplier_delay", 0.55), ("transport", 0.2), ("customs", 0.2), ("other", 0.05))
CAUSES_DOMESTIC = (("supplier_delay", 0.7), ("transport", 0.25), ("other", 0.05))
# The purchasing loop (issue 21): the shop began drafting and sending its POs through the product
# supplier by supplier, between ADOPTED_DAYS_AGO days before the data ends. Suppliers answer the
# confirmation link promptly (within PROMPT_DAYS) with the date the PO was sent with, or, the rest
# of the time, slowly (SLOW_DAYS after sending) and/or with a later date when the order will be late.
# One supplier is still ordered from the old way, so POs placed outside the product (``open``) remain.
ADOPTED_DAYS_AGO = (35, 60)
PROMPT_SHARE = 0.82
PROMPT_DAYS = 2
SLOW_DAYS = (4, 9)
# When the data ends, at least UNANSWERED of the POs sent in the last AWAITING_DAYS days are still
# unanswered, UNANSWERED_OLD of them sent more than three days before (the Overview's chase list).
AWAITING_DAYS = 8
UNANSWERED = 3
UNANSWERED_OLD = 2
# Order hours (UTC) weighted towards US afternoon and evening.
HOUR_WEIGHTS = np.array([6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7], float)


@dataclass
class Waiting:
    """A backordered line in a queue; list order (not_vip, ordered_sec, line) is queue order."""

    key: tuple[int, int, int]
    line: int
    pair: int
    qty: int
    allocated: int = 0


@dataclass
class SimState:
    """Everything the simulation accumulates; turned into table rows by ``tables``."""

    # order lines (index = line id - 1)
    line_order: list[np.ndarray] = field(default_factory=list)
    line_pair: list[np.ndarray] = field(default_factory=list)
    line_qty: list[np.ndarray] = field(default_factory=list)
    line_sec: list[np.ndarray] = field(default_factory=list)
    line_filled: list[np.ndarray] = field(default_factory=list)
    # orders (index = order id - 1)
    order_customer: list[np.ndarray] = field(default_factory=list)
    order_channel: list[np.ndarray] = field(default_factory=list)
    order_wh: list[np.ndarray] = field(default_factory=list)
    order_sec: list[np.ndarray] = field(default_factory=list)
    # backordered lines: line -> value
    bo_promise_orig: dict[int, int] = field(default_factory=dict)
    bo_promise: dict[int, int] = field(default_factory=dict)
    bo_revisions: dict[int, int] = field(default_factory=dict)
    bo_release_sec: dict[int, int] = field(default_factory=dict)
    bo_cancel: dict[int, tuple[int, str]] = field(default_factory=dict)
    waiting: dict[int, Waiting] = field(default_factory=dict)
    # purchase orders
    po_supplier: list[int] = field(default_factory=list)
    po_wh: list[int] = field(default_factory=list)
    po_sec: list[int] = field(default_factory=list)
    po_eta: list[int] = field(default_factory=list)  # current ETA (day index)
    po_confirmed: list[bool] = field(default_factory=list)
    # Drafted and sent through the product by the manager (False: placed outside it, status ``open``).
    po_sent: list[bool] = field(default_factory=list)
    po_confirm_sec: dict[int, int] = field(default_factory=dict)  # po -> when the supplier confirmed its link
    po_confirmed_eta: dict[int, int] = field(default_factory=dict)  # po -> the date it confirmed
    po_confirmed_before: dict[int, bool] = field(default_factory=dict)  # po -> eta_confirmed just before the answer
    confirm_revisions: set[int] = field(default_factory=set)  # ETA revisions a supplier's later date made
    pol_po: list[int] = field(default_factory=list)
    pol_pair: list[int] = field(default_factory=list)
    pol_product: list[int] = field(default_factory=list)
    pol_qty: list[int] = field(default_factory=list)
    pol_arrival: list[int] = field(default_factory=list)
    pol_received_sec: dict[int, int] = field(default_factory=dict)
    eta_revisions: list[tuple[int, int, int, str, int, bool]] = field(
        default_factory=list
    )  # po, old, new, cause, sec, conf
    promise_revisions: list[tuple[int, int, int, str, int]] = field(
        default_factory=list
    )  # line, old, new, cause, eta rev
    promise_revision_sec: list[int] = field(default_factory=list)
    # stock
    # (pairs, seconds, quantities, kind, reference); a receipt's reference is its PO's index, numbered in ``tables``.
    movements: list[tuple[np.ndarray, np.ndarray, np.ndarray, str, str | int]] = field(default_factory=list)
    subscriptions: list[tuple[int, int, int]] = field(default_factory=list)  # product, customer, sec
    restocks: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # product -> days
    discontinued_day: dict[int, int] = field(default_factory=dict)
    n_lines: int = 0
    n_orders: int = 0


@dataclass
class Pairs:
    """The (product, warehouse) pairs that stock something, with the planner's parameters."""

    product: np.ndarray
    wh: np.ndarray
    rate: np.ndarray
    rop: np.ndarray
    order_up_to: np.ndarray
    order_dow: np.ndarray
    opening: np.ndarray
    # Demand that is not flat (issue 20: an honest generator): a trending product's rate moves by
    # ``growth`` × its mid-period rate over the whole period (0 for most; +1.2 is 0.4× → 1.6×,
    # −0.7 is 1.35× → 0.65×, floored at 5 %), and the day a new product was launched
    # (0: sold from the start). A launched product has no stock and no demand before that day.
    growth: np.ndarray
    launch: np.ndarray


def day_multipliers(rng: np.random.Generator, days: int, start_weekday: int, start_doy: int) -> np.ndarray:
    """Demand multiplier per (day, category): weekly rhythm × season × promotion spikes."""
    weekly = np.array([1.12, 1.06, 1.0, 0.98, 0.95, 0.84, 1.05])
    t = np.arange(days)
    weekday = (start_weekday + t) % 7
    doy = (start_doy + t) % 365
    mult = np.ones((days, len(CATEGORIES)))
    for c, (*_, peak) in enumerate(CATEGORIES):
        season = 1.0 if peak is None else 1.0 + 0.35 * np.cos(2 * np.pi * (doy - peak) / 365)
        mult[:, c] = weekly[weekday] * season
    for _ in range(max(3, days // 120)):  # a few promotions, each on one or two categories
        begin = int(rng.integers(0, max(1, days - 5)))
        length = int(rng.integers(2, 5))
        cats = rng.choice(len(CATEGORIES), size=int(rng.integers(1, 3)), replace=False)
        mult[begin : begin + length, cats] *= rng.uniform(2.5, 4.0)
    # The season's big sale runs over the last few days, so today's queues are fresh and long.
    mult[-4:, :] *= 2.5
    return mult


# Shares of products whose demand trends, and of products launched in the last months.
TRENDING_SHARE = 0.15
GROWTH_RANGE = (-0.7, 1.2)
NEW_SHARE = 0.05
LAUNCH_DAYS_AGO = (14, 150)


def make_pairs(rng: np.random.Generator, catalog: Catalog, mean_qty: float, days: int) -> Pairs:
    """Decide which warehouses stock each product, the planner's reorder parameters and demand profiles."""
    n = catalog.n_products
    weights = np.array([w[3] for w in WAREHOUSES])
    rank = catalog.popularity.argsort().argsort() / max(1, n - 1)
    n_wh = np.where(rank > 0.7, 3, rng.choice([1, 2], size=n, p=[0.55, 0.45]))
    stocked = np.zeros((n, len(WAREHOUSES)), bool)
    for i in range(n):
        stocked[i, rng.choice(len(WAREHOUSES), size=n_wh[i], replace=False, p=weights)] = True
    product, wh = np.nonzero(stocked)
    share = weights[wh] / (stocked * weights).sum(axis=1)[product]
    rate = catalog.popularity[product] * share
    lead = catalog.ps_lead[catalog.primary_link[product]]
    est_units = rate * mean_qty * catalog.forecast_bias[product]
    rop = np.maximum(np.ceil(est_units * (lead + REVIEW_DAYS) * ROP_COVER), 1)
    order_up_to = rop + np.maximum(np.ceil(est_units * 30), 1)
    order_dow = catalog.supplier_order_dow[catalog.ps_supplier[catalog.primary_link[product]]]
    opening = np.ceil(order_up_to * rng.uniform(0.4, 1.0, size=product.size)).astype(np.int64)
    trending = rng.random(n) < TRENDING_SHARE
    growth = np.where(trending, rng.uniform(*GROWTH_RANGE, size=n), 0.0)
    # A shop launches what it expects to sell: new products come from the better-selling half.
    launched = (rng.random(n) < 2 * NEW_SHARE) & (rank >= 0.5) & (days > LAUNCH_DAYS_AGO[1] + 30)
    launch = np.where(launched, days - rng.integers(*LAUNCH_DAYS_AGO, size=n), 0)
    return Pairs(
        product,
        wh,
        rate,
        rop.astype(np.int64),
        order_up_to.astype(np.int64),
        order_dow,
        opening,
        growth[product],
        launch[product].astype(np.int64),
    )
