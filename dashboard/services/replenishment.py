"""Queries behind /replenishment: filters, summary cards, the urgency chart, the grid and the export."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, func, select
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows, iter_filtered_rows
from dashboard.db.models import Product, ProductSupplier, SkuMetrics, Supplier, Warehouse
from dashboard.domain.codes import SalesStatus

CONDITIONS = {
    "below_rop": ("Below reorder point", SkuMetrics.below_reorder_point),
    "below_ss": ("Below safety stock", SkuMetrics.below_safety_stock),
    "stocked_out": ("Stocked out", SkuMetrics.stocked_out),
    "all": ("All SKUs", None),
}


class FilterError(ValueError):
    """A filter value that is not allowed; the message says which and why."""


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
            value = raw.get(name)
            if value in (None, ""):
                return None
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise FilterError(f"{name} must be a number, not {value!r}") from None
            if number <= 0:
                raise FilterError(f"{name} must be positive")
            return number

        category = raw.get("category") or None
        if category is not None and (not isinstance(category, str) or len(category) > 80):
            raise FilterError("category must be a short text")
        status = raw.get("sales_status") or None
        condition = raw.get("condition") or "below_rop"
        if condition not in CONDITIONS:
            raise FilterError(f"condition must be one of {', '.join(CONDITIONS)}")
        try:
            parsed_status = SalesStatus.parse(status) if status else None
        except ValueError as exc:
            raise FilterError(str(exc)) from None
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


_primary = (
    select(ProductSupplier.product_id, ProductSupplier.supplier_id)
    .where(ProductSupplier.is_primary)
    .subquery("primary_supplier")
)
# Ratio of the stock position to the reorder point: below 1 means reorder; lower is more urgent.
URGENCY = cast(SkuMetrics.stock_position, Float) / func.nullif(SkuMetrics.reorder_point, 0)
SUGGESTED_VALUE = SkuMetrics.suggested_order_qty * Product.unit_cost

GRID_COLUMNS: dict[str, GridColumn] = {
    column.key: column
    for column in (
        GridColumn("sku", Product.sku, "text"),
        GridColumn("name", Product.name, "text"),
        GridColumn("warehouse", Warehouse.code, "text"),
        GridColumn("category", Product.category, "text"),
        GridColumn("supplier", Supplier.name, "text"),
        GridColumn("sales_status", Product.sales_status, "set"),
        GridColumn("abc_class", SkuMetrics.abc_class, "set"),
        GridColumn("on_hand", SkuMetrics.on_hand, "number"),
        GridColumn("allocated", SkuMetrics.allocated, "number"),
        GridColumn("on_order", SkuMetrics.on_order, "number"),
        GridColumn("stock_position", SkuMetrics.stock_position, "number"),
        GridColumn("avg_daily_demand", SkuMetrics.avg_daily_demand, "number"),
        GridColumn("lead_time_days", SkuMetrics.lead_time_days, "number"),
        GridColumn("safety_stock", SkuMetrics.safety_stock, "number"),
        GridColumn("reorder_point", SkuMetrics.reorder_point, "number"),
        GridColumn("days_of_cover", SkuMetrics.days_of_cover, "number"),
        GridColumn("projected_stockout_date", SkuMetrics.projected_stockout_date, "date"),
        GridColumn("suggested_order_qty", SkuMetrics.suggested_order_qty, "number"),
        GridColumn("suggested_value", SUGGESTED_VALUE, "number"),
        GridColumn("demand_spike", SkuMetrics.demand_spike, "bool"),
    )
}
TIEBREAK = SkuMetrics.id


def _conditions(filters: ReplenishmentFilters, *, with_condition: bool = True) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.warehouse_id:
        where.append(SkuMetrics.warehouse_id == filters.warehouse_id)
    if filters.category:
        where.append(Product.category == filters.category)
    if filters.supplier_id:
        where.append(_primary.c.supplier_id == filters.supplier_id)
    if filters.sales_status:
        where.append(Product.sales_status == filters.sales_status)
    flag = CONDITIONS[filters.condition][1]
    if with_condition and flag is not None:
        where.append(flag.is_(True))
    return where


def _joined(stmt: Select) -> Select:
    return (
        stmt.select_from(SkuMetrics)
        .join(Product, Product.id == SkuMetrics.product_id)
        .join(Warehouse, Warehouse.id == SkuMetrics.warehouse_id)
        .outerjoin(_primary, _primary.c.product_id == SkuMetrics.product_id)
        .outerjoin(Supplier, Supplier.id == _primary.c.supplier_id)
    )


def grid_base(filters: ReplenishmentFilters) -> Select:
    """Every grid column (labelled by its colId) for the filtered pairs."""
    columns = [column.expr.label(key) for key, column in GRID_COLUMNS.items()]
    return _joined(
        select(
            *columns,
            SkuMetrics.below_reorder_point.label("below_reorder_point"),
            SkuMetrics.below_safety_stock.label("below_safety_stock"),
            SkuMetrics.stocked_out.label("stocked_out"),
        )
    ).where(*_conditions(filters))


def grid_rows(session: Session, filters: ReplenishmentFilters, request: Mapping[str, Any] | None) -> GridPage:
    """One window for the infinite grid, sorted and filtered in SQL."""
    return fetch_rows(session, grid_base(filters), GRID_COLUMNS, request, TIEBREAK)


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


def summary(session: Session, filters: ReplenishmentFilters) -> ReplenishmentSummary:
    """Counts per condition and the value of what should be ordered, in one query."""
    as_int = lambda flag: func.coalesce(func.sum(case((flag.is_(True), 1), else_=0)), 0)  # noqa: E731
    row = session.execute(
        _joined(
            select(
                func.count(),
                as_int(SkuMetrics.below_reorder_point),
                func.coalesce(func.sum(case((SkuMetrics.below_reorder_point.is_(True), SUGGESTED_VALUE), else_=0)), 0),
                func.coalesce(
                    func.sum(case((SkuMetrics.below_reorder_point.is_(True), SkuMetrics.suggested_order_qty), else_=0)),
                    0,
                ),
                as_int(SkuMetrics.below_safety_stock),
                as_int(SkuMetrics.stocked_out),
            )
        ).where(*_conditions(filters, with_condition=False))
    ).one()
    return ReplenishmentSummary(int(row[0]), int(row[1]), float(row[2]), int(row[3]), int(row[4]), int(row[5]))


def most_urgent(session: Session, filters: ReplenishmentFilters, limit: int = 15) -> list[dict[str, Any]]:
    """The pairs furthest below their reorder point (position ÷ ROP, lowest first) for the chart."""
    stmt = (
        _joined(
            select(
                Product.sku,
                Warehouse.code.label("warehouse"),
                SkuMetrics.stock_position,
                SkuMetrics.safety_stock,
                SkuMetrics.reorder_point,
                SkuMetrics.suggested_order_qty,
                SkuMetrics.on_hand,
                SkuMetrics.allocated,
                SkuMetrics.on_order,
            )
        )
        .where(*_conditions(filters), SkuMetrics.reorder_point > 0)
        .order_by(URGENCY, SkuMetrics.reorder_point.desc(), SkuMetrics.id)
        .limit(limit)
    )
    return [dict(row) for row in session.execute(stmt).mappings()]


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
