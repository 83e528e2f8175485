"""Notifications: the customer outbox, its delivery state, a preview of each message, resend (design §6)."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor
from dashboard.components import formats
from dashboard.components.cards import make_kpi_card
from dashboard.components.grid_page import FilteredGrid, PageFilter, filter_dropdown, make_filter_row
from dashboard.components.grids import ROW_CLICK, make_infinite_grid, make_side_panel
from dashboard.domain import inputs
from dashboard.domain.codes import NotificationStatus, Role
from dashboard.domain.inputs import RefusedError
from dashboard.services.comms import outbox

ROLES = (Role.SUPPORT, Role.MANAGER)
dash.register_page(
    __name__,
    path="/notifications",
    name="Notifications",
    title="Notifications · Backorder Desk",
    nav_order=20,
    allowed_roles=list(ROLES),
)
GRID = FilteredGrid(
    grid_id="nt-grid",
    purge_id="nt-purge",
    filters=(PageFilter("nt-status", "status"), PageFilter("nt-kind", "kind")),
    parse=outbox.OutboxFilters.parse,
    allow_list=outbox.GRID_COLUMNS,
)

COLUMN_DEFS = [
    {
        "field": "created_at",
        "headerName": "Queued (UTC)",
        "width": 160,
        "filter": "agDateColumnFilter",
        "valueFormatter": formats.STAMP_CELL,
    },
    {
        "field": "status",
        "headerName": "Status",
        "width": 110,
        "filter": "agTextColumnFilter",
        "cellClassRules": {
            "text-success": "params.value === 'sent'",
            "text-warning-emphasis": "params.value === 'failed'",
            "text-danger fw-semibold": "params.value === 'dead'",
        },
    },
    {"field": "kind", "headerName": "Kind", "width": 180, "filter": "agTextColumnFilter"},
    {
        "field": "recipient",
        "headerName": "To",
        "width": 230,
        "filter": "agTextColumnFilter",
        "tooltipField": "recipient",
    },
    {
        "field": "subject",
        "headerName": "Subject",
        "flex": 1,
        "minWidth": 260,
        "filter": "agTextColumnFilter",
        "tooltipField": "subject",
    },
    {"field": "attempts", "headerName": "Attempts", "width": 105, "type": "rightAligned"},
    {
        "field": "sent_at",
        "headerName": "Sent (UTC)",
        "width": 160,
        "filter": "agDateColumnFilter",
        "valueFormatter": formats.STAMP_CELL,
    },
    {"field": "last_error", "headerName": "Last error", "width": 170, "tooltipField": "last_error"},
]


def _cards(counts: dict[NotificationStatus, int]) -> dbc.Row:
    # Pending and sent are traffic, not trouble; failed and dead are judged (none is good).
    judged = {"failed": ("watch", "retrying"), "dead": ("bad", "need a look")}
    details = {
        "pending": "waiting for the delivery worker",
        "sent": "handed to the mail server",
        "failed": "will be retried with backoff",
        "dead": "gave up; the error is kept",
    }
    cards = [
        make_kpi_card(
            status.label,
            f"{counts[status]:,}",
            details[status.value],
            colour="primary",
            verdict=(
                (judged[status.value] if counts[status] else ("good", "none")) if status.value in judged else None
            ),
            card_id=f"nt-card-{status.value}",
            icon="bi-envelope",
        )
        for status in NotificationStatus
    ]
    return dbc.Row([dbc.Col(card, md=6, xl=3, className="mb-3") for card in cards])


def layout(status: str | None = None, **_query: str) -> html.Div:
    """Counts, filters, the outbox grid and the message panel."""
    with context.current().db.read_session() as session:
        counts = outbox.counts(session)
    return html.Div(
        [
            GRID.purge_store(),
            dcc.Store(id="nt-selected"),
            dcc.Store(id="nt-changed"),
            html.Div(
                [
                    html.H2(
                        [
                            "Customer notifications",
                            html.Small(id="nt-count", className="text-body-secondary fs-6 ms-2"),
                        ],
                        className="mb-0",
                    ),
                    dbc.Button(
                        [html.I(className="bi bi-send me-1"), "Send pending now"],
                        id="nt-send",
                        color="primary",
                        size="sm",
                    ),
                ],
                className="d-flex justify-content-between align-items-center mb-3",
            ),
            html.Div(id="nt-alert"),
            html.Div(_cards(counts), id="nt-cards"),
            make_filter_row(
                [
                    filter_dropdown(
                        "nt-status",
                        [{"label": s.label, "value": s.value} for s in NotificationStatus],
                        "Any status",
                        status if status in NotificationStatus.values() else None,
                    ),
                    filter_dropdown(
                        "nt-kind", [{"label": label, "value": key} for key, label in outbox.KINDS.items()], "Any kind"
                    ),
                ],
                md=4,
            ),
            make_infinite_grid(GRID.grid_id, COLUMN_DEFS, "'' + params.data.id", rowSelection=ROW_CLICK),
            make_side_panel("nt", "Message", "600px"),
        ]
    )


@callback(
    Output("nt-grid", "getRowsResponse"),
    Input("nt-grid", "getRowsRequest"),
    *GRID.states,
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def grid_rows(request, status, kind):
    """One block of the outbox, filtered and sorted in SQL."""
    if not request:
        raise dash.exceptions.PreventUpdate
    try:
        filters = GRID.parse_filters(status, kind)
        with context.current().db.read_session() as session:
            page = outbox.grid_rows(session, filters, request)
    except RefusedError as exc:
        dash.set_props("nt-alert", {"children": dbc.Alert(str(exc), color="danger", dismissable=True)})
        return {"rowData": [], "rowCount": 0}
    # The count of the whole filtered set, beside the title (the grid loads it a block at a time).
    dash.set_props("nt-count", {"children": f"{page.row_count:,} notice{'' if page.row_count == 1 else 's'}"})
    return page.as_response()


def _preview(row) -> html.Div:
    facts = [
        ("To", row.recipient),
        ("Subject", row.subject),
        ("Kind", outbox.KINDS.get(row.kind, row.kind)),
        ("Status", f"{row.status.label} after {row.attempts} attempt(s)"),
        ("Queued", formats.stamp(row.created_at)),
        ("Sent", formats.stamp(row.sent_at)),
    ]
    return html.Div(
        [
            dbc.Table(
                html.Tbody(
                    [html.Tr([html.Th(k, className="fw-normal text-body-secondary"), html.Td(v)]) for k, v in facts]
                ),
                size="sm",
                borderless=True,
                className="small mb-2",
            ),
            dbc.Alert(row.last_error, color="danger", className="small py-2") if row.last_error else None,
            html.Pre(row.body_text, className="border rounded p-2 bg-body-tertiary small", id="nt-body"),
            dbc.Button("Resend", id="nt-resend", color="secondary", outline=True, size="sm")
            if row.status is not NotificationStatus.PENDING
            else html.Small("Waiting for the delivery worker.", className="text-body-secondary"),
        ]
    )


@callback(
    Output("nt-offcanvas", "is_open"),
    Output("nt-panel", "children"),
    Output("nt-selected", "data"),
    Output("nt-feedback", "children"),
    Input("nt-grid", "cellClicked"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def open_message(cell):
    """A click on a row shows the message."""
    message_id = inputs.grid_row_id(cell, "message")
    with context.current().db.read_session() as session:
        row = outbox.message(session, message_id)
        body = _preview(row) if row else html.P("No such message.")
    return True, body, message_id, None


@callback(
    Output("nt-feedback", "children", allow_duplicate=True),
    Output("nt-alert", "children", allow_duplicate=True),
    Output("nt-changed", "data"),
    Input("nt-resend", "n_clicks"),
    Input("nt-send", "n_clicks"),
    State("nt-selected", "data"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES, writes=True)
def send_or_resend(_resend, _send, selected):
    """Resend one message (a new outbox row), or start a delivery pass in the background."""
    if not ctx.triggered_id or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise dash.exceptions.PreventUpdate
    app = context.current()
    if ctx.triggered_id == "nt-send":
        started = app.outbox.start()
        text = "Sending pending messages in the background…" if started else "A send is already running."
        return dash.no_update, dbc.Alert(text, color="info", className="py-2", duration=5000), time.time()
    try:
        with app.unit_of_work(current_actor()) as work:
            copy_id = outbox.resend(work.session, work.actor, selected).id
            work.after_commit(app.outbox.start)  # the copy goes out now, not at the next delivery pass
    except RefusedError as exc:
        return dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update, dash.no_update
    message = f"Queued again as message {copy_id} and handed to the delivery worker."
    return dbc.Alert(message, color="success", className="py-2"), dash.no_update, time.time()


@callback(
    Output("nt-cards", "children"),
    Input("nt-changed", "data"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def refresh_counts(_changed):
    """Counts follow a send or resend."""
    with context.current().db.read_session() as session:
        return _cards(outbox.counts(session))


GRID.reload_on_filters(Input("nt-changed", "data"))
