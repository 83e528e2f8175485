"""Suppliers: the scorecard per supplier, one supplier's weekly trend and its open POs at risk (design §5, §6)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard import context
from dashboard.auth.roles import allow_roles
from dashboard.components.kpi_charts import graph_config
from dashboard.components.suppliers import (
    make_at_risk_explainer,
    make_at_risk_table,
    make_definitions,
    make_delay_histogram,
    make_period_note,
    make_scorecard_grid,
    make_scorecard_rows,
    make_supplier_cards,
    make_trend_chart,
)
from dashboard.domain import inputs
from dashboard.domain.codes import Role
from dashboard.domain.inputs import InputError
from dashboard.services.inbound import suppliers as sup

ROLES = (Role.MANAGER, Role.EXECUTIVE)
dash.register_page(
    __name__,
    path="/suppliers",
    name="Suppliers",
    title="Suppliers · Backorder Desk",
    nav_order=9,
    allowed_roles=list(ROLES),
)

FILTERS = [
    Input("sup-dates", "start_date"),
    Input("sup-dates", "end_date"),
    Input("sup-warehouse", "value"),
]
CHOOSE = "Choose a supplier in the scorecard (or the list above) to see its weekly trend and open POs at risk."


def _filters(start, end, warehouse, supplier=None) -> sup.SupplierFilters:
    raw = {"start": start, "end": end, "warehouse_id": warehouse, "supplier_id": supplier}
    return sup.SupplierFilters.parse(raw, context.current().settings.today())


def _card(header: str, body, **extra) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header, className="fw-semibold"), dbc.CardBody(body, className="p-2")], **extra)


def layout(supplier: str | None = None, **_query: str) -> html.Div:
    """Filters (a supplier may come from ``?supplier=ID``), then the scorecard and the chosen supplier."""
    app = context.current()
    today = app.settings.today()
    start, end = sup.default_range(today)
    with app.db.read_session() as session:
        options = sup.filter_options(session)
    chosen = int(supplier) if supplier and supplier.isascii() and supplier.isdigit() and len(supplier) <= 10 else None
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Supplier scorecard", className="mb-0"),
                    html.Span(
                        "Purchase orders completed in the chosen days; open POs as of today",
                        className="text-body-secondary small",
                    ),
                ],
                className="d-flex align-items-baseline gap-3 mb-3 flex-wrap",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.DatePickerRange(
                            id="sup-dates",
                            start_date=start.isoformat(),
                            end_date=end.isoformat(),
                            max_date_allowed=today.isoformat(),
                            display_format="D MMM YYYY",
                            first_day_of_week=1,
                            minimum_nights=0,
                        ),
                        md="auto",
                        className="mb-2",
                    ),
                    dbc.Col(
                        dcc.Dropdown(id="sup-warehouse", options=options["warehouse"], placeholder="All warehouses"),
                        md=3,
                        className="mb-2",
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id="sup-supplier", options=options["supplier"], value=chosen, placeholder="Supplier…"
                        ),
                        md=4,
                        className="mb-2",
                    ),
                ],
                className="g-2 mb-1 align-items-center",
            ),
            html.Div(id="sup-alert"),
            make_definitions(),
            _card(
                "Scorecard · worst on-time receipt first",
                [
                    html.P(
                        "Click a supplier for its trend and open POs at risk. Sort by any column; hover a header "
                        "for its definition.",
                        className="text-body-secondary small mb-2",
                    ),
                    make_scorecard_grid("sup-grid"),
                ],
                className="mb-4",
            ),
            html.H4(id="sup-title", className="mb-1"),
            html.P(CHOOSE, id="sup-period", className="text-body-secondary small mb-3"),
            html.Div(id="sup-cards"),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            "On-time receipt and mean delay over the 4 weeks to each week",
                            dcc.Graph(id="sup-trend", config=graph_config("supplier-weekly-trend")),
                        ),
                        lg=8,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(
                            "Delay against the original ETA",
                            dcc.Graph(id="sup-delays", config=graph_config("supplier-delay-histogram")),
                        ),
                        lg=4,
                        className="mb-3",
                    ),
                ],
            ),
            _card("Open purchase orders at risk", html.Div(id="sup-risk"), className="mb-3"),
        ]
    )


@callback(
    Output("sup-grid", "rowData"),
    Output("sup-alert", "children"),
    Output("sup-supplier", "value"),
    *FILTERS,
    State("sup-supplier", "value"),
)
@allow_roles(*ROLES)
def update_scorecard(start, end, warehouse, chosen):
    """The scorecard for the filters; with no supplier chosen yet, the worst one is chosen."""
    app = context.current()
    try:
        filters = _filters(start, end, warehouse)
    except InputError as exc:
        return [], dbc.Alert(str(exc), color="danger"), dash.no_update
    with app.db.read_session() as session:
        scores = sup.scorecard(session, filters, app.settings.today())
    pick = dash.no_update
    if chosen is None and scores:
        pick = scores[0].supplier_id
    return make_scorecard_rows(scores), None, pick


@callback(
    Output("sup-supplier", "value", allow_duplicate=True),
    Input("sup-grid", "cellClicked"),
    prevent_initial_call=True,
)
@allow_roles(*ROLES)
def choose_from_grid(cell):
    """A click on a scorecard row chooses that supplier."""
    return inputs.grid_row_id(cell, "supplier")


@callback(
    Output("sup-title", "children"),
    Output("sup-period", "children"),
    Output("sup-cards", "children"),
    Output("sup-trend", "figure"),
    Output("sup-delays", "figure"),
    Output("sup-risk", "children"),
    *FILTERS,
    Input("sup-supplier", "value"),
)
@allow_roles(*ROLES)
def update_supplier(start, end, warehouse, supplier):
    """The chosen supplier: its numbers against the previous period, weekly trend, delays and POs at risk."""
    if supplier is None:
        return None, CHOOSE, None, make_trend_chart([], ""), make_delay_histogram([], None), None
    app = context.current()
    today = app.settings.today()
    try:
        filters = _filters(start, end, warehouse, supplier)
    except InputError as exc:
        alert = dbc.Alert(str(exc), color="danger")
        return None, None, alert, make_trend_chart([], ""), make_delay_histogram([], None), None
    with app.db.read_session() as session:
        period = sup.supplier_period(session, filters)
        if period is None:
            alert = dbc.Alert("No such supplier.", color="warning")
            return None, None, alert, make_trend_chart([], ""), make_delay_histogram([], None), None
        weeks = sup.weekly_trend(session, filters)
        p80 = period.current["p80_delay"]
        risky = sup.at_risk_pos(session, filters, p80, today)
    return (
        period.name,
        make_period_note(period, filters.start, filters.end),
        make_supplier_cards(period),
        make_trend_chart(weeks, period.name),
        make_delay_histogram(period.delays, p80),
        [make_at_risk_explainer(p80), make_at_risk_table(risky, sup.AT_RISK_LIMIT)],
    )
