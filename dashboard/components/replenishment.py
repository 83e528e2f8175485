"""Builders for /replenishment: summary cards, the urgency chart and the grid definition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc

from dashboard.components import formats
from dashboard.components.cards import make_kpi_card
from dashboard.components.grids import make_infinite_grid
from dashboard.domain import unknown
from dashboard.services.replenishment.queries import ReplenishmentSummary

BAND_SAFETY = "rgba(220, 53, 69, 0.25)"
BAND_REORDER = "rgba(255, 193, 7, 0.35)"
POSITION = "#212529"


def make_summary_cards(summary: ReplenishmentSummary) -> dbc.Row:
    """Counts per condition for the current scope, with what reordering would cost."""
    cards = [
        make_kpi_card(
            "Reorder now",
            f"{summary.below_reorder_point:,}",
            # The flag is wider than "position ≤ ROP": a pair that runs short before an order
            # placed today could land needs one too, so the card says both.
            f"at or below reorder point, or short before an order lands · {summary.suggested_units:,} units · "
            f"${summary.suggested_value:,.0f} suggested to order"
            # A value that left SKUs out says so: their cost is unknown, not 0.
            + (f" ({note})" if (note := unknown.left_out(summary.unpriced, "SKU", "a cost")) else ""),
            colour="primary",  # the page's work list: a count to act on, judged below by what is critical
            card_id="repl-card-rop",
            icon="bi-arrow-repeat",
        ),
        make_kpi_card(
            "Below safety stock",
            f"{summary.below_safety_stock:,}",
            "stock position under its safety buffer (all also in Reorder now)",
            verdict=("bad", "order first") if summary.below_safety_stock else ("good", "none under its buffer"),
            card_id="repl-card-ss",
            icon="bi-shield-exclamation",
        ),
        make_kpi_card(
            "Stocked out",
            f"{summary.stocked_out:,}",
            "SKU-warehouse pairs with nothing available to sell there",
            verdict=("bad", "losing sales") if summary.stocked_out else ("good", "none stocked out"),
            card_id="repl-card-out",
            icon="bi-x-octagon",
        ),
        make_kpi_card(
            "SKU-warehouse pairs",
            f"{summary.pairs:,}",
            "in the current filters"
            + (f" · {summary.no_history:,} with no usable history" if summary.no_history else ""),
            colour="secondary",
            card_id="repl-card-pairs",
            icon="bi-grid-3x3",
        ),
    ]
    return dbc.Row([dbc.Col(card, md=6, xl=3, className="mb-3") for card in cards])


def make_urgency_chart(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each urgent SKU's stock position against its safety-stock (red) and reorder-point (amber) bands.

    Returned as a plain figure dict: building a validated ``go.Figure`` costs more than the query.
    """
    labels = [f"{row['sku']} · {row['warehouse']}" for row in rows][::-1]
    safety = [round(row["safety_stock"], 2) for row in rows][::-1]
    reorder = [round(row["reorder_point"], 2) for row in rows][::-1]
    position = [row["stock_position"] for row in rows][::-1]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": safety,
            "name": "Safety stock",
            "marker": {"color": BAND_SAFETY},
            "hovertemplate": "Safety stock %{x:.1f}<extra></extra>",
        },
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": [max(r - s, 0) for r, s in zip(reorder, safety, strict=True)],
            "base": safety,
            "name": "Reorder zone (up to ROP)",
            "marker": {"color": BAND_REORDER},
            "customdata": reorder,
            "hovertemplate": "Reorder point %{customdata:.1f}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "y": labels,
            "x": position,
            "name": "Stock position",
            "marker": {"symbol": "diamond", "size": 11, "color": POSITION},
            "hovertemplate": "Position %{x}<extra></extra>",
        },
    ]
    layout: dict[str, Any] = {
        "barmode": "overlay",
        "height": max(260, 28 * len(labels) + 90),
        "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "y": 1.08, "x": 0},
        "xaxis": {
            "title": {"text": "units (on hand − allocated + on order − owed)"},
            "gridcolor": "#eee",
            "zeroline": True,
            "zerolinecolor": "#999",
        },
        "yaxis": {"automargin": True},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "bargap": 0.35,
    }
    if not rows:
        layout["annotations"] = [
            {
                "text": "Nothing needs reordering in these filters",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        ]
    return {"data": data, "layout": layout}


def _num(field: str, header: str, width: int = 100, decimals: int | None = None, **extra: Any) -> dict[str, Any]:
    column = {
        "field": field,
        "headerName": header,
        "filter": "agNumberColumnFilter",
        "width": width,
        "type": "rightAligned",
        **extra,
    }
    if decimals is not None:
        column["valueFormatter"] = {"function": f"params.value == null ? '' : d3.format(',.{decimals}f')(params.value)"}
    return column


def _text(field: str, header: str, width: int, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, "filter": "agTextColumnFilter", "width": width, **extra}


# A product imported with only its SKU has no name, category or cost yet: shown as unknown, never blank or 0.
UNKNOWN_TEXT = {"function": f"params.value == null || params.value === '' ? {unknown.SHOWN!r} : params.value"}
HIDE = {"hide": True}  # offered in the "Columns" chooser, not shown until the user ticks it

# The decision columns come first and are shown by default, sized to fit a 1440 px window with
# the tick-box column (tests/pages/test_grid_columns.py holds them to it); the rest are one tick away.
COLUMN_DEFS = [
    _text("sku", "SKU", 140, pinned="left", cellClass="link-cell"),
    _text("name", "Product", 170, flex=1, minWidth=170, valueFormatter=UNKNOWN_TEXT, tooltipField="name"),
    _text("warehouse", "WH", 80, headerTooltip="Warehouse"),
    _text("sales_status", "Sales status", 120),
    _num(
        "stock_position",
        "Position (units)",
        115,
        headerTooltip="On hand − allocated + on order − owed: what reordering is judged on",
    ),
    _num("reorder_point", "Reorder point (units)", 115, 1),
    _num("safety_stock", "Safety stock (units)", 115, 1),
    _num("days_of_cover", "Days of cover (d)", 110, 1, headerTooltip="Position ÷ demand per day"),
    _text(
        "projected_stockout_date",
        "Stockout on",
        125,  # "12 Dec 2026" whole, beside its filter icon
        filter="agDateColumnFilter",
        valueFormatter=formats.DAY_CELL,
        headerTooltip="The day the position runs out at the current demand",
    ),
    _num("suggested_order_qty", "Order qty (units)", 110, cellClass="fw-semibold"),
    _num(
        "suggested_value",
        "Order value ($)",
        115,
        # Null only when there is something to order and its cost is unknown (nothing to order is $0).
        valueFormatter={"function": f"params.value == null ? {unknown.SHOWN!r} : d3.format('$,.0f')(params.value)"},
        headerTooltip="Order qty × unit cost; — when the cost is unknown",
    ),
    _text("category", "Category", 150, valueFormatter=UNKNOWN_TEXT, **HIDE),
    _text("supplier", "Supplier", 180, tooltipField="supplier", **HIDE),
    _text(
        "abc_class",
        "ABC class",
        90,
        headerTooltip="ABC class on trailing revenue: A 98 %, B 95 %, C 90 % service level",
        **HIDE,
    ),
    _num("on_hand", "On hand (units)", **HIDE),
    _num("allocated", "Allocated (units)", 115, **HIDE),
    _num("on_order", "On order (units)", **HIDE),
    _num(
        "owed",
        "Owed (units)",
        headerTooltip="Units waiting customers are owed that no stock covers yet; the position subtracts them",
        **HIDE,
    ),
    _num("avg_daily_demand", "Demand (units/day)", 125, 2, **HIDE),
    _text(
        "demand_basis",
        "Demand from",
        140,
        headerTooltip="What the demand estimate rests on: order history, short history (under 28 days), "
        "period totals, or no usable history (no reorder point until there is some)",
        **HIDE,
    ),
    _num(
        "history_days",
        "History (d)",
        headerTooltip="Days of order history in the 90-day window, or in-stock days the period totals cover",
        **HIDE,
    ),
    _text(
        "forecast_method",
        "Forecast by",
        150,
        headerTooltip="The method that forecast this item's own last 12 weeks best: moving average, exponential "
        "smoothing, last year's season, Croston-SBA or TSB (intermittent items), or a category prior (new items)",
        **HIDE,
    ),
    _text(
        "demand_pattern",
        "Pattern",
        115,
        headerTooltip="Smooth, erratic, intermittent or lumpy: how often weeks sell and how much sizes swing",
        **HIDE,
    ),
    _num(
        "forecast_wape",
        "Forecast error (%)",
        115,
        valueFormatter={"function": "params.value == null ? '—' : d3.format(',.0f')(params.value) + ' %'"},
        headerTooltip="Error of the chosen method at the five origins in the last 12 weeks it was chosen on: "
        "Σ|forecast − sold| ÷ Σ sold (optimistic: it won there); — when nothing sold to score on",
        **HIDE,
    ),
    _num("lead_time_days", "Lead time (d)", 100, 1, **HIDE),
    _text(
        "ss_method",
        "Safety stock by",
        165,
        headerTooltip="How the safety stock was found: Normal (z·√(L·σd² + d̄²·σL²)), or for slow movers the "
        "Poisson or Negative binomial lead-time demand that reaches the service level",
        **HIDE,
    ),
]


def make_grid(grid_id: str, shown: Sequence[str] | None = None) -> dag.AgGrid:
    """The SKU grid on the infinite row model (the server sorts, filters and pages), showing ``shown``."""
    return make_infinite_grid(
        grid_id,
        COLUMN_DEFS,
        "params.data.sku + '|' + params.data.warehouse",
        shown=shown,
        rowClassRules={"row-stocked-out": "params.data && params.data.stocked_out"},
        # Tick boxes select rows for the bulk status action; a click elsewhere opens the SKU.
        rowSelection={"mode": "multiRow", "checkboxes": True, "headerCheckbox": False, "enableClickSelection": False},
    )
