"""Compute ``sku_metrics``: design §3's numbers for every (product, warehouse), in bulk, and their summary.

Reads what it needs in a handful of aggregate queries and computes with the vectorised domain
functions (no per-row Python in the hot path). :mod:`dashboard.services.derived.refresh` writes
the result; :func:`resummarise` keeps the summary cards right after a change between refreshes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Date, case, delete, exists, func, literal, select, true
from sqlalchemy.orm import Session

from dashboard.db.models import (
    OrderLine,
    POLine,
    Product,
    ProductSupplier,
    PurchaseOrder,
    SalesLine,
    SalesOrder,
    SalesPeriod,
    SkuMetrics,
    SkuMetricsSummary,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from dashboard.db.queries import days_between, line_is_waiting, utc_day
from dashboard.domain import demand_basis as basis
from dashboard.domain import forecast as fc
from dashboard.domain import lead_time_demand as ltd_stock
from dashboard.domain import replenishment as rp
from dashboard.domain import unknown
from dashboard.domain.codes import ON_ORDER_PO_STATUSES, DemandBasis, LineStatus, POStatus, SalesStatus

WINDOW_DAYS = 90
REVIEW_PERIOD_DAYS = 14
# Period totals older than a year say little about today's demand.
PERIOD_LOOKBACK_DAYS = 365


def _frame(session: Session, stmt) -> pd.DataFrame:
    result = session.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _day_index(values: pd.Series, start: dt.date) -> np.ndarray:
    days = pd.to_datetime(values.astype(str)).to_numpy(dtype="datetime64[D]")
    return (days - np.datetime64(start, "D")).astype(np.int64)


def daily_demand(
    session: Session,
    start: dt.date,
    today: dt.date,
    pair: tuple[int, int] | None = None,
    product_ids: list[int] | None = None,
) -> pd.DataFrame:
    """Units and revenue customers asked for per (product, warehouse, day) from ``start`` to ``today``.

    Our own order lines, and imported sales history not also present as one of them. ``pair``
    limits it to one (product id, warehouse id), as the SKU page's demand chart reads it;
    ``product_ids`` to those products (a refresh of the SKUs a change touched).
    """
    demand_ts = dt.datetime.combine(start, dt.time(), dt.UTC)
    only_lines = [] if pair is None else [OrderLine.product_id == pair[0], OrderLine.warehouse_id == pair[1]]
    only_sales = [] if pair is None else [SalesLine.product_id == pair[0], SalesLine.warehouse_id == pair[1]]
    if product_ids is not None:
        only_lines.append(OrderLine.product_id.in_(product_ids))
        only_sales.append(SalesLine.product_id.in_(product_ids))
    day = utc_day(SalesOrder.ordered_at)
    demand = _frame(
        session,
        select(
            OrderLine.product_id,
            OrderLine.warehouse_id,
            day.label("day"),
            func.sum(OrderLine.qty).label("qty"),
            func.sum(OrderLine.qty * OrderLine.unit_price).label("revenue"),
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        # Demand is what customers asked for: lines shipped or put on backorder, not lines cancelled at once.
        .where(
            SalesOrder.ordered_at >= demand_ts,
            (OrderLine.status != LineStatus.CANCELLED) | OrderLine.backordered_at.is_not(None),
            *only_lines,
        )
        .group_by(OrderLine.product_id, OrderLine.warehouse_id, day),
    )
    # Imported sales history is demand that happened, on the day it was sold (gross: a return
    # later does not undo the demand). A line also present as one of our own orders (same order
    # number, SKU and warehouse) is counted once, from the order.
    ours = exists().where(
        SalesOrder.number == SalesLine.order_number,
        OrderLine.order_id == SalesOrder.id,
        OrderLine.product_id == SalesLine.product_id,
        OrderLine.warehouse_id == SalesLine.warehouse_id,
    )
    history = _frame(
        session,
        select(
            SalesLine.product_id,
            SalesLine.warehouse_id,
            SalesLine.sold_on.label("day"),
            func.sum(SalesLine.qty).label("qty"),
            func.sum(SalesLine.qty * func.coalesce(SalesLine.unit_price, 0)).label("revenue"),
        )
        .where(SalesLine.sold_on >= start, SalesLine.sold_on <= today, ~ours, *only_sales)
        .group_by(SalesLine.product_id, SalesLine.warehouse_id, SalesLine.sold_on),
    )
    if len(history):
        demand = pd.concat([demand, history], ignore_index=True) if len(demand) else history
    return demand


# Daily demand is read this far back: the forecasts' weeks, and last year's season around each origin.
SEASON_SPAN_DAYS = fc.SEASON_DAYS + fc.WINDOW_DAYS + 7 * max(fc.ORIGINS)


def load_inputs(
    session: Session, today: dt.date, window_days: int, product_ids: list[int] | None = None
) -> dict[str, pd.DataFrame]:
    """Everything the computation needs, aggregated in SQL.

    Stock movements cover at least the forecasts' history (:data:`fc.HISTORY_DAYS`), daily demand
    a year and a season more (:data:`SEASON_SPAN_DAYS`), whatever ``window_days`` asks. With
    ``product_ids``, only those products' pairs (every query then reads through a product index).
    """

    def only(column) -> list:
        return [] if product_ids is None else [column.in_(product_ids)]

    window_days = max(window_days, fc.HISTORY_DAYS)
    start = today - dt.timedelta(days=window_days - 1)
    start_ts = dt.datetime.combine(start, dt.time(), dt.UTC)
    demand_start = min(start, today - dt.timedelta(days=SEASON_SPAN_DAYS - 1))
    primary = (
        select(
            ProductSupplier.product_id,
            ProductSupplier.supplier_id,
            ProductSupplier.quoted_lead_time_days,
            ProductSupplier.moq,
            ProductSupplier.pack_size,
        )
        .where(ProductSupplier.is_primary, *only(ProductSupplier.product_id))
        .subquery()
    )
    pairs = _frame(
        session,
        select(
            StockLevel.product_id,
            StockLevel.warehouse_id,
            StockLevel.on_hand,
            StockLevel.allocated,
            StockLevel.owed_without_orders,
            StockLevel.created_at.label("stocked_since"),
            StockLevel.service_level_override,
            StockLevel.safety_stock_override,
            StockLevel.reorder_point_override,
            Product.unit_price,
            Product.unit_cost,
            Product.sales_status,
            Product.sku,
            Product.name.label("product_name"),
            Product.category,
            Warehouse.code.label("warehouse_code"),
            Supplier.name.label("supplier_name"),
            primary.c.supplier_id,
            primary.c.quoted_lead_time_days,
            primary.c.moq,
            primary.c.pack_size,
        )
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .outerjoin(primary, primary.c.product_id == StockLevel.product_id)
        .outerjoin(Supplier, Supplier.id == primary.c.supplier_id)
        .where(*only(StockLevel.product_id))
        .order_by(StockLevel.product_id, StockLevel.warehouse_id),
    )
    demand = daily_demand(session, demand_start, today, product_ids=product_ids)
    # The shop's line history begins with its oldest order or imported sale; days before it are
    # days nobody recorded, not days nobody bought.
    first_sale = session.scalar(select(func.min(SalesLine.sold_on)))
    first_order = session.scalar(select(func.min(SalesOrder.ordered_at)))
    known = [d for d in (first_sale, first_order and first_order.date()) if d is not None]
    history_start = pd.DataFrame({"first_day": [min(known)] if known else []})
    # Period totals of the last year, for pairs without enough line history.
    periods = _frame(
        session,
        select(
            SalesPeriod.product_id,
            SalesPeriod.warehouse_id,
            SalesPeriod.period_start,
            SalesPeriod.period_end,
            SalesPeriod.qty,
            SalesPeriod.days_out_of_stock,
        ).where(
            SalesPeriod.period_end >= today - dt.timedelta(days=PERIOD_LOOKBACK_DAYS - 1), *only(SalesPeriod.product_id)
        ),
    )
    mday = utc_day(StockMovement.at)
    moves = _frame(
        session,
        select(
            StockMovement.product_id,
            StockMovement.warehouse_id,
            mday.label("day"),
            func.sum(StockMovement.quantity).label("qty"),
        )
        .where(StockMovement.at >= start_ts, *only(StockMovement.product_id))
        .group_by(StockMovement.product_id, StockMovement.warehouse_id, mday),
    )
    # Lead-time samples per (supplier, product), reduced to n, Σx and Σx² in SQL (no timestamps in Python).
    lead_days = days_between(POLine.last_received_at, PurchaseOrder.ordered_at)
    receipts = _frame(
        session,
        select(
            PurchaseOrder.supplier_id,
            POLine.product_id,
            func.count().label("n"),
            func.sum(lead_days).label("sum_days"),
            func.sum(lead_days * lead_days).label("sum_sq"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        .where(POLine.qty_received > 0, POLine.last_received_at.is_not(None), *only(POLine.product_id))
        .group_by(PurchaseOrder.supplier_id, POLine.product_id),
    )
    inbound = _frame(
        session,
        select(
            POLine.product_id,
            PurchaseOrder.warehouse_id,
            PurchaseOrder.number,
            PurchaseOrder.eta,
            (POLine.qty - POLine.qty_received).label("open_qty"),
            (PurchaseOrder.status == POStatus.DRAFT).label("draft"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
        # Drafts count as on order (design §3: a second draft for the same shortage proposes nothing).
        .where(
            PurchaseOrder.status.in_(ON_ORDER_PO_STATUSES), POLine.qty > POLine.qty_received, *only(POLine.product_id)
        )
        # One order whatever the plan: "on order from" lists read the same after a full and a partial refresh.
        .order_by(PurchaseOrder.eta, PurchaseOrder.number, POLine.product_id),
    )
    # A stock level created inside the window may still have older movements (a receipt booked
    # before the row existed): its first stock evidence is the earlier of the two.
    recent = StockLevel.created_at >= start_ts
    first_moves = _frame(
        session,
        select(StockMovement.product_id, StockMovement.warehouse_id, func.min(StockMovement.at).label("first"))
        .join(
            StockLevel,
            (StockLevel.product_id == StockMovement.product_id)
            & (StockLevel.warehouse_id == StockMovement.warehouse_id),
        )
        .where(recent, *only(StockLevel.product_id))
        .group_by(StockMovement.product_id, StockMovement.warehouse_id),
    )
    # A snapshot's units in transit came without a PO but are on order all the same: they count in
    # the position and land on their ETA in the projection, like an open PO line (design §3).
    in_transit = _frame(
        session,
        select(
            StockLevel.product_id,
            StockLevel.warehouse_id,
            literal(rp.IN_TRANSIT).label("number"),
            # The import always dates them; should a row lack one, the default lead time stands in.
            func.coalesce(
                StockLevel.in_transit_eta, literal(today + dt.timedelta(days=rp.DEFAULT_LEAD_TIME_DAYS), Date)
            ).label("eta"),
            StockLevel.in_transit.label("open_qty"),
            literal(False).label("draft"),
        ).where(StockLevel.in_transit > 0, *only(StockLevel.product_id)),
    )
    if len(in_transit):
        inbound = pd.concat([inbound, in_transit], ignore_index=True) if len(inbound) else in_transit
    # Units waiting customers are owed that no stock covers yet: their lines' unallocated units.
    waiting = _frame(
        session,
        select(
            OrderLine.product_id,
            OrderLine.warehouse_id,
            func.sum(OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped).label("units"),
        )
        .where(line_is_waiting(), *only(OrderLine.product_id))
        .group_by(OrderLine.product_id, OrderLine.warehouse_id),
    )
    return {
        "pairs": pairs,
        "demand": demand,
        "moves": moves,
        "receipts": receipts,
        "inbound": inbound,
        "waiting": waiting,
        "first_moves": first_moves,
        "history_start": history_start,
        "periods": periods,
    }


def _pair_index(pairs: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    keys = pd.MultiIndex.from_frame(pairs[["product_id", "warehouse_id"]])
    return keys.get_indexer(pd.MultiIndex.from_frame(frame[["product_id", "warehouse_id"]]))


def _period_demand(
    pairs: pd.DataFrame, frame: pd.DataFrame | None, today: dt.date, window_days: int
) -> basis.PeriodDemand:
    """d̄ and σ_d from each pair's period totals: those reaching into the window, else the last year's."""
    n = len(pairs)
    if frame is None or not len(frame):
        empty = np.zeros(n)
        return basis.PeriodDemand(empty, empty, empty.astype(np.int64), empty.astype(np.int64))
    idx = _pair_index(pairs, frame)
    # Days relative to today: 0 is today, −1 yesterday.
    starts, ends = _day_index(frame["period_start"], today), _day_index(frame["period_end"], today)
    ok = (idx >= 0) & (ends <= 0)
    recent = ok & (ends >= 1 - window_days)
    # A pair with a total reaching into the window uses only those; the rest use the whole year.
    has_recent = np.bincount(idx[recent], minlength=n) > 0
    use = ok & np.where(idx >= 0, ~has_recent[np.maximum(idx, 0)] | recent, False)
    length = ends - starts + 1
    out = frame["days_out_of_stock"].fillna(0).to_numpy(float)
    return basis.period_demand(idx[use], frame["qty"].to_numpy(float)[use], length[use], out[use], n)


class DailyHistory(NamedTuple):
    """Per pair (rows) and day (columns, oldest first): units ordered and whether the day counts."""

    pairs: pd.DataFrame
    demand: np.ndarray
    revenue: np.ndarray  # per pair, over the whole window
    counted: np.ndarray  # sellable (in stock, or ordered anyway, or before any stock evidence) and recorded
    recorded: np.ndarray  # per day: on or after the shop's first record
    on_hand_start: np.ndarray  # units on hand as each day began, rebuilt from today's count and the ledger
    stocked_from: np.ndarray  # per pair: the column of its first stock evidence (−1: before the window or unknown)


def daily_history(
    inputs: dict[str, pd.DataFrame], today: dt.date, window_days: int, revenue_days: int | None = None
) -> DailyHistory:
    """Each pair's units ordered per day over the window, and which days count towards its demand.

    Revenue sums the last ``revenue_days`` of the window (all of it by default). Shared by
    :func:`compute_metrics` and the backtest (which slices a longer window at each cutoff).
    """
    pairs = inputs["pairs"].reset_index(drop=True)
    n = len(pairs)
    start = today - dt.timedelta(days=window_days - 1)
    demand = np.zeros((n, window_days), np.float64)
    revenue = np.zeros(n)
    d = inputs["demand"]
    if len(d):
        idx, day = _pair_index(pairs, d), _day_index(d["day"], start)
        ok = (idx >= 0) & (day >= 0) & (day < window_days)
        np.add.at(demand, (idx[ok], day[ok]), d["qty"].to_numpy(float)[ok])
        recent = ok & (day >= window_days - (revenue_days or window_days))
        np.add.at(revenue, idx[recent], d["revenue"].to_numpy(float)[recent])
    # On hand at the end of each day = today's on hand minus what moved after that day.
    net = np.zeros((n, window_days + 1), np.float64)
    m = inputs["moves"]
    if len(m):
        idx, day = _pair_index(pairs, m), _day_index(m["day"], start)
        ok = (idx >= 0) & (day >= 0) & (day < window_days)
        np.add.at(net, (idx[ok], day[ok] + 1), m["qty"].to_numpy(float)[ok])
    on_hand = pairs["on_hand"].to_numpy(float)
    # net[:, k] holds day k-1's movements; after[:, k] sums them from column k on, so day j
    # began with today's on hand minus everything that moved from day j onwards.
    after = np.cumsum(net[:, ::-1], axis=1)[:, ::-1]
    start_of_day = on_hand[:, None] - after[:, 1:]
    # A day counts as sellable if it began with stock or customers ordered anyway (backorders):
    # days with nothing on hand and no orders are the stockout days excluded from demand.
    sellable = (start_of_day > 0) | (demand > 0)
    # Before the first stock evidence (the stock level's creation: the first count or receipt) the
    # level is unknown, not zero: reconstructing it from later movements would call every such day
    # a stockout and inflate demand up to 25× for a SKU whose history came before its first count.
    stocked = pd.to_datetime(pairs["stocked_since"], utc=True, errors="coerce")
    f = inputs.get("first_moves")
    if f is not None and len(f):
        first = pd.Series(pd.NaT, index=pairs.index, dtype="datetime64[us, UTC]")
        idx = _pair_index(pairs, f)
        first.iloc[idx[idx >= 0]] = pd.to_datetime(f["first"], utc=True).to_numpy()[idx >= 0]
        stocked = pd.concat([stocked, first], axis=1).min(axis=1)
    stocked = stocked.dt.tz_convert(None).dt.normalize()
    # NULL: stocked before the column existed, known from the start of history. The first evidence's
    # own day counts as unknown too: the level it began with is what nobody counted.
    first_day = (stocked - pd.Timestamp(start)).dt.days.fillna(-1).to_numpy(np.int64)
    before_stock = np.arange(window_days)[None, :] < first_day[:, None]
    # Sales before the first stock evidence (an imported history before its first count) make those
    # days unknown, so sellable; a pair that sold nothing before it was first stocked did not exist
    # then (a product launched later), and the days are not counted at all.
    sold_before = (demand * before_stock).sum(axis=1) > 0
    sellable = np.where(before_stock & ~sold_before[:, None], False, sellable)
    sellable |= (np.arange(window_days)[None, :] <= first_day[:, None]) & sold_before[:, None]
    sellable[np.arange(n), np.clip(first_day, 0, window_days - 1)] |= first_day >= 0
    # Days before the shop's line history begins say nothing either way: they are not counted.
    h = inputs.get("history_start")
    recorded_from = window_days if h is None or not len(h) else (h["first_day"].iloc[0] - start).days
    in_history = np.arange(window_days) >= max(recorded_from, 0)
    return DailyHistory(pairs, demand, revenue, sellable & in_history[None, :], in_history, start_of_day, first_day)


def _forecast(
    inputs: dict[str, pd.DataFrame],
    history: DailyHistory,
    today: dt.date,
    span: int,
    prior_rates: Mapping[str, float] | None = None,
) -> fc.Forecast:
    """Each pair's forecast from its daily history, last year's season and its first sale."""
    pairs = history.pairs
    n = len(pairs)
    d = inputs["demand"]
    h = inputs.get("history_start")
    first_record = h["first_day"].iloc[0] if h is not None and len(h) else today
    recorded_days = (today - first_record).days + 1
    first_sold = np.full(n, np.nan)
    origins = [1] + [1 - 7 * w for w in fc.ORIGINS]  # relative to today: the day after each cutoff
    before = np.zeros((n, len(origins)))
    after = np.zeros((n, len(origins)))
    if len(d):
        idx, day = _pair_index(pairs, d), _day_index(d["day"], today)
        ok = (idx >= 0) & (day <= 0)
        idx, day, qty = idx[ok], day[ok], d["qty"].to_numpy(float)[ok]
        earliest = pd.Series(day).groupby(idx).min()
        first_sold[earliest.index.to_numpy()] = -earliest.to_numpy()
        for j, origin in enumerate(origins):
            o = origin - fc.SEASON_DAYS
            prior = (day >= o - fc.WINDOW_DAYS) & (day < o)
            following = (day >= o) & (day < o + fc.HORIZON_DAYS)
            before[:, j] = np.bincount(idx[prior], qty[prior], n)
            after[:, j] = np.bincount(idx[following], qty[following], n)
    last_year = fc.LastYear(before, after, recorded_days >= SEASON_SPAN_DAYS)
    stocked = np.where(history.stocked_from >= 0, span - 1 - history.stocked_from, np.nan)
    return fc.forecast(
        history.demand,
        history.counted,
        last_year=last_year,
        stocked_days_ago=stocked,
        first_sold_days_ago=first_sold,
        recorded_days=recorded_days,
        category=pairs["category"].fillna("").to_numpy(object),
        prior_rates=prior_rates,
    )


def abc_classes_by_product(revenue: np.ndarray, product: np.ndarray) -> dict[int, str]:
    """Each product's ABC class on its pairs' revenue summed (``revenue`` and ``product`` per pair)."""
    per_product = pd.Series(revenue).groupby(product).sum()
    return dict(zip(per_product.index, rp.abc_classes(per_product.to_list()), strict=True))


def compute_metrics(
    inputs: dict[str, pd.DataFrame],
    today: dt.date,
    window_days: int = WINDOW_DAYS,
    review_days: int = REVIEW_PERIOD_DAYS,
    *,
    abc_by_product: Mapping[int, str] | None = None,
    prior_rates: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The ``sku_metrics`` rows (without ids) for every pair in ``inputs['pairs']``.

    ABC classes rank every product's revenue, and new items borrow their category's typical rate:
    a computation over some products only passes both from the last full refresh
    (``abc_by_product``, ``prior_rates``).

    Design §3's statistics come from the last ``window_days``; the demand rate from the forecast
    method each pair's own history chose (:mod:`dashboard.domain.forecast`) over a longer span.
    """
    span = max(window_days, fc.HISTORY_DAYS)
    history = daily_history(inputs, today, span, revenue_days=window_days)
    pairs, revenue = history.pairs, history.revenue
    n = len(pairs)
    on_hand = pairs["on_hand"].to_numpy(float)
    recent = slice(span - window_days, span)
    history_days = np.full(n, int(history.recorded[recent].sum()), np.int64)
    stats = rp.demand_statistics_matrix(history.demand[:, recent], history.counted[:, recent])
    forecast = _forecast(inputs, history, today, span, prior_rates)
    days_out = history_days - stats.days_counted
    periods = _period_demand(pairs, inputs.get("periods"), today, window_days)
    demand_basis = basis.choose_basis(history_days, periods.periods)
    by_periods = demand_basis == DemandBasis.PERIODS.value
    nothing = demand_basis == DemandBasis.NONE.value
    avg = np.where(by_periods, periods.avg_daily_demand, np.where(nothing, 0.0, forecast.rate))
    forecast_method = np.where(by_periods, "period_totals", np.where(nothing, "none", forecast.method))
    forecast_wape = np.where(by_periods | nothing, np.nan, forecast.wape)
    # From line history the buffer covers the forecast's own error where it exceeds the daily spread.
    line_sd = fc.spread_with_forecast_error(stats.demand_sd, forecast)
    sd = np.where(by_periods, periods.demand_sd, np.where(nothing, 0.0, line_sd))
    spike = stats.has_spike & ~by_periods

    # Lead time per (supplier, product) from history, else the quoted lead time.
    lead = pairs["quoted_lead_time_days"].fillna(rp.DEFAULT_LEAD_TIME_DAYS).to_numpy(float)
    lead_sd = lead * 0.2
    lead_source = np.full(n, "quoted", dtype=object)
    samples = np.zeros(n, np.int64)
    r = inputs["receipts"]
    if len(r):
        n_obs = r["n"].to_numpy(float)
        mean = r["sum_days"].to_numpy(float) / n_obs
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (r["sum_sq"].to_numpy(float) - n_obs * mean**2) / (n_obs - 1)
        grouped = pd.DataFrame(
            {"mean": mean, "std": np.sqrt(np.clip(np.nan_to_num(var), 0, None)), "count": n_obs},
            index=pd.MultiIndex.from_frame(r[["supplier_id", "product_id"]]),
        )
        keys = pd.MultiIndex.from_arrays([pairs["supplier_id"].fillna(-1).astype(int), pairs["product_id"]])
        hit = grouped.reindex(keys)
        # Fewer than 3 receipts is too little history: the quoted lead time with σL = 20 % stands.
        enough = hit["count"].fillna(0).to_numpy() >= 3
        lead = np.where(enough, hit["mean"].to_numpy(), lead)
        lead_sd = np.where(enough, hit["std"].to_numpy(), lead_sd)
        lead_source = np.where(enough, "history", lead_source)
        samples = hit["count"].fillna(0).to_numpy().astype(np.int64)

    product_revenue = pd.Series(revenue).groupby(pairs["product_id"].to_numpy()).transform("sum").to_numpy()
    if abc_by_product is None:
        abc_by_product = abc_classes_by_product(revenue, pairs["product_id"].to_numpy())
    abc = pairs["product_id"].map(abc_by_product).fillna("C").to_numpy()
    # Overrides on stock_level win over computed values (and are shown as overrides).
    overrides = {
        k: pd.to_numeric(pairs[f"{k}_override"]).to_numpy(dtype=float, na_value=np.nan)
        for k in ("service_level", "safety_stock", "reorder_point")
    }

    def unless_overridden(name: str, computed: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(overrides[name]), computed, overrides[name])

    service_level = unless_overridden("service_level", np.array([rp.ABC_SERVICE_LEVELS[c] for c in abc], float))
    # The lead-time demand distribution the numbers imply: counts for slow movers, normal for the rest.
    ltd = ltd_stock.safety_stock_from_distribution(avg, sd, lead, lead_sd, service_level)
    ss = unless_overridden("safety_stock", ltd.safety_stock)
    rop = unless_overridden("reorder_point", avg * lead + ss)

    on_order = np.zeros(n, np.int64)
    open_pos: dict[int, list[str]] = defaultdict(list)
    b = inputs["inbound"]
    idx_inbound = _pair_index(pairs, b) if len(b) else np.zeros(0, np.int64)
    is_draft = b["draft"].astype(bool).to_numpy() if len(b) else np.zeros(0, bool)
    if len(b):
        ok = idx_inbound >= 0
        np.add.at(on_order, idx_inbound[ok], b["open_qty"].to_numpy(np.int64)[ok])
        for i, number, eta, qty, draft in zip(
            idx_inbound[ok], b["number"][ok], b["eta"][ok], b["open_qty"][ok], is_draft[ok], strict=True
        ):
            open_pos[int(i)].append(f"{number} ({int(qty)} drafted)" if draft else f"{number} ({int(qty)} due {eta})")
    allocated = pairs["allocated"].to_numpy(np.int64)
    available = on_hand.astype(np.int64) - allocated
    owed = pairs["owed_without_orders"].fillna(0).to_numpy(np.int64)
    w = inputs.get("waiting")
    if w is not None and len(w):
        idx = _pair_index(pairs, w)
        ok = idx >= 0
        np.add.at(owed, idx[ok], w["units"].to_numpy(np.int64)[ok])
    # Design §3: what waiting customers are owed comes off the position before anything is reordered.
    position = available + on_order - owed
    # Open PO lines that land within the lead time shorten how much the stock falls short before then;
    # a draft has no date anyone agreed to yet, so it lands nothing.
    ok = (idx_inbound >= 0) & ~is_draft
    due_in = np.array([(eta - today).days for eta in b["eta"][ok]], np.int64) if len(b) else np.zeros(0, np.int64)
    due_qty = b["open_qty"].to_numpy(float)[ok] if len(b) else np.zeros(0)
    shortfall = rp.lead_time_shortfall_array(available - owed, avg, lead, idx_inbound[ok], due_in, due_qty)
    # Units already drafted answer the shortfall as far as quantity goes (they land no sooner than any
    # new order would): a second "create drafts" must not order them again.
    drafted = np.zeros(n)
    counted_draft = (idx_inbound >= 0) & is_draft
    if len(b):
        np.add.at(drafted, idx_inbound[counted_draft], b["open_qty"].to_numpy(float)[counted_draft])
    shortfall = np.maximum(shortfall - drafted, 0.0)
    moq = pairs["moq"].fillna(1).to_numpy(np.int64)
    pack = pairs["pack_size"].fillna(1).to_numpy(np.int64)
    suggested = rp.suggested_order_quantity_array(position, rop, avg, review_days, moq, pack, shortfall)
    # A discontinued SKU is never reordered, whatever its numbers say.
    active = (pairs["sales_status"].astype(str) != SalesStatus.DISCONTINUED.value).to_numpy()
    suggested = np.where(active, suggested, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(avg > 0, np.maximum(available, 0) / avg, np.nan)
    stockout_days = np.where(np.isfinite(cover), np.floor(np.nan_to_num(cover)), np.nan)
    z_of = {level: rp.z_for_service_level(float(level)) for level in np.unique(service_level)}
    z = np.array([z_of[level] for level in service_level])
    # Reorder when the position is at or below ROP, or the stock falls short before an order placed
    # today could land (a PO counted in the position arrives after the lead time).
    reorder = active & (((rop > 0) & (position <= rop)) | (shortfall > 0))
    frame = pd.DataFrame(
        {
            "product_id": pairs["product_id"],
            "warehouse_id": pairs["warehouse_id"],
            "sku": pairs["sku"],
            "product_name": pairs["product_name"],
            "category": pairs["category"],
            "warehouse_code": pairs["warehouse_code"],
            "supplier_id": pairs["supplier_id"].astype("Int64"),
            "supplier_name": pairs["supplier_name"],
            "sales_status": pairs["sales_status"].astype(str),
            "unit_cost": pairs["unit_cost"].astype(float),
            # Unknown (NULL) for a suggestion without a known cost, never a made-up 0; nothing to order costs 0.
            "suggested_value": np.where(
                suggested > 0, suggested * pairs["unit_cost"].astype(float).to_numpy(), 0.0
            ).round(2),
            "avg_daily_demand": avg.round(4),
            "demand_sd": sd.round(4),
            "lead_time_days": lead.round(2),
            "lead_time_sd": lead_sd.round(2),
            "abc_class": abc,
            "service_level": service_level,
            "safety_stock": ss.round(2),
            "reorder_point": rop.round(2),
            "on_hand": on_hand.astype(np.int64),
            "allocated": allocated,
            "on_order": on_order,
            "owed": owed,
            "stock_position": position,
            "days_of_cover": np.round(cover, 1),
            "suggested_order_qty": suggested.astype(np.int64),
            "below_reorder_point": reorder,
            # On the same position as the reorder flag, so every pair below its buffer is also one to
            # reorder (ROP ≥ SS) and the cards on /replenishment count nested sets.
            "below_safety_stock": reorder & (position < ss),
            "stocked_out": available <= 0,
            "demand_spike": spike,
            "demand_basis": demand_basis,
            # An overridden safety stock was found by nobody's method; the override says so on the page.
            "ss_method": np.where(np.isnan(overrides["safety_stock"]), ltd.method, "override"),
            "forecast_method": forecast_method,
            "demand_pattern": forecast.pattern,
            "forecast_wape": np.round(forecast_wape, 4),
            "history_days": np.where(by_periods, periods.days_covered, history_days),
        }
    )
    frame["projected_stockout_date"] = [
        (today + dt.timedelta(days=int(k))).isoformat() if np.isfinite(k) else None for k in stockout_days
    ]
    frame["explain"] = [
        json.dumps(
            {
                "window_days": window_days,
                "days_counted": int(stats.days_counted[i]),
                "days_out_of_stock": int(days_out[i]),
                "history_days": int(history_days[i]),
                "demand_basis": demand_basis[i],
                "periods_used": int(periods.periods[i]),
                "period_days": int(periods.days_covered[i]),
                "lead_time_source": lead_source[i],
                "lead_time_samples": int(samples[i]),
                "z": round(float(z[i]), 4),
                "ss_method": ltd.method[i],
                "forecast_method": forecast_method[i],
                "demand_pattern": forecast.pattern[i],
                "moving_average": round(float(stats.avg_daily_demand[i]), 4),
                "daily_spread": round(float(stats.demand_sd[i]), 4),
                "forecast_error_28d": round(float(forecast.horizon_mae[i]), 2),
                **(
                    {
                        "new_item_units": float(forecast.new_item[i, 0]),
                        "new_item_days": int(forecast.new_item[i, 1]),
                        "category_rate": round(float(forecast.new_item[i, 2]), 4),
                    }
                    if forecast_method[i] == "new_item"
                    else {}
                ),
                "forecast_wape": None if np.isnan(forecast_wape[i]) else round(float(forecast_wape[i]), 4),
                "ltd_mean": round(float(ltd.mean[i]), 4),
                "ltd_variance": round(float(ltd.variance[i]), 4),
                "ltd_quantile": round(float(ltd.quantile[i]), 2),
                "review_period_days": review_days,
                "moq": int(moq[i]),
                "pack_size": int(pack[i]),
                "on_order_from": open_pos.get(i, []),
                "owed": int(owed[i]),
                "shortfall_within_lead_time": round(float(shortfall[i]), 2),
                "trailing_revenue": round(float(product_revenue[i]), 2),
                "overrides": {k: float(v[i]) for k, v in overrides.items() if not np.isnan(v[i])},
            }
        )
        for i in range(n)
    ]
    return frame


SUMMARY_KEYS = ["warehouse_id", "category", "supplier_id", "sales_status"]


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """``sku_metrics_summary`` rows: counts and suggested order value per (warehouse, category, supplier, status)."""
    below = frame["below_reorder_point"].astype(bool)
    # A suggestion without a known cost is left out of the value and counted, so the card can say so.
    unpriced = below & frame["suggested_value"].isna()
    work = frame.assign(
        # An unknown category groups under its own key: a NULL in the summary's key would not group.
        category=frame["category"].map(unknown.category_key),
        supplier_id=frame["supplier_id"].astype("Int64").fillna(-1),
        pairs=1,
        below_rop=below.astype(int),
        below_ss=frame["below_safety_stock"].astype(int),
        out=frame["stocked_out"].astype(int),
        units=np.where(below, frame["suggested_order_qty"], 0),
        value=np.where(below & ~unpriced, frame["suggested_value"].fillna(0.0), 0.0),
        unpriced=unpriced.astype(int),
        no_history=(frame["demand_basis"] == DemandBasis.NONE.value).astype(int),
    )
    columns = ["pairs", "below_rop", "below_ss", "out", "units", "value", "unpriced", "no_history"]
    grouped = work.groupby(SUMMARY_KEYS, dropna=False)[columns]
    summary = grouped.sum().reset_index()
    summary["supplier_id"] = summary["supplier_id"].astype("Int64").replace(-1, pd.NA)
    summary = summary.rename(
        columns={
            "below_rop": "below_reorder_point",
            "below_ss": "below_safety_stock",
            "out": "stocked_out",
            "units": "suggested_units",
            "value": "suggested_value",
        }
    )
    summary["suggested_value"] = summary["suggested_value"].round(2)
    summary.insert(0, "id", np.arange(1, len(summary) + 1))
    return summary


def summary_groups(session: Session, product_ids: list[int]) -> set[tuple]:
    """The (warehouse, category, supplier) summary groups ``product_ids``' pairs belong to now."""
    M = SkuMetrics  # noqa: N806 - a short alias keeps the query readable
    return set(
        session.execute(
            select(M.warehouse_id, M.category, M.supplier_id).where(M.product_id.in_(product_ids)).distinct()
        ).all()
    )


def resummarise(session: Session, product_ids: list[int], also: set[tuple] | None = None) -> None:
    """Recompute the summary groups that ``product_ids``' pairs belong to, inside the caller's transaction.

    Used after a change to a copied field (a status change) so the cards stay right without a refresh;
    ``also`` adds groups the pairs belonged to before the change (a product that changed category).
    """
    M, S = SkuMetrics, SkuMetricsSummary  # noqa: N806 - short aliases keep the queries readable
    groups = summary_groups(session, product_ids) | (also or set())
    if not groups:
        return
    next_id = (session.scalar(select(func.max(S.id))) or 0) + 1
    keys = {
        (warehouse_id, unknown.category_key(category), supplier_id) for warehouse_id, category, supplier_id in groups
    }
    for warehouse_id, category, supplier_id in sorted(keys, key=lambda key: (key[0], key[1], key[2] or 0)):
        same_supplier = S.supplier_id.is_(None) if supplier_id is None else S.supplier_id == supplier_id
        session.execute(delete(S).where(S.warehouse_id == warehouse_id, S.category == category, same_supplier))
        member = M.supplier_id.is_(None) if supplier_id is None else M.supplier_id == supplier_id
        in_category = M.category == category if category else (M.category.is_(None) | (M.category == ""))
        below = M.below_reorder_point == true()
        rows = session.execute(
            select(
                M.sales_status,
                func.count(),
                func.sum(case((below, 1), else_=0)),
                func.sum(case((M.below_safety_stock == true(), 1), else_=0)),
                func.sum(case((M.stocked_out == true(), 1), else_=0)),
                func.sum(case((below, M.suggested_order_qty), else_=0)),
                func.sum(case((below, M.suggested_value), else_=0)),
                func.sum(case((below & M.suggested_value.is_(None), 1), else_=0)),
                func.sum(case((M.demand_basis == DemandBasis.NONE.value, 1), else_=0)),
            )
            .where(M.warehouse_id == warehouse_id, in_category, member)
            .group_by(M.sales_status)
        ).all()
        for status, pairs, rop, ss, out, units, value, unpriced, no_history in rows:
            session.add(
                SkuMetricsSummary(
                    id=next_id,
                    warehouse_id=warehouse_id,
                    category=category,
                    supplier_id=supplier_id,
                    sales_status=status,
                    pairs=pairs,
                    below_reorder_point=int(rop or 0),
                    below_safety_stock=int(ss or 0),
                    stocked_out=int(out or 0),
                    suggested_units=int(units or 0),
                    suggested_value=round(float(value or 0), 2),
                    unpriced=int(unpriced or 0),
                    no_history=int(no_history or 0),
                )
            )
            next_id += 1
    session.flush()
