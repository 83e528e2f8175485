"""Replenishment: stock against reorder points and safety stock, and what to reorder (design §3)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import dash
import dash_bootstrap_components as dbc
import orjson
from dash import Input, Output, State, callback, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles
from dashboard.components.replenishment import make_grid, make_summary_cards, make_urgency_chart
from dashboard.db.grid import GridQueryError
from dashboard.domain.codes import Role
from dashboard.services import replenishment as repl
from dashboard.services.metrics import last_refreshed

ROLES = (Role.MANAGER, Role.EXECUTIVE)
dash.register_page(
    __name__,
    path="/replenishment",
    name="Replenishment",
    title="Replenishment · Backorder Desk",
    nav_order=10,
    allowed_roles=list(ROLES),
)

FILTER_IDS = ("repl-warehouse", "repl-category", "repl-supplier", "repl-status", "repl-condition")
FILTER_INPUTS = [Input(i, "value") for i in FILTER_IDS]
FILTER_STATES = [State(i, "value") for i in FILTER_IDS]


def _filters(warehouse, category, supplier, status, condition) -> repl.ReplenishmentFilters:
    return repl.ReplenishmentFilters.parse(
        {
            "warehouse_id": warehouse,
            "category": category,
            "supplier_id": supplier,
            "sales_status": status,
            "condition": condition,
        }
    )


def _dropdown(component_id: str, options: list, placeholder: str, value=None, **extra) -> dbc.Col:
    return dbc.Col(
        dcc.Dropdown(id=component_id, options=options, placeholder=placeholder, value=value, **extra),
        md=6,
        lg=True,
        className="mb-2",
    )


def layout(condition: str | None = None, warehouse_id: str | None = None, **_query: str) -> html.Div:
    """Filters from the query string, then cards, chart and grid (all filled by callbacks)."""
    app = context.current()
    app.metrics.ensure_fresh()
    with app.db.read_session() as session:
        options = repl.filter_options(session)
        refreshed = last_refreshed(session)
    initial_condition = condition if condition in repl.CONDITIONS else "below_rop"
    initial_wh = int(warehouse_id) if warehouse_id and warehouse_id.isdigit() else None
    stamp = f"Metrics computed {refreshed:%d %b %H:%M} UTC" if refreshed else "Metrics are being computed…"
    return html.Div(
        [
            dcc.Location(id="repl-nav", refresh="callback-nav"),
            dcc.Store(id="repl-purge"),
            html.Div(
                [
                    html.H2("Replenishment", className="mb-0"),
                    html.Span(stamp, className="text-body-secondary small", id="repl-refreshed"),
                ],
                className="d-flex align-items-baseline gap-3 mb-3 flex-wrap",
            ),
            dbc.Row(
                [
                    _dropdown("repl-warehouse", options["warehouse"], "All warehouses", initial_wh),
                    _dropdown("repl-category", options["category"], "All categories"),
                    _dropdown("repl-supplier", options["supplier"], "All suppliers"),
                    _dropdown("repl-status", options["sales_status"], "Any sales status"),
                    _dropdown("repl-condition", options["condition"], "Condition", initial_condition, clearable=False),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id="repl-alert"),
            html.Div(id="repl-cards"),
            dbc.Card(
                [
                    dbc.CardHeader(
                        "Most urgent: stock position against safety stock and reorder point", className="fw-semibold"
                    ),
                    dbc.CardBody(dcc.Graph(id="repl-chart", config={"displaylogo": False}), className="p-2"),
                ],
                className="mb-3",
            ),
            html.Div(
                [
                    html.Span(
                        "Click a row to open the SKU. Sort and filter from the column headers.",
                        className="text-body-secondary small",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-download me-1"), "Export CSV"],
                        id="repl-export",
                        href="/replenishment/export.csv",
                        external_link=True,
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                ],
                className="d-flex justify-content-between align-items-center mb-2",
            ),
            make_grid("repl-grid"),
        ]
    )


@callback(
    Output("repl-cards", "children"),
    Output("repl-chart", "figure"),
    Output("repl-alert", "children"),
    *FILTER_INPUTS,
)
@allow_roles(*ROLES)
def update_overview(warehouse, category, supplier, status, condition):
    """Cards and chart for the chosen filters."""
    try:
        filters = _filters(warehouse, category, supplier, status, condition)
    except repl.FilterError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger")
    with context.current().db.read_session() as session:
        summary = repl.summary(session, filters)
        urgent = repl.most_urgent(session, filters)
    return make_summary_cards(summary), make_urgency_chart(urgent), None


@callback(
    Output("repl-grid", "getRowsResponse"),
    Output("repl-export", "href"),
    Input("repl-grid", "getRowsRequest"),
    *FILTER_STATES,
)
@allow_roles(*ROLES)
def grid_rows(request, warehouse, category, supplier, status, condition):
    """One block of rows, sorted and filtered in SQL; the export link follows the same filters."""
    if not request:
        raise dash.exceptions.PreventUpdate
    try:
        filters = _filters(warehouse, category, supplier, status, condition)
        with context.current().db.read_session() as session:
            page = repl.grid_rows(session, filters, request)
    except (repl.FilterError, GridQueryError) as exc:
        dash.set_props("repl-alert", {"children": dbc.Alert(str(exc), color="danger", dismissable=True)})
        return {"rowData": [], "rowCount": 0}, dash.no_update
    query = {
        **filters.as_query(),
        "filterModel": orjson.dumps(request.get("filterModel") or {}).decode(),
        "sortModel": orjson.dumps(request.get("sortModel") or []).decode(),
    }
    return page.as_response(), "/replenishment/export.csv?" + urlencode(query)


@callback(
    Output("repl-nav", "href"),
    Input("repl-grid", "cellClicked"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def open_sku(cell):
    """A click on a row opens that SKU's page for that warehouse."""
    row_id = (cell or {}).get("rowId") or ""
    sku, _, warehouse = row_id.partition("|")
    if not sku:
        raise dash.exceptions.PreventUpdate
    return f"/sku/{quote(sku, safe='')}?{urlencode({'warehouse': warehouse})}"


# When the page filters change, the grid must forget its cached blocks and ask again.
dash.clientside_callback(
    """
    async function(...values) {
        const api = await dash_ag_grid.getApiAsync("repl-grid");
        api.purgeInfiniteCache();
        return window.dash_clientside.no_update;
    }
    """,
    Output("repl-purge", "data"),
    *FILTER_INPUTS,
    prevent_initial_call=True,
)
