"""Queries behind /replenishment: filters, summary cards, the urgency chart, the grid and the export."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, Select, String, case, cast, func, select, true
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows, iter_filtered_rows
from dashboard.db.models import Product, SkuMetrics, SkuMetricsSummary, Supplier, Warehouse
from dashboard.db.text_search import sku_metrics_trigram
from dashboard.domain import forecast, inputs
from dashboard.domain.codes import DemandBasis, SalesStatus
from dashboard.domain.inputs import InputError
from dashboard.domain.lead_time_demand import METHOD_LABELS

# Flags compare with "= 1" (not "IS 1") so SQLite can use the (flag, warehouse) indexes.
CONDITIONS = {
    "below_rop": ("Reorder now", SkuMetrics.below_reorder_point == true()),
    "below_ss": ("Below safety stock", SkuMetrics.below_safety_stock == true()),
    "stocked_out": ("Stocked out", SkuMetrics.stocked_out == true()),
    "no_history": ("No usable history", SkuMetrics.demand_basis == DemandBasis.NONE.value),
    "all": ("All SKUs", None),
}


@dataclass(frozen=True)
class ReplenishmentFilters:
    """The page's filters, validated (a forged payload cannot smuggle anything else in)."""

    warehouse_id: int | None = None
    category: str | None = None
    supplier_id: int | None = None
    sales_status: SalesStatus | None = None
    condition: str = "below_rop"

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ReplenishmentFilters:
        """Validate raw values from the browser or a query string."""

        def optional_id(name: str) -> int | None:
            return inputs.optional_id(raw.get(name), name)

        category = raw.get("category") or None
        if category is not None and (not isinstance(category, str) or len(category) > 80):
            raise InputError("category must be a short text")
        status = raw.get("sales_status") or None
        condition = raw.get("condition") or "below_rop"
        if status is not None and not isinstance(status, str):
            raise InputError(f"{status!r} is not a valid SalesStatus; use one of: {', '.join(SalesStatus.values())}")
        if not isinstance(condition, str) or condition not in CONDITIONS:
            raise InputError(f"condition must be one of {', '.join(CONDITIONS)}")
        try:
            parsed_status = SalesStatus.parse(status) if status else None
        except ValueError as exc:
            raise InputError(str(exc)) from None
        return cls(optional_id("warehouse_id"), category, optional_id("supplier_id"), parsed_status, condition)

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (for the export link)."""
        values = {
            "warehouse_id": self.warehouse_id,
            "category": self.category,
            "supplier_id": self.supplier_id,
            "sales_status": self.sales_status.value if self.sales_status else None,
            "condition": self.condition,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


# Ratio of the stock position to the reorder point: below 1 means reorder; lower is more urgent.
URGENCY = cast(SkuMetrics.stock_position, Float) / func.nullif(SkuMetrics.reorder_point, 0)
M = SkuMetrics

GRID_COLUMNS: dict[str, GridColumn] = {
    column.key: column
    for column in (
        # Free text people search in: "contains" goes through a trigram index (see db/text_search.py).
        GridColumn("sku", M.sku, "text", trigram=sku_metrics_trigram("sku")),
        GridColumn("name", M.product_name, "text", trigram=sku_metrics_trigram("product_name")),
        GridColumn("warehouse", M.warehouse_code, "text"),
        GridColumn("category", M.category, "text"),
        GridColumn("supplier", M.supplier_name, "text", trigram=sku_metrics_trigram("supplier_name")),
        # Users see and type labels ("Out of stock"), so the column is the label, computed in SQL.
        GridColumn(
            "sales_status",
            case({s.value: s.label for s in SalesStatus}, value=M.sales_status, else_=M.sales_status),
            "text",
        ),
        GridColumn("abc_class", M.abc_class, "text"),
        GridColumn("on_hand", M.on_hand, "number"),
        GridColumn("allocated", M.allocated, "number"),
        GridColumn("on_order", M.on_order, "number"),
        GridColumn("owed", M.owed, "number"),
        GridColumn("stock_position", M.stock_position, "number"),
        GridColumn("avg_daily_demand", M.avg_daily_demand, "number"),
        GridColumn(
            "demand_basis",
            case({b.value: b.label for b in DemandBasis}, value=M.demand_basis, else_=M.demand_basis),
            "text",
        ),
        GridColumn("history_days", M.history_days, "number"),
        GridColumn(
            "forecast_method",
            case(forecast.METHOD_LABELS, value=M.forecast_method, else_=M.forecast_method),
            "text",
        ),
        GridColumn(
            "demand_pattern",
            case(forecast.PATTERN_LABELS, value=M.demand_pattern, else_=M.demand_pattern),
            "text",
        ),
        # Shown and filtered as a percentage, as the page labels it.
        GridColumn("forecast_wape", func.round(M.forecast_wape * 100), "number"),
        GridColumn(
            "ss_method",
            case(METHOD_LABELS, value=M.ss_method, else_=M.ss_method),
            "text",
        ),
        GridColumn("lead_time_days", M.lead_time_days, "number"),
        GridColumn("safety_stock", M.safety_stock, "number"),
        GridColumn("reorder_point", M.reorder_point, "number"),
        GridColumn("days_of_cover", M.days_of_cover, "number"),
        GridColumn("projected_stockout_date", M.projected_stockout_date, "date"),
        GridColumn("suggested_order_qty", M.suggested_order_qty, "number"),
        GridColumn("suggested_value", M.suggested_value, "number"),
        GridColumn("demand_spike", M.demand_spike, "bool", filterable=False),
    )
}
TIEBREAK = M.id


def _scope(filters: ReplenishmentFilters, table: type[SkuMetrics] | type[SkuMetricsSummary]) -> list:
    """Warehouse, category, supplier and status filters; both metrics tables carry these columns."""
    where = []
    if filters.warehouse_id:
        where.append(table.warehouse_id == filters.warehouse_id)
    if filters.category:
        where.append(table.category == filters.category)
    if filters.supplier_id:
        where.append(table.supplier_id == filters.supplier_id)
    if filters.sales_status:
        where.append(table.sales_status == filters.sales_status.value)
    return where


def _conditions(filters: ReplenishmentFilters) -> list[ColumnElement[bool]]:
    condition = CONDITIONS[filters.condition][1]
    condition = [condition] if condition is not None else []
    return condition + _scope(filters, M)


def filtered(filters: ReplenishmentFilters) -> list[ColumnElement[bool]]:
    """The ``sku_metrics`` rows the page shows for these filters, as WHERE conditions (for other services)."""
    return _conditions(filters)


# Dates leave the database as ISO text: the grid wants strings, and converting date objects cell
# by cell in Python costs more than the query.
AS_TEXT = {"projected_stockout_date"}


@functools.lru_cache(maxsize=128)
def grid_base(filters: ReplenishmentFilters) -> Select:
    """Every grid column (labelled by its colId) for the filtered pairs.

    Memoised (statements are immutable) so the grid recognises a view it has built before and reuses
    its statements; see ``_StatementCache`` in db/grid.py.
    """
    columns = [
        (cast(column.expr, String) if key in AS_TEXT else column.expr).label(key)
        for key, column in GRID_COLUMNS.items()
    ]
    return (
        select(
            *columns,
            SkuMetrics.below_reorder_point.label("below_reorder_point"),
            SkuMetrics.below_safety_stock.label("below_safety_stock"),
            SkuMetrics.stocked_out.label("stocked_out"),
        )
        .select_from(M)
        .where(*_conditions(filters))
    )


def grid_rows(
    reader: Session | Connection, filters: ReplenishmentFilters, request: Mapping[str, Any] | None
) -> GridPage:
    """One window for the infinite grid, sorted and filtered in SQL (``reader``: a session or a Core connection)."""
    # grid_base is memoised and GRID_COLUMNS a constant, so the statements of a view can be reused.
    return fetch_rows(reader, grid_base(filters), GRID_COLUMNS, request, TIEBREAK, reuse_statements=True)


def export_rows(
    session: Session, filters: ReplenishmentFilters, filter_model: Any, sort_model: Any
) -> Iterator[dict[str, Any]]:
    """Exactly the rows the grid shows (page filters + column filters + sort), unpaged."""
    return iter_filtered_rows(session, grid_base(filters), GRID_COLUMNS, filter_model, sort_model, TIEBREAK)


@dataclass(frozen=True)
class ReplenishmentSummary:
    """Card numbers for the current scope (all filters except the condition)."""

    pairs: int
    below_reorder_point: int
    suggested_value: float
    suggested_units: int
    below_safety_stock: int
    stocked_out: int
    no_history: int = 0
    unpriced: int = 0  # suggestions without a known cost, left out of suggested_value


def summary_statement(filters: ReplenishmentFilters) -> Select:
    """Card numbers from the pre-aggregated summary table (a few thousand rows at any size)."""
    S = SkuMetricsSummary  # noqa: N806 - a short alias keeps the query readable
    where = _scope(filters, S)
    totals = [
        func.coalesce(func.sum(column), 0)
        for column in (
            S.pairs,
            S.below_reorder_point,
            S.suggested_value,
            S.suggested_units,
            S.below_safety_stock,
            S.stocked_out,
            S.no_history,
            S.unpriced,
        )
    ]
    return select(*totals).where(*where)


def summary(session: Session, filters: ReplenishmentFilters) -> ReplenishmentSummary:
    """Card numbers for the current scope."""
    row = session.connection().execute(summary_statement(filters)).one()
    return ReplenishmentSummary(
        int(row[0]), int(row[1]), float(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]), int(row[7])
    )


def most_urgent_statement(filters: ReplenishmentFilters, limit: int = 15) -> Select:
    """The pairs furthest below their reorder point (position ÷ ROP, lowest first) for the chart."""
    return (
        select(
            M.sku,
            M.warehouse_code.label("warehouse"),
            SkuMetrics.stock_position,
            SkuMetrics.safety_stock,
            SkuMetrics.reorder_point,
            SkuMetrics.suggested_order_qty,
            SkuMetrics.on_hand,
            SkuMetrics.allocated,
            SkuMetrics.on_order,
        )
        .select_from(M)
        .where(*_conditions(filters), SkuMetrics.reorder_point > 0)
        .order_by(URGENCY, SkuMetrics.reorder_point.desc(), SkuMetrics.id)
        .limit(limit)
    )


def most_urgent(session: Session, filters: ReplenishmentFilters, limit: int = 15) -> list[dict[str, Any]]:
    """Rows for the urgency chart."""
    return [dict(row) for row in session.connection().execute(most_urgent_statement(filters, limit)).mappings()]


def filter_options(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Dropdown choices: warehouses, categories and suppliers that exist."""
    warehouses = session.execute(select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code))
    categories = session.scalars(select(Product.category).distinct().order_by(Product.category))
    suppliers = session.execute(select(Supplier.id, Supplier.name).order_by(Supplier.name))
    return {
        "warehouse": [{"label": f"{code} · {name}", "value": wid} for wid, code, name in warehouses],
        "category": [{"label": c, "value": c} for c in categories],
        "supplier": [{"label": name, "value": sid} for sid, name in suppliers],
        "sales_status": [{"label": s.label, "value": s.value} for s in SalesStatus],
        "condition": [{"label": label, "value": key} for key, (label, _) in CONDITIONS.items()],
    }
