"""Builders for /kpis: KPI cards with their definitions, the period note, and the cause and breakdown tables.

Data in, components out; no database access here. Which cards, in which sections, worded how, with
which detail line and which breakdown columns: all of it comes from the table in
:mod:`dashboard.domain.kpi_kinds`, so nothing here names a KPI. Every number is shown with its
definition one click away (never reworded here). The charts are in :mod:`dashboard.components.kpi_charts`,
which words its numbers with :func:`format_delta` and :mod:`.formats` from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import formats
from dashboard.components.cards import make_verdict, text_class, verdict_colour
from dashboard.domain.kpi_kinds import DEFINITIONS, KPIS, breakdown_kpis, in_section, sections_on
from dashboard.services.kpis.filters import DIMENSIONS
from dashboard.services.kpis.report import BreakdownRow, Headline, OpenBackorders

PAGE = "/kpis"
NO_DATA = "No data in this range for these filters"


# ---- numbers ---------------------------------------------------------------------------------------


def _amount(kind: str, value: float) -> str:
    if kind == "share":
        return f"{value * 100:.1f} %"
    if kind == "money":
        return f"${value:,.0f}"
    if kind == "days":
        return f"{value:,.1f} d"
    return f"{value:,.1f}×"


def format_value(key: str, value: float | None) -> str:
    """A KPI value as the cards and tables show it, in the KPI's unit ("—" when there is nothing to compute from)."""
    return "—" if value is None else _amount(KPIS[key].unit, value)


def format_delta(key: str, delta: float | None) -> tuple[str, str]:
    """``(text, colour)`` for a change: green when it moved the KPI's good way, red when the bad way."""
    if delta is None:
        return "no comparison", "secondary"
    unit = KPIS[key].unit
    amount = _amount(unit, abs(delta)).replace(" %", " pts")
    if amount == _amount(unit, 0.0).replace(" %", " pts"):
        return f"= {amount}", "secondary"
    improved = (delta > 0) == (KPIS[key].better == "up")
    return ("▲ " if delta > 0 else "▼ ") + amount, "success" if improved else "danger"


def target_text(key: str) -> str:
    """'target ≥ 95.0 %' — the threshold a KPI's verdict is judged by ("" without a target)."""
    kpi = KPIS[key]
    if kpi.target is None:
        return ""
    return f"target {'≥' if kpi.better == 'up' else '≤'} {_amount(kpi.unit, kpi.target.good)}"


def verdict(key: str, value: float | None) -> tuple[str | None, str]:
    """The KPI's verdict on ``value`` and the threshold it is judged by, for :func:`make_kpi_card`."""
    return KPIS[key].judge(value), target_text(key)


# ---- cards ----------------------------------------------------------------------------------------


def make_definition(key: str, anchor_id: str) -> list[Any]:
    """An ⓘ button and the popover it opens with the KPI's definition (click again or elsewhere to close)."""
    definition = DEFINITIONS[key]
    return [
        html.Button(
            html.I(className="bi bi-info-circle"),
            id=anchor_id,
            type="button",
            title=f"How {definition.label} is computed",
            className="btn btn-link btn-sm p-0 ms-1 align-baseline text-body-secondary kpi-definition-toggle",
            **{"aria-label": f"Definition of {definition.label}"},
        ),
        dbc.Popover(
            [dbc.PopoverHeader(definition.label), dbc.PopoverBody(definition.text, className="small")],
            target=anchor_id,
            trigger="legacy",
            placement="bottom",
            id=f"{anchor_id}-popover",
        ),
    ]


def make_kpi_stat(
    key: str, value: str, delta: tuple[str, str], detail: str, *, judged: tuple[str | None, str] | None = None
) -> dbc.Card:
    """A KPI card in the look of ``make_kpi_card``: its verdict, its definition one click away, its change."""
    delta_text, delta_colour = delta
    colour = verdict_colour(judged[0] if judged else None)
    body = dbc.CardBody(
        [
            html.Div(
                [html.Span(KPIS[key].label), *make_definition(key, f"kpi-def-{key}")],
                className="kpi-title text-body-secondary",
            ),
            html.Div(value, className=f"kpi-value {text_class(colour)}", id=f"kpi-{key}-value"),
            make_verdict(*judged, element_id=f"kpi-{key}-verdict") if judged and judged[0] else None,
            html.Div(delta_text, className=f"small fw-semibold text-{delta_colour}", id=f"kpi-{key}-delta"),
            html.Div(detail, className="kpi-detail small text-body-secondary"),
        ]
    )
    return dbc.Card(body, className=f"kpi-card h-100 border-0 border-start border-4 border-{colour}", id=f"kpi-{key}")


def _detail(key: str, headline: Headline) -> str:
    """The card's detail line, from the KPI's template and what the headline was computed from."""
    through = f"through {formats.day(headline.stock_through)}" if headline.stock_through else "no closed day yet"
    notify = "incl." if headline.notify_included else "excl. (not per warehouse)"
    return KPIS[key].describe(headline.sums, through=through, notify=notify)


def make_headline(headline: Headline) -> html.Div:
    """Every KPI of the range, a row per section of the page, each with its change and previous value."""
    rows = []
    for group in sections_on(PAGE):
        cards = []
        for key in (kpi.key for kpi in in_section(group.key)):
            text, colour = format_delta(key, headline.delta(key))
            previous = headline.previous.get(key)
            text = f"{text} · was {format_value(key, previous)}" if previous is not None else "no previous period data"
            cards.append(
                dbc.Col(
                    make_kpi_stat(
                        key,
                        format_value(key, headline.current.get(key)),
                        (text, colour),
                        _detail(key, headline),
                        judged=verdict(key, headline.current.get(key)),
                    ),
                    md=6,
                    lg=True,
                    className="mb-3",
                )
            )
        rows.append(
            html.H6([html.I(className=f"bi {group.icon} me-2"), group.title], className="text-body-secondary mt-1 mb-2")
        )
        rows.append(dbc.Row(cards, className="g-3"))
    return html.Div(rows)


def make_period_note(headline: Headline) -> html.Div:
    """Which days the numbers cover and what the deltas compare with."""
    stock = (
        f"Stock figures (end-of-day snapshots) through {formats.day(headline.stock_through)}."
        if headline.stock_through
        else "No closed day with a stock snapshot in this range yet."
    )
    return html.Div(
        [
            html.Span(f"{formats.period(headline.start, headline.end)}", className="fw-semibold"),
            html.Span(f" compared with {formats.period(headline.previous_start, headline.previous_end)}. {stock}"),
        ],
        className="small text-body-secondary mb-3",
        id="kpi-period-text",
    )


def make_no_data(start: dt.date, end: dt.date) -> dbc.Alert:
    """The empty state: nothing counted in the range, said plainly."""
    return dbc.Alert(
        [
            html.I(className="bi bi-inbox me-2"),
            html.Strong("No data in this range. "),
            f"Nothing was ordered, shipped, revised or stock-counted between {formats.period(start, end)} "
            "for these filters. Widen the dates or clear a filter.",
        ],
        color="light",
        className="border",
        id="kpi-no-data",
    )


def make_open_cards(backlog: OpenBackorders) -> dbc.Row:
    """Open backorders now: count, units and value; mean and median age."""
    definition = make_definition("open_backorders", "kpi-def-open_backorders")
    ages = (
        f"{backlog.mean_age:,.1f} d mean · {backlog.median_age:,.1f} d median"
        if backlog.lines
        else "no line is waiting"
    )
    cards = [
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div([html.Span("Open backorders"), *definition], className="kpi-title text-body-secondary"),
                    html.Div(f"{backlog.lines:,}", className="kpi-value text-primary", id="kpi-open-lines"),
                    html.Div(
                        f"{backlog.units:,} units · ${backlog.value:,.0f} waiting to ship",
                        className="kpi-detail small text-body-secondary",
                    ),
                ]
            ),
            # Today's backlog is a workload with no target: neutral, as docs/ui.md says.
            className="kpi-card h-100 border-0 border-start border-4 border-primary",
            id="kpi-open-backorders",
        ),
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(
                        [html.Span("Age since backorder"), *make_definition("open_backorders", "kpi-def-open-age")],
                        className="kpi-title text-body-secondary",
                    ),
                    html.Div(
                        "—" if backlog.median_age is None else f"{backlog.median_age:,.1f} d",
                        className="kpi-value text-primary",
                        id="kpi-open-median",
                    ),
                    html.Div(ages, className="kpi-detail small text-body-secondary"),
                ]
            ),
            className="kpi-card h-100 border-0 border-start border-4 border-primary",
            id="kpi-open-age",
        ),
    ]
    return dbc.Row([dbc.Col(card, sm=6, lg=12, className="mb-3") for card in cards], className="g-3")


# ---- tables ---------------------------------------------------------------------------------------


def make_breakdown_table(rows: Sequence[BreakdownRow], dimension: str) -> html.Div:
    """Every member's KPIs over the range and its open backorders now; headers carry the definitions."""
    if not rows:
        return html.P(NO_DATA + ".", className="text-body-secondary small mb-0")
    header = html.Tr(
        [
            html.Th(DIMENSIONS[dimension]),
            html.Th("Lines", title="Order lines ordered in the range", className="text-end"),
            *[
                html.Th(kpi.breakdown, title=kpi.definition.text, className="text-end text-nowrap")
                for kpi in breakdown_kpis()
            ],
            html.Th("Open now", title=DEFINITIONS["open_backorders"].text, className="text-end text-nowrap"),
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(row.label, className="text-nowrap"),
                html.Td(f"{row.sums.get('lines_ordered', 0):,.0f}", className="text-end"),
                *[
                    html.Td(format_value(kpi.key, row.values.get(kpi.key)), className="text-end")
                    for kpi in breakdown_kpis()
                ],
                html.Td(f"{row.open_lines:,} · ${row.open_value:,.0f}", className="text-end text-nowrap"),
            ]
        )
        for row in rows
    ]
    table = dbc.Table([html.Thead(header, className="table-light sticky-top"), html.Tbody(body)], hover=True, size="sm")
    children: list[Any] = [html.Div(table, style={"maxHeight": "420px", "overflow": "auto"})]
    if dimension == "warehouse":
        children.append(
            html.P(
                "Lost sales per warehouse leave out notify-me demand: requests are per product, not per warehouse.",
                className="text-body-secondary mb-1",
            )
        )
    return html.Div(children, className="small")
