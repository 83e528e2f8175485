"""Replay the reorder math at past weekly cutoffs and score it on what happened next (issue 20 item 4).

At each cutoff c (one, two, … N weeks before today) the forecast method is chosen from the 26
weeks up to c (and last year's season around it), σd from the 90 days up to c, ABC classes from
the 90 days' revenue, then the lead-time demand distribution and the reorder point — exactly as a
refresh on day c would compute them, from data up to and including c only. What happened after c
is scored per SKU-warehouse over its lead time L (whole days, ending before today, not over yet):

- **forecast error** on the sellable days of the lead time: WAPE and bias, for the chosen method
  and the 90-day moving average;
- **achieved cycle service level**: the share of (pair, cutoff) whose lead-time demand (closed
  days at the forecast rate) did not exceed the reorder point, against the target, beside a
  textbook rule (90-day average, normal-formula safety stock);
- **the reorder flag**: position at the cutoff (on hand rebuilt from the ledger − units waiting
  then + units on order then) at or below the reorder point, against what happened within the
  lead time — the pair stocked out (a day began with nothing on hand) or a line went on
  backorder; precision, recall and F1, beside the same flag with the textbook rule's ROP;
- **first promises kept** since the first cutoff.

By ABC class, forecast method, demand pattern and safety-stock method. Known simplifications:
lead times and service-level overrides are today's; a waiting line counts whole until it
shipped or was cancelled; a cancelled PO never counted.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import OrderLine, POLine, PurchaseOrder
from dashboard.domain import forecast as fc
from dashboard.domain import replenishment as rp
from dashboard.domain.codes import POStatus
from dashboard.domain.lead_time_demand import safety_stock_from_distribution
from dashboard.services.derived.metrics import (
    SEASON_SPAN_DAYS,
    WINDOW_DAYS,
    abc_classes_by_product,
    compute_metrics,
    daily_history,
    load_inputs,
)

# Lead times longer than this are scored over this many days (a cutoff must leave room to score).
MAX_SCORED_LEAD_DAYS = 42


@dataclass
class BacktestReport:
    """Scores per group (``abc_class`` and ``method``), and the run's parameters."""

    today: dt.date
    weeks: int
    cutoffs: list[dt.date]
    observations: int
    groups: list[dict[str, Any]] = field(default_factory=list)
    promises: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        return {
            "today": self.today.isoformat(),
            "weeks": self.weeks,
            "cutoffs": [c.isoformat() for c in self.cutoffs],
            "observations": self.observations,
            "groups": self.groups,
            "promises": self.promises,
        }


def _score(frame: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    rows = []
    groups = [("all", frame)] if by == "all" else frame.groupby(by, sort=True)
    for key, part in groups:
        # Forecast error and service level where demand could be seen for at least half the lead
        # time; the flag against what happened, everywhere.
        seen = part[part["observable"]]
        actual = float(seen["actual"].sum())
        error = seen["forecast"] - seen["actual"]
        error_ma = seen["forecast_moving_average"] - seen["actual"]
        rows.append(
            {
                "by": by,
                "group": str(key),
                "observations": len(part),
                "observable": len(seen),
                "actual_units": actual,
                "wape": float(error.abs().sum() / actual) if actual else None,
                "bias": float(error.sum() / actual) if actual else None,
                "wape_moving_average": float(error_ma.abs().sum() / actual) if actual else None,
                "target_service_level": float(part["target"].mean()),
                "achieved_service_level": _share(seen["lead_time_demand"] <= seen["rop"]),
                "achieved_with_textbook_rule": _share(seen["lead_time_demand"] <= seen["rop_textbook"]),
                **_flag_scores(part["flag"], part["short"], ""),
                **_flag_scores(part["flag_textbook"], part["short"], "_textbook_rule"),
            }
        )
    return rows


def _share(hits: pd.Series) -> float | None:
    return float(hits.mean()) if len(hits) else None


def _flag_scores(flag: pd.Series, short: pd.Series, suffix: str) -> dict[str, float | None]:
    """Precision, recall and F1 of ``flag`` against ``short`` (None where undefined: nothing flagged or short)."""
    hits = float((flag & short).sum())
    precision = hits / flag.sum() if flag.sum() else None
    recall = hits / short.sum() if short.sum() else None
    f1 = 2 * hits / (flag.sum() + short.sum()) if flag.sum() + short.sum() else None
    return {f"flag_precision{suffix}": precision, f"flag_recall{suffix}": recall, f"flag_f1{suffix}": f1}


def _events(session: Session, pairs: pd.DataFrame, first: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Backordered lines and PO lines that may matter from ``first`` on, with their days and pair index."""
    keys = pd.MultiIndex.from_frame(pairs[["product_id", "warehouse_id"]])
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    L = OrderLine  # noqa: N806 - short alias for a long query
    lines = pd.DataFrame(
        session.execute(
            select(L.product_id, L.warehouse_id, L.qty, L.backordered_at, L.shipped_at, L.cancelled_at).where(
                L.backordered_at.is_not(None),
                L.shipped_at.is_(None) | (L.shipped_at >= since),
                L.cancelled_at.is_(None) | (L.cancelled_at >= since),
            )
        ).all(),
        columns=["product_id", "warehouse_id", "qty", "backordered", "shipped", "cancelled"],
    )
    po = pd.DataFrame(
        session.execute(
            select(
                POLine.product_id,
                PurchaseOrder.warehouse_id,
                POLine.qty,
                POLine.qty_received,
                PurchaseOrder.ordered_at,
                POLine.last_received_at,
            )
            .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
            .where(
                PurchaseOrder.status != POStatus.CANCELLED,
                POLine.last_received_at.is_(None) | (POLine.last_received_at >= since),
            )
        ).all(),
        columns=["product_id", "warehouse_id", "qty", "qty_received", "ordered", "received"],
    )
    for frame, moments in ((lines, ("backordered", "shipped", "cancelled")), (po, ("ordered", "received"))):
        frame["pair"] = keys.get_indexer(pd.MultiIndex.from_frame(frame[["product_id", "warehouse_id"]]))
        for name in moments:
            days = pd.to_datetime(frame[name], utc=True).dt.tz_convert(None).dt.normalize()
            frame[name] = (days - pd.Timestamp(first)).dt.days.astype("float")  # NaN: never
    return lines[lines["pair"] >= 0], po[po["pair"] >= 0]


def _position_and_shortage(k, lead, history, lines, po, n):
    """Each pair's stock position at the end of day ``k`` and whether it ran short in the next ``lead`` days."""
    on_hand_end = history.on_hand_start[:, k + 1]  # a cutoff is at least a week before today
    waiting_at = (lines["backordered"] <= k) & ~(lines["shipped"] <= k) & ~(lines["cancelled"] <= k)
    waiting = np.bincount(lines["pair"][waiting_at], lines["qty"][waiting_at], n)
    # Open at the cutoff: ordered by then, and not yet received, or received only in part by then
    # (the ledger keeps a line's last receipt; one partly received before the cutoff still owes the rest).
    open_at = (po["ordered"] <= k) & (~(po["received"] <= k) | (po["qty_received"] < po["qty"]))
    remainder = np.where(po["received"] <= k, po["qty"] - po["qty_received"], po["qty"])
    on_order = np.bincount(po["pair"][open_at], remainder[open_at], n)
    position = on_hand_end - waiting + on_order
    # Short within the lead time: a day began with nothing on hand, or a line went on backorder.
    days = np.arange(history.on_hand_start.shape[1])[None, :]
    ahead = (days > k) & (days <= k + lead[:, None])
    stocked_out = ((history.on_hand_start <= 0) & ahead).any(axis=1)
    later = (lines["backordered"] > k) & (lines["backordered"] <= k + lead[lines["pair"]])
    backordered = np.bincount(lines["pair"][later], minlength=n) > 0
    return position, stocked_out | backordered


def _promises(session: Session, pairs: pd.DataFrame, abc: np.ndarray, since: dt.date, today: dt.date) -> dict:
    """Share of first promises kept: lines put on backorder since ``since`` whose first promised date has passed.

    Kept: shipped on or before that date. A line the customer cancelled before it is not scored;
    one still waiting, or cancelled after it, is a promise broken.
    """
    L = OrderLine  # noqa: N806 - short alias for a long query
    frame = pd.DataFrame(
        session.execute(
            select(L.product_id, L.warehouse_id, L.original_promised_date, L.shipped_at, L.cancelled_at).where(
                L.backordered_at >= dt.datetime.combine(since, dt.time(), dt.UTC),
                L.original_promised_date.is_not(None),
                L.original_promised_date < today,
            )
        ).all(),
        columns=["product_id", "warehouse_id", "promised", "shipped", "cancelled"],
    )
    if not len(frame):
        return {"due": 0, "kept": None, "by_abc_class": {}}
    promised = pd.to_datetime(frame["promised"])
    shipped = pd.to_datetime(frame["shipped"], utc=True).dt.tz_convert(None).dt.normalize()
    cancelled = pd.to_datetime(frame["cancelled"], utc=True).dt.tz_convert(None).dt.normalize()
    scored = ~(cancelled <= promised)
    kept = (shipped <= promised)[scored]
    keys = pd.MultiIndex.from_frame(pairs[["product_id", "warehouse_id"]])
    idx = keys.get_indexer(pd.MultiIndex.from_frame(frame[["product_id", "warehouse_id"]]))[scored.to_numpy()]
    classes = np.where(idx >= 0, abc[np.maximum(idx, 0)], "?")
    by_class = kept.groupby(classes).agg(["size", "mean"])
    return {
        "due": int(scored.sum()),
        "kept": float(kept.mean()) if len(kept) else None,
        "by_abc_class": {str(c): {"due": int(r["size"]), "kept": float(r["mean"])} for c, r in by_class.iterrows()},
    }


def _classes_at(revenue: np.ndarray, product: np.ndarray, override: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ABC class per pair from its product's revenue, and the service level it implies unless overridden."""
    classes = abc_classes_by_product(revenue, product)
    abc = np.array([classes[p] for p in product], dtype=object)
    level = np.array([rp.ABC_SERVICE_LEVELS[c] for c in abc], float)
    return abc, np.where(np.isnan(override), level, override)


def run_backtest(session: Session, today: dt.date, weeks: int = 13) -> BacktestReport:
    """Replay the last ``weeks`` weekly cutoffs and score them (read only)."""
    now = compute_metrics(load_inputs(session, today, WINDOW_DAYS), today)
    lead = np.clip(np.rint(now["lead_time_days"].to_numpy(float)), 1, MAX_SCORED_LEAD_DAYS).astype(np.int64)
    lead_sd = now["lead_time_sd"].to_numpy(float)
    abc_now = now["abc_class"].to_numpy()
    category = now["category"].fillna("").to_numpy(object)
    # Room for each cutoff's forecast history, last year's season around it and its lead time after it.
    span = SEASON_SPAN_DAYS + 7 * weeks
    history = daily_history(load_inputs(session, today, span), today, span)
    if not np.array_equal(history.pairs["product_id"].to_numpy(), now["product_id"].to_numpy()):
        raise RuntimeError("the pairs changed between two reads of one backtest; run it again")
    demand = history.demand
    n = len(demand)
    lines, po = _events(session, history.pairs, today - dt.timedelta(days=span - 1))
    # cumulative[:, j] = units ordered on days before column j, for sums over any run of days.
    cumulative = np.concatenate([np.zeros((len(demand), 1)), np.cumsum(demand, axis=1)], axis=1)
    sellable = np.concatenate([np.zeros((len(demand), 1)), np.cumsum(history.counted, axis=1)], axis=1)
    recorded_from = int(np.argmax(history.recorded)) if history.recorded.any() else span
    sold = demand > 0
    first_sold = np.where(sold.any(axis=1), np.argmax(sold, axis=1), span).astype(float)
    last_full_day = span - 2  # today (column span − 1) is not over yet
    # ABC classes are ranked at each cutoff on the revenue of its 90 days (units at today's list price,
    # which says nothing about demand after the cutoff): today's classes would know which items faded.
    price = pd.to_numeric(history.pairs["unit_price"]).to_numpy(dtype=float, na_value=0.0)
    product = history.pairs["product_id"].to_numpy()
    override = pd.to_numeric(history.pairs["service_level_override"]).to_numpy(dtype=float, na_value=np.nan)
    frames, cutoffs = [], []
    for week in range(1, weeks + 1):
        k = span - 1 - 7 * week  # the cutoff's column: its history is columns k − 181 … k
        if k - fc.HISTORY_DAYS + 1 < 0:
            break
        past = slice(k - fc.HISTORY_DAYS + 1, k + 1)
        forecast = fc.forecast(
            demand[:, past],
            history.counted[:, past],
            last_year=fc.last_year_from_daily(demand, k, recorded_from),
            stocked_days_ago=np.where(
                (history.stocked_from >= 0) & (history.stocked_from <= k), k - history.stocked_from, np.nan
            ),
            first_sold_days_ago=np.where(first_sold <= k, k - first_sold, np.nan),
            recorded_days=k - recorded_from + 1,
            category=category,
        )
        window = slice(k - WINDOW_DAYS + 1, k + 1)
        abc, level = _classes_at((cumulative[:, k + 1] - cumulative[:, k + 1 - WINDOW_DAYS]) * price, product, override)
        sd = rp.demand_statistics_matrix(demand[:, window], history.counted[:, window]).demand_sd
        avg, ma = forecast.rate, forecast.moving_average
        ltd = safety_stock_from_distribution(avg, fc.spread_with_forecast_error(sd, forecast), lead, lead_sd, level)
        # The textbook rule: a 90-day average and the normal formula's safety stock.
        textbook = ma * lead + rp.safety_stock_array(ma, sd, lead, lead_sd, level)
        end = np.minimum(k + 1 + lead, last_full_day + 1)
        actual = cumulative[np.arange(len(demand)), end] - cumulative[:, k + 1]
        # Demand is seen only on days the item could be sold: a stockout without backorders loses
        # orders nobody recorded. The forecast is scored on the days that were sellable; the lead
        # time's demand for the service level counts the closed days at the forecast rate (neither
        # a success nor a failure is invented for them), and a lead time closed for more than half
        # its days is not scored at all.
        open_days = sellable[np.arange(len(demand)), end] - sellable[:, k + 1]
        scored = ((avg > 0) | (ma > 0)) & (k + 1 + lead <= last_full_day + 1)
        ltd_actual = actual + avg * (lead - open_days)
        position, short = _position_and_shortage(k, lead, history, lines, po, n)
        rop = avg * lead + ltd.safety_stock
        cutoffs.append(today - dt.timedelta(days=7 * week))
        frames.append(
            pd.DataFrame(
                {
                    "abc_class": abc[scored],
                    "method": ltd.method[scored],
                    "forecast_method": forecast.method[scored],
                    "pattern": forecast.pattern[scored],
                    "forecast": (avg * open_days)[scored],
                    "forecast_moving_average": (ma * open_days)[scored],
                    "actual": actual[scored],
                    "lead_time_demand": ltd_actual[scored],
                    "observable": (2 * open_days >= lead)[scored],
                    "rop": rop[scored],
                    "rop_textbook": textbook[scored],
                    "target": level[scored],
                    "flag": (position <= rop)[scored],
                    "flag_textbook": (position <= textbook)[scored],
                    "short": short[scored],
                }
            )
        )
    scored_frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    report = BacktestReport(today, weeks, cutoffs, len(scored_frame))
    if len(scored_frame):
        report.groups = [
            row
            for by in ("all", "abc_class", "forecast_method", "pattern", "method")
            for row in _score(scored_frame, by)
        ]
    if cutoffs:
        report.promises = _promises(session, history.pairs, abc_now, min(cutoffs), today)
    return report


def _pct(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.0%}"


def format_report(report: BacktestReport) -> list[str]:
    """The report as lines of a plain-text table."""
    lines = [
        f"backtest to {report.today}: {len(report.cutoffs)} weekly cutoffs, {report.observations:,} scored "
        "(pair, cutoff) observations",
        f"{'group':<30}{'n':>8}{'WAPE':>7}{'MA':>7}{'bias':>7}{'target':>8}{'achieved':>10}{'textbook':>10}"
        f"{'flag P':>8}{'flag R':>8}{'flag F1':>9}{'textbook F1':>13}",
    ]
    for row in report.groups:
        name = "all" if row["by"] == "all" else f"{row['by']} {row['group']}"
        lines.append(
            f"{name:<30}{row['observations']:>8,}{_pct(row['wape']):>7}{_pct(row['wape_moving_average']):>7}"
            f"{_pct(row['bias']):>7}{_pct(row['target_service_level']):>8}{_pct(row['achieved_service_level']):>10}"
            f"{_pct(row['achieved_with_textbook_rule']):>10}{_pct(row['flag_precision']):>8}"
            f"{_pct(row['flag_recall']):>8}{_pct(row['flag_f1']):>9}{_pct(row['flag_f1_textbook_rule']):>13}"
        )
    promises = report.promises
    if promises:
        by_class = ", ".join(
            f"{c} {_pct(v['kept'])} of {v['due']:,}" for c, v in sorted(promises["by_abc_class"].items())
        )
        lines.append(f"first promises kept: {_pct(promises['kept'])} of {promises['due']:,} due ({by_class})")
    return lines
