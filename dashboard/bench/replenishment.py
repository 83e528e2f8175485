"""Bench scenarios for /replenishment: the grid and the cards with their chart."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, select

from dashboard.bench.common import Scenario, raw_sql
from dashboard.db.engine import Database
from dashboard.db.grid import apply_filters, apply_sort_and_page, parse_request
from dashboard.db.models import Product, SkuMetrics
from dashboard.services.replenishment import queries as repl


def _filter_inputs(filters: dict[str, Any]) -> dict[str, Any]:
    """The page's filter dropdowns as the browser posts them."""
    return {
        "repl-warehouse.value": filters.get("warehouse_id"),
        "repl-category.value": filters.get("category"),
        "repl-supplier.value": filters.get("supplier_id"),
        "repl-status.value": filters.get("sales_status"),
        "repl-condition.value": filters.get("condition"),
    }


def _naive_frame(connection: Any, parsed: repl.ReplenishmentFilters) -> pd.DataFrame:
    """The naive pattern's first step: read every pair into pandas, then apply the page filters there."""
    everything = repl.grid_base(repl.ReplenishmentFilters(condition="all"))
    frame = pd.read_sql(everything.add_columns(SkuMetrics.warehouse_id.label("warehouse_id")), connection)
    if parsed.warehouse_id:
        frame = frame[frame["warehouse_id"] == parsed.warehouse_id]
    if parsed.category:
        frame = frame[frame["category"] == parsed.category]
    return frame


def _grid_scenario(database: Database, name: str, filters: dict[str, Any], request: dict[str, Any]) -> Scenario:
    parsed = repl.ReplenishmentFilters.parse(filters)
    grid_request = parse_request(request, repl.GRID_COLUMNS)
    base = apply_filters(repl.grid_base(parsed), grid_request)
    # The same statements the grid runs: the page, and the filtered count for a first block.
    page = apply_sort_and_page(base, grid_request, repl.TIEBREAK)
    count = select(func.count()).select_from(base.order_by(None).subquery())
    statements = [page, count] if request["startRow"] == 0 else [page]
    values = {"repl-grid.getRowsRequest": request, **_filter_inputs(filters)}

    def naive(connection: Any) -> None:
        frame = _naive_frame(connection, parsed)
        if parsed.condition != "all":
            frame = frame[
                frame[
                    {
                        "below_rop": "below_reorder_point",
                        "below_ss": "below_safety_stock",
                        "stocked_out": "stocked_out",
                    }[parsed.condition]
                ].astype(bool)
            ]
        for column, model in (request.get("filterModel") or {}).items():
            frame = frame[frame[column].astype(str).str.lower().str.contains(str(model["filter"]).lower())]
        for sort in reversed(request.get("sortModel") or []):
            frame = frame.sort_values(sort["colId"], ascending=sort["sort"] == "asc", kind="stable")
        frame.iloc[request["startRow"] : request["endRow"]].to_dict("records")

    return Scenario(
        name,
        "..repl-grid.getRowsResponse...repl-export.href..",
        "repl-grid.getRowsRequest",
        values,
        raw_sql(database, statements),
        naive,
    )


def _overview_scenario(database: Database, name: str, filters: dict[str, Any]) -> Scenario:
    parsed = repl.ReplenishmentFilters.parse(filters)
    values = _filter_inputs(filters)

    def naive(connection: Any) -> None:
        frame = _naive_frame(connection, parsed)
        below = frame[frame["below_reorder_point"].astype(bool)]
        (len(frame), len(below), below["suggested_value"].sum(), frame["below_safety_stock"].sum())
        below.assign(u=below["stock_position"] / below["reorder_point"]).nsmallest(15, "u")

    return Scenario(
        name,
        "..repl-cards.children...repl-chart.figure...repl-alert.children..",
        "repl-condition.value",
        values,
        raw_sql(database, [repl.summary_statement(parsed), repl.most_urgent_statement(parsed)]),
        naive,
    )


def replenishment_scenarios(database: Database) -> list[Scenario]:
    """The actions a manager takes on /replenishment, broad to narrow."""
    with database.read_session() as session:
        category = session.scalar(select(Product.category).order_by(Product.category).limit(1))
    sort_value = [{"colId": "suggested_value", "sort": "desc"}]
    return [
        _grid_scenario(
            database,
            "replenishment grid: below ROP, by order value",
            {"condition": "below_rop"},
            {"startRow": 0, "endRow": 100, "sortModel": sort_value, "filterModel": {}},
        ),
        _grid_scenario(
            database,
            "replenishment grid: one warehouse, all SKUs, by days of cover, 3rd block",
            {"condition": "all", "warehouse_id": 1},
            {
                "startRow": 200,
                "endRow": 300,
                "sortModel": [{"colId": "days_of_cover", "sort": "asc"}],
                "filterModel": {},
            },
        ),
        _grid_scenario(
            database,
            "replenishment grid: all SKUs, name contains 'lamp'",
            {"condition": "all"},
            {
                "startRow": 0,
                "endRow": 100,
                "sortModel": [{"colId": "sku", "sort": "asc"}],
                "filterModel": {"name": {"filterType": "text", "type": "contains", "filter": "lamp"}},
            },
        ),
        _overview_scenario(database, "replenishment cards + chart: below ROP", {"condition": "below_rop"}),
        _overview_scenario(
            database,
            "replenishment cards + chart: warehouse + category",
            {"condition": "below_rop", "warehouse_id": 2, "category": category},
        ),
    ]
