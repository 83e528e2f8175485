"""Inbound: open purchase orders and their ETAs; revise an ETA after seeing its impact (design §4, §6)."""

from __future__ import annotations

import time

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor, user_may
from dashboard.components import formats
from dashboard.components.grid_page import FilteredGrid, PageFilter, filter_dropdown, make_filter_row, make_grid_toolbar
from dashboard.components.grids import grid_columns, make_column_chooser, make_side_panel
from dashboard.components.inbound import COLUMN_DEFS, make_cancel_impact, make_grid, make_impact, make_po_panel
from dashboard.domain import inputs
from dashboard.domain.codes import CauseCode, POStatus, Role
from dashboard.domain.inputs import InputError, RefusedError
from dashboard.pages._columns import chosen_columns, remember_columns
from dashboard.services.derived.partial import refresh_products
from dashboard.services.inbound import eta, receiving
from dashboard.services.inbound import purchase_orders as ib
from dashboard.services.purchasing import cancelling, editing, sending

ROLES = (Role.MANAGER, Role.EXECUTIVE)
dash.register_page(
    __name__,
    path="/inbound",
    name="Inbound",
    title="Inbound · Backorder Desk",
    nav_order=8,
    allowed_roles=list(ROLES),
)

GRID = FilteredGrid(
    grid_id="in-grid",
    purge_id="po-purge",
    filters=(
        PageFilter("in-warehouse", "warehouse_id"),
        PageFilter("in-supplier", "supplier_id"),
        PageFilter("in-show", "show"),
    ),
    parse=ib.InboundFilters.parse,
    allow_list=lambda today: ib.grid_columns(today)[0],
)
COLUMNS = grid_columns(GRID.grid_id, COLUMN_DEFS)
FORM = [
    State("po-new-eta", "value"),
    State("po-confirmed", "value"),
    State("po-cause", "value"),
    State("po-note", "value"),
]


def layout(show: str | None = None, **_query: str) -> html.Div:
    """Filters, the open-PO grid and the PO side panel."""
    with context.current().db.read_session() as session:
        options = ib.filter_options(session)
    shown = chosen_columns(COLUMNS)
    return html.Div(
        [
            dcc.Store(id="po-selected"),
            dcc.Store(id="po-previewed"),
            dcc.Store(id="po-changed"),
            dcc.Store(id="po-cancel-previewed"),
            GRID.purge_store(),
            html.H2(
                ["Inbound purchase orders", html.Small(id="in-count", className="text-body-secondary fs-6 ms-2")],
                className="mb-3",
            ),
            make_filter_row(
                [
                    filter_dropdown("in-warehouse", options["warehouse"], "All warehouses"),
                    filter_dropdown("in-supplier", options["supplier"], "All suppliers"),
                    filter_dropdown(
                        "in-show",
                        options["show"],
                        value=show if show in ib.InboundFilters.SHOW else "all",
                        clearable=False,
                    ),
                ],
                md=4,
            ),
            html.Div(id="in-alert"),
            make_grid_toolbar(
                "Click a purchase order to see its lines and history"
                + (" and to revise its ETA." if user_may(Role.MANAGER) else "."),
                make_column_chooser(COLUMNS, COLUMN_DEFS, shown),
            ),
            make_grid(GRID.grid_id, shown),
            make_side_panel("po", "Purchase order", "600px"),
        ]
    )


@callback(
    Output("in-grid", "getRowsResponse"),
    Input("in-grid", "getRowsRequest"),
    *GRID.states,
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def grid_rows(request, warehouse, supplier, show):
    """One block of open POs, sorted and filtered in SQL."""
    if not request:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    try:
        filters = GRID.parse_filters(warehouse, supplier, show)
        with app.db.read_session() as session:
            page = ib.grid_rows(session, filters, request, app.settings.today())
    except InputError as exc:
        dash.set_props("in-alert", {"children": dbc.Alert(str(exc), color="danger", dismissable=True)})
        return {"rowData": [], "rowCount": 0}
    # The count of the whole filtered set, beside the title (the grid loads it a block at a time).
    dash.set_props("in-count", {"children": f"{page.row_count:,} purchase order{'' if page.row_count == 1 else 's'}"})
    return page.as_response()


def _panel(number: str):
    app = context.current()
    with app.db.read_session() as session:
        detail = ib.po_detail(session, number)
        lines = editing.draft_lines(session, number) if detail and detail.po["status"] == POStatus.DRAFT else []
    if detail is None:
        return "Purchase order", html.P("No such purchase order."), None
    body = make_po_panel(detail, app.settings.today(), user_may(Role.MANAGER), lines)
    return (
        f"{detail.po['number']} · {detail.po['supplier']}",
        body,
        {
            "number": detail.po["number"],
            "version": detail.po["version"],
        },
    )


@callback(
    Output("po-offcanvas", "is_open"),
    Output("po-offcanvas", "title"),
    Output("po-panel", "children"),
    Output("po-selected", "data"),
    Output("po-feedback", "children"),
    Input("in-grid", "cellClicked"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def open_po(cell):
    """A click on a row opens that PO in the side panel."""
    title, body, selected = _panel(inputs.grid_row_key(cell, "purchase order", max_length=32))
    return True, title, body, selected, None


def _request(selected, new_eta, confirmed, cause, note) -> eta.EtaRequest:
    selected = inputs.mapping(selected, "the purchase order on screen")
    return eta.EtaRequest.parse(selected.get("number"), new_eta, confirmed, cause, note, selected.get("version"))


def _signature(request: eta.EtaRequest) -> dict:
    return {
        "po": request.po_number,
        "eta": request.new_eta.isoformat(),
        "confirmed": request.confirmed,
        "cause": request.cause.value,
    }


@callback(
    Output("po-impact", "children"),
    Output("po-confirm", "disabled"),
    Output("po-previewed", "data"),
    Input("po-preview", "n_clicks"),
    State("po-selected", "data"),
    *FORM,
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER)
def preview(clicks, selected, new_eta, confirmed, cause, note):
    """Show what the revision would do; Confirm becomes available for exactly these values."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    try:
        request = _request(selected, new_eta, confirmed, cause, note)
        with app.db.read_session() as session:
            impact = eta.preview(session, request, app.settings.today(), app.settings.handling_days)
    except eta.EtaError as exc:
        return dbc.Alert(str(exc), color="danger", className="py-2"), True, None
    return make_impact(impact), False, _signature(request)


@callback(
    Output("po-panel", "children", allow_duplicate=True),
    Output("po-selected", "data", allow_duplicate=True),
    Output("po-feedback", "children", allow_duplicate=True),
    Output("po-changed", "data"),
    Input("po-confirm", "n_clicks"),
    State("po-selected", "data"),
    State("po-previewed", "data"),
    *FORM,
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def confirm(clicks, selected, previewed, new_eta, confirmed, cause, note):
    """Apply the previewed revision and its cascade in one transaction."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    try:
        request = _request(selected, new_eta, confirmed, cause, note)
        if previewed != _signature(request):
            raise eta.EtaError("The form changed since the preview: preview the impact again before confirming.")
        with app.unit_of_work(current_actor()) as work:
            impact = eta.revise_eta(work.session, work.actor, request, work.today, work.handling_days)
    except RefusedError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update
    _title, body, selected = _panel(request.po_number)
    message = (
        f"{impact.po_number}: ETA now {formats.day(impact.new_eta)}. {len(impact.revised)} customer promise(s) revised "
        f"and notices queued; {impact.moved} waiting line(s) re-projected."
    )
    return body, selected, dbc.Alert(message, color="success", className="py-2"), time.time()


def _wanted(quantities: object, ids: object) -> dict[str, int]:
    """The quantities typed per SKU (empty and 0 mean "none of this one")."""
    wanted = {}
    quantities, ids = inputs.items(quantities, "the quantities"), inputs.items(ids, "the quantity fields")
    for value, component in zip(quantities, ids, strict=False):
        if value in (None, "", 0):
            continue
        sku = inputs.text(inputs.mapping(component, "a quantity field").get("sku"), "SKU", max_length=64)
        wanted[sku] = inputs.integer(value, f"the quantity of {sku}", minimum=0)
    return wanted


@callback(
    Output("po-panel", "children", allow_duplicate=True),
    Output("po-selected", "data", allow_duplicate=True),
    Output("po-feedback", "children", allow_duplicate=True),
    Output("po-changed", "data", allow_duplicate=True),
    Input("rcv-some", "n_clicks"),
    Input("rcv-all", "n_clicks"),
    State("po-selected", "data"),
    State({"type": "rcv-qty", "sku": ALL}, "value"),
    State({"type": "rcv-qty", "sku": ALL}, "id"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def receive(_some, _all, selected, quantities, ids):
    """Book a receipt (the entered quantities, or everything open) in one transaction."""
    if not ctx.triggered_id or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise dash.exceptions.PreventUpdate
    selected = inputs.mapping(selected, "the purchase order on screen")
    app = context.current()
    try:
        wanted = _wanted(quantities, ids) if ctx.triggered_id == "rcv-some" else None
        with app.unit_of_work(current_actor()) as work:
            result = receiving.receive(
                work.session,
                work.actor,
                selected.get("number"),
                work.today,
                work.handling_days,
                wanted,
                selected.get("version"),
            )
    except RefusedError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update
    _title, body, selected = _panel(result.po_number)
    received = ", ".join(f"{units} × {sku}" for sku, units in result.received.items())
    message = (
        f"Received {received}. {result.lines_completed} waiting line(s) now ready to ship; "
        f"{result.promises_moved} promise(s) re-dated. The PO is {result.po_status.label.lower()}."
    )
    return body, selected, dbc.Alert(message, color="success", className="py-2"), time.time()


def _cancel_signature(selected: dict, reason: object, cause: object) -> dict:
    return {"number": selected.get("number"), "version": selected.get("version"), "reason": reason, "cause": cause}


def _cause(value: object) -> CauseCode:
    if value is None:
        return CauseCode.OTHER
    if not isinstance(value, str) or value not in CauseCode.values():
        raise cancelling.CancelError(f"choose a cause: one of {', '.join(CauseCode.values())}")
    return CauseCode(value)


def _preview_cancel(selected: dict, reason: object, cause: object) -> str | None:
    """Show what cancelling does when customers count on the PO (Confirm then cancels); None: nobody to tell."""
    app = context.current()
    with app.db.read_session() as session:
        effect = cancelling.impact(session, selected.get("number"), app.settings.today(), app.settings.handling_days)
    if not effect.tells_anyone:
        return None
    dash.set_props("po-cancel-impact", {"children": make_cancel_impact(effect)})
    dash.set_props("po-cancel-confirm", {"disabled": False})
    dash.set_props("po-cancel-previewed", {"data": _cancel_signature(selected, reason, cause)})
    return f"Customers count on {effect.number}: check the impact below, then confirm the cancellation."


@callback(
    Output("po-panel", "children", allow_duplicate=True),
    Output("po-selected", "data", allow_duplicate=True),
    Output("po-feedback", "children", allow_duplicate=True),
    Output("po-changed", "data", allow_duplicate=True),
    Input("po-send", "n_clicks"),
    Input("po-cancel", "n_clicks"),
    Input("po-cancel-confirm", "n_clicks"),
    State("po-selected", "data"),
    State("po-cancel-reason", "value"),
    State("po-cancel-cause", "value"),
    State("po-cancel-previewed", "data"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def send_or_cancel(_send, _cancel, _confirm, selected, reason, cause, previewed):
    """Send the draft on screen, or cancel the PO on screen (after showing its impact when customers count on it)."""
    if not ctx.triggered_id or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise dash.exceptions.PreventUpdate
    selected = inputs.mapping(selected, "the purchase order on screen")
    app = context.current()
    try:
        if ctx.triggered_id == "po-cancel":
            cancelling.check_reason(reason)
            shown = _preview_cancel(selected, reason, _cause(cause).value)
            if shown:
                return (
                    dash.no_update,
                    dash.no_update,
                    dbc.Alert(shown, color="warning", className="py-2"),
                    dash.no_update,
                )
        acknowledged = ctx.triggered_id == "po-cancel-confirm"
        if acknowledged and previewed != _cancel_signature(selected, reason, cause):
            raise cancelling.CancelError("The form changed since the preview: press Cancel PO again to see the impact.")
        with app.unit_of_work(current_actor()) as work:
            if ctx.triggered_id == "po-send":
                sent = sending.send_po(
                    work.session, work.actor, selected.get("number"), work.today, app.settings.base_url()
                )
                message = f"Sent to {sent.supplier} <{sent.recipient}>; expected {formats.day(sent.eta)}."
                products: list[int] = []
            else:
                done = cancelling.cancel_po(
                    work.session, work.actor, selected.get("number"), reason, work.today, work.handling_days,
                    cause=_cause(cause), acknowledged=acknowledged, version=selected.get("version"),
                )  # fmt: skip
                message = f"{done.number} cancelled (was {done.was.label.lower()})."
                if done.repromised or done.without_date:
                    message += (
                        f" {done.repromised} customer promise(s) moved and {done.without_date} line(s) told there "
                        "is no restock date for now; notices queued."
                    )
                products = done.product_ids
            today = work.today
            if products:
                work.after_commit(lambda: refresh_products(app.db, today, products))
    except RefusedError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update
    _title, body, selected = _panel(selected.get("number"))
    return body, selected, dbc.Alert(message, color="success", className="py-2"), time.time()


def _draft_changes(quantities: object, qty_ids: object, suppliers: object, supplier_ids: object) -> list:
    """The lines as the form has them (units and supplier per SKU), checked as any request body would be."""
    quantities, qty_ids = inputs.items(quantities, "the units"), inputs.items(qty_ids, "the unit fields")
    suppliers, supplier_ids = (
        inputs.items(suppliers, "the suppliers"),
        inputs.items(supplier_ids, "the supplier fields"),
    )
    chosen = {
        inputs.mapping(component, "a supplier field").get("sku"): value
        for value, component in zip(suppliers, supplier_ids, strict=False)
    }
    raw = []
    for value, component in zip(quantities, qty_ids, strict=False):
        sku = inputs.mapping(component, "a unit field").get("sku")
        if value in (None, ""):  # a cleared field is no instruction; 0 removes the line
            continue
        raw.append({"sku": sku, "qty": value, "supplier": chosen.get(sku)})
    return editing.parse_changes(raw)


@callback(
    Output("po-panel", "children", allow_duplicate=True),
    Output("po-selected", "data", allow_duplicate=True),
    Output("po-feedback", "children", allow_duplicate=True),
    Output("po-changed", "data", allow_duplicate=True),
    Input("draft-save", "n_clicks"),
    State("po-selected", "data"),
    State({"type": "draft-qty", "sku": ALL}, "value"),
    State({"type": "draft-qty", "sku": ALL}, "id"),
    State({"type": "draft-supplier", "sku": ALL}, "value"),
    State({"type": "draft-supplier", "sku": ALL}, "id"),
    State("draft-add-sku", "value"),
    State("draft-add-qty", "value"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def save_draft(clicks, selected, quantities, qty_ids, suppliers, supplier_ids, add_sku, add_qty):
    """Save the draft's edited units and suppliers and the SKU added, in one transaction."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    selected = inputs.mapping(selected, "the purchase order on screen")
    app = context.current()
    try:
        changes = _draft_changes(quantities, qty_ids, suppliers, supplier_ids)
        additions = []
        if add_sku not in (None, ""):
            sku = inputs.text(add_sku, "the SKU to add", max_length=64)
            additions.append((sku, inputs.integer(add_qty, f"the units of {sku}", minimum=1)))
        with app.unit_of_work(current_actor()) as work:
            done = editing.edit_draft(
                work.session, work.actor, selected.get("number"), changes, additions, work.today,
                selected.get("version"),
            )  # fmt: skip
            today, products = work.today, done.product_ids
            if products:
                work.after_commit(lambda: refresh_products(app.db, today, products))
    except RefusedError as exc:
        return dash.no_update, dash.no_update, dbc.Alert(str(exc), color="danger", className="py-2"), dash.no_update
    _title, body, selected = _panel(done.number)
    message = " ".join(
        [f"{done.number} saved.", *(f"Moved to {n}." for n in done.moved_to), *(f"{note}." for note in done.notes)]
    )
    return body, selected, dbc.Alert(message, color="success", className="py-2"), time.time()


# Any change to the form after a preview disables Confirm until the impact is previewed again.
dash.clientside_callback(
    "function() { return true; }",
    Output("po-confirm", "disabled", allow_duplicate=True),
    Input("po-new-eta", "value"),
    Input("po-confirmed", "value"),
    Input("po-cause", "value"),
    prevent_initial_call=True,
)

GRID.reload_on_filters(Input("po-changed", "data"))
remember_columns(COLUMNS, *ROLES)
