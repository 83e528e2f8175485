"""Builders for /suppliers: the scorecard grid, definitions, one supplier's cards, charts and POs at risk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import formats
from dashboard.domain.kpi_kinds import DEFINITIONS, KPIS, in_section
from dashboard.domain.kpi_spec import Kpi
from dashboard.services.inbound.suppliers import TREND_WINDOW_WEEKS, AtRiskPO, SupplierPeriod, SupplierScore, TrendWeek

SECTION = "suppliers"  # the scorecard's section in the KPI table
ON_TIME = "#0d6efd"
DELAY = "#dc3545"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _days(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f} d" if signed else f"{value:.1f} d"


def make_definitions() -> html.Details:
    """The scorecard's definitions, one click away (a native disclosure, no callback).

    Each once, in table order: the mean and P80 delay share one, as do lead time and its spread.
    """
    definitions = dict.fromkeys(kpi.definition for kpi in in_section(SECTION))
    return html.Details(
        [
            html.Summary(
                [html.I(className="bi bi-info-circle me-1"), "How these numbers are computed"],
                className="small text-primary",
                style={"cursor": "pointer"},
            ),
            html.Dl(
                [
                    part
                    for definition in definitions
                    for part in (
                        html.Dt(definition.label, className="col-sm-3"),
                        html.Dd(definition.text, className="col-sm-9"),
                    )
                ],
                className="row small mt-2 mb-0",
                id="sup-definitions",
            ),
        ],
        className="mb-3",
    )


# ---- the scorecard grid --------------------------------------------------------------------


def _num(field: str, header: str, width: int, formatter: str, tip: str | None = None, **extra: Any) -> dict[str, Any]:
    """A right-aligned number column; ``tip`` is a definition key or plain text shown on the header."""
    return {
        "field": field,
        "headerName": header,
        "width": width,
        "type": "rightAligned",
        "valueFormatter": {"function": f"params.value == null ? '—' : {formatter}"},
        "headerTooltip": DEFINITIONS[tip].text if tip in DEFINITIONS else tip,
        **extra,
    }


COUNT = "d3.format(',')(params.value)"
PCT = "d3.format('.1f')(params.value * 100) + ' %'"  # "19.6 %", as on every card (docs/ui.md)
DAYS = "d3.format('+.1f')(params.value) + ' d'"
PLAIN_DAYS = "d3.format('.1f')(params.value) + ' d'"
RED = "text-danger fw-semibold"
BELOW_80 = {RED: "params.value != null && params.value < 0.8"}
AT_RISK = {RED: "params.value > 0"}
LINK = {"cellClass": "link-cell", "tooltipField": "code"}

MONEY = "d3.format('$,.0f')(params.value)"
TIMES = "d3.format(',.1f')(params.value) + '×'"
# How a scorecard KPI reads in the grid when it has no tuned column below, by its unit.
UNIT_FORMATS = {"share": PCT, "days": PLAIN_DAYS, "money": MONEY, "times": TIMES}
# Scorecard columns tuned for this page (header, width, sign, highlight); any other KPI gets a plain column.
TUNED = {
    column["field"]: column
    for column in (
        _num("on_time_receipt", "On time", 100, PCT, "on_time_receipt", cellClassRules=BELOW_80),
        _num("mean_delay", "Mean delay", 115, DAYS, "mean_delay"),
        _num("p80_delay", "P80 delay", 105, "(params.value > 0 ? '+' : '') + params.value + ' d'", "p80_delay"),
        _num("mean_lead_time", "Lead time", 110, PLAIN_DAYS, "mean_lead_time"),
        _num("lead_time_sd", "Lead-time spread", 140, PLAIN_DAYS, "lead_time_sd"),
        _num("eta_revised_share", "ETA revised", 115, PCT, "eta_revised_share"),
        _num("supplier_fill_rate", "Fill rate", 105, PCT, "supplier_fill_rate"),
        _num("confirmation_days", "Confirms in", 115, PLAIN_DAYS, "confirmation_days"),
        _num("confirmed_as_sent", "Confirmed as sent", 150, PCT, "confirmed_as_sent"),
    )
}


def _kpi_column(kpi: Kpi) -> dict[str, Any]:
    return TUNED.get(kpi.key) or _num(kpi.key, kpi.label, 120, UNIT_FORMATS[kpi.unit], kpi.key)


def scorecard_columns() -> list[dict[str, Any]]:
    """Rank and supplier, POs completed, a column per scorecard KPI of the table, then open POs now."""
    return [
        {"field": "rank", "headerName": "#", "width": 55, "minWidth": 55, "pinned": "left", "sortable": False},
        {"field": "name", "headerName": "Supplier", "width": 200, "minWidth": 170, "pinned": "left", **LINK},
        _num("pos", "POs", 85, COUNT, "Purchase orders completed (received in full) in the period"),
        *(_kpi_column(kpi) for kpi in in_section(SECTION)),
        _num("open_pos", "Open POs", 105, COUNT, "Purchase orders not yet received in full"),
        _num("at_risk", "At risk", 95, COUNT, "Open POs at risk: see the list below", cellClassRules=AT_RISK),
    ]


def make_scorecard_rows(scores: Sequence[SupplierScore]) -> list[dict[str, Any]]:
    """One grid row per supplier, in the service's ranking (worst on-time receipt first)."""
    return [
        {
            "rank": rank,
            "supplier_id": score.supplier_id,
            "name": score.name,
            "code": score.code,
            **score.kpis,
            "open_pos": score.open_pos.open,
            "at_risk": score.at_risk,
        }
        for rank, score in enumerate(scores, start=1)
    ]


def make_scorecard_grid(grid_id: str) -> dag.AgGrid:
    """The scorecard: a few hundred suppliers at most, so all rows go to the browser and it sorts them."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=scorecard_columns(),
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "minWidth": 80},
        dashGridOptions={
            "getRowId": {"function": "'' + params.data.supplier_id"},
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            "tooltipShowDelay": 300,
            "localeText": {"noRowsToShow": "No purchase orders completed or open in these filters"},
        },
        columnSize="responsiveSizeToFit",
        className="ag-theme-quartz",
        style={"height": "380px", "width": "100%"},
    )


# ---- one supplier --------------------------------------------------------------------------


def _delta(period: SupplierPeriod, key: str) -> html.Div:
    """'+3.0 pts vs previous period', green when better and red when worse (the KPI says which way is better)."""
    change = period.change(key)
    if change is None:
        what = "confirmations" if key == "confirmation_days" else "completed POs"
        return html.Div(f"no comparison: a period without {what}", className="small text-body-secondary")
    better = KPIS[key].better == "up"
    text = f"{change * 100:+.1f} pts" if KPIS[key].unit == "share" else f"{change:+.1f} d"
    colour = "secondary" if abs(change) < 1e-9 else ("success" if (change > 0) == better else "danger")
    icon = "bi-dash" if colour == "secondary" else ("bi-arrow-up-right" if change > 0 else "bi-arrow-down-right")
    return html.Div(
        [html.I(className=f"bi {icon} me-1"), f"{text} vs previous"],
        className=f"small fw-semibold text-{colour}",
    )


# Card (a scorecard KPI, whose definition it shows) → its icon.
CARDS = {
    "on_time_receipt": "bi-calendar-check",
    "mean_delay": "bi-hourglass-split",
    "mean_lead_time": "bi-truck",
    "eta_revised_share": "bi-pencil-square",
    "supplier_fill_rate": "bi-box-seam",
    "confirmation_days": "bi-envelope-check",
}


def _keep_case(label: str) -> list:
    """The label with its σ kept lower-case: the card titles are upper-cased, and Σ would mean a sum."""
    head, sigma, tail = label.partition("σ")
    return [head, html.Span("σ", style={"textTransform": "none"}), tail] if sigma else [label]


def _supplier_card(period: SupplierPeriod, key: str, value: str, detail: str) -> dbc.Col:
    """A headline number (styled like the KPI cards elsewhere), its change, and its definition on click."""
    definition, card_id = KPIS[key].definition, f"sup-card-{key.replace('_', '-')}"
    card = dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [html.I(className=f"bi {CARDS[key]} me-2"), *_keep_case(definition.label)],
                    className="kpi-title text-body-secondary",
                ),
                html.Div(value, className="kpi-value", id=f"{card_id}-value"),
                html.Div(detail, className="kpi-detail small text-body-secondary", id=f"{card_id}-detail"),
                _delta(period, key),
            ]
        ),
        className="kpi-card h-100 border-0 border-start border-4 border-primary",
        id=card_id,
        style={"cursor": "help"},
    )
    popover = dbc.Popover(
        [dbc.PopoverHeader(definition.label), dbc.PopoverBody(definition.text, className="small")],
        target=card_id,
        trigger="legacy",
        placement="bottom",
    )
    return dbc.Col([card, popover], md=6, xl=True, className="mb-3")


def make_supplier_cards(period: SupplierPeriod) -> dbc.Row:
    """The six scorecard numbers of one supplier, each with its change and (on click) its definition."""
    now = period.current
    p80 = "—" if now["p80_delay"] is None else f"{now['p80_delay']:+.0f} d"
    shown = {
        "on_time_receipt": (_pct(now["on_time_receipt"]), f"of {int(now['pos'] or 0):,} POs"),
        "mean_delay": (_days(now["mean_delay"]), f"mean · P80 {p80}"),
        "mean_lead_time": (_days(now["mean_lead_time"], False), f"mean · spread {_days(now['lead_time_sd'], False)}"),
        "eta_revised_share": (_pct(now["eta_revised_share"]), "of POs"),
        "supplier_fill_rate": (_pct(now["supplier_fill_rate"]), "of units by the original ETA"),
        "confirmation_days": (
            _days(now["confirmation_days"], False),
            f"mean · {_pct(now['confirmed_as_sent'])} as sent · {int(now['pos_confirmed'] or 0):,} confirmed",
        ),
    }
    return dbc.Row([_supplier_card(period, key, *shown[key]) for key in CARDS], className="g-3")


def make_period_note(period: SupplierPeriod, start: dt.date, end: dt.date) -> str:
    """Which periods the cards compare."""
    pos, before = int(period.current["pos"] or 0), int(period.previous["pos"] or 0)
    return (
        f"{pos:,} purchase order(s) completed {formats.period(start, end)}, compared with {before:,} in "
        f"{formats.period(period.previous_start, period.previous_end)}. Click a card for its definition."
    )


def _empty(layout: dict[str, Any], text: str) -> None:
    layout["annotations"] = [{"text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}]


def _aligned_zero(delays: Sequence[float]) -> tuple[list[float], list[float]]:
    """Ranges of the share axis (0–100 %) and the delay axis that put both zeros on one line."""
    low, high = min([0.0, *delays]), max([1.0, *delays]) * 1.1
    low = low * 1.1
    zero_at = -low / (high - low)  # where 0 sits on the delay axis, as a fraction of its height
    return [-105 * zero_at / (1 - zero_at), 105], [low, high]


def make_trend_chart(weeks: Sequence[TrendWeek], supplier: str) -> dict[str, Any]:
    """On-time receipt (bars) and mean delay (line) over the rolling window ending each week, with its sample.

    A window with no completed PO says "no POs" instead of drawing nothing; a 0 % window gets a
    visible red mark, so the two never look alike. Both axes have their zero on one line.
    """
    x = [week.week.isoformat() for week in weeks]
    shares = [None if w.on_time_receipt is None else round(w.on_time_receipt * 100, 1) for w in weeks]
    delays = [None if w.mean_delay is None else round(w.mean_delay, 2) for w in weeks]
    window = f"{TREND_WINDOW_WEEKS} weeks"
    data = [
        {
            "type": "bar",
            "x": x,
            "y": shares,
            "name": f"On time, last {window} (%)",
            "marker": {"color": ON_TIME, "opacity": 0.75},
            "customdata": [[w.window_pos, w.pos] for w in weeks],
            "hovertemplate": f"{window} to the week of %{{x|%-d %b %Y}}: %{{y:.0f}} % on time of %{{customdata[0]}} "
            "PO(s)<br>%{customdata[1]} completed that week<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": delays,
            "name": f"Mean delay, last {window} (days)",
            "yaxis": "y2",
            "connectgaps": False,
            "line": {"color": DELAY, "width": 2},
            "hovertemplate": "Mean delay %{y:+.1f} d<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [w.week.isoformat() for w in weeks if w.window_pos and w.on_time_receipt == 0],
            "y": [0 for w in weeks if w.window_pos and w.on_time_receipt == 0],
            "text": ["0 %" for w in weeks if w.window_pos and w.on_time_receipt == 0],
            "textposition": "top center",
            "marker": {"symbol": "line-ew-open", "size": 14, "color": DELAY, "line": {"width": 3}},
            "name": "none on time",
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "text",
            "x": [w.week.isoformat() for w in weeks if not w.window_pos],
            "y": [4 for w in weeks if not w.window_pos],
            "text": ["no POs" for w in weeks if not w.window_pos],
            "textfont": {"color": "#6c757d", "size": 10},
            "name": "no completed POs",
            "showlegend": False,
            "hoverinfo": "skip",
        },
    ]
    share_range, delay_range = _aligned_zero([d for d in delays if d is not None])
    layout: dict[str, Any] = {
        "height": 340,
        "margin": {"l": 55, "r": 55, "t": 40, "b": 45},
        "legend": {"orientation": "h", "y": 1.14, "x": 0},
        "xaxis": {"type": "date", "title": {"text": f"week · {supplier}"}, "gridcolor": "#eee"},
        "yaxis": {"title": {"text": "on time %"}, "range": share_range, "gridcolor": "#eee", "zeroline": True},
        "yaxis2": {
            "title": {"text": "mean delay (days)"},
            "overlaying": "y",
            "side": "right",
            "range": delay_range,
            # Its own round ticks (an overlaying axis otherwise syncs to the share axis: 3.92, 7.85, …).
            "tickmode": "auto",
            "tickformat": ".0f",
            "zeroline": True,
            "zerolinecolor": "#ccc",
            "showgrid": False,
        },
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "bargap": 0.25,
    }
    if not any(w.pos for w in weeks):
        _empty(layout, "No purchase orders from this supplier completed in these filters")
    return {"data": data, "layout": layout}


# Delay bands in words (days after the original ETA): a PO or two a week fills no 1-day bins.
DELAY_BANDS = (
    ("early", None, -1),
    ("on time", 0, 0),
    ("1–3 d", 1, 3),
    ("4–7 d", 4, 7),
    ("1–2 wk", 8, 14),
    ("2–4 wk", 15, 28),
    ("> 4 wk", 29, None),
)


def delay_bands(delays: Sequence[tuple[int, int]]) -> list[tuple[str, int]]:
    """POs per delay band, every band listed."""
    return [
        (label, sum(n for days, n in delays if (low is None or days >= low) and (high is None or days <= high)))
        for label, low, high in DELAY_BANDS
    ]


def make_delay_histogram(delays: Sequence[tuple[int, int]], p80: float | None) -> dict[str, Any]:
    """How many POs arrived early, on time and how late, in bands named in words, with the P80 said in words."""
    bands = delay_bands(delays)
    data = [
        {
            "type": "bar",
            "x": [label for label, _ in bands],
            "y": [count for _, count in bands],
            "name": "Purchase orders",
            "marker": {"color": [ON_TIME if i < 2 else DELAY for i in range(len(bands))]},
            "text": [count or "" for _, count in bands],
            "textposition": "outside",
            "hovertemplate": "%{x}: %{y} PO(s)<extra></extra>",
        }
    ]
    layout: dict[str, Any] = {
        "height": 340,
        "margin": {"l": 45, "r": 15, "t": 40, "b": 45},
        "showlegend": False,
        "xaxis": {"title": {"text": "late against the ETA given when ordered"}, "type": "category"},
        "yaxis": {"title": {"text": "purchase orders"}, "rangemode": "tozero", "gridcolor": "#eee"},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "bargap": 0.15,
    }
    if p80 is not None:
        text = f"8 in 10 arrived no later than {p80:+.0f} d" if p80 else "8 in 10 arrived on time or early"
        layout["annotations"] = [{"x": 0, "y": 1.08, "xref": "paper", "yref": "paper", "text": text,
                                  "showarrow": False, "xanchor": "left"}]  # fmt: skip
    if not delays:
        _empty(layout, "No completed purchase orders")
    return {"data": data, "layout": layout}


def make_at_risk_explainer(p80: float | None) -> html.P:
    """What 'at risk' means on this page, with the P80 delay it used."""
    if p80 is None:
        used = "This supplier completed no purchase orders in the period, so no delay is added: only POs past "
        used += "their ETA are listed."
    elif p80 > 0:
        used = f"This supplier's P80 delay in the period is {p80:+.0f} days."
    else:
        used = f"This supplier's P80 delay in the period is {p80:+.0f} days (on time), so only POs past their ETA "
        used += "are listed."
    return html.P(
        [
            html.Strong("At risk"),
            ": an open purchase order whose ETA has passed, or one that customers are waiting on when the "
            "supplier's P80 delay is positive, so it will probably arrive after its ETA. Expected arrival = ETA + "
            "P80 delay, and never before today while the PO is open. ",
            used,
        ],
        className="small text-body-secondary mb-2",
    )


def make_at_risk_table(rows: Sequence[AtRiskPO], limit: int) -> html.Div | dbc.Table:
    """The supplier's open POs at risk; PO numbers as shown on /inbound."""
    if not rows:
        return html.P("No open purchase order of this supplier is at risk.", className="text-body-secondary mb-0")
    head = ["PO", "Warehouse", "ETA", "Confirmed", "Days late", "Expected arrival", "Waiting lines", "Waiting value"]
    right = {"Days late", "Waiting lines", "Waiting value"}
    body = [
        html.Tr(
            [
                html.Td(html.Span(row.number, className="fw-semibold")),
                html.Td(row.warehouse),
                html.Td(formats.day(row.eta)),
                html.Td(
                    dbc.Badge(
                        "confirmed" if row.eta_confirmed else "not confirmed",
                        color="success" if row.eta_confirmed else "secondary",
                    )
                ),
                html.Td(
                    f"{row.days_late:,}" if row.days_late else "—",
                    className="text-end" + (" text-danger fw-semibold" if row.days_late else ""),
                ),
                html.Td(
                    [formats.day(row.expected_arrival), html.Div(row.reason, className="small text-body-secondary")]
                ),
                html.Td(f"{row.waiting_lines:,}", className="text-end"),
                html.Td(f"${row.waiting_value:,.0f}", className="text-end"),
            ]
        )
        for row in rows
    ]
    table = dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h, className="text-end" if h in right else None) for h in head])),
            html.Tbody(body),
        ],
        size="sm",
        hover=True,
        responsive=True,
        className="small mb-0",
        id="sup-risk-table",
    )
    if len(rows) >= limit:
        return html.Div([table, html.P(f"Showing the first {limit}.", className="small text-body-secondary mt-2")])
    return table
