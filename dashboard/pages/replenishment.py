"""Replenishment: stock against reorder points and safety stock, and what to reorder (design §3)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor, user_may
from dashboard.components import formats
from dashboard.components.grid_page import FilteredGrid, PageFilter, filter_dropdown, make_filter_row, make_grid_toolbar
from dashboard.components.grids import grid_columns, make_column_chooser
from dashboard.components.kpi_charts import graph_config
from dashboard.components.purchasing import FILTERS, TICKED, make_draft_modal, make_draft_report
from dashboard.components.replenishment import COLUMN_DEFS, make_grid, make_summary_cards, make_urgency_chart
from dashboard.components.status import make_mismatch_list, make_status_fields, show_fields_for_status
from dashboard.domain import inputs
from dashboard.domain.codes import Role, SalesStatus
from dashboard.domain.inputs import InputError, RefusedError
from dashboard.pages._columns import chosen_columns, remember_columns
from dashboard.services.catalog import status as status_service
from dashboard.services.derived import advice
from dashboard.services.derived.freshness import last_refreshed, mark_changed
from dashboard.services.derived.partial import PARTIAL_REFRESH_LIMIT, refresh_products
from dashboard.services.purchasing import drafts
from dashboard.services.replenishment import queries as repl

ROLES = (Role.MANAGER, Role.EXECUTIVE)
dash.register_page(
    __name__,
    path="/replenishment",
    name="Replenishment",
    title="Replenishment · Backorder Desk",
    nav_order=10,
    allowed_roles=list(ROLES),
)

GRID = FilteredGrid(
    grid_id="repl-grid",
    purge_id="repl-purge",
    filters=(
        PageFilter("repl-warehouse", "warehouse_id"),
        PageFilter("repl-category", "category"),
        PageFilter("repl-supplier", "supplier_id"),
        PageFilter("repl-status", "sales_status"),
        PageFilter("repl-condition", "condition"),
    ),
    parse=repl.ReplenishmentFilters.parse,
    allow_list=repl.GRID_COLUMNS,
    export_id="repl-export",
    export_path="/replenishment/export.csv",
)
COLUMNS = grid_columns(GRID.grid_id, COLUMN_DEFS)


def layout(condition: str | None = None, warehouse_id: str | None = None, **_query: str) -> html.Div:
    """Filters from the query string, then cards, chart and grid (all filled by callbacks)."""
    app = context.current()
    app.metrics.ensure_fresh()
    with app.db.read_session() as session:
        options = repl.filter_options(session)
        refreshed = last_refreshed(session)
        mismatches = advice.mismatches(session)
    initial_condition = condition if condition in repl.CONDITIONS else "below_rop"
    initial_wh = int(warehouse_id) if warehouse_id and warehouse_id.isdigit() else None
    stamp = f"Metrics computed {formats.stamp(refreshed)}" if refreshed else "Metrics are being computed…"
    shown = chosen_columns(COLUMNS)
    return html.Div(
        [
            dcc.Location(id="repl-nav", refresh="callback-nav"),
            GRID.purge_store(),
            dcc.Store(id="repl-changed"),
            html.Div(
                [
                    html.H2("Replenishment", className="mb-0"),
                    html.Span(stamp, className="text-body-secondary small", id="repl-refreshed"),
                ],
                className="d-flex align-items-baseline gap-3 mb-3 flex-wrap",
            ),
            make_filter_row(
                [
                    filter_dropdown("repl-warehouse", options["warehouse"], "All warehouses", initial_wh),
                    filter_dropdown("repl-category", options["category"], "All categories"),
                    filter_dropdown("repl-supplier", options["supplier"], "All suppliers"),
                    filter_dropdown("repl-status", options["sales_status"], "Any sales status"),
                    filter_dropdown(
                        "repl-condition", options["condition"], "Condition", initial_condition, clearable=False
                    ),
                ],
                md=6,
                fill=True,
            ),
            html.Div(id="repl-alert"),
            html.Div(id="repl-cards"),
            dbc.Card(
                [
                    dbc.CardHeader(
                        "Most urgent: stock position against safety stock and reorder point", className="fw-semibold"
                    ),
                    dbc.CardBody(
                        dcc.Graph(id="repl-chart", config=graph_config("replenishment-urgency")), className="p-2"
                    ),
                ],
                className="mb-3",
            ),
            make_grid_toolbar(
                "Click a row to open the SKU. Sort and filter from the column headers.",
                dbc.Button(
                    [html.I(className="bi bi-tags me-1"), "Set status of selected…"],
                    id="bulk-open",
                    color="primary",
                    outline=True,
                    size="sm",
                    disabled=True,
                )
                if user_may(Role.MANAGER)
                else None,
                dbc.Button(
                    [html.I(className="bi bi-cart-plus me-1"), "Draft purchase orders…"],
                    id="draft-open",
                    color="primary",
                    outline=True,
                    size="sm",
                )
                if user_may(Role.MANAGER)
                else None,
                make_column_chooser(COLUMNS, COLUMN_DEFS, shown),
                GRID.export_button(),
            ),
            make_grid(GRID.grid_id, shown),
            _bulk_status_modal() if user_may(Role.MANAGER) else None,
            make_draft_modal() if user_may(Role.MANAGER) else None,
            dbc.Card(
                [
                    dbc.CardHeader(
                        "Status mismatches: SKUs whose sales status disagrees with the policy", className="fw-semibold"
                    ),
                    dbc.CardBody(make_mismatch_list(*mismatches), className="p-2", id="repl-mismatches"),
                ],
                className="mt-3",
            ),
        ]
    )


def _bulk_status_modal() -> html.Div:
    return html.Div(
        [
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle("Set the sales status of the selected SKUs")),
                    dbc.ModalBody(
                        [
                            html.P(id="bulk-selected", className="small"),
                            *make_status_fields("bulk", SalesStatus.OUT_OF_STOCK.value),
                            html.Div(id="bulk-feedback", className="mt-2"),
                        ]
                    ),
                    dbc.ModalFooter(dbc.Button("Apply to all selected", id="bulk-apply", color="primary")),
                ],
                id="bulk-modal",
                is_open=False,
            ),
        ]
    )


@callback(
    Output("repl-cards", "children"),
    Output("repl-chart", "figure"),
    Output("repl-alert", "children"),
    *GRID.inputs,
    Input("repl-changed", "data"),
)
@allow_roles(*ROLES)
def update_overview(warehouse, category, supplier, status, condition, _changed=None):
    """Cards and chart for the chosen filters; again after a change made on this page (statuses, drafts)."""
    try:
        filters = GRID.parse_filters(warehouse, category, supplier, status, condition)
    except InputError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger")
    with context.current().db.read_session() as session:
        summary = repl.summary(session, filters)
        urgent = repl.most_urgent(session, filters)
    return make_summary_cards(summary), make_urgency_chart(urgent), None


@callback(
    Output("repl-grid", "getRowsResponse"),
    Output("repl-export", "href"),
    Input("repl-grid", "getRowsRequest"),
    *GRID.states,
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def grid_rows(request, warehouse, category, supplier, status, condition):
    """One block of rows, sorted and filtered in SQL; the export link follows the same filters."""
    if not request:
        raise dash.exceptions.PreventUpdate
    try:
        filters = GRID.parse_filters(warehouse, category, supplier, status, condition)
        # A Core connection: the grid needs no ORM session, and this runs for every block scrolled.
        with context.current().db.read_connection() as connection:
            page = repl.grid_rows(connection, filters, request)
    except InputError as exc:
        dash.set_props("repl-alert", {"children": dbc.Alert(str(exc), color="danger", dismissable=True)})
        return {"rowData": [], "rowCount": 0}, dash.no_update
    return page.as_response(), GRID.export_href(filters, request)


@callback(
    Output("repl-nav", "href"),
    Input("repl-grid", "cellClicked"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def open_sku(cell):
    """A click on a row opens that SKU's page for that warehouse."""
    if inputs.mapping(cell, "the clicked row", optional=False).get("colId") == "ag-Grid-SelectionColumn":
        raise dash.exceptions.PreventUpdate  # ticking a row's box selects it; it does not navigate
    row_id = inputs.grid_row_key(cell, "SKU", max_length=200)
    sku, _, warehouse = row_id.rpartition("|")  # warehouse codes have no "|"; a SKU may
    if not sku:
        raise inputs.InputError(f"the clicked row's id {row_id[:40]!r} names no SKU and warehouse")
    return f"/sku/{quote(sku, safe='')}?{urlencode({'warehouse': warehouse})}"


GRID.reload_on_filters()
remember_columns(COLUMNS, *ROLES)


@callback(
    Output("bulk-open", "disabled"),
    Output("bulk-selected", "children"),
    Input("repl-grid", "selectedRows"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER)
def count_selected(rows):
    """The bulk button is live while rows are ticked; the dialog says which SKUs."""
    rows = inputs.items(rows, "the ticked rows")
    skus = sorted(
        {row["sku"] for row in rows if isinstance(row, dict) and isinstance(row.get("sku"), str) and row["sku"]}
    )
    if not skus:
        return True, ""
    shown = ", ".join(skus[:12]) + (f" and {len(skus) - 12} more" if len(skus) > 12 else "")
    return False, f"{len(skus)} SKU(s): {shown}"


@callback(
    Output("bulk-modal", "is_open"),
    Input("bulk-open", "n_clicks"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER)
def open_bulk(clicks):
    """Open the bulk status dialog."""
    return bool(clicks)


LABEL_TO_STATUS = {s.label: s.value for s in SalesStatus}


@callback(
    Output("bulk-feedback", "children"),
    Output("repl-mismatches", "children"),
    Output("repl-changed", "data"),
    Input("bulk-apply", "n_clicks"),
    State("repl-grid", "selectedRows"),
    State("bulk-new", "value"),
    State("bulk-reason", "value"),
    State("bulk-override", "value"),
    State("bulk-backorders", "value"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def apply_bulk(clicks, rows, new_status, reason, override, backorder_action):
    """Set the status of every selected SKU in one transaction: all of them, or none with the reason."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    shown: dict[str, str | None] = {}
    for row in inputs.items(rows, "the ticked rows"):
        if isinstance(row, dict) and isinstance(row.get("sku"), str):
            label = row.get("sales_status")
            shown[row["sku"]] = LABEL_TO_STATUS.get(label) if isinstance(label, str) else None
    changes = [status_service.StatusChange(sku, new_status, expected=expected) for sku, expected in shown.items()]
    app = context.current()
    try:
        with app.unit_of_work(current_actor()) as work:
            results = status_service.set_status(
                work.session,
                work.actor,
                changes,
                reason,
                work.today,
                work.handling_days,
                override_reason=override,
                backorder_action=backorder_action,
            )
    except RefusedError as exc:
        return (
            dbc.Alert(f"Nothing changed. {exc}", color="danger", className="py-2 small"),
            dash.no_update,
            dash.no_update,
        )
    with app.db.read_session() as session:
        mismatch_list = make_mismatch_list(*advice.mismatches(session))
    told = sum(r.notices for r in results)
    message = (
        f"{len(results)} SKU(s) set to {SalesStatus(new_status).label.lower()}; {told} subscriber notice(s) queued."
    )
    return dbc.Alert(message, color="success", className="py-2 small"), mismatch_list, len(results)


@callback(
    Output("draft-modal", "is_open"),
    Output("draft-feedback", "children", allow_duplicate=True),
    Input("draft-open", "n_clicks"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER)
def open_drafts(clicks):
    """Open the draft dialog, clear of the last run's report."""
    return bool(clicks), None


@callback(
    Output("draft-feedback", "children"),
    Output("repl-changed", "data", allow_duplicate=True),
    Input("draft-create", "n_clicks"),
    State("draft-scope", "value"),
    State("repl-grid", "selectedRows"),
    *(State(f.component_id, "value") for f in GRID.filters),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def create_drafts(clicks, scope, rows, *filter_values):
    """Draft one PO per supplier and warehouse from the ticked rows or every suggestion in the filters."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    try:
        filters = repl.ReplenishmentFilters.parse(
            {f.key: value for f, value in zip(GRID.filters, filter_values, strict=True)}
        )
        if scope not in (TICKED, FILTERS):
            raise InputError("choose the ticked rows or every suggestion in the filters")
        with app.unit_of_work(current_actor()) as work:
            ticked_rows = inputs.items(rows, "the ticked rows")
            ticked = drafts.ticked_metric_ids(work.session, ticked_rows) if scope == TICKED else None
            result = drafts.create_drafts(work.session, work.actor, work.today, drafts.DraftScope(filters, ticked))
            today = work.today
            # The drafted pairs' position now counts the drafts: recompute them before the grid reloads
            # (a few seconds up to a few thousand products; beyond that a full refresh in the background).
            if len(result.product_ids) <= PARTIAL_REFRESH_LIMIT:
                work.after_commit(lambda: refresh_products(app.db, today, result.product_ids))
            else:
                mark_changed(work.session)
    except RefusedError as exc:
        reason = str(exc)
        refused = dbc.Alert(
            f"No purchase order was drafted. {reason[:1].upper()}{reason[1:]}", color="danger", className="py-2 small"
        )
        return refused, dash.no_update
    return make_draft_report(result.purchase_orders, result.skipped), len(result.purchase_orders)


# After a bulk change or new drafts the grid re-reads its blocks and forgets the selection.
GRID.reload_after(Input("repl-changed", "data"), deselect=True)


show_fields_for_status("bulk")
