"""Plotly figures for /kpis: weekly trends, open-backorder aging, the delay-cause Pareto and the breakdown.

Each builder takes report rows from :mod:`dashboard.services.kpis.report` and returns a plain figure
dict (an empty one that says why when there is nothing to plot); :func:`make_chart_card` frames a
graph that a callback fills. Numbers are worded by :mod:`dashboard.components.kpis`; no database access.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import formats
from dashboard.components.kpis import NO_DATA, format_delta, make_definition
from dashboard.domain.kpi_kinds import KPIS
from dashboard.services.kpis.report import CauseShare, OpenBackorders, WeekPoint

COLOURS = {
    "fill_rate_lines": "#0d6efd",
    "backorder_rate": "#fd7e14",
    "otif_original": "#198754",
    "otif_current": "#20c997",
    "stockout_rate": "#dc3545",
    "lost_sales": "#dc3545",
    "backlog": "#ffc107",
}
AGING_COLOURS = ("#ffe69c", "#ffda6a", "#ffc107", "#fd7e14", "#dc3545")


def graph_config(filename: str) -> dict[str, Any]:
    """Every chart's toolbar: only a PNG download named after the chart (zoom and pan were noise; docs/ui.md)."""
    return {
        "displayModeBar": True,
        "displaylogo": False,
        "modeBarButtons": [["toImage"]],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 55, "r": 40, "t": 40, "b": 45},
        # An upright toolbar on the right keeps clear of the legend along the top.
        "modebar": {"orientation": "v"},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "plot_bgcolor": "white",
        "hovermode": "x unified",
        "xaxis": {"gridcolor": "#eee"},
        "yaxis": {"gridcolor": "#eee", "rangemode": "tozero"},
        **extra,
    }


def empty_figure(message: str = NO_DATA, height: int = 300) -> dict[str, Any]:
    """A blank chart that says why it is blank."""
    return {
        "data": [],
        "layout": {
            "height": height,
            "plot_bgcolor": "white",
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": message,
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 14, "color": "#6c757d"},
                }
            ],
        },
    }


def _week_label(point: WeekPoint) -> str:
    return formats.day(point.week, year=False) + ("*" if point.partial else "")


def _week_note(point: WeekPoint) -> str:
    days = (point.last_day - point.first_day).days + 1
    note = f"week of {formats.day(point.week)}"
    return note + (f", {days} of 7 days in range" if point.partial else "")


def _changes(key: str, values: Sequence[float | None]) -> list[str]:
    out, previous = [], None
    for value in values:
        text = format_delta(key, None if value is None or previous is None else value - previous)[0]
        out.append("" if text == "no comparison" else f" ({text} w/w)")
        previous = value
    return out


def make_rates_trend(weeks: Sequence[WeekPoint]) -> dict[str, Any]:
    """Weekly fill rate, backorder rate, promise adherence and stockout rate, with week-over-week changes."""
    if not weeks:
        return empty_figure()
    x = [_week_label(p) for p in weeks]
    notes = [_week_note(p) for p in weeks]
    data = []
    for key in ("fill_rate_lines", "backorder_rate", "otif_original", "otif_current", "stockout_rate"):
        values = [p.values.get(key) for p in weeks]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": KPIS[key].label.replace("Promise adherence", "OTIF"),
                "x": x,
                "y": [None if v is None else round(v * 100, 2) for v in values],
                "customdata": list(zip(_changes(key, values), notes, strict=True)),
                "line": {"color": COLOURS[key], "width": 2, "dash": "dot" if key == "otif_current" else "solid"},
                "hovertemplate": "%{y:.1f} %%{customdata[0]}<extra></extra>",
            }
        )
    layout = _layout(360, yaxis={"gridcolor": "#eee", "range": [0, 105], "ticksuffix": " %"})
    layout["margin"]["t"] = 60
    layout["xaxis"]["title"] = {"text": "week starting (* part of the week is outside the range)"}
    return {"data": data, "layout": layout}


def make_money_trend(weeks: Sequence[WeekPoint]) -> dict[str, Any]:
    """Weekly lost-sales estimate (bars) and the open-backorder value at each week's end (line)."""
    if not weeks:
        return empty_figure()
    x = [_week_label(p) for p in weeks]
    lost = [p.values.get("lost_sales") for p in weeks]
    backlog = [p.backlog.get("open_backorder_value") if p.backlog else None for p in weeks]
    lines = [int(p.backlog.get("open_backorder_lines", 0)) if p.backlog else None for p in weeks]
    data = [
        {
            "type": "bar",
            "name": "Lost-sales estimate in the week ($)",
            "x": x,
            "y": [None if v is None else round(v, 2) for v in lost],
            "customdata": _changes("lost_sales", lost),
            "marker": {"color": COLOURS["lost_sales"], "opacity": 0.75},
            "hovertemplate": "$%{y:,.0f}%{customdata}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Open backorder value at week end ($)",
            "x": x,
            "y": [None if v is None else round(v, 2) for v in backlog],
            "customdata": [[f"{n:,} lines" if n is not None else ""] for n in lines],
            "line": {"color": COLOURS["backlog"], "width": 3},
            "hovertemplate": "$%{y:,.0f} · %{customdata[0]}<extra></extra>",
        },
    ]
    layout = _layout(340, yaxis={"gridcolor": "#eee", "rangemode": "tozero", "tickprefix": "$", "tickformat": "~s"})
    layout["xaxis"]["title"] = {"text": "week starting (stock figures from closed days only)"}
    return {"data": data, "layout": layout}


def make_aging_chart(backlog: OpenBackorders) -> dict[str, Any]:
    """Open backorders per aging bucket (design §5), with units and value on hover."""
    if not backlog.lines:
        return empty_figure("No open backorders for these filters", 260)
    data = [
        {
            "type": "bar",
            "x": [b.label for b in backlog.buckets],
            "y": [b.lines for b in backlog.buckets],
            "customdata": [[b.units, b.value] for b in backlog.buckets],
            "marker": {"color": list(AGING_COLOURS)},
            "text": [f"{b.lines:,}" for b in backlog.buckets],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y:,} lines · %{customdata[0]:,} units · $%{customdata[1]:,.0f}<extra>%{x}</extra>",
        }
    ]
    layout = _layout(260, showlegend=False, hovermode="closest")
    layout["xaxis"]["title"] = {"text": "days since the line went on backorder"}
    layout["yaxis"]["title"] = {"text": "order lines"}
    layout["margin"]["t"] = 25
    return {"data": data, "layout": layout}


def make_pareto_chart(causes: Sequence[CauseShare]) -> dict[str, Any]:
    """Promise revisions by cause, largest first, with the cumulative share on the right axis."""
    if not causes:
        return empty_figure("No promise revisions in this range for these filters")
    labels = [c.label for c in causes]
    data = [
        {
            "type": "bar",
            "name": "Promise revisions",
            "x": labels,
            "y": [c.revisions for c in causes],
            "customdata": [[round(c.share * 100, 1), c.days_added] for c in causes],
            # The bars carry their figures, so no table beside the chart has to repeat them.
            "text": [f"{c.revisions:,} · {c.share * 100:.0f} %" for c in causes],
            "textposition": "inside",
            "insidetextanchor": "end",
            "marker": {"color": "#6f42c1"},
            "hovertemplate": "%{y:,} revisions (%{customdata[0]} %) · %{customdata[1]:+,} days added<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Cumulative share",
            "x": labels,
            "y": [round(c.cumulative_share * 100, 1) for c in causes],
            "yaxis": "y2",
            "line": {"color": "#212529", "width": 2},
            "hovertemplate": "%{y:.1f} % cumulative<extra></extra>",
        },
    ]
    layout = _layout(
        260,
        yaxis={"gridcolor": "#eee", "rangemode": "tozero", "title": {"text": "promise revisions"}},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickvals": [0, 20, 40, 60, 80, 100],
            "ticktext": ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"],
            "showgrid": False,
        },
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y2",
                "y0": 80,
                "y1": 80,
                "line": {"color": "#adb5bd", "dash": "dash", "width": 1},
            }
        ],
    )
    layout["margin"]["r"] = 80
    return {"data": data, "layout": layout}


def make_chart_card(
    title: str,
    graph_id: str,
    filename: str,
    *,
    definition: str | None = None,
    note: str | None = None,
    height: int = 340,
) -> dbc.Card:
    """A titled card around an empty graph that a callback fills; the toolbar exports it as PNG."""
    header = [html.Span(title)]
    if definition:
        header += make_definition(definition, f"{graph_id}-def")
    body = [dcc.Graph(id=graph_id, config=graph_config(filename), figure=empty_figure("Loading…", height))]
    if note:
        body.insert(0, html.Div(note, className="small text-body-secondary px-2 pt-1"))
    return dbc.Card(
        [dbc.CardHeader(header, className="fw-semibold"), dbc.CardBody(body, className="p-2")],
        className="h-100",
    )
