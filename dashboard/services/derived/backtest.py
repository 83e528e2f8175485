"""Replay the reorder math at past weekly cutoffs and score it on what happened next (issue 20 item 4).

At each cutoff c (one, two, … N weeks before today) demand statistics, the lead-time demand
distribution and the reorder point are computed from the 90 days up to and including c only,
exactly as a refresh on day c would compute them. What happened after c is then scored per
SKU-warehouse over its lead time L (whole days, ending before today, which is not over yet):

- **forecast error**: WAPE = Σ|d̄·L − actual| / Σ actual and bias = Σ(d̄·L − actual) / Σ actual;
- **achieved cycle service level**: the share of (pair, cutoff) whose lead-time demand did not
  exceed the reorder point, against the target, for the method in use and for the normal formula
  alone (what the product did before counting slow movers' demand).

By ABC class and by safety-stock method. Known simplification: lead times, service levels and
ABC classes are today's, not the cutoff's (they change slowly; demand is what is replayed).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from dashboard.domain import replenishment as rp
from dashboard.domain.lead_time_demand import safety_stock_from_distribution
from dashboard.services.derived.metrics import WINDOW_DAYS, compute_metrics, daily_history, load_inputs

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

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        return {
            "today": self.today.isoformat(),
            "weeks": self.weeks,
            "cutoffs": [c.isoformat() for c in self.cutoffs],
            "observations": self.observations,
            "groups": self.groups,
        }


def _score(frame: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    rows = []
    for key, part in frame.groupby(by, sort=True):
        actual = float(part["actual"].sum())
        error = part["forecast"] - part["actual"]
        rows.append(
            {
                "by": by,
                "group": str(key),
                "observations": len(part),
                "actual_units": actual,
                "wape": float(error.abs().sum() / actual) if actual else None,
                "bias": float(error.sum() / actual) if actual else None,
                "target_service_level": float(part["target"].mean()),
                "achieved_service_level": float((part["actual"] <= part["rop"]).mean()),
                "achieved_with_normal_formula": float((part["actual"] <= part["rop_normal"]).mean()),
            }
        )
    return rows


def run_backtest(session: Session, today: dt.date, weeks: int = 13) -> BacktestReport:
    """Replay the last ``weeks`` weekly cutoffs and score them (read only)."""
    now = compute_metrics(load_inputs(session, today, WINDOW_DAYS), today)
    lead = np.clip(np.rint(now["lead_time_days"].to_numpy(float)), 1, MAX_SCORED_LEAD_DAYS).astype(np.int64)
    lead_sd = now["lead_time_sd"].to_numpy(float)
    level = now["service_level"].to_numpy(float)
    span = WINDOW_DAYS + 7 * weeks + MAX_SCORED_LEAD_DAYS
    history = daily_history(load_inputs(session, today, span), today, span)
    if not np.array_equal(history.pairs["product_id"].to_numpy(), now["product_id"].to_numpy()):
        raise RuntimeError("the pairs changed between two reads of one backtest; run it again")
    demand = history.demand
    # cumulative[:, j] = units ordered on days before column j, for sums over any run of days.
    cumulative = np.concatenate([np.zeros((len(demand), 1)), np.cumsum(demand, axis=1)], axis=1)
    last_full_day = span - 2  # today (column span − 1) is not over yet
    frames, cutoffs = [], []
    for week in range(1, weeks + 1):
        k = span - 1 - 7 * week  # the cutoff's column: its window is columns k − 89 … k
        if k - WINDOW_DAYS + 1 < 0:
            break
        window = slice(k - WINDOW_DAYS + 1, k + 1)
        stats = rp.demand_statistics_matrix(demand[:, window], history.counted[:, window])
        avg, sd = stats.avg_daily_demand, stats.demand_sd
        ltd = safety_stock_from_distribution(avg, sd, lead, lead_sd, level)
        normal = rp.safety_stock_array(avg, sd, lead, lead_sd, level)
        end = np.minimum(k + 1 + lead, last_full_day + 1)
        scored = (avg > 0) & (k + 1 + lead <= last_full_day + 1)
        actual = cumulative[np.arange(len(demand)), end] - cumulative[:, k + 1]
        cutoffs.append(today - dt.timedelta(days=7 * week))
        frames.append(
            pd.DataFrame(
                {
                    "abc_class": now["abc_class"].to_numpy()[scored],
                    "method": ltd.method[scored],
                    "forecast": (avg * lead)[scored],
                    "actual": actual[scored],
                    "rop": (avg * lead + ltd.safety_stock)[scored],
                    "rop_normal": (avg * lead + normal)[scored],
                    "target": level[scored],
                }
            )
        )
    scored_frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    report = BacktestReport(today, weeks, cutoffs, len(scored_frame))
    if len(scored_frame):
        report.groups = _score(scored_frame, "abc_class") + _score(scored_frame, "method")
    return report


def _pct(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.0%}"


def format_report(report: BacktestReport) -> list[str]:
    """The report as lines of a plain-text table."""
    lines = [
        f"backtest to {report.today}: {len(report.cutoffs)} weekly cutoffs, {report.observations:,} scored "
        "(pair, cutoff) observations",
        f"{'group':<22}{'n':>8}{'WAPE':>8}{'bias':>8}{'target':>8}{'achieved':>10}{'normal only':>13}",
    ]
    for row in report.groups:
        lines.append(
            f"{row['by'] + ' ' + row['group']:<22}{row['observations']:>8,}{_pct(row['wape']):>8}{_pct(row['bias']):>8}"
            f"{_pct(row['target_service_level']):>8}{_pct(row['achieved_service_level']):>10}"
            f"{_pct(row['achieved_with_normal_formula']):>13}"
        )
    return lines
