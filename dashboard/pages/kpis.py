"""Executive KPIs (design §5): each KPI beside its definition, weekly trends, breakdowns and delay causes."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles
from dashboard.components import formats
from dashboard.components.kpi_charts import (
    make_aging_chart,
    make_chart_card,
    make_money_trend,
    make_pareto_chart,
    make_rates_trend,
)
from dashboard.components.kpis import (
    make_breakdown_table,
    make_headline,
    make_no_data,
    make_open_cards,
    make_period_note,
)
from dashboard.domain.codes import Role
from dashboard.domain.inputs import InputError
from dashboard.services.kpis import filters as kf
from dashboard.services.kpis import report as kr

ROLES = (Role.EXECUTIVE, Role.MANAGER)
dash.register_page(
    __name__,
    path="/kpis",
    name="KPIs",
    title="KPIs · Backorder Desk",
    nav_order=3,
    allowed_roles=list(ROLES),
)

PRESET_WEEKS = (4, 13, 26, 52)
FILTER_INPUTS = [
    Input("kpi-dates", "start_date"),
    Input("kpi-dates", "end_date"),
    Input("kpi-warehouse", "value"),
    Input("kpi-category", "value"),
    Input("kpi-supplier", "value"),
]


def _filters(session, start, end, warehouse, category, supplier) -> kf.KpiFilters:
    raw = {"start": start, "end": end, "warehouse_id": warehouse, "category": category, "supplier_id": supplier}
    return kf.KpiFilters.parse(raw, kf.filter_options(session), context.current().settings.today())


def _dropdown(component_id: str, options: list, placeholder: str, value=None) -> dbc.Col:
    return dbc.Col(
        dcc.Dropdown(id=component_id, options=options, placeholder=placeholder, value=value),
        md=4,
        xl=True,
        className="mb-2",
    )


def _section(title: str, note: str | None = None) -> html.Div:
    children = [html.H5(title, className="mb-0")]
    if note:
        children.append(html.Span(note, className="small text-body-secondary"))
    return html.Div(children, className="d-flex align-items-baseline gap-3 mt-2 mb-2 flex-wrap")


def layout(
    start: str | None = None,
    end: str | None = None,
    warehouse_id: str | None = None,
    category: str | None = None,
    supplier_id: str | None = None,
    **_query: str,
) -> html.Div:
    """Filters (optionally preset from the query string); every block below is filled by the callbacks."""
    app = context.current()
    today = app.settings.today()
    with app.db.read_session() as session:
        options = kf.filter_options(session)
    alert = None
    raw = {"start": start, "end": end, "warehouse_id": warehouse_id, "category": category, "supplier_id": supplier_id}
    try:
        initial = kf.KpiFilters.parse(raw, options, today)
    except InputError as exc:
        initial = kf.KpiFilters.parse({}, options, today)
        alert = dbc.Alert(f"{exc} Showing the default range instead.", color="warning", dismissable=True)
    choices = options.dropdowns()
    presets = dbc.ButtonGroup(
        [
            dbc.Button(f"{weeks} wk", id=f"kpi-preset-{weeks}", color="secondary", outline=True, size="sm")
            for weeks in PRESET_WEEKS
        ],
        className="h-100",
        id="kpi-presets",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Executive KPIs", className="mb-0"),
                    html.Span(f"as of {formats.weekday(today)}", className="text-body-secondary"),
                ],
                className="d-flex align-items-baseline gap-3 mb-3 flex-wrap",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.DatePickerRange(
                            id="kpi-dates",
                            start_date=initial.start.isoformat(),
                            end_date=initial.end.isoformat(),
                            min_date_allowed=kf.EARLIEST.isoformat(),
                            max_date_allowed=today.isoformat(),
                            display_format="D MMM YYYY",
                            first_day_of_week=1,
                            updatemode="bothdates",
                        ),
                        xs=12,
                        xl="auto",
                        className="mb-2",
                    ),
                    dbc.Col(presets, xs="auto", className="mb-2"),
                    _dropdown("kpi-warehouse", choices["warehouse"], "All warehouses", initial.warehouse_id),
                    _dropdown("kpi-category", choices["category"], "All categories", initial.category),
                    _dropdown("kpi-supplier", choices["supplier"], "All suppliers", initial.supplier_id),
                ],
                className="g-2 mb-1 align-items-center",
            ),
            html.Div(alert, id="kpi-notice"),
            html.Div(id="kpi-alert"),
            html.Div(id="kpi-period"),
            html.Div(id="kpi-headline"),
            _section("Weekly trends", "each point is one ISO week (Monday to Sunday); hover for week-on-week change"),
            dbc.Row(
                [
                    dbc.Col(
                        make_chart_card("Service levels by week", "kpi-trend-rates", "kpi-service-levels-by-week"),
                        xl=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        make_chart_card(
                            "Lost sales and open backorder value by week ($)", "kpi-trend-money", "kpi-money-by-week"
                        ),
                        xl=6,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            _section("Breakdown"),
            dbc.Card(
                [
                    dbc.CardHeader(
                        html.Div(
                            [
                                html.Span("By", className="fw-semibold"),
                                dbc.RadioItems(
                                    id="kpi-dimension",
                                    options=choices["dimension"],
                                    value="warehouse",
                                    inline=True,
                                    className="mb-0",
                                ),
                            ],
                            className="d-flex align-items-center gap-3",
                        )
                    ),
                    # The table is the breakdown: a chart of the same rows would only repeat it, taller.
                    dbc.CardBody(html.Div(id="kpi-breakdown-table"), className="p-2"),
                ],
                className="mb-3",
            ),
            # Today's backlog and the range's delay causes share a row: each is one chart and a few figures.
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _section(
                                "Open backorders now",
                                "today's backlog; the date range does not apply",
                            ),
                            dbc.Row(
                                [
                                    dbc.Col(html.Div(id="kpi-open"), md=4, className="mb-3"),
                                    dbc.Col(
                                        make_chart_card(
                                            "Open backorders by age", "kpi-aging", "open-backorders-by-age", height=260
                                        ),
                                        md=8,
                                        className="mb-3",
                                    ),
                                ],
                                className="g-3",
                            ),
                        ],
                        xl=7,
                    ),
                    dbc.Col(
                        [
                            _section("Delay causes", "promise revisions in the range, largest cause first"),
                            html.Div(
                                make_chart_card(
                                    "Why promises moved",
                                    "kpi-pareto",
                                    "kpi-delay-causes-pareto",
                                    definition="delay_causes",
                                    height=260,
                                ),
                                className="mb-3",
                            ),
                        ],
                        xl=5,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


@callback(
    Output("kpi-alert", "children"),
    Output("kpi-period", "children"),
    Output("kpi-headline", "children"),
    Output("kpi-open", "children"),
    Output("kpi-aging", "figure"),
    Output("kpi-trend-rates", "figure"),
    Output("kpi-trend-money", "figure"),
    Output("kpi-pareto", "figure"),
    *FILTER_INPUTS,
)
@allow_roles(*ROLES)
def update_report(start, end, warehouse, category, supplier):
    """Cards, open backorders, trends and the delay-cause Pareto for the chosen filters."""
    app = context.current()
    today = app.settings.today()
    try:
        with app.db.read_session() as session:
            filters = _filters(session, start, end, warehouse, category, supplier)
            head = kr.headline(session, filters)
            weeks = kr.weekly_trends(session, filters)
            causes = kr.delay_causes(session, filters)
            backlog = kr.open_backorders(session, filters, today)
    except InputError as exc:
        return (dbc.Alert(str(exc), color="danger", id="kpi-filter-error"), *[dash.no_update] * 7)
    cards = make_headline(head) if head.has_data else make_no_data(filters.start, filters.end)
    return (
        None,
        make_period_note(head),
        cards,
        make_open_cards(backlog),
        make_aging_chart(backlog),
        make_rates_trend(weeks),
        make_money_trend(weeks),
        make_pareto_chart(causes),
    )


@callback(
    Output("kpi-breakdown-table", "children"),
    *FILTER_INPUTS,
    Input("kpi-dimension", "value"),
)
@allow_roles(*ROLES)
def update_breakdown(start, end, warehouse, category, supplier, dimension):
    """The range's KPIs per warehouse, category or supplier."""
    try:
        with context.current().db.read_session() as session:
            filters = _filters(session, start, end, warehouse, category, supplier)
            rows = kr.breakdown(session, filters, dimension)
    except InputError as exc:
        return dbc.Alert(str(exc), color="danger", className="mb-0")
    return make_breakdown_table(rows, dimension)


@callback(
    Output("kpi-dates", "start_date"),
    Output("kpi-dates", "end_date"),
    *[Input(f"kpi-preset-{weeks}", "n_clicks") for weeks in PRESET_WEEKS],
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def apply_preset(*_clicks):
    """A preset button sets the last N full weeks."""
    weeks = {f"kpi-preset-{w}": w for w in PRESET_WEEKS}.get(ctx.triggered_id)
    if weeks is None or not (ctx.triggered and ctx.triggered[0].get("value")):
        raise dash.exceptions.PreventUpdate
    start, end = kf.default_range(context.current().settings.today(), weeks)
    return start.isoformat(), end.isoformat()
