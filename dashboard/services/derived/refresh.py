"""A full refresh of the derived tables: ``sku_metrics``, the backorder projection, status advice, KPI days.

The new metrics replace the old in one transaction, so pages never see half a refresh; 100,000
SKUs take well under a minute. One refresh runs at a time across every process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete

from dashboard.db.base import utcnow
from dashboard.db.bulk import insert_rows
from dashboard.db.engine import Database
from dashboard.db.models import (
    SkuMetrics,
    SkuMetricsExplain,
    SkuMetricsSummary,
)
from dashboard.db.text_search import rebuild_sku_metrics_search
from dashboard.services.derived.advice import refresh_advice
from dashboard.services.derived.freshness import mark_refreshed
from dashboard.services.derived.metrics import WINDOW_DAYS, compute_metrics, load_inputs, summarise
from dashboard.services.derived.triage import DEFAULT_HANDLING_DAYS, refresh_triage
from dashboard.services.kpis import events as kpi_events
from dashboard.services.kpis import rebuild as kpi_rebuild

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RefreshSummary:
    """What a refresh did."""

    pairs: int
    below_reorder_point: int
    below_safety_stock: int
    stocked_out: int
    seconds: float
    backorder_lines: int = 0


REFRESH_LOCK = "backorder-desk:refresh-metrics"


def refresh_metrics(
    db: Database,
    today: dt.date,
    *,
    window_days: int = WINDOW_DAYS,
    progress: Progress | None = None,
    handling_days: int = DEFAULT_HANDLING_DAYS,
    rebuild_kpis: bool = False,
    wait: bool = True,
) -> RefreshSummary | None:
    """Recompute every pair's metrics and replace ``sku_metrics`` in one transaction, then the triage queue.

    Then the KPI counters: days that ended since the last close get their end-of-day stock and
    backlog, or, with ``rebuild_kpis``, every KPI table is rebuilt from history.

    One refresh runs at a time across all processes (several web workers, the command line, an
    import job): two at once would delete and re-insert the same rows under each other. A caller
    waits for one already running; with ``wait=False`` it returns None at once instead.
    """
    with db.exclusive(REFRESH_LOCK, wait=wait) as held:
        if not held:
            return None
        return _refresh(db, today, window_days, progress, handling_days, rebuild_kpis)


def _refresh(
    db: Database,
    today: dt.date,
    window_days: int,
    progress: Progress | None,
    handling_days: int,
    rebuild_kpis: bool,
) -> RefreshSummary:
    report = progress or (lambda _stage, _done, _total: None)
    began = utcnow()
    with db.read_session() as session:
        inputs = load_inputs(session, today, window_days)
    report("read inputs", 1, 5)
    frame = compute_metrics(inputs, today, window_days)
    report("computed", 2, 5)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    frame["computed_at"] = began.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    explain = frame[["id", "product_id", "warehouse_id", "explain"]]
    frame = frame.drop(columns="explain")
    columns = list(frame.columns)
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    summary = summarise(frame)
    with db.write_session() as session:
        session.execute(delete(SkuMetricsExplain))
        session.execute(delete(SkuMetricsSummary))
        session.execute(delete(SkuMetrics))
        connection = session.connection()
        insert_rows(
            connection,
            SkuMetrics.__table__,
            columns,
            rows,
            lambda done: report("writing sku_metrics", done, len(frame)),
        )
        # The FTS5 index behind the grid's "contains" search holds no text of its own: refill it from the
        # new rows in this transaction, so no reader ever sees rows and index disagree.
        rebuild_sku_metrics_search(connection)
        insert_rows(
            connection,
            SkuMetricsSummary.__table__,
            list(summary.columns),
            summary.astype(object).where(summary.notna(), None).itertuples(index=False, name=None),
        )
        insert_rows(
            connection,
            SkuMetricsExplain.__table__,
            list(explain.columns),
            explain.astype(object).itertuples(index=False, name=None),
        )
        if connection.dialect.name == "sqlite":
            # Fresh statistics let SQLite pick the flag and sort indexes for the grid's queries.
            connection.exec_driver_sql("ANALYZE sku_metrics")
        mark_refreshed(session, began, today)
    report("projecting backorders", 3, 5)
    # The allocation-queue projection reads the same stock and supply, so it is rebuilt with them.
    projected = refresh_triage(db, today, handling_days)
    with db.write_session() as session:
        refresh_advice(session, today, handling_days)
    report("counting KPIs", 4, 5)
    with db.write_session() as session:
        # Lost-sales estimates read the demand rates just computed, so KPIs come after the metrics.
        if rebuild_kpis:
            kpi_rebuild.rebuild_kpis(session, today)
        else:
            kpi_events.close_days(session, today)
    report("done", 5, 5)
    return RefreshSummary(
        len(frame),
        int(frame["below_reorder_point"].sum()),
        int(frame["below_safety_stock"].sum()),
        int(frame["stocked_out"].sum()),
        (utcnow() - began).total_seconds(),
        projected,
    )
