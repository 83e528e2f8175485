"""One SKU: stock history and projection, the numbers and why, its POs and waiting customers."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from sqlalchemy import select

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor, user_may
from dashboard.components.kpi_charts import graph_config
from dashboard.components.purchasing import make_sku_draft_card
from dashboard.components.sku import (
    forecast_summary,
    make_demand_chart,
    make_elsewhere,
    make_po_table,
    make_stock_chart,
    make_waiting_table,
    make_why_panel,
    warehouse_stock,
)
from dashboard.components.status import make_status_panel, show_fields_for_status
from dashboard.db.models import Product, ProductSupplier, StatusAdvice, Supplier
from dashboard.domain import forecast, inputs, unknown
from dashboard.domain.codes import Role
from dashboard.domain.inputs import RefusedError
from dashboard.domain.projection import project_available
from dashboard.services.catalog import status as status_service
from dashboard.services.catalog.sku import load_sku
from dashboard.services.derived.partial import refresh_products
from dashboard.services.purchasing import drafts
from dashboard.services.replenishment.queries import ReplenishmentFilters

dash.register_page(__name__, path_template="/sku/<sku>", name="SKU", title="SKU · Backorder Desk")

PROJECTION_MIN_DAYS = 30


def _card(title: str, body, **kwargs) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(title, className="fw-semibold"), dbc.CardBody(body, className="p-2")],
        className="mb-3",
        **kwargs,
    )


def _reorder_card(product_id: int, metrics) -> dbc.Card:
    with context.current().db.read_session() as session:
        suppliers = session.execute(
            select(Supplier.id, Supplier.name)
            .join(ProductSupplier, ProductSupplier.supplier_id == Supplier.id)
            .where(ProductSupplier.product_id == product_id)
            .order_by(ProductSupplier.is_primary.desc(), Supplier.name)
        ).all()
    body = make_sku_draft_card(
        int(metrics.suggested_order_qty or 0), [tuple(row) for row in suppliers], metrics.supplier_id
    )
    return _card("Reorder", body)


def layout(sku: str | None = None, warehouse: str | None = None, **_query: str) -> html.Div:
    """The SKU in one warehouse (``?warehouse=CODE``), read fresh on every visit."""
    app = context.current()
    today = app.settings.today()
    with app.db.read_session() as session:
        view = load_sku(session, sku or "", warehouse, today, with_drafts=user_may(Role.MANAGER, Role.EXECUTIVE))
        advice = session.get(StatusAdvice, view.product.id) if view else None
    if view is None:
        return html.Div(
            [
                html.H2("Unknown SKU"),
                dbc.Alert(f"There is no product with SKU {sku!r}.", color="warning", id="sku-missing"),
            ]
        )
    product, metrics = view.product, view.metrics
    horizon = max(PROJECTION_MIN_DAYS, int((metrics.lead_time_days if metrics else 14) + 14))
    # Receipts serve waiting customers first, so the projection starts from what they are still owed.
    projection = (
        project_available(
            today,
            (metrics.on_hand - metrics.allocated - metrics.owed) if metrics else 0,
            metrics.avg_daily_demand if metrics else 0,
            [(row["eta"], row["open_qty"]) for row in view.inbound],
            horizon,
        )
        if metrics
        else []
    )
    wh_links = [
        dbc.Button(
            code,
            href=f"/sku/{quote(product.sku, safe='')}?{urlencode({'warehouse': code})}",
            size="sm",
            color="primary" if wid == view.warehouse_id else "secondary",
            outline=wid != view.warehouse_id,
        )
        for wid, code in view.warehouses
    ]
    status = product.sales_status
    here = next((code for wid, code in view.warehouses if wid == view.warehouse_id), "this warehouse")
    header = html.Div(
        [
            html.Div(
                [html.H2(product.sku, className="mb-0"), html.Span(unknown.text(product.name), className="fs-5")],
                className="d-flex align-items-baseline gap-3 flex-wrap",
            ),
            html.Div(
                [
                    # The sales status is the product's, in every warehouse; the line below is this warehouse's stock.
                    html.Span("All warehouses:", className="small text-body-secondary me-1"),
                    dbc.Badge(status.label, color=status.colour, className="me-2", id="sku-status"),
                    html.Span(product.status_reason or "", className="text-body-secondary me-3"),
                    html.Span(
                        f"{unknown.text(product.category)} · {product.substitutability.label} · "
                        f"{unknown.money(product.unit_price)}",
                        className="text-body-secondary me-3",
                    ),
                    html.Span(
                        [html.I(className="bi bi-bell me-1"), f"{view.notify_me} waiting for notify-me"],
                        id="sku-notify-me",
                        className="text-body-secondary",
                    ),
                ],
                className="mt-1",
            ),
            html.Div(
                [*wh_links, html.Span(warehouse_stock(here, metrics), id="sku-here", className="small ms-2")],
                className="d-flex gap-2 mt-2 align-items-center flex-wrap",
            ),
        ],
        className="mb-3",
    )
    chart = dcc.Graph(
        figure=make_stock_chart(
            view.history,
            projection,
            metrics.safety_stock if metrics else None,
            metrics.reorder_point if metrics else None,
        ),
        id="sku-chart",
        config=graph_config(f"{product.sku}-stock"),
    )
    demand = (
        _card(
            "Demand: units ordered per week, and the forecast",
            [
                dcc.Graph(
                    figure=make_demand_chart(
                        view.demand,
                        metrics.avg_daily_demand,
                        metrics.demand_sd,
                        forecast.METHOD_LABELS.get(metrics.forecast_method, metrics.forecast_method),
                    ),
                    id="sku-demand-chart",
                    config=graph_config(f"{product.sku}-demand"),
                ),
                html.Div(forecast_summary(metrics), id="sku-forecast", className="small text-body-secondary"),
            ],
        )
        if metrics
        else None
    )
    return html.Div(
        [
            dcc.Store(id="status-sku", data={"sku": product.sku, "version": product.version}),
            dcc.Store(
                id="sku-pair", data={"sku": product.sku, "warehouse": metrics.warehouse_code if metrics else None}
            ),
            header,
            dbc.Row(
                [
                    dbc.Col([_card("Stock: last 180 days and the projection ahead", chart), demand], xl=7),
                    dbc.Col(
                        [
                            make_why_panel(metrics, view.explain, product.unit_cost),
                            _reorder_card(product.id, metrics) if user_may(Role.MANAGER) and metrics else None,
                        ],
                        xl=5,
                        className="mb-3",
                    ),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            f"Waiting customers in {here} ({len(view.waiting)})",
                            make_waiting_table(view.waiting, today),
                        ),
                        xl=6,
                    ),
                    dbc.Col(
                        _card(
                            f"Purchase orders for {here} (latest 12)", make_po_table(view.purchase_orders[:12], today)
                        ),
                        xl=6,
                    ),
                ]
            ),
            make_elsewhere(product.sku, view.elsewhere),
            _card(
                "Sales status",
                [
                    html.Div(make_status_panel(product, advice, user_may(Role.MANAGER)), id="status-panel"),
                    html.Div(id="status-feedback", className="mt-2"),
                ],
            ),
        ]
    )


@callback(
    Output("status-panel", "children"),
    Output("sku-status", "children"),
    Output("sku-status", "color"),
    Output("status-sku", "data"),
    Output("status-feedback", "children"),
    Input("status-save", "n_clicks"),
    State("status-sku", "data"),
    State("status-new", "value"),
    State("status-reason", "value"),
    State("status-override", "value"),
    State("status-backorders", "value"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def save_status(clicks, selected, new_status, reason, override, backorder_action):
    """Set this SKU's status with the policy's checks; one transaction."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    selected = inputs.mapping(selected, "the SKU on screen")
    sku = inputs.text(selected.get("sku"), "SKU", max_length=64, required=True)
    change = status_service.StatusChange(sku, new_status, inputs.optional_integer(selected.get("version"), "version"))
    try:
        with app.unit_of_work(current_actor()) as work:
            [result] = status_service.set_status(
                work.session,
                work.actor,
                [change],
                reason,
                work.today,
                work.handling_days,
                override_reason=override,
                backorder_action=backorder_action,
            )
    except RefusedError as exc:
        alert = dbc.Alert(str(exc), color="danger", className="py-2 small")
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update, alert
    with app.db.read_session() as session:
        product = session.scalar(select(Product).where(Product.sku == change.sku))
        advice = session.get(StatusAdvice, product.id)
    panel = make_status_panel(product, advice, True)
    done = f"Status set to {result.new.label.lower()}."
    if result.notices:
        done += f" {result.notices} notify-me subscriber notice(s) queued."
    if result.cancelled_lines:
        done += f" {result.cancelled_lines} open backorder(s) cancelled and notified."
    version = {"sku": product.sku, "version": product.version}
    return panel, result.new.label, result.new.colour, version, dbc.Alert(done, color="success", className="py-2 small")


@callback(
    Output("sku-draft-feedback", "children"),
    Input("sku-draft", "n_clicks"),
    State("sku-pair", "data"),
    State("sku-draft-supplier", "value"),
    prevent_initial_call=True,
)
@allow_roles(Role.MANAGER, writes=True)
def draft_from_sku(clicks, pair, supplier):
    """Draft this SKU-warehouse's suggestion from the chosen supplier, in one transaction."""
    if not clicks:
        raise dash.exceptions.PreventUpdate
    app = context.current()
    try:
        pair = inputs.mapping(pair, "the SKU on screen")
        supplier_id = inputs.integer(supplier, "the supplier", minimum=1)
        with app.unit_of_work(current_actor()) as work:
            ids = drafts.ticked_metric_ids(work.session, [pair])
            scope = drafts.DraftScope(ReplenishmentFilters(condition="all"), ids, supplier_id)
            made = drafts.create_drafts(work.session, work.actor, work.today, scope)
            today, products = work.today, made.product_ids
            work.after_commit(lambda: refresh_products(app.db, today, products))
    except RefusedError as exc:
        return dbc.Alert(str(exc), color="danger", className="py-2 small")
    po = made.purchase_orders[0]
    return dbc.Alert(
        [
            f"Drafted {po.number}: {po.units:,} units from {po.supplier}, ${po.value:,.0f}. ",
            html.A("Edit or send it on Inbound", href="/inbound?show=drafts", className="alert-link"),
            ".",
        ],
        color="success",
        className="py-2 small",
    )


show_fields_for_status("status")
