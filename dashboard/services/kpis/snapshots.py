"""End-of-day stock and backlog per (day, warehouse, category, supplier), for a range of ended days.

State at the end of day D is today's state minus every change stamped after D:

- on hand per (product, warehouse) = ``stock_level.on_hand`` − the ledger's movements after D;
- a backordered line is open at the end of D when it went on backorder by D and was neither
  shipped nor cancelled by then.

One sweep serves both callers: closing yesterday (a range of one day) and the full rebuild
(the whole history), so the two cannot disagree. The sweep works on change points, not on
every (SKU, day): a pair whose stock never moved is one segment however long the range.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.models import (
    OrderLine,
    Product,
    ProductSupplier,
    SalesOrder,
    SkuMetrics,
    StockLevel,
    StockMovement,
)
from dashboard.db.queries import utc_day
from dashboard.domain import unknown
from dashboard.domain.codes import SalesStatus

STOCK_COUNTERS = (
    "sku_days",
    "sku_days_out",
    "units_on_hand",
    "inventory_value",
    "lost_sales_value",
    "open_backorder_lines",
    "open_backorder_units",
    "open_backorder_value",
)
FAR = np.iinfo(np.int64).max // 4


def history_start(session: Session) -> dt.date | None:
    """The first day anything happened (an order or a stock movement); None for an empty database."""
    first = [
        session.scalar(select(func.min(utc_day(SalesOrder.ordered_at)))),
        session.scalar(select(func.min(utc_day(StockMovement.at)))),
    ]
    days = [_as_date(d) for d in first if d is not None]
    return min(days) if days else None


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def frame(session: Session, statement) -> pd.DataFrame:
    """Rows of ``statement`` as a DataFrame."""
    # Core, not the ORM: at 100k SKUs the ORM's per-row processing was most of a day's close.
    result = session.connection().execute(statement)
    return pd.DataFrame.from_records(list(map(tuple, result.fetchall())), columns=list(result.keys()))


def _day_numbers(values: pd.Series, missing: int) -> np.ndarray:
    """Days since 1970-01-01 for dates/timestamps (UTC), ``missing`` where empty."""
    if values.empty:
        return np.zeros(0, np.int64)
    parsed = pd.to_datetime(values.astype(object).where(values.notna(), None).map(_iso_day), errors="coerce")
    days = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(parsed.isna().to_numpy(), missing, days)


def _iso_day(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def _number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


class _Sweep:
    """Per-group difference arrays over the range's days; amounts are added to day spans, summed at the end."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.first, self.start, self.stop = first, _number(first), _number(last)
        self.span = self.stop - self.start + 1
        self.groups: dict[tuple, int] = {}
        self.diffs: dict[str, list[np.ndarray]] = {}

    def group_index(self, keys: pd.DataFrame) -> np.ndarray:
        """Index of each row's (warehouse, category, supplier) group, adding new groups."""
        out = np.empty(len(keys), np.int64)
        for i, key in enumerate(keys.itertuples(index=False, name=None)):
            out[i] = self.groups.setdefault(key, len(self.groups))
        return out

    def add(self, name: str, group: np.ndarray, start: np.ndarray, stop: np.ndarray, amount: np.ndarray) -> None:
        """Add ``amount`` to every day in ``[start, stop)`` (day numbers, clipped to the range) of ``group``."""
        start = np.clip(start - self.start, 0, self.span)
        stop = np.clip(stop - self.start, 0, self.span)
        keep = (stop > start) & (amount != 0)
        diff = np.zeros((len(self.groups), self.span + 1))
        np.add.at(diff, (group[keep], start[keep]), amount[keep])
        np.add.at(diff, (group[keep], stop[keep]), -amount[keep])
        self.diffs.setdefault(name, []).append(diff)

    def rows(self) -> dict[tuple, dict[str, float]]:
        """The summed counters per (day, group), leaving out all-zero rows."""
        size = (len(self.groups), self.span + 1)
        values = {}
        for name, parts in self.diffs.items():
            total = np.zeros(size)
            for part in parts:
                total[: part.shape[0]] += part
            values[name] = np.cumsum(total, axis=1)[:, : self.span]
        rows: dict[tuple, dict[str, float]] = {}
        for g, key in enumerate(self.groups):
            for offset in range(self.span):
                counters = {name: round(float(v[g, offset]), 2) for name, v in values.items()}
                counters = {name: v for name, v in counters.items() if abs(v) > 1e-6}
                if counters:
                    rows[(self.first + dt.timedelta(days=offset), *key)] = counters
        return rows


def snapshot_rows(session: Session, first: dt.date, last: dt.date) -> dict[tuple, dict[str, float]]:
    """Counters for every ended day in ``[first, last]``, keyed ``(day, warehouse, category, supplier)``."""
    sweep = _Sweep(first, last)
    _stock_segments(session, sweep)
    _backlog(session, sweep, last)
    return sweep.rows()


def primary_suppliers():
    """(product, primary supplier) pairs, as a subquery to join."""
    return select(ProductSupplier.product_id, ProductSupplier.supplier_id).where(ProductSupplier.is_primary).subquery()


def _stock_segments(session: Session, sweep: _Sweep) -> None:
    first, f, last_n = sweep.first, sweep.start, sweep.stop
    primary = primary_suppliers()
    pairs = frame(
        session,
        select(
            StockLevel.product_id,
            StockLevel.warehouse_id,
            StockLevel.on_hand,
            utc_day(StockLevel.created_at).label("created_at"),
            Product.category,
            func.coalesce(primary.c.supplier_id, 0).label("supplier_id"),
            Product.unit_cost,
            Product.unit_price,
            Product.sales_status,
            utc_day(Product.status_changed_at).label("status_changed_at"),
            func.coalesce(SkuMetrics.avg_daily_demand, 0.0).label("demand"),
        )
        .join(Product, Product.id == StockLevel.product_id)
        .outerjoin(primary, primary.c.product_id == StockLevel.product_id)
        .outerjoin(
            SkuMetrics,
            (SkuMetrics.product_id == StockLevel.product_id) & (SkuMetrics.warehouse_id == StockLevel.warehouse_id),
        )
        .order_by(StockLevel.product_id, StockLevel.warehouse_id),
    )
    if pairs.empty:
        return
    since = dt.datetime.combine(first + dt.timedelta(days=1), dt.time(), dt.UTC)
    day = utc_day(StockMovement.at)
    moves = frame(
        session,
        select(StockMovement.product_id, StockMovement.warehouse_id, day.label("day"), func.sum(StockMovement.quantity))
        .where(StockMovement.at >= since)
        .group_by(StockMovement.product_id, StockMovement.warehouse_id, day),
    )
    moves.columns = ["product_id", "warehouse_id", "day", "qty"]
    pairs["pair"] = np.arange(len(pairs))
    moves = moves.merge(pairs[["product_id", "warehouse_id", "pair"]], on=["product_id", "warehouse_id"])
    moves["day"] = _day_numbers(moves["day"], 0)
    # On hand at the end of the range's first day: now minus everything after it.
    after_first = moves.groupby("pair")["qty"].sum()
    opening = pairs["on_hand"].to_numpy(np.int64) - after_first.reindex(pairs["pair"], fill_value=0).to_numpy(np.int64)
    inside = moves[moves["day"] <= last_n].sort_values(["pair", "day"])

    # Segments: each pair starts at f with its opening balance; each move day inside the range starts a new one.
    seg_pair = np.concatenate([pairs["pair"].to_numpy(), inside["pair"].to_numpy()])
    seg_start = np.concatenate([np.full(len(pairs), f, np.int64), inside["day"].to_numpy(np.int64)])
    seg_delta = np.concatenate([opening, inside["qty"].to_numpy(np.int64)])
    order = np.lexsort((seg_start, seg_pair))
    seg_pair, seg_start, seg_delta = seg_pair[order], seg_start[order], seg_delta[order]
    # Running on hand within each pair; a segment lasts until the pair's next one (or the range's end).
    level = pd.Series(seg_delta).groupby(seg_pair).cumsum().to_numpy()
    same_next = np.r_[seg_pair[1:] == seg_pair[:-1], False]
    seg_stop = np.where(same_next, np.r_[seg_start[1:], 0], last_n + 1)

    # Each pair counts from the day it was first stocked until its product was discontinued.
    created = _day_numbers(pairs["created_at"], -FAR)
    discontinued = pairs["sales_status"].astype(str) == SalesStatus.DISCONTINUED.value
    stopped = np.where(discontinued.to_numpy(), _day_numbers(pairs["status_changed_at"], -FAR), FAR)
    active_from, active_to = created[seg_pair], stopped[seg_pair]
    start = np.maximum(seg_start, active_from)
    stop = np.minimum(seg_stop, active_to)

    pairs["category"] = pairs["category"].map(unknown.category_key)
    group = sweep.group_index(pairs[["warehouse_id", "category", "supplier_id"]])[seg_pair]
    # An unknown cost or price leaves the pair out of the value sums (NaN would poison them, 0 would lie).
    cost = np.nan_to_num(pairs["unit_cost"].astype(float).to_numpy(), nan=0.0)[seg_pair]
    lost = np.nan_to_num((pairs["demand"].astype(float) * pairs["unit_price"].astype(float)).to_numpy(), nan=0.0)[
        seg_pair
    ]
    out = level <= 0
    on_hand = np.maximum(level, 0)
    sweep.add("sku_days", group, start, stop, np.ones(len(level)))
    sweep.add("sku_days_out", group, start, stop, out.astype(float))
    sweep.add("units_on_hand", group, start, stop, on_hand.astype(float))
    sweep.add("inventory_value", group, start, stop, on_hand * cost)
    sweep.add("lost_sales_value", group, start, stop, np.where(out, lost, 0.0))


def _backlog(session: Session, sweep: _Sweep, last: dt.date) -> None:
    first = sweep.first
    primary = primary_suppliers()
    begin = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
    closed_at = func.coalesce(OrderLine.shipped_at, OrderLine.cancelled_at)
    lines = frame(
        session,
        select(
            OrderLine.warehouse_id,
            Product.category,
            func.coalesce(primary.c.supplier_id, 0).label("supplier_id"),
            OrderLine.qty,
            OrderLine.unit_price,
            utc_day(OrderLine.backordered_at).label("backordered_at"),
            utc_day(closed_at).label("closed_at"),
        )
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(primary, primary.c.product_id == OrderLine.product_id)
        .where(
            OrderLine.backordered_at.is_not(None),
            OrderLine.backordered_at < end,
            (closed_at.is_(None)) | (closed_at >= begin),
        ),
    )
    if lines.empty:
        return
    lines["category"] = lines["category"].map(unknown.category_key)
    group = sweep.group_index(lines[["warehouse_id", "category", "supplier_id"]])
    start = _day_numbers(lines["backordered_at"], sweep.start)
    stop = _day_numbers(lines["closed_at"], FAR)
    qty = lines["qty"].astype(float).to_numpy()
    sweep.add("open_backorder_lines", group, start, stop, np.ones(len(lines)))
    sweep.add("open_backorder_units", group, start, stop, qty)
    sweep.add("open_backorder_value", group, start, stop, qty * lines["unit_price"].astype(float).to_numpy())
