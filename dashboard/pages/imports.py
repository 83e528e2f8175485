"""Import: bring products, stock, orders and purchase orders in from a shop, WMS or ERP export (issue 10).

Upload once (the file is kept server-side; the browser holds only its token), match columns,
preview the first rows as the import would treat them, then import as a background job with a
progress bar. The job commits good rows in one transaction, reports refused rows with the
reason, and refreshes metrics and KPIs.
"""

from __future__ import annotations

import base64
import binascii
import logging

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, callback, dcc, html, set_props

from dashboard import context
from dashboard.auth.roles import allow_cancel, allow_roles, current_actor
from dashboard.components import imports as ui
from dashboard.domain import inputs
from dashboard.domain.codes import Role
from dashboard.domain.inputs import RefusedError
from dashboard.services import imports as importing
from dashboard.services.imports import jobs as import_jobs

ROLES = (Role.MANAGER,)
log = logging.getLogger(__name__)
PREVIEW_ROWS = 20
dash.register_page(
    __name__,
    path="/import",
    name="Import",
    title="Import · Backorder Desk",
    nav_order=30,
    allowed_roles=list(ROLES),
)
MAP_VALUES = State({"type": "imp-map", "field": ALL}, "value")
MAP_IDS = State({"type": "imp-map", "field": ALL}, "id")
SET_VALUES = State({"type": "imp-set", "field": ALL}, "value")
SET_IDS = State({"type": "imp-set", "field": ALL}, "id")


def _card(title: str, body, **kwargs) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.Strong(title)), dbc.CardBody(body)], className="mb-3", **kwargs)


def layout(**_query: str) -> html.Div:
    """Kind and fields on the left; upload, column matching, preview and import on the right."""
    with context.current().db.read_session() as session:
        warehouses = import_jobs.warehouse_options(session)
        history = import_jobs.recent_imports(session)
    return html.Div(
        [
            dcc.Store(id="imp-upload"),
            html.H2("Import data", className="mb-1"),
            html.P(
                "Bring your catalog, stock, open orders and purchase orders in from your shop, WMS or ERP. "
                "Every row is checked; the good rows go in together, refused rows come back with the reason. "
                "Importing the same file again changes nothing.",
                className="text-body-secondary",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            "1 · What are you importing?",
                            [
                                dcc.Dropdown(
                                    id="imp-kind", options=ui.kind_options(), value="products", clearable=False
                                ),
                                html.A(
                                    [html.I(className="bi bi-download me-1"), "Download the template (CSV)"],
                                    id="imp-template",
                                    href="/import/template/products.csv",
                                    className="btn btn-sm btn-outline-secondary my-2",
                                ),
                                html.Div(id="imp-fields"),
                            ],
                        ),
                        lg=4,
                    ),
                    dbc.Col(
                        [
                            _card(
                                "2 · Upload the file",
                                [
                                    # dcc.Upload's file input takes no label of its own: wrapping the drop zone in
                                    # a <label> names it by the zone's text for screen readers (docs/ui.md).
                                    html.Label(
                                        dcc.Upload(
                                            id="imp-file",
                                            children=html.Div(
                                                [
                                                    html.I(className="bi bi-cloud-arrow-up fs-3 d-block"),
                                                    "Drop a CSV or XLSX file here, or ",
                                                    html.A("choose one", className="link-primary"),
                                                    html.Div(
                                                        f"Up to {import_jobs.MAX_UPLOAD_BYTES // 2**20} MB; "
                                                        "Shopify and WooCommerce product exports are recognised.",
                                                        className="small text-body-secondary",
                                                    ),
                                                ]
                                            ),
                                            accept=".csv,.xlsx",
                                            # The label opens the file chooser (a click on the zone, or Enter
                                            # or Space on the file input inside); the zone's own would be a second.
                                            disable_click=True,
                                            max_size=import_jobs.MAX_UPLOAD_BYTES,
                                            className="import-drop",
                                        ),
                                        className="d-block mb-0",
                                    ),
                                    html.Div(id="imp-file-info"),
                                ],
                            ),
                            _card(
                                "3 · Match the columns",
                                [
                                    html.Div(id="imp-shop"),
                                    dbc.Row(
                                        [
                                            dbc.Col(
                                                dcc.Dropdown(
                                                    id="imp-warehouse",
                                                    options=warehouses,
                                                    placeholder="Warehouse of a shop export or sales totals",
                                                ),
                                                md=6,
                                            ),
                                        ],
                                        id="imp-warehouse-row",
                                        className="mb-2 d-none",
                                    ),
                                    dbc.Row(
                                        [
                                            dbc.Col(
                                                dcc.Dropdown(id="imp-saved", placeholder="Use a saved mapping…"), md=5
                                            ),
                                            dbc.Col(
                                                dbc.Input(
                                                    id="imp-save-name", placeholder="Name this mapping", maxLength=80
                                                ),
                                                md=4,
                                            ),
                                            dbc.Col(
                                                dbc.Button(
                                                    "Save mapping",
                                                    id="imp-save",
                                                    color="secondary",
                                                    outline=True,
                                                    disabled=True,  # until a file's columns are matched
                                                ),
                                                md=3,
                                            ),
                                        ],
                                        id="imp-saved-row",
                                        className="g-2 mb-2",
                                    ),
                                    html.Div(id="imp-save-feedback"),
                                    html.Div(
                                        html.P("Upload a file to match its columns.", className="text-body-secondary"),
                                        id="imp-mapping",
                                    ),
                                ],
                            ),
                            _card(
                                "4 · Check and import",
                                [
                                    html.Div(
                                        "The first rows of your file appear here, as the import would treat "
                                        "them, once a file is uploaded and its columns matched.",
                                        id="imp-preview-summary",
                                        className="mb-2 small text-body-secondary",
                                    ),
                                    # No empty grid before there is something to show in it.
                                    html.Div(ui.make_preview_grid("imp-preview"), id="imp-preview-wrap", hidden=True),
                                    html.Div(
                                        [
                                            dbc.Button(
                                                [html.I(className="bi bi-box-arrow-in-down me-1"), "Import"],
                                                id="imp-run",
                                                color="primary",
                                                disabled=True,
                                            ),
                                            dbc.Button("Cancel", id="imp-cancel", color="link", className="d-none"),
                                        ],
                                        className="mt-3",
                                    ),
                                    html.Div(
                                        [
                                            dbc.Progress(id="imp-progress", value=0, striped=True, animated=True),
                                            html.Div(id="imp-stage", className="small text-body-secondary mt-1"),
                                        ],
                                        id="imp-progress-wrap",
                                        className="mt-3 d-none",
                                    ),
                                    html.Div(id="imp-result", className="mt-3"),
                                ],
                            ),
                        ],
                        lg=8,
                    ),
                ]
            ),
            _card("Recent imports", html.Div(ui.make_history(history), id="imp-history")),
        ]
    )


def _known_kind(kind: object) -> bool:
    return isinstance(kind, str) and kind in importing.KINDS


@callback(
    Output("imp-fields", "children"),
    Output("imp-template", "href"),
    Output("imp-saved", "options"),
    Output("imp-saved", "value"),
    Input("imp-kind", "value"),
)
@allow_roles(*ROLES)
def kind_chosen(kind):
    """The chosen kind's columns, its template and its saved mappings."""
    kind = inputs.choice(kind, "kind", importing.KINDS, optional=True)
    if kind is None:
        raise dash.exceptions.PreventUpdate
    spec = importing.KINDS[kind]
    with context.current().db.read_session() as session:
        saved = [m.name for m in importing.list_mappings(session, kind)]
    return ui.make_fields(spec.description, importing.describe(kind)), f"/import/template/{kind}.csv", saved, None


@callback(
    Output("imp-upload", "data"),
    Output("imp-file-info", "children"),
    Output("imp-result", "children", allow_duplicate=True),
    Input("imp-file", "contents"),
    State("imp-file", "filename"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES, writes=True)
def file_uploaded(contents, filename):
    """Keep the uploaded file server-side; the page holds only its token, header and shop."""
    if not isinstance(contents, str) or not isinstance(filename, str) or "," not in contents:
        return None, dbc.Alert("The upload did not arrive whole; choose the file again.", color="danger"), None
    try:
        data = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None, dbc.Alert("The upload did not arrive whole; choose the file again.", color="danger"), None
    try:
        with context.current().unit_of_work(current_actor()) as work:
            upload = import_jobs.store_upload(work.session, work.actor, filename, data, PREVIEW_ROWS)
    except RefusedError as exc:
        return None, dbc.Alert(str(exc), color="danger", id="imp-file-error"), None
    shop = importing.detect_shop(upload.header) or importing.detect_order_export(upload.header)
    info = ui.make_file_info(upload.file_name, upload.size, len(upload.header), shop)
    return {"token": upload.token, "header": upload.header, "shop": shop}, info, None


def _fields(values, ids, what: str) -> dict[str, object]:
    values, ids = inputs.items(values, what), inputs.items(ids, what)
    return {
        i["field"]: value
        for i, value in zip(ids, values, strict=False)
        if isinstance(i, dict) and isinstance(i.get("field"), str)
    }


def _mapping(values, ids, fixed=(), fixed_ids=()) -> dict[str, str | dict[str, str] | None]:
    """The form's choices as a mapping (see :mod:`dashboard.services.imports.mapping`).

    "not in this file" is None, so a column of the field's own name is not read; "one value for
    every row" is ``{"set": the field's text}`` (blank is a blank cell in every row, as with
    ``--set FIELD=``), checked and refused row by row like any cell.
    """
    texts = _fields(fixed, fixed_ids, "the values for every row")
    mapping: dict[str, str | dict[str, str] | None] = {}
    for field, value in _fields(values, ids, "the matched columns").items():
        if value == ui.SET_VALUE:
            text = texts.get(field)
            mapping[field] = {"set": text.strip() if isinstance(text, str) else ""}
        elif isinstance(value, str):
            mapping[field] = None if value == ui.NOT_MAPPED else value
    return mapping


@callback(
    Output("imp-mapping", "children"),
    Output("imp-shop", "children"),
    Output("imp-warehouse-row", "className"),
    Output("imp-saved-row", "className"),
    Input("imp-upload", "data"),
    Input("imp-kind", "value"),
    Input("imp-saved", "value"),
)
@allow_roles(*ROLES)
def match_columns(upload, kind, saved):
    """The column-matching form: a shop export is matched for the user; other files get suggestions."""
    header = upload.get("header") if isinstance(upload, dict) else None
    if not isinstance(header, list) or not _known_kind(kind):
        hint = html.P("Upload a file to match its columns.", className="text-body-secondary")
        set_props("imp-save", {"disabled": True})
        return hint, None, "mb-2 d-none", "g-2 mb-2"
    header = [str(column) for column in header]
    shop = importing.automatic_kind(kind, header)
    if shop:
        columns = (importing.order_columns if shop in importing.ORDER_EXPORTS else importing.shop_columns)(shop, header)
        return None, ui.make_shop_notice(shop, columns), "mb-2", "g-2 mb-2 d-none"
    mapping = importing.suggest_mapping(kind, header)
    if saved:
        try:
            with context.current().db.read_session() as session:
                # Fields the saved mapping does not mention keep their suggestion.
                mapping = mapping | importing.load_mapping(session, kind, saved)
        except importing.MappingError as exc:
            set_props("imp-save-feedback", {"children": dbc.Alert(str(exc), color="warning", dismissable=True)})
    form = ui.make_mapping_form(importing.describe(kind), header, mapping)
    # A file of sales totals may name no warehouse: the user picks the one of all its rows.
    warehouse_row = "mb-2" if kind == "sales_periods" else "mb-2 d-none"
    set_props("imp-save", {"disabled": False})
    return form, None, warehouse_row, "g-2 mb-2"


# The text box of "one value for every row" is open only while that choice is made (browser-side).
dash.clientside_callback(
    f"function(choice) {{ return choice !== {ui.SET_VALUE!r}; }}",
    Output({"type": "imp-set", "field": MATCH}, "disabled"),
    Input({"type": "imp-map", "field": MATCH}, "value"),
)


@callback(
    Output("imp-preview", "rowData"),
    Output("imp-preview", "columnDefs"),
    Output("imp-preview-summary", "children"),
    Output("imp-run", "disabled"),
    Input("imp-upload", "data"),
    Input("imp-kind", "value"),
    Input({"type": "imp-map", "field": ALL}, "value"),
    Input("imp-warehouse", "value"),
    Input({"type": "imp-set", "field": ALL}, "value"),
    MAP_IDS,
    SET_IDS,
)
@allow_roles(*ROLES)
def preview(upload, kind, values, warehouse, fixed, ids, fixed_ids):
    """The first rows as the import would treat them; nothing is written."""
    token = upload.get("token") if isinstance(upload, dict) else None
    if not token or not _known_kind(kind):
        set_props("imp-preview-wrap", {"hidden": True})
        return [], [], dash.no_update, True
    app = context.current()
    automatic = importing.automatic_kind(kind, upload.get("header") or [])
    try:
        mapping = None if automatic else _mapping(values, ids, fixed, fixed_ids)
        with app.db.read_session() as session:
            actor = current_actor()
            head = import_jobs.upload_head(session, token, actor, PREVIEW_ROWS)
            rows = importing.preview(
                session,
                kind,
                head,
                today=app.settings.today(),
                handling_days=app.settings.handling_days,
                mapping=mapping,
                warehouse_code=warehouse or None,
                limit=PREVIEW_ROWS,
            )
    except (importing.ImportFileError, importing.MappingError, import_jobs.UploadError) as exc:
        set_props("imp-preview-wrap", {"hidden": True})
        return [], [], dbc.Alert(str(exc), color="warning", className="mb-0", id="imp-preview-error"), True
    fields = list(dict.fromkeys(name for row in rows for name in row.values))
    data = [
        {
            "row": row.row,
            "outcome": row.outcome,
            **{f"f_{name}": value for name, value in row.values.items()},
            "problems": "; ".join(f"{p.column}: {p.reason}" for p in row.problems),
        }
        for row in rows
    ]
    counts = {outcome: sum(r.outcome == outcome for r in rows) for outcome in ui.OUTCOME_BADGES}
    summary = html.Span(
        [f"The first {len(rows)} rows would be: "]
        + [
            dbc.Badge(f"{n} {outcome}", color=ui.OUTCOME_BADGES[outcome], className="me-1")
            for outcome, n in counts.items()
            if n
        ],
        id="imp-preview-counts",
    )
    set_props("imp-preview-wrap", {"hidden": not data})
    return data, ui.preview_columns(fields), summary, False


@callback(
    Output("imp-save-feedback", "children"),
    Output("imp-saved", "options", allow_duplicate=True),
    Input("imp-save", "n_clicks"),
    State("imp-kind", "value"),
    State("imp-save-name", "value"),
    MAP_VALUES,
    MAP_IDS,
    SET_VALUES,
    SET_IDS,
    prevent_initial_call=True,
)
@allow_roles(*ROLES, writes=True)
def save_mapping(_clicks, kind, name, values, ids, fixed, fixed_ids):
    """Save the matched columns under a name, for the next file from the same system."""
    try:
        kind = inputs.choice(kind, "kind", importing.KINDS)
        with context.current().unit_of_work(current_actor()) as work:
            mapping = _mapping(values, ids, fixed, fixed_ids)
            saved = importing.save_mapping(work.session, work.actor, kind, name, mapping)
            names = [m.name for m in importing.list_mappings(work.session, kind)]
            message = f"Saved the {kind} mapping {saved.name!r}: pick it next time, or pass --mapping to the CLI."
    except RefusedError as exc:
        return dbc.Alert(str(exc), color="danger", dismissable=True, id="imp-save-error"), dash.no_update
    return dbc.Alert(message, color="success", dismissable=True, id="imp-save-ok"), names


@callback(
    Output("imp-result", "children"),
    Output("imp-history", "children"),
    Input("imp-run", "n_clicks"),
    State("imp-upload", "data"),
    State("imp-kind", "value"),
    State("imp-warehouse", "value"),
    MAP_VALUES,
    MAP_IDS,
    SET_VALUES,
    SET_IDS,
    background=True,
    progress=[Output("imp-progress", "value"), Output("imp-stage", "children")],
    running=[
        (Output("imp-run", "disabled"), True, False),
        (Output("imp-cancel", "className"), "ms-2", "d-none"),
        (Output("imp-progress-wrap", "className"), "mt-3", "mt-3 d-none"),
    ],
    cancel=[allow_cancel("imp-cancel", *ROLES)],
    prevent_initial_call=True,
)
@allow_roles(*ROLES, writes=True)
def run_import(set_progress, _clicks, upload, kind, warehouse, values, ids, fixed, fixed_ids):
    """Import the uploaded file in a background job: one transaction, then metrics and KPIs refresh.

    Runs in a job process without the request: the actor is the upload's owner, checked again
    (still an active manager) by the job; the gate has already checked whoever clicked.
    """
    app = context.current()
    token = upload.get("token") if isinstance(upload, dict) else None
    automatic = importing.automatic_kind(kind, upload.get("header") or []) if isinstance(upload, dict) else None
    request = import_jobs.Request(
        token=token if isinstance(token, str) else "",
        kind=kind if isinstance(kind, str) else "",
        mapping=None if automatic else _mapping(values, ids, fixed, fixed_ids),
        warehouse_code=warehouse if isinstance(warehouse, str) else None,
    )
    try:
        summary = import_jobs.run_upload(
            app.db,
            request,
            today=app.settings.today(),
            handling_days=app.settings.handling_days,
            progress=lambda percent, label: set_progress((percent, label)),
        )
    except Exception:  # the job's boundary: the user gets an answer instead of a bar that never ends
        log.exception("import job for %s failed", request.kind)
        summary = {"error": "The import failed unexpectedly and was rolled back. The error is in the server log."}
    href = f"/import/refused/{request.token}.csv" if summary.get("rejected_rows") else None
    with app.db.read_session() as session:
        history = import_jobs.recent_imports(session)
    return ui.make_outcome(summary, href), ui.make_history(history)


@callback(
    Output("imp-result", "children", allow_duplicate=True),
    Input("imp-cancel", "n_clicks"),
    State("imp-upload", "data"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def cancelled(_clicks, upload):
    """Say what a cancel left behind: a killed job's transaction is rolled back; a finished import stays."""
    token = upload.get("token") if isinstance(upload, dict) else None
    try:
        with context.current().db.read_session() as session:
            state = import_jobs.upload_state(session, token, current_actor())
    except import_jobs.UploadError as exc:
        return dbc.Alert(str(exc), color="warning")
    if state == "done":
        message = (
            "The import had already finished (see Recent imports); only the refresh of the figures was "
            "stopped, and it runs again by itself."
        )
    else:
        message = "Cancelled: nothing was imported."
    return dbc.Alert(message, color="secondary", id="imp-cancelled")
