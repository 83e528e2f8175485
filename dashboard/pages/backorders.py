"""Backorder triage: every open backorder by age and promised date (design §4, §6)."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor, user_may
from dashboard.components import formats
from dashboard.components.backorders import (
    COLUMN_DEFS,
    make_aging_chart,
    make_grid,
    make_line_panel,
    make_severity_explainer,
    make_summary_cards,
)
from dashboard.components.grid_page import (
    FilteredGrid,
    PageFilter,
    filter_dropdown,
    filter_search,
    make_filter_row,
    make_grid_toolbar,
)
from dashboard.components.grids import grid_columns, make_column_chooser, make_side_panel
from dashboard.components.kpi_charts import graph_config
from dashboard.domain import inputs
from dashboard.domain.codes import PromiseState, Role
from dashboard.domain.inputs import InputError, RefusedError
from dashboard.pages._columns import chosen_columns, remember_columns
from dashboard.services.backorders import queue as bo
from dashboard.services.backorders import support
from dashboard.services.derived.freshness import last_refreshed

ROLES = (Role.SUPPORT, Role.MANAGER, Role.EXECUTIVE)
ACTING_ROLES = (Role.SUPPORT, Role.MANAGER)
dash.register_page(
    __name__,
    path="/backorders",
    name="Backorders",
    title="Backorders · Backorder Desk",
    nav_order=5,
    allowed_roles=list(ROLES),
)

GRID = FilteredGrid(
    grid_id="bo-grid",
    purge_id="bo-purge",
    filters=(
        PageFilter("bo-warehouse", "warehouse_id"),
        PageFilter("bo-channel", "channel"),
        PageFilter("bo-customer", "customer"),
        PageFilter("bo-sku", "sku"),
        PageFilter("bo-bucket", "bucket"),
        PageFilter("bo-state", "state"),
    ),
    parse=bo.BackorderFilters.parse,
    allow_list=bo.grid_columns,
    export_id="bo-export",
    export_path="/backorders/export.csv",
)
COLUMNS = grid_columns(GRID.grid_id, COLUMN_DEFS)


def layout(state: str | None = None, bucket: str | None = None, **_query: str) -> html.Div:
    """Filters (optionally preset from the query string), cards, aging chart, queue and side panel."""
    app = context.current()
    app.metrics.ensure_fresh()
    with app.db.read_session() as session:
        options = bo.filter_options(session)
        refreshed = last_refreshed(session)
    stamp = f"Projection computed {formats.stamp(refreshed)}" if refreshed else "Projection is being computed…"
    shown = chosen_columns(COLUMNS)
    return html.Div(
        [
            GRID.purge_store(),
            dcc.Store(id="bo-selected"),
            dcc.Store(id="bo-changed"),
            html.Div(
                [
                    html.H2("Backorder triage", className="mb-0"),
                    html.Span(stamp, className="text-body-secondary small"),
                ],
                className="d-flex align-items-baseline gap-3 mb-3 flex-wrap",
            ),
            make_filter_row(
                [
                    filter_dropdown("bo-warehouse", options["warehouse"], "All warehouses"),
                    filter_dropdown("bo-channel", options["channel"], "All channels"),
                    filter_search("bo-customer", "Customer name…", bo.MAX_TEXT),
                    filter_search("bo-sku", "SKU…", bo.MAX_TEXT),
                    filter_dropdown(
                        "bo-bucket", options["bucket"], "Any age", bucket if bucket in bo.BUCKET_KEYS else None
                    ),
                    filter_dropdown(
                        "bo-state",
                        options["state"],
                        "Any promise state",
                        state if state in PromiseState.values() else None,
                    ),
                ],
                md=4,
                fill=True,
            ),
            html.Div(id="bo-alert"),
            html.Div(id="bo-cards"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader("Open backorders by age", className="fw-semibold"),
                                dbc.CardBody(
                                    dcc.Graph(id="bo-aging", config=graph_config("backorders-age")),
                                    className="p-2",
                                ),
                            ],
                            className="h-100",
                        ),
                        lg=8,
                        className="mb-3",
                    ),
                    dbc.Col(make_severity_explainer(), lg=4, className="mb-3"),
                ],
                # On a phone the support lead came for the queue: the chart and the scoring note stay on
                # wider screens, so the grid follows the cards instead of two screens further down.
                className="d-none d-md-flex",
            ),
            make_grid_toolbar(
                "Most severe first. Click a line to see its history"
                + (" and act on it." if user_may(*ACTING_ROLES) else "."),
                make_column_chooser(COLUMNS, COLUMN_DEFS, shown),
                GRID.export_button(),
            ),
            make_grid(GRID.grid_id, shown),
            make_side_panel("bo", "Order line"),
        ]
    )


@callback(
    Output("bo-cards", "children"),
    Output("bo-aging", "figure"),
    Output("bo-alert", "children"),
    *GRID.inputs,
    Input("bo-changed", "data"),
)
@allow_roles(*ROLES)
def update_overview(warehouse, channel, customer, sku, bucket, state, _changed):
    """Cards and aging chart for the chosen filters."""
    try:
        filters = GRID.parse_filters(warehouse, channel, customer, sku, bucket, state)
    except InputError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger")
    app = context.current()
    today = app.settings.today()
    with app.db.read_session() as session:
        summary, cells = bo.overview(session, filters, today)
    return make_summary_cards(summary), make_aging_chart(cells), None


@callback(
    Output("bo-grid", "getRowsResponse"),
    Output("bo-export", "href"),
    Input("bo-grid", "getRowsRequest"),
    *GRID.states,
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def grid_rows(request, warehouse, channel, customer, sku, bucket, state):
    """One block of the triage queue, sorted and filtered in SQL; the export link follows the same filters."""
    if not request:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    try:
        filters = GRID.parse_filters(warehouse, channel, customer, sku, bucket, state)
        with app.db.read_session() as session:
            page = bo.grid_rows(session, filters, request, app.settings.today())
    except InputError as exc:
        dash.set_props("bo-alert", {"children": dbc.Alert(str(exc), color="danger", dismissable=True)})
        return {"rowData": [], "rowCount": 0}, dash.no_update
    return page.as_response(), GRID.export_href(filters, request)


def _panel(line_id: int):
    """The panel's title and body for ``line_id`` (None body when the line is no longer waiting)."""
    app = context.current()
    with app.db.read_session() as session:
        detail = bo.line_detail(session, line_id)
    if detail is None:
        return "Order line", html.P("This line is no longer waiting for stock.", className="text-body-secondary"), None
    title = f"{detail.line['order_number']} · {detail.line['sku']}"
    return (
        title,
        make_line_panel(detail, app.settings.today(), user_may(*ACTING_ROLES), user_may(Role.MANAGER)),
        {
            "line_id": line_id,
            "version": detail.version,
        },
    )


@callback(
    Output("bo-offcanvas", "is_open"),
    Output("bo-offcanvas", "title"),
    Output("bo-panel", "children"),
    Output("bo-selected", "data"),
    Output("bo-feedback", "children"),
    Input("bo-grid", "cellClicked"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def open_line(cell):
    """A click on a row opens that line in the side panel."""
    title, body, selected = _panel(inputs.grid_row_id(cell, "line"))
    return True, title, body, selected, None


@callback(
    Output("bo-panel", "children", allow_duplicate=True),
    Output("bo-selected", "data", allow_duplicate=True),
    Output("bo-feedback", "children", allow_duplicate=True),
    Output("bo-changed", "data"),
    Input("bo-log-contact", "n_clicks"),
    Input("bo-accept", "n_clicks"),
    Input("bo-cancel", "n_clicks"),
    State("bo-selected", "data"),
    State("bo-contact-channel", "value"),
    State("bo-contact-outcome", "value"),
    State("bo-contact-note", "value"),
    State("bo-cancel-reason", "value"),
    prevent_initial_call=True,
)
@allow_roles(*ACTING_ROLES, writes=True)
def act_on_line(_contact, _accept, _cancel, selected, channel, outcome, note, reason):
    """Log a contact, or record the customer's decision; one transaction each."""
    if not ctx.triggered_id or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise dash.exceptions.PreventUpdate
    selected = inputs.mapping(selected, "the line on screen")
    line_id, version = selected.get("line_id"), selected.get("version")
    app = context.current()
    try:
        with app.unit_of_work(current_actor()) as work:
            if ctx.triggered_id == "bo-log-contact":
                support.log_contact(work.session, work.actor, line_id, channel, outcome, note)
                message = "Contact logged."
            elif ctx.triggered_id == "bo-accept":
                support.accept_new_date(work.session, work.actor, line_id, version, note)
                message = "Recorded: the customer accepts the current date."
            else:
                result = support.cancel_line(
                    work.session, work.actor, line_id, version, reason, work.today, work.handling_days
                )
                handed = sum(a.qty for a in result.allocated_to)
                message = "Line cancelled; a cancellation notice is queued." + (
                    f" {handed} freed units went to the next customers in the queue." if handed else ""
                )
    except RefusedError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update
    _title, body, selected = _panel(line_id)
    return body, selected, dbc.Alert(message, color="success", className="py-2", duration=6000), time.time()


@callback(
    Output("bo-panel", "children", allow_duplicate=True),
    Output("bo-selected", "data", allow_duplicate=True),
    Output("bo-feedback", "children", allow_duplicate=True),
    Output("bo-changed", "data", allow_duplicate=True),
    Input("bo-pin-save", "n_clicks"),
    State("bo-selected", "data"),
    State("bo-pin", "value"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def save_pin(clicks, selected, pin):
    """Pin (or unpin) the line; its queue is rebuilt in the same transaction."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    selected = inputs.mapping(selected, "the line on screen")
    app = context.current()
    try:
        pin = inputs.optional_integer(pin, "pin")
        with app.unit_of_work(current_actor()) as work:
            support.pin_line(
                work.session,
                work.actor,
                selected.get("line_id"),
                selected.get("version"),
                pin,
                work.today,
                work.handling_days,
            )
    except RefusedError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update
    _title, body, selected = _panel(selected.get("line_id"))
    message = "Pin cleared." if pin is None else f"Pinned at {pin}."
    return body, selected, dbc.Alert(message, color="success", className="py-2", duration=6000), time.time()


GRID.reload_on_filters()
GRID.reload_after(Input("bo-changed", "data"))
remember_columns(COLUMNS, *ROLES)
