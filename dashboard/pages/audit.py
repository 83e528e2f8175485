"""Audit log: every change with who, when, before, after and why (design §2, §6)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles
from dashboard.components import formats
from dashboard.components.grid_page import FilteredGrid, PageFilter, filter_dropdown, make_filter_row
from dashboard.components.grids import make_infinite_grid
from dashboard.domain.codes import Role
from dashboard.domain.inputs import InputError
from dashboard.services.audit import log as audit_log

ROLES = (Role.MANAGER,)
dash.register_page(
    __name__,
    path="/audit",
    name="Audit",
    title="Audit log · Backorder Desk",
    nav_order=80,
    allowed_roles=list(ROLES),
)
GRID = FilteredGrid(
    grid_id="audit-grid",
    purge_id="audit-purge",
    filters=(
        PageFilter("audit-actor", "actor"),
        PageFilter("audit-entity", "entity_type"),
        PageFilter("audit-dates", "since", "start_date"),
        PageFilter("audit-dates", "until", "end_date"),
    ),
    parse=audit_log.AuditFilters.parse,
    allow_list=audit_log.GRID_COLUMNS,
)
# Sized so the log fits a 1440 px window; the long texts share what is left and keep a tooltip.
COLUMN_DEFS = [
    {
        "field": "at",
        "headerName": "When (UTC)",
        "width": 165,
        "filter": "agDateColumnFilter",
        "valueFormatter": formats.STAMP_CELL,
        "tooltipField": "at",
    },
    {"field": "actor", "headerName": "Who", "width": 150, "filter": "agTextColumnFilter", "tooltipField": "actor"},
    {"field": "entity_type", "headerName": "Entity", "width": 140, "filter": "agTextColumnFilter"},
    {
        "field": "entity_id",
        "headerName": "Id",
        "width": 145,
        "filter": "agTextColumnFilter",
        "tooltipField": "entity_id",
    },
    {"field": "action", "headerName": "Action", "width": 215, "filter": "agTextColumnFilter", "tooltipField": "action"},
    {
        "field": "before",
        "headerName": "Before",
        "flex": 1,
        "minWidth": 180,
        "filter": "agTextColumnFilter",
        "tooltipField": "before",
        "sortable": False,
    },
    {
        "field": "after",
        "headerName": "After",
        "flex": 1,
        "minWidth": 200,
        "filter": "agTextColumnFilter",
        "tooltipField": "after",
        "sortable": False,
    },
    {
        "field": "reason",
        "headerName": "Why",
        "flex": 1,
        "minWidth": 180,
        "filter": "agTextColumnFilter",
        "tooltipField": "reason",
    },
]


def layout(**_query: str) -> html.Div:
    """Filters and the audit grid."""
    with context.current().db.read_session() as session:
        people = audit_log.actors(session)
    return html.Div(
        [
            GRID.purge_store(),
            html.H2(
                ["Audit log", html.Small(id="audit-count", className="text-body-secondary fs-6 ms-2")], className="mb-3"
            ),
            make_filter_row(
                [
                    filter_dropdown("audit-actor", people, "Anyone"),
                    filter_dropdown(
                        "audit-entity",
                        [{"label": label, "value": key} for key, label in audit_log.ENTITY_TYPES.items()],
                        "Any entity",
                    ),
                    dcc.DatePickerRange(id="audit-dates", clearable=True, display_format="YYYY-MM-DD"),
                ],
                md=(3, 3, 6),
            ),
            html.Div(id="audit-alert"),
            make_infinite_grid(GRID.grid_id, COLUMN_DEFS, "'' + params.data.id", height="640px"),
        ]
    )


@callback(
    Output("audit-grid", "getRowsResponse"),
    Input("audit-grid", "getRowsRequest"),
    *GRID.states,
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def grid_rows(request, actor, entity, since, until):
    """One block of audit events, filtered and sorted in SQL."""
    if not request:
        raise dash.exceptions.PreventUpdate
    try:
        filters = GRID.parse_filters(actor, entity, since, until)
        with context.current().db.read_session() as session:
            page = audit_log.grid_rows(session, filters, request)
    except InputError as exc:
        dash.set_props("audit-alert", {"children": dbc.Alert(str(exc), color="danger", dismissable=True)})
        return {"rowData": [], "rowCount": 0}
    # The count of the whole filtered set, beside the title (the grid loads it a block at a time).
    dash.set_props("audit-count", {"children": f"{page.row_count:,} change{'' if page.row_count == 1 else 's'}"})
    return page.as_response()


GRID.reload_on_filters()
