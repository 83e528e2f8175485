"""Builders for /inbound: the open-PO grid, the PO panel with its Revise-ETA form, and the impact preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import formats
from dashboard.components.grids import ROW_CLICK, make_infinite_grid
from dashboard.components.purchasing import make_draft_editor
from dashboard.domain.codes import OPEN_PO_STATUSES, CauseCode, POStatus
from dashboard.services.inbound.eta import EtaImpact
from dashboard.services.inbound.purchase_orders import PODetail
from dashboard.services.purchasing.cancelling import CancelImpact


def _date(field: str, header: str, width: int = 125) -> dict[str, Any]:
    return {
        "field": field,
        "headerName": header,
        "width": width,
        "filter": "agDateColumnFilter",
        "valueFormatter": formats.DAY_CELL,
    }


def _num(field: str, header: str, width: int = 105, **extra: Any) -> dict[str, Any]:
    return {
        "field": field,
        "headerName": header,
        "width": width,
        "type": "rightAligned",
        "filter": "agNumberColumnFilter",
        **extra,
    }


HIDE = {"hide": True}  # offered in the "Columns" chooser, not shown until the user ticks it

# What decides the next call to a supplier first, sized to fit a 1440 px window (tests/pages/test_grid_columns.py);
# the rest are one tick away in "Columns".
COLUMN_DEFS: list[dict[str, Any]] = [
    {"field": "number", "headerName": "PO", "width": 150, "filter": "agTextColumnFilter", "pinned": "left"},
    {
        "field": "supplier",
        "headerName": "Supplier",
        "width": 170,
        "flex": 1,
        "minWidth": 170,
        "filter": "agTextColumnFilter",
        "tooltipField": "supplier",
    },
    {
        "field": "warehouse",
        "headerName": "WH",
        "width": 80,
        "filter": "agTextColumnFilter",
        "headerTooltip": "Warehouse",
    },
    {"field": "status", "headerName": "Status", "width": 145, "filter": "agTextColumnFilter"},
    _num(
        "age_days",
        "Age (d)",
        95,
        headerTooltip="Days since drafted, or since sent to the supplier: how long it has waited for a confirmation",
    ),
    _date("eta", "ETA"),
    {
        "field": "eta_confirmed",
        "headerName": "Confirmed",
        "width": 135,
        "filter": False,
        "valueFormatter": {"function": "params.value ? 'confirmed' : 'not confirmed'"},
        "cellClassRules": {"text-body-secondary": "params.value === false"},
    },
    _num("days_late", "Days late (d)", 100, cellClassRules={"text-danger fw-semibold": "params.value > 0"}),
    _num("open_units", "Open (units)"),
    _num(
        "open_value",
        "Open value ($)",
        115,
        valueFormatter={"function": "params.value == null ? '' : d3.format('$,.0f')(params.value)"},
    ),
    _num(
        "waiting_lines",
        "Waiting (lines)",
        105,
        headerTooltip="Customers waiting: the backordered order lines this PO's units are promised to",
    ),
    {**_date("ordered_on", "Ordered"), "filter": False, **HIDE},
    _num("lines", "PO lines", 85, **HIDE),
    _num("revisions", "ETA revisions", 110, **HIDE),
]


def make_grid(grid_id: str, shown: Sequence[str] | None = None) -> dag.AgGrid:
    """Open purchase orders on the infinite row model, showing ``shown``."""
    return make_infinite_grid(
        grid_id, COLUMN_DEFS, "params.data.number", height="600px", shown=shown, rowSelection=ROW_CLICK
    )


def _lines_table(detail: PODetail) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("SKU"),
                        html.Th("Product"),
                        html.Th("Qty", className="text-end"),
                        html.Th("Received", className="text-end"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(html.A(line["sku"], href=f"/sku/{line['sku']}")),
                            html.Td(line["name"] + (" (cross-dock)" if line["cross_dock"] else "")),
                            html.Td(f"{line['qty']:,}", className="text-end"),
                            html.Td(f"{line['qty_received']:,}", className="text-end"),
                        ]
                    )
                    for line in detail.lines
                ]
            ),
        ],
        size="sm",
        className="small mb-3",
        id="po-lines",
    )


def _history(detail: PODetail) -> html.Div:
    if not detail.revisions:
        return html.P("The ETA has not been revised.", className="small text-body-secondary")
    return html.Ul(
        [
            html.Li(
                f"{formats.day(r['at'])}: {formats.day(r['old_eta'])} → {formats.day(r['new_eta'])}"
                + f" ({r['cause'].label})"
                + (f" — {r['note']}" if r["note"] else ""),
                className="small",
            )
            for r in detail.revisions
        ],
        className="mb-3",
    )


def _revise_form(detail: PODetail, today: dt.date) -> html.Div:
    po = detail.po
    return html.Div(
        [
            html.H6("Revise ETA", className="mt-2"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("New ETA", html_for="po-new-eta", className="small mb-0"),
                            dbc.Input(id="po-new-eta", type="date", value=po["eta"].isoformat(), min=today.isoformat()),
                        ],
                        width=6,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Cause", html_for="po-cause", className="small mb-0"),
                            dbc.Select(
                                id="po-cause",
                                options=[{"label": c.label, "value": c.value} for c in CauseCode],
                                value=CauseCode.SUPPLIER_DELAY.value,
                            ),
                        ],
                        width=6,
                    ),
                ],
                className="g-2 mb-2",
            ),
            dbc.Checkbox(id="po-confirmed", label="The supplier confirmed this date", value=bool(po["eta_confirmed"])),
            dbc.Textarea(
                id="po-note", placeholder="Note (what the supplier said)", rows=2, maxLength=1000, className="my-2"
            ),
            html.Div(
                [
                    dbc.Button("Preview impact", id="po-preview", color="primary", outline=True, size="sm"),
                    dbc.Button("Confirm revision", id="po-confirm", color="danger", size="sm", disabled=True),
                ],
                className="d-flex gap-2",
            ),
            html.Div(id="po-impact", className="mt-3"),
        ]
    )


def _receive_form(detail: PODetail) -> html.Div:
    open_lines = [line for line in detail.lines if line["qty"] > line["qty_received"]]
    if not open_lines:
        return html.P("Everything on this PO has been received.", className="small text-body-secondary")
    rows = [
        html.Tr(
            [
                html.Td(line["sku"]),
                html.Td(f"{line['qty'] - line['qty_received']:,} open", className="text-end"),
                html.Td(
                    dbc.Input(
                        id={"type": "rcv-qty", "sku": line["sku"]},
                        type="number",
                        min=0,
                        max=line["qty"] - line["qty_received"],
                        step=1,
                        size="sm",
                        placeholder="0",
                    ),
                    style={"width": "7rem"},
                ),
            ]
        )
        for line in open_lines
    ]
    return html.Div(
        [
            html.H6("Receive", className="mt-3"),
            dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="small mb-2"),
            html.Div(
                [
                    dbc.Button("Receive entered quantities", id="rcv-some", size="sm", color="success", outline=True),
                    dbc.Button("Receive everything open", id="rcv-all", size="sm", color="success"),
                ],
                className="d-flex gap-2",
            ),
            html.Small(
                "Received units go to waiting customers first (pinned, then VIP, then by order time).",
                className="text-body-secondary d-block mt-1",
            ),
        ]
    )


def _cancel_form(placed: bool) -> html.Div:
    cause = dbc.Select(
        id="po-cancel-cause",
        # The cause the delay-cause Pareto counts for the customers re-promised.
        options=[{"label": c.label, "value": c.value} for c in CauseCode],
        value=CauseCode.OTHER.value,
        size="sm",
        # A draft was never supply anyone waited on: no cause to count, but the field stays for the callback.
        style={"maxWidth": "11rem"} if placed else {"display": "none"},
    )
    return html.Div(
        [
            html.H6("Cancel", className="mt-3"),
            dbc.InputGroup(
                [
                    dbc.Input(id="po-cancel-reason", placeholder="Reason (required)", maxLength=500, size="sm"),
                    cause,
                    dbc.Button("Cancel PO", id="po-cancel", color="danger", outline=True, size="sm"),
                ],
                size="sm",
            ),
            html.Div(
                "When waiting customers count on it, you see first who gets a later promise and who is told there "
                "is no restock date; then confirm."
                if placed
                else "Nothing has been sent: cancelling only removes the draft's units from the stock position.",
                className="form-text",
            ),
            html.Div(id="po-cancel-impact", className="mt-2"),
            dbc.Button(
                "Confirm cancellation",
                id="po-cancel-confirm",
                color="danger",
                size="sm",
                disabled=True,
                className="mt-2" if placed else "d-none",
            ),
        ]
    )


def _impact_stats(stats: list[tuple[str, str, str]], width: int) -> dbc.Row:
    """The numbers a manager decides on, each (label, value, element id) above its label."""
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.Div(value, className="fs-5 fw-semibold", id=stat_id),
                    html.Div(label, className="small text-body-secondary"),
                ],
                width=width,
                className="mb-2",
            )
            for label, value, stat_id in stats
        ]
    )


def _impact_lines(rows: list) -> dbc.Table:
    """The customer lines an impact touches: order, customer, SKU, what happens to the promise."""
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th("Order"), html.Th("Customer"), html.Th("SKU"), html.Th("Promise")])),
            html.Tbody(rows),
        ],
        size="sm",
        className="small mb-0",
    )


def make_cancel_impact(effect: CancelImpact, limit: int = 15) -> dbc.Card:
    """What cancelling a PO customers count on does: who gets a later promise, who loses the restock date."""
    stats = [
        ("Later promises", f"{len(effect.repromised):,}", "po-cancel-repromised"),
        ("Left without a date", f"{len(effect.without_date):,}", "po-cancel-without-date"),
        ("Customers who will be told", f"{effect.customers:,}", "po-cancel-customers"),
        ("Value at stake", f"${effect.value_at_risk:,.2f}", "po-cancel-value"),
    ]
    told = effect.repromised + effect.without_date
    rows = [
        html.Tr(
            [
                html.Td(line.order_number),
                html.Td(line.customer_name),
                html.Td(line.sku),
                html.Td(
                    f"{formats.day(line.promised)} → {formats.day(line.new_promise)}"
                    if line.new_promise
                    else f"{formats.day(line.promised)}, no restock date"
                ),
            ]
        )
        for line in told[:limit]
    ]
    more = len(told) - limit
    return dbc.Card(
        dbc.CardBody(
            [
                _impact_stats(stats, width=6),
                _impact_lines(rows),
                html.P(f"…and {more} more.", className="small text-body-secondary mb-0") if more > 0 else None,
            ]
        ),
        color="warning",
        outline=True,
        id="po-cancel-impact-card",
    )


def make_po_panel(detail: PODetail, today: dt.date, can_act: bool, draft_lines: Sequence[Any] = ()) -> html.Div:
    """The selected PO: header, lines, ETA history, and (for managers) the Revise-ETA form.

    A draft shows ``draft_lines`` (value and days of cover) instead of the received quantities; a
    manager edits them there.
    """
    po = detail.po
    draft = po["status"] == POStatus.DRAFT
    if not can_act:
        actions = html.P("Read-only: managers receive stock and revise ETAs.", className="small text-body-secondary")
    elif draft:
        actions = html.Div(
            [
                html.P(
                    "A draft: nothing has been sent. Sending emails it to the supplier (CSV and HTML attached) "
                    "with a link to confirm the date, and places it.",
                    className="small text-body-secondary",
                    id="po-draft-note",
                ),
                dbc.Button("Send to supplier", id="po-send", color="primary", size="sm", className="mb-3"),
                _cancel_form(placed=False),
            ]
        )
    elif po["status"] in OPEN_PO_STATUSES:
        actions = html.Div(
            [
                _receive_form(detail),
                _revise_form(detail, today),
                _cancel_form(placed=True),
                # Send and Cancel share one callback, and Dash will not run a callback with an Input missing
                # from the page: a placed PO keeps an (unseen) Send button.
                html.Button(id="po-send", hidden=True, disabled=True),
            ]
        )
    else:
        actions = html.P(f"This PO is {po['status'].label.lower()}.", className="small text-body-secondary")
    late = (today - po["eta"]).days
    eta_text = formats.day(po["eta"]) + (f" ({late} days late)" if late > 0 else "")
    facts = dbc.Table(
        html.Tbody(
            [
                html.Tr([html.Th("Supplier", className="fw-normal text-body-secondary"), html.Td(po["supplier"])]),
                html.Tr([html.Th("Warehouse", className="fw-normal text-body-secondary"), html.Td(po["warehouse"])]),
                html.Tr(
                    [
                        html.Th("Ordered", className="fw-normal text-body-secondary"),
                        html.Td(formats.day(po["ordered_at"])),
                    ]
                ),
                html.Tr(
                    [
                        html.Th("ETA", className="fw-normal text-body-secondary"),
                        html.Td(
                            [
                                eta_text,
                                dbc.Badge(
                                    "confirmed" if po["eta_confirmed"] else "not confirmed",
                                    color="success" if po["eta_confirmed"] else "secondary",
                                    className="ms-2",
                                ),
                            ],
                            id="po-panel-eta",
                        ),
                    ]
                ),
                html.Tr(
                    [
                        html.Th("Waiting lines it covers", className="fw-normal text-body-secondary"),
                        html.Td(f"{detail.waiting_lines:,}"),
                    ]
                ),
            ]
        ),
        size="sm",
        borderless=True,
        className="small mb-2",
    )
    return html.Div(
        [
            facts,
            html.H6("Lines"),
            make_draft_editor(draft_lines, can_act) if draft else _lines_table(detail),
            *([] if draft else [html.H6("ETA history"), _history(detail)]),
            actions,
        ]
    )


def make_impact(impact: EtaImpact, limit: int = 15) -> dbc.Card:
    """What confirming would do: the numbers a manager decides on, then the lines that get new promises."""
    stats = [
        ("Lines that move", f"{impact.moved:,}", "po-impact-moved"),
        ("New promises", f"{len(impact.revised):,}", "po-impact-revised"),
        ("Newly past their promise", f"{impact.newly_past:,}", "po-impact-newly-past"),
        ("Value at risk", f"${impact.value_at_risk:,.2f}", "po-impact-value"),
        ("Customers who will be told", f"{impact.customers:,}", "po-impact-customers"),
    ]
    rows = [
        html.Tr(
            [
                html.Td(line.order_number),
                html.Td(line.customer_name),
                html.Td(line.sku),
                html.Td(f"{formats.day(line.promised)} → {formats.day(line.new_promise)}"),
            ]
        )
        for line in impact.revised[:limit]
    ]
    more = len(impact.revised) - limit
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    f"ETA {formats.day(impact.old_eta)} → {formats.day(impact.new_eta)}", className="fw-semibold mb-2"
                ),
                _impact_stats(stats, width=4),
                _impact_lines(rows)
                if rows
                else html.P("No customer's promise breaks: nobody needs a new date.", className="small mb-0"),
                html.P(f"…and {more} more.", className="small text-body-secondary mb-0") if more > 0 else None,
            ]
        ),
        color="warning" if impact.revised else "light",
        outline=True,
    )
