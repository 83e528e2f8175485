"""`backorder-desk bench` scenarios for /backorders: the triage grid and the aging chart with its cards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from dashboard.bench.common import Scenario, raw_sql
from dashboard.db.engine import Database
from dashboard.db.grid import apply_filters, apply_sort_and_page, parse_request
from dashboard.db.models import BackorderTriage, OrderLine
from dashboard.db.queries import line_is_waiting
from dashboard.domain import days
from dashboard.services.backorders import queue as bo
from dashboard.services.derived import triage


def ensure_projection(database: Database, today: dt.date) -> None:
    """Databases generated before the triage table existed get their projection once."""
    with database.read_session() as session:
        projected = session.scalar(select(func.count()).select_from(BackorderTriage))
        waiting = session.scalar(select(func.count()).select_from(OrderLine).where(line_is_waiting()))
    if not projected and waiting:
        triage.refresh_triage(database, today)


def _inputs(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "bo-warehouse.value": filters.get("warehouse_id"),
        "bo-channel.value": filters.get("channel"),
        "bo-customer.value": filters.get("customer"),
        "bo-sku.value": filters.get("sku"),
        "bo-bucket.value": filters.get("bucket"),
        "bo-state.value": filters.get("state"),
    }


def _naive_frame(connection: Any, parsed: bo.BackorderFilters, today: dt.date) -> pd.DataFrame:
    """The naive pattern: every waiting line into pandas, then severity and filters computed there."""
    frame = pd.read_sql(select(BackorderTriage), connection)
    t = days.day_number(today)
    past = np.clip(t - frame["promised_day"], 0, triage.MAX_DAYS_PAST_PROMISE)
    quiet = np.clip(t - frame["quiet_since_day"], 0, triage.MAX_QUIET_DAYS)
    frame["severity"] = frame["base_score"] + triage.POINTS_PER_DAY_PAST_PROMISE * past + quiet
    frame["state"] = np.where(
        frame["promised_day"] < t, "past_promise", np.where(frame["at_risk"], "at_risk", "on_track")
    )
    if parsed.warehouse_id:
        frame = frame[frame["warehouse_id"] == parsed.warehouse_id]
    if parsed.channel:
        frame = frame[frame["channel"] == parsed.channel.value]
    if parsed.customer:
        frame = frame[frame["customer_name"].str.lower().str.contains(parsed.customer.lower(), regex=False)]
    if parsed.state:
        frame = frame[frame["state"] == parsed.state]
    return frame


def _grid(database: Database, name: str, filters: dict[str, Any], request: dict[str, Any], today: dt.date):
    parsed = bo.BackorderFilters.parse(filters)
    stmt, columns = bo.grid_base(parsed, today)
    full = {**request, "sortModel": request.get("sortModel") or bo.DEFAULT_SORT}
    grid_request = parse_request(full, columns)
    base = apply_filters(stmt, grid_request)
    page = apply_sort_and_page(base, grid_request, bo.TIEBREAK)
    count = select(func.count()).select_from(base.order_by(None).subquery())
    statements = [page, count] if request["startRow"] == 0 else [page]

    def naive(connection: Any) -> None:
        frame = _naive_frame(connection, parsed, today).sort_values("severity", ascending=False, kind="stable")
        frame.iloc[request["startRow"] : request["endRow"]].to_dict("records")

    return Scenario(
        name,
        "..bo-grid.getRowsResponse...bo-export.href..",
        "bo-grid.getRowsRequest",
        {"bo-grid.getRowsRequest": request, **_inputs(filters)},
        raw_sql(database, statements),
        naive,
    )


def _overview(database: Database, name: str, filters: dict[str, Any], today: dt.date) -> Scenario:
    parsed = bo.BackorderFilters.parse(filters)

    def naive(connection: Any) -> None:
        frame = _naive_frame(connection, parsed, today)
        age = days.day_number(today) - frame["backordered_day"]
        frame.groupby([pd.cut(age, [-1, 7, 14, 30, 60, 10**6]), "state"], observed=True)["value"].agg(["count", "sum"])
        (len(frame), frame["qty_waiting"].sum(), frame["value"].sum(), (frame["state"] == "past_promise").sum())

    return Scenario(
        name,
        "..bo-cards.children...bo-aging.figure...bo-alert.children..",
        "bo-state.value",
        _inputs(filters),
        raw_sql(database, [bo.overview_statement(parsed, today)]),
        naive,
    )


def triage_scenarios(database: Database, today: dt.date) -> list[Scenario]:
    """What a support lead does on /backorders each morning."""
    ensure_projection(database, today)
    first = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    return [
        _grid(database, "triage grid: every open backorder, most severe first", {}, first, today),
        _grid(
            database,
            "triage grid: one warehouse, past promise, 2nd block",
            {"warehouse_id": 1, "state": "past_promise"},
            {**first, "startRow": 100, "endRow": 200},
            today,
        ),
        _grid(
            database,
            "triage grid: customer name search, by promised date",
            {"customer": "lee"},
            {**first, "sortModel": [{"colId": "promised_date", "sort": "asc"}]},
            today,
        ),
        _overview(database, "triage aging chart + cards: everything", {}, today),
        _overview(
            database,
            "triage aging chart + cards: one channel, at risk",
            {"channel": "web", "state": "at_risk"},
            today,
        ),
    ]
