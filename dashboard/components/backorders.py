"""Builders for /backorders: cards, the aging chart, the severity explanation, the grid and the line panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import formats
from dashboard.components.cards import make_kpi_card
from dashboard.components.grids import ROW_CLICK, make_infinite_grid
from dashboard.domain.codes import (
    AGING_BUCKETS,
    LOGGABLE_CHANNELS,
    LOGGABLE_OUTCOMES,
    ContactChannel,
    ContactOutcome,
    PromiseState,
)
from dashboard.services.backorders.queue import LineDetail, TriageSummary
from dashboard.services.derived import triage

STATE_COLOURS = {
    PromiseState.ON_TRACK: "#198754",
    PromiseState.AT_RISK: "#ffc107",
    PromiseState.PAST_PROMISE: "#dc3545",
}
NOTICE_KINDS = {
    "backorder_confirmed": "Backorder confirmed",
    "promise_revised": "Promise revised",
    "still_waiting": "Still waiting",
    "ready_to_ship": "Ready to ship",
    "line_cancelled": "Line cancelled",
    "no_restock_date": "No restock date",
}


def make_summary_cards(summary: TriageSummary) -> dbc.Row:
    """Open backorders and the three reasons to act on one."""
    cards = [
        make_kpi_card(
            "Open backorder lines",
            f"{summary.lines:,}",
            f"{summary.units:,} units · ${summary.value:,.0f} waiting",
            colour="primary",
            card_id="bo-card-open",
            icon="bi-hourglass-split",
        ),
        make_kpi_card(
            "Past promise",
            f"{summary.past_promise:,}",
            "promised date already passed",
            verdict=("bad", "tell the customers") if summary.past_promise else ("good", "no promise broken"),
            card_id="bo-card-past",
            icon="bi-calendar-x",
        ),
        make_kpi_card(
            "At risk",
            f"{summary.at_risk:,}",
            f"projected to miss the promise · {summary.uncovered:,} with no supply in sight",
            verdict=("watch", "act before the date") if summary.at_risk else ("good", "none at risk"),
            card_id="bo-card-risk",
            icon="bi-exclamation-triangle",
        ),
        make_kpi_card(
            "Not contacted for 7+ days",
            f"{summary.quiet_week:,}",
            "no contact since the backorder or the last call",
            colour="secondary",
            card_id="bo-card-quiet",
            icon="bi-telephone-x",
        ),
    ]
    return dbc.Row([dbc.Col(card, md=6, xl=3, className="mb-3") for card in cards])


def make_aging_chart(cells: dict[tuple[str, str], tuple[int, float]]) -> dict[str, Any]:
    """Stacked bars: lines per aging bucket, split into on track / at risk / past promise."""
    labels = [bucket.label for bucket in AGING_BUCKETS]
    data = []
    for state in PromiseState:
        name = state.label
        counts = [cells.get((bucket.key, state.value), (0, 0.0))[0] for bucket in AGING_BUCKETS]
        values = [round(cells.get((bucket.key, state.value), (0, 0.0))[1], 2) for bucket in AGING_BUCKETS]
        data.append(
            {
                "type": "bar",
                "x": labels,
                "y": counts,
                "name": name,
                "marker": {"color": STATE_COLOURS[state]},
                "customdata": values,
                "hovertemplate": f"{name}: %{{y:,}} lines · $%{{customdata:,.0f}}<extra>%{{x}}</extra>",
            }
        )
    layout: dict[str, Any] = {
        "barmode": "stack",
        "height": 300,
        "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "y": 1.12, "x": 0},
        "xaxis": {"title": {"text": "days since the line went on backorder"}},
        "yaxis": {"title": {"text": "order lines"}, "rangemode": "tozero"},
        "plot_bgcolor": "white",
    }
    if not any(cells.values()):
        layout["annotations"] = [
            {"text": "No open backorders in these filters", "showarrow": False, "xref": "paper", "yref": "paper"}
        ]
    return {"data": data, "layout": layout}


def make_severity_explainer() -> dbc.Card:
    """How the queue is ordered, in the same numbers the code uses."""
    t = triage
    rows = [
        (f"+{t.POINTS_PER_DAY_PAST_PROMISE}/day", f"past the promised date (up to {t.MAX_DAYS_PAST_PROMISE} days)"),
        (f"+{t.POINTS_AT_RISK}", "projected to miss the promise, or no supply in sight"),
        (f"+{t.POINTS_VIP}", "VIP customer"),
        (f"+{t.POINTS_PER_REVISION}", f"per promise revision already made (up to {t.MAX_REVISIONS})"),
        (
            f"+{t.POINTS_PER_QUIET_DAY}/day",
            f"without contact since the backorder or last call (up to {t.MAX_QUIET_DAYS})",
        ),
        (f"+{t.POINTS_PER_VALUE_DECADE}", "per tenfold of line value ($10 → 10, $100 → 20, $1,000 → 30)"),
    ]
    table = html.Table(
        html.Tbody(
            [
                html.Tr(
                    [
                        html.Td(points, className="fw-semibold text-nowrap pe-3 align-top"),
                        html.Td(what, className="pb-1"),
                    ]
                )
                for points, what in rows
            ]
        ),
        className="small mb-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader("How the queue is ordered", className="fw-semibold"),
            dbc.CardBody(
                [
                    html.P(
                        "Each waiting line scores points; the queue lists the highest first.", className="small mb-2"
                    ),
                    table,
                    html.P(
                        [
                            "Ship window: [P50, P80] of the covering PO's ETA plus its supplier's history of "
                            "delays, plus handling days. ",
                            html.Strong("At risk"),
                            ": the P80 date falls after the promise, or no open PO covers the line.",
                        ],
                        className="small text-body-secondary mb-0",
                    ),
                ],
                className="p-3",
            ),
        ],
        className="h-100",
        id="bo-severity-help",
    )


def _date(field: str, header: str, width: int = 125, **extra: Any) -> dict[str, Any]:
    return {
        "field": field,
        "headerName": header,
        "filter": "agDateColumnFilter",
        "width": width,
        "valueFormatter": formats.DAY_CELL,
        "filterParams": {"browserDatePicker": True, "maxNumConditions": 1},
        **extra,
    }


def _num(field: str, header: str, width: int = 100, money: bool = False, **extra: Any) -> dict[str, Any]:
    column: dict[str, Any] = {
        "field": field,
        "headerName": header,
        "filter": "agNumberColumnFilter",
        "width": width,
        "type": "rightAligned",
        **extra,
    }
    if money:
        # Whole dollars, as money reads everywhere else (docs/ui.md).
        column["valueFormatter"] = {"function": "params.value == null ? '' : d3.format('$,.0f')(params.value)"}
    return column


HIDE = {"hide": True}  # offered in the "Columns" chooser, not shown until the user ticks it

# The decision columns come first and are shown by default, sized to fit a 1440 px window
# (tests/pages/test_grid_columns.py holds them to it); the rest are one tick away in "Columns".
COLUMN_DEFS: list[dict[str, Any]] = [
    _num(
        "severity",
        "Severity",
        110,
        pinned="left",
        valueFormatter={"function": "params.value == null ? '' : d3.format('.0f')(params.value)"},
        headerTooltip="Points that order the queue: see How the queue is ordered",
    ),
    {
        "field": "state",
        "headerName": "Promise",
        "width": 140,
        "filter": "agTextColumnFilter",
        "pinned": "left",
        "cellClassRules": {
            "text-danger fw-semibold": "params.data && params.data.state_key === 'past_promise'",
            "text-warning-emphasis fw-semibold": "params.data && params.data.state_key === 'at_risk'",
            "text-success": "params.data && params.data.state_key === 'on_track'",
        },
    },
    {"field": "order_number", "headerName": "Order", "width": 130, "filter": "agTextColumnFilter"},
    {"field": "sku", "headerName": "SKU", "width": 120, "filter": "agTextColumnFilter"},
    {
        "field": "customer",
        "headerName": "Customer",
        "width": 140,
        "flex": 1,
        "minWidth": 140,
        "filter": "agTextColumnFilter",
        "cellClassRules": {"fw-semibold": "params.data && params.data.vip"},
        "tooltipValueGetter": {
            "function": "params.data ? params.data.customer + (params.data.vip ? ' (VIP customer)' : '') : null"
        },
    },
    _num("age_days", "Age (d)", 80, headerTooltip="Days since the line went on backorder"),
    _date("promised_date", "Promised", 125),
    _num(
        "days_to_promise",
        "Days to promise (d)",
        105,
        tooltipField="promised_date",
        cellClassRules={"text-danger fw-semibold": "params.value < 0"},
        headerTooltip="Days left until the promised date; negative: days past it",
    ),
    {
        "field": "covering_po",
        "headerName": "Covering PO",
        "width": 140,
        "filter": "agTextColumnFilter",
        "valueFormatter": {
            "function": "params.value || (params.data ? (params.data.covered_by === 'stock' ? 'stock on hand' "
            ": 'no supply') : '')"
        },
        "headerTooltip": "The purchase order whose units this line waits for",
    },
    _date(
        "ship_p80",
        "Ships by (P80)",
        125,
        headerTooltip="The covering PO's ETA plus its supplier's usual delay and handling: 8 in 10 ship by then",
    ),
    _date("last_contact_at", "Last contact", 120),
    {
        "field": "product_name",
        "headerName": "Product",
        "width": 240,
        "filter": "agTextColumnFilter",
        "tooltipField": "product_name",
        **HIDE,
    },
    {"field": "warehouse", "headerName": "WH", "width": 80, "filter": "agTextColumnFilter", **HIDE},
    {
        "field": "vip",
        "headerName": "VIP",
        "width": 70,
        "valueFormatter": {"function": "params.value ? 'VIP' : ''"},
        "filter": False,
        **HIDE,
    },
    {"field": "channel", "headerName": "Channel", "width": 125, "filter": "agTextColumnFilter", **HIDE},
    _date("original_promised_date", "First promise", **HIDE),
    _num("revisions", "Promise revisions", 115, **HIDE),
    _date("ship_p50", "Ships from (P50)", **HIDE),
    _num("queue_position", "Queue #", 100, headerTooltip="Place in the queue for the covering supply", **HIDE),
    _num("qty_waiting", "Waiting (units)", 105, **HIDE),
    _num("value", "Value ($)", 110, money=True, **HIDE),
    _date("backordered_on", "Backordered", 135, **HIDE),
    _date("last_notice_at", "Last notice", **HIDE),
    {"field": "last_notice_kind", "headerName": "Notice", "width": 185, "filter": "agTextColumnFilter", **HIDE},
    {
        "field": "last_contact_outcome",
        "headerName": "Contact outcome",
        "width": 150,
        "filter": "agTextColumnFilter",
        **HIDE,
    },
]


def make_grid(grid_id: str, shown: Sequence[str] | None = None) -> dag.AgGrid:
    """The triage queue on the infinite row model (the server sorts, filters and pages), showing ``shown``."""
    return make_infinite_grid(grid_id, COLUMN_DEFS, "'' + params.data.line_id", shown=shown, rowSelection=ROW_CLICK)


def _fmt_date(value: dt.date | dt.datetime | None) -> str:
    if isinstance(value, dt.datetime):
        return formats.stamp(value)
    return formats.day(value)


def _fact(label: str, value: Any, fact_id: str | None = None) -> html.Tr:
    return html.Tr(
        [html.Th(label, className="fw-normal text-body-secondary"), html.Td(value, id=fact_id or "")],
        className="small",
    )


def _window(line: dict[str, Any]) -> str:
    if line["ship_p50"] is None:
        return "No open PO covers this line"
    if line["ship_p50"] == line["ship_p80"]:
        return formats.day(line["ship_p80"])
    return formats.period(line["ship_p50"], line["ship_p80"])


def _covering(line: dict[str, Any], today: dt.date) -> str:
    if line["covered_by"] == "stock":
        return "Stock on hand"
    if line["covered_by"] == "none":
        covered = line["covered_qty"]
        return f"None ({covered} of {line['qty_waiting']} units coming)" if covered else "None"
    eta = line["covering_eta"]
    late = f", {(today - eta).days} days late" if eta < today else ""
    return f"{line['covering_po_number']} (ETA {formats.day(eta)}{late})"


def _history(detail: LineDetail) -> html.Div:
    events: list[tuple[dt.datetime, str, str, str]] = []
    for p in detail.promises:
        old = formats.day(p["old_date"])
        events.append(
            (
                p["at"],
                "bi-calendar-event",
                "Promise revised",
                f"{old} → {formats.day(p['new_date'])} ({p['cause'].label})",
            )
        )
    for n in detail.notices:
        kind = NOTICE_KINDS.get(n["kind"], n["kind"])
        events.append((n["created_at"], "bi-envelope", f"Notice: {kind}", f"{n['subject']} · {n['status'].label}"))
    channels = {c.value: c.label for c in ContactChannel}
    outcomes = {o.value: o.label for o in ContactOutcome}
    for c in detail.contacts:
        who = c["username"] or "system"
        channel = channels.get(c["channel"], c["channel"].capitalize())
        text = f"{outcomes.get(c['outcome'], c['outcome'])} · {channel} · {who}"
        events.append((c["at"], "bi-chat-left-text", "Contact", text + (f" — “{c['note']}”" if c["note"] else "")))
    if not events:
        return html.P(
            "Nothing has happened on this line since it went on backorder.",
            className="small text-body-secondary",
            id="bo-history",
        )
    events.sort(key=lambda event: event[0], reverse=True)
    return html.Ul(
        [
            html.Li(
                [
                    html.I(className=f"bi {icon} me-2 text-body-secondary"),
                    html.Span(title, className="fw-semibold me-1"),
                    html.Span(formats.stamp(at), className="text-body-secondary me-2"),
                    html.Div(text, className="ms-4"),
                ],
                className="mb-2",
            )
            for at, icon, title, text in events
        ],
        className="list-unstyled small mb-0",
        id="bo-history",
    )


def _actions(line_id: int) -> html.Div:
    return html.Div(
        [
            html.H6("Log a contact", className="mt-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Select(
                            id="bo-contact-channel",
                            options=[{"label": c.label, "value": c.value} for c in LOGGABLE_CHANNELS],
                            value="phone",
                        ),
                        width=5,
                    ),
                    dbc.Col(
                        dbc.Select(
                            id="bo-contact-outcome",
                            options=[{"label": o.label, "value": o.value} for o in LOGGABLE_OUTCOMES],
                            placeholder="Outcome…",
                        ),
                        width=7,
                    ),
                ],
                className="g-2 mb-2",
            ),
            dbc.Textarea(id="bo-contact-note", placeholder="Note (optional)", rows=2, maxLength=2000, className="mb-2"),
            dbc.Button([html.I(className="bi bi-telephone me-1"), "Log contact"], id="bo-log-contact", size="sm"),
            html.H6("Customer's decision", className="mt-4"),
            html.Div(
                [
                    dbc.Button(
                        [html.I(className="bi bi-check2-circle me-1"), "Accepts the current date"],
                        id="bo-accept",
                        color="success",
                        outline=True,
                        size="sm",
                    ),
                ],
                className="mb-2",
            ),
            dbc.InputGroup(
                [
                    dbc.Input(id="bo-cancel-reason", placeholder="Why the customer cancels (required)", maxLength=500),
                    dbc.Button("Cancel line", id="bo-cancel", color="danger", size="sm"),
                ],
                size="sm",
            ),
            html.Small(
                "Cancelling frees the line's place in the queue, hands any reserved units to the next customer "
                "and queues a cancellation notice.",
                className="text-body-secondary",
            ),
        ],
        id=f"bo-actions-{line_id}",
    )


def _pin_form(pin: int | None) -> html.Div:
    return html.Div(
        [
            html.H6("Priority pin", className="mt-4"),
            dbc.InputGroup(
                [
                    dbc.Input(id="bo-pin", type="number", min=1, max=999, step=1, value=pin, placeholder="none"),
                    dbc.Button("Save pin", id="bo-pin-save", color="secondary", size="sm"),
                ],
                size="sm",
                style={"maxWidth": "16rem"},
            ),
            html.Small(
                "Pinned lines are served before VIPs and order time (1 first). Empty clears the pin.",
                className="text-body-secondary",
            ),
        ]
    )


def make_line_panel(detail: LineDetail, today: dt.date, can_act: bool, can_pin: bool = False) -> html.Div:
    """The selected line: where it stands, its history, the actions (support, managers) and the pin (managers)."""
    line = detail.line
    days = (line["promised_date"] - today).days
    due = f"in {days} days" if days > 0 else ("today" if days == 0 else f"{-days} days ago")
    facts = dbc.Table(
        html.Tbody(
            [
                _fact(
                    "Customer",
                    [
                        line["customer_name"],
                        dbc.Badge("VIP", color="warning", className="ms-2") if line["vip"] else None,
                    ],
                ),
                _fact("Product", f"{line['sku']} · {line['product_name']} ({line['warehouse_code']})"),
                _fact("Waiting", f"{line['qty_waiting']} of {line['qty']} units · ${line['value']:,.2f}"),
                _fact(
                    "Backordered",
                    f"{_fmt_date(line['backordered_on'])} ({(today - line['backordered_on']).days} days ago)",
                ),
                _fact("First promise", _fmt_date(line["original_promised_date"])),
                _fact("Current promise", f"{_fmt_date(line['promised_date'])} ({due})", "bo-panel-promise"),
                _fact("Promise revisions", str(line["revisions"])),
                _fact("Projected ship window", _window(line), "bo-panel-window"),
                _fact("Covering supply", _covering(line, today)),
                _fact(
                    "Queue position",
                    f"{line['queue_position']} of {line['queue_length']}"
                    + (f" (pinned {detail.priority_pin})" if detail.priority_pin else ""),
                    "bo-panel-position",
                ),
                _fact("Last contact", _fmt_date(line["last_contact_at"]), "bo-panel-last-contact"),
            ]
        ),
        size="sm",
        borderless=True,
        className="mb-2",
    )
    risk = None
    if line["promised_date"] < today:
        risk = dbc.Alert("Past its promised date: contact the customer.", color="danger", className="py-2 small")
    elif line["at_risk"]:
        risk = dbc.Alert(
            "At risk: the projected ship date falls after the promise, or no supply covers it.",
            color="warning",
            className="py-2 small",
        )
    return html.Div(
        [
            risk,
            facts,
            html.H6("History"),
            _history(detail),
            _actions(line["id"])
            if can_act
            else html.P(
                "Read-only: support leads and managers log contacts and record decisions.",
                className="small text-body-secondary mt-3",
            ),
            _pin_form(detail.priority_pin) if can_pin else None,
        ]
    )
