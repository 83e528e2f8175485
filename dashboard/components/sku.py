"""Builders for /sku/<sku>: the stock chart, the "why flagged" panel and the tables."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from dashboard.components import formats
from dashboard.domain import forecast
from dashboard.domain import lead_time_demand as ltd
from dashboard.domain import replenishment as rp
from dashboard.domain.codes import OPEN_PO_STATUSES, CustomerPriority, DemandBasis, POStatus
from dashboard.domain.projection import ProjectionPoint, first_stockout


def make_stock_chart(
    history: Sequence[tuple[dt.date, int]],
    projection: list[ProjectionPoint],
    safety_stock: float | None,
    reorder_point: float | None,
) -> go.Figure:
    """On-hand history, the forward projection, ROP and SS lines, and the projected stockout date."""
    figure = go.Figure()
    figure.add_scatter(
        x=[d for d, _ in history],
        y=[v for _, v in history],
        name="On hand (history)",
        mode="lines",
        line={"shape": "hv", "color": "#0d6efd", "width": 2},
    )
    if projection:
        figure.add_scatter(
            x=[p.day for p in projection],
            y=[p.available for p in projection],
            name="Projected available (after waiting orders)",
            mode="lines",
            line={"dash": "dot", "color": "#6c757d"},
        )
    for value, name, colour in ((reorder_point, "Reorder point", "#ffc107"), (safety_stock, "Safety stock", "#dc3545")):
        if value is not None:
            figure.add_hline(
                y=value,
                line={"color": colour, "dash": "dash", "width": 1.5},
                annotation_text=f"{name} {value:.1f}",
                annotation_position="top left",
            )
    stockout = first_stockout(projection)
    if stockout is not None:
        figure.add_vline(
            x=dt.datetime.combine(stockout, dt.time()).timestamp() * 1000,
            line={"color": "#dc3545", "width": 1},
            annotation_text=f"stockout {formats.day(stockout)}",
            annotation_position="top right",
        )
    if history:
        figure.add_vline(
            x=dt.datetime.combine(history[-1][0], dt.time()).timestamp() * 1000,
            line={"color": "#adb5bd", "width": 1},
            annotation_text="today",
            annotation_position="bottom right",
        )
    figure.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.1, "x": 0},
        yaxis_title="units",
        hovermode="x unified",
    )
    figure.update_xaxes(gridcolor="#eee")
    figure.update_yaxes(gridcolor="#eee", zeroline=True, zerolinecolor="#999")
    return figure


FORECAST_WEEKS = 8


def make_demand_chart(
    weeks: Sequence[tuple[dt.date, float]], daily_rate: float, daily_sd: float, method: str
) -> go.Figure:
    """Weekly units asked for, the forecast for the weeks ahead and its 80 % band (10th–90th percentile)."""
    figure = go.Figure()
    figure.add_bar(
        x=[d for d, _ in weeks],
        y=[u for _, u in weeks],
        name="Units ordered per week",
        marker_color="#9ec5fe",
        hovertemplate="week of %{x|%-d %b %Y}: %{y:.0f} units<extra></extra>",
    )
    if weeks:
        start = weeks[-1][0] + dt.timedelta(days=7)
        ahead = [start + dt.timedelta(days=7 * w) for w in range(FORECAST_WEEKS)]
        mean = 7 * daily_rate
        low, high = ltd.demand_interval(mean, 7 * daily_sd**2)
        figure.add_scatter(
            x=ahead + ahead[::-1],
            y=[high] * len(ahead) + [low] * len(ahead),
            fill="toself",
            mode="lines",
            fillcolor="rgba(13,110,253,0.12)",
            line={"width": 0},
            name="80 % of weeks (10th–90th percentile)",
            hoverinfo="skip",
        )
        figure.add_scatter(
            x=ahead,
            y=[mean] * len(ahead),
            mode="lines",
            line={"color": "#0d6efd", "width": 2},
            name=f"Forecast: {method}",
            hovertemplate="forecast %{y:.1f} units/week<extra></extra>",
        )
    figure.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.15, "x": 0},
        yaxis_title="units per week",
        bargap=0.15,
    )
    figure.update_xaxes(gridcolor="#eee")
    figure.update_yaxes(gridcolor="#eee", rangemode="tozero")
    return figure


def forecast_summary(metrics: Any) -> str:
    """One line under the demand chart: the method, the pattern it was chosen for and its backtest error."""
    method = forecast.METHOD_LABELS.get(metrics.forecast_method, metrics.forecast_method)
    pattern = forecast.PATTERN_LABELS.get(metrics.demand_pattern, metrics.demand_pattern).lower()
    error = (
        f"error {metrics.forecast_wape:.0%} of units sold at the five origins in the last 12 weeks it was chosen on"
        if metrics.forecast_wape is not None
        else "no backtest error (nothing sold at its origins to score on)"
    )
    return f"Forecast by {method} · {pattern} demand · {error}"


def _row(label: str, value: str, note: str = "") -> html.Tr:
    return html.Tr(
        [
            html.Th(label, className="fw-normal text-body-secondary"),
            html.Td(value, className="fw-semibold"),
            html.Td(note, className="small text-body-secondary"),
        ]
    )


def _demand_source(x: dict[str, Any]) -> str:
    """What d̄ rests on, in words: the days of history behind it, period totals, or nothing usable."""
    basis = x.get("demand_basis", DemandBasis.LINES.value)
    window = x.get("window_days", 90)
    if basis == DemandBasis.PERIODS.value:
        return (
            f"from {x.get('periods_used', 0)} period totals covering {x.get('period_days', 0)} in-stock days "
            "(too little order history for daily figures)"
        )
    if basis == DemandBasis.NONE.value:
        return (
            "No usable history: no orders, sales or period totals recorded. Import sales history to get a reorder point"
        )
    history = x.get("history_days", window)
    text = (
        f"over {x.get('days_counted', '?')} sellable days of {history} recorded in the last {window}; "
        f"{x.get('days_out_of_stock', 0)} stockout days excluded"
    )
    method = x.get("forecast_method", "moving_average")
    if method == "new_item" and "new_item_days" in x:
        return (
            f"New item: {x['new_item_units']:.0f} units in {x['new_item_days']} sellable days since first stocked, "
            f"blended with 4 weeks of its category's typical {x['category_rate']:.2f}/day"
        )
    if method not in ("moving_average", "none", "period_totals") and "moving_average" in x:
        # Another method beat the 90-day average on this item's own recent weeks: say so, and what the average was.
        text = (
            f"{forecast.METHOD_LABELS.get(method, method)} forecast (90-day average {x['moving_average']:.2f}/day "
            f"{text})"
        )
    return ("Short history: " + text) if basis == DemandBasis.SHORT.value else text


def _spread_note(x: dict[str, Any], sd: float, spike: bool) -> str:
    """Where σd comes from: the day-to-day spread, or the forecast's larger error over four weeks."""
    notes = ["spike days flagged and left out"] if spike else []
    daily = x.get("daily_spread")
    from_lines = x.get("demand_basis", DemandBasis.LINES.value) in (DemandBasis.LINES.value, DemandBasis.SHORT.value)
    if from_lines and daily is not None and sd > daily + 1e-3:
        notes.append(
            f"the forecast's own error over 28-day horizons ({x.get('forecast_error_28d', 0):.1f} units on average) "
            f"is larger than the day-to-day spread ({daily:.2f}/day), so the buffer covers the error"
        )
    return "; ".join(notes)


def _at_cost(qty: int, unit_cost: float | None) -> str:
    """What the suggested order costs, or that its cost is unknown (never $0)."""
    return f" · ${qty * unit_cost:,.0f} at cost" if unit_cost is not None else " · cost unknown"


LTD_NAMES = {"poisson": "Poisson", "negative_binomial": "negative binomial"}


def _safety_stock_method(
    x: dict[str, Any], level: float, z: float, d: float, sd: float, lead: float, lead_sd: float
) -> str:
    """How the safety stock was found: the normal formula, or the quantile of a count distribution."""
    method = x.get("ss_method", "normal")
    if method in LTD_NAMES:
        mean, variance, quantile = x.get("ltd_mean", d * lead), x.get("ltd_variance", 0.0), x.get("ltd_quantile", 0)
        return (
            f"{LTD_NAMES[method]} lead-time demand (mean {mean:.2f}, variance {variance:.2f} units²): "
            f"at most {quantile:.0f} sell in a lead time with at least {level:.0%} chance; "
            f"SS = {quantile:.0f} − {mean:.2f}"
        )
    if method == "none":
        return "no demand, no buffer"
    return f"normal: z·√(L·σd² + d̄²·σL²) = {z:.3f}·√({lead:.1f}·{sd:.2f}² + {d:.2f}²·{lead_sd:.1f}²)"


def make_why_panel(metrics: Any, explain: dict[str, Any], unit_cost: float | None) -> dbc.Card:
    """Design §3's "why flagged": every input and step behind the numbers, with overrides marked."""
    if metrics is None:
        return dbc.Card(dbc.CardBody("No metrics yet for this warehouse; they appear after the next refresh."))
    x = explain
    d, sd, lead, lead_sd = metrics.avg_daily_demand, metrics.demand_sd, metrics.lead_time_days, metrics.lead_time_sd
    z = x.get("z", rp.z_for_service_level(metrics.service_level))
    overrides = x.get("overrides", {})
    suggestion = rp.suggested_order_quantity(
        metrics.stock_position,
        metrics.reorder_point,
        d,
        x.get("review_period_days", 14),
        x.get("moq", 1),
        x.get("pack_size", 1),
        x.get("shortfall_within_lead_time", 0.0),
    )
    at_or_below_rop = metrics.stock_position <= metrics.reorder_point
    flags = [
        name
        for flag, name in (
            (metrics.below_reorder_point and at_or_below_rop, "below reorder point"),
            (metrics.below_reorder_point and not at_or_below_rop, "short before an order lands"),
            (metrics.below_safety_stock, "below safety stock"),
            (metrics.stocked_out, "stocked out"),
            (metrics.demand_spike, "demand spike"),
        )
        if flag
    ]
    rows = [
        _row("Demand d̄", f"{d:.2f} /day", _demand_source(x)),
        _row("Demand spread σd", f"{sd:.2f} /day", _spread_note(x, sd, metrics.demand_spike)),
        _row(
            "Lead time L",
            f"{lead:.1f} days",
            f"{x.get('lead_time_source', 'quoted')}"
            + (
                f", {x.get('lead_time_samples')} receipts"
                if x.get("lead_time_source") == "history"
                else " lead time (fewer than 3 receipts)"
            ),
        ),
        _row(
            "Lead-time spread σL",
            f"{lead_sd:.1f} days",
            "20 % of quoted" if x.get("lead_time_source") != "history" else "from receipt history",
        ),
        _row(
            "Service level",
            f"{metrics.service_level:.0%} (z = {z:.3f})",
            "override" if "service_level" in overrides else f"ABC class {metrics.abc_class} on trailing revenue",
        ),
        _row(
            "Safety stock",
            f"{metrics.safety_stock:.1f}",
            "override"
            if "safety_stock" in overrides
            else _safety_stock_method(x, metrics.service_level, z, d, sd, lead, lead_sd),
        ),
        _row(
            "Reorder point",
            f"{metrics.reorder_point:.1f}",
            "override"
            if "reorder_point" in overrides
            else f"d̄·L + SS = {d:.2f}·{lead:.1f} + {metrics.safety_stock:.1f}",
        ),
        _row(
            "Stock position",
            f"{metrics.stock_position}",
            f"on hand {metrics.on_hand} − allocated "
            f"{metrics.allocated} + on order {metrics.on_order}"
            + (f" ({'; '.join(x['on_order_from'])})" if x.get("on_order_from") else "")
            + f" − owed to waiting customers {metrics.owed}",
        ),
        _row(
            "Days of cover",
            "∞"
            if metrics.days_of_cover is None or math.isnan(metrics.days_of_cover)
            else f"{metrics.days_of_cover:.1f}",
            "available ÷ d̄",
        ),
        _row(
            "Suggested order",
            f"{metrics.suggested_order_qty}",
            suggestion.reason
            + (_at_cost(metrics.suggested_order_qty, unit_cost) if metrics.suggested_order_qty else ""),
        ),
    ]
    badges = [dbc.Badge(flag, color="danger" if "stock" in flag else "warning", className="me-1") for flag in flags]
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.Span("Why flagged", className="fw-semibold me-2"),
                    *(badges or [dbc.Badge("nothing flagged", color="success")]),
                ]
            ),
            dbc.Table(html.Tbody(rows), className="mb-0 small", borderless=True, id="sku-why"),
        ]
    )


def make_po_table(rows: Sequence[dict[str, Any]], today: dt.date) -> dbc.Table | html.P:
    """Recent purchase orders for this product; late open ones are marked."""
    if not rows:
        return html.P("No purchase orders for this product.", className="text-body-secondary")
    body = []
    for r in rows:
        status = POStatus(r["status"])
        late = status in OPEN_PO_STATUSES and r["eta"] < today
        body.append(
            html.Tr(
                [
                    html.Td(r["number"], className="text-nowrap"),
                    html.Td(r["supplier"]),
                    html.Td(
                        formats.day(r["eta"]) + (" ✓" if r["eta_confirmed"] else " (unconfirmed)"),
                        className="text-danger fw-semibold" if late else "",
                    ),
                    html.Td(dbc.Badge(status.label, color=status.colour)),
                    html.Td(
                        f"{r['qty_received']}/{r['qty']}" + (" · cross-dock" if r["cross_dock"] else ""),
                        className="text-end",
                    ),
                ]
            )
        )
    # One warehouse's POs (the page's): no warehouse column.
    header = html.Thead(html.Tr([html.Th(h) for h in ("PO", "Supplier", "ETA", "Status", "Received")]))
    return dbc.Table([header, html.Tbody(body)], size="sm", hover=True, className="mb-0", id="sku-pos")


def make_waiting_table(rows: Sequence[dict[str, Any]], today: dt.date) -> dbc.Table | html.P:
    """Waiting order lines in queue order, with their promises."""
    if not rows:
        return html.P("No customer is waiting for this product.", className="text-body-secondary")
    body = []
    position: dict[str, int] = {}
    for r in rows:
        position[r["warehouse"]] = position.get(r["warehouse"], 0) + 1
        past = r["promised_date"] is not None and r["promised_date"] < today
        body.append(
            html.Tr(
                [
                    html.Td(f"{r['warehouse']} #{position[r['warehouse']]}"),
                    html.Td(r["number"]),
                    html.Td(
                        [
                            r["customer"],
                            " ",
                            dbc.Badge("VIP", color="warning") if r["priority"] == CustomerPriority.VIP else None,
                        ]
                    ),
                    html.Td(f"{r['qty_allocated']}/{r['qty']}", className="text-end"),
                    html.Td(f"{(today - r['backordered_at'].date()).days} d" if r["backordered_at"] else "–"),
                    html.Td(
                        formats.day(r["promised_date"])
                        + (f" (rev. {r['promise_revision_count']}×)" if r["promise_revision_count"] else ""),
                        className="text-danger fw-semibold" if past else "",
                    ),
                ]
            )
        )
    header = html.Thead(
        html.Tr([html.Th(h) for h in ("Queue", "Order", "Customer", "Allocated", "Waiting", "Promised")])
    )
    return dbc.Table([header, html.Tbody(body)], size="sm", hover=True, className="mb-0", id="sku-waiting")


def warehouse_stock(code: str, metrics: Any) -> str:
    """This warehouse's stock in one line, beside the product-wide sales status."""
    if metrics is None:
        return f"{code}: no numbers yet"
    available = max(int(metrics.on_hand) - int(metrics.allocated), 0)
    owed = int(getattr(metrics, "owed", 0) or 0)
    text = f"{code}: {int(metrics.on_hand):,} on hand · {available:,} available"
    return text + (f" · {owed:,} owed to waiting customers" if owed else "")


def make_elsewhere(sku: str, elsewhere: Mapping[str, Mapping[str, int]]) -> html.P | None:
    """Links to the other warehouses that have customers waiting for this SKU or POs bringing it."""
    if not elsewhere:
        return None
    parts: list[Any] = ["Other warehouses: "]
    for i, (code, counts) in enumerate(elsewhere.items()):
        what = [f"{counts['waiting']} waiting"] if counts["waiting"] else []
        what += [f"{counts['open_pos']} open PO(s)"] if counts["open_pos"] else []
        if i:
            parts.append(" · ")
        parts += [html.A(code, href=f"/sku/{quote(sku, safe='')}?warehouse={quote(code)}"), f" {', '.join(what)}"]
    return html.P(parts, className="small text-body-secondary", id="sku-elsewhere")
