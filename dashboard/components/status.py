"""Builders for sales status: the SKU page's status panel and the mismatch list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashboard.domain.codes import SalesStatus
from dashboard.services.catalog.status import BACKORDER_ACTIONS


def _badge(value: str, component_id: str | None = None) -> dbc.Badge:
    status = SalesStatus(value)
    return dbc.Badge(status.label, color=status.colour, id=component_id or "")


def make_status_panel(product: Any, advice: Any | None, can_act: bool) -> html.Div:
    """Current status and why, the policy's recommendation and why, the backorder cap, and the form."""
    rows = [
        html.Tr(
            [
                html.Th("Current", className="fw-normal text-body-secondary"),
                html.Td([_badge(product.sales_status.value), html.Span(product.status_reason or "", className="ms-2")]),
            ]
        )
    ]
    if advice is not None:
        rows.append(
            html.Tr(
                [
                    html.Th("Recommended", className="fw-normal text-body-secondary"),
                    html.Td(
                        [
                            _badge(advice.recommended_status, "sku-recommended"),
                            html.Span(advice.reason, className="ms-2"),
                        ]
                    ),
                ]
            )
        )
        if advice.recommended_status == SalesStatus.BACKORDER.value:
            rows.append(
                html.Tr(
                    [
                        html.Th("Backorder cap", className="fw-normal text-body-secondary"),
                        html.Td(f"{advice.backorderable:,} more units may be promised", id="sku-backorder-cap"),
                    ]
                )
            )
    body: list[Any] = [dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="small mb-2")]
    if advice is not None and advice.has_mismatch:
        body.insert(0, dbc.Alert(advice.mismatch, color="warning", className="py-2 small", id="sku-mismatch"))
    if can_act:
        chosen = advice.recommended_status if advice else product.sales_status.value
        body.append(
            html.Div(
                [
                    *make_status_fields("status", chosen),
                    dbc.Button("Save status", id="status-save", size="sm", color="primary"),
                ]
            )
        )
    return html.Div(body)


def make_status_fields(prefix: str, value: str) -> list:
    """The status form's fields (``{prefix}-new``, ``-reason``, ``-override``, ``-backorders``)."""
    return [
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label("New sales status", html_for=f"{prefix}-new", class_name="visually-hidden"),
                        dbc.Select(
                            id=f"{prefix}-new",
                            options=[{"label": s.label, "value": s.value} for s in SalesStatus],
                            value=value,
                        ),
                    ],
                    width=4,
                ),
                dbc.Col(dbc.Input(id=f"{prefix}-reason", placeholder="Reason (required)", maxLength=500), width=8),
            ],
            className="g-2 mb-2",
        ),
        # Each field only for the status it applies to (shown and hidden in the browser by
        # :func:`show_fields_for_status`; the server checks them whatever is shown).
        html.Div(
            dbc.Input(
                id=f"{prefix}-override",
                placeholder="Override reason (only to take backorders without a confirmed ETA)",
                maxLength=500,
                className="mb-2",
            ),
            id=f"{prefix}-override-box",
            style=_shown(value == SalesStatus.BACKORDER.value),
        ),
        html.Div(
            [
                html.Small("Open backorders of a discontinued SKU:", className="text-body-secondary d-block"),
                dbc.RadioItems(
                    id=f"{prefix}-backorders",
                    options=[{"label": label, "value": key} for key, label in BACKORDER_ACTIONS.items()],
                    value=None,
                    className="small mb-2",
                ),
            ],
            id=f"{prefix}-discontinue-box",
            style=_shown(value == SalesStatus.DISCONTINUED.value),
        ),
    ]


def _shown(visible: bool) -> dict[str, str]:
    return {} if visible else {"display": "none"}


def show_fields_for_status(prefix: str) -> None:
    """Show the override field for Backorder and the backorder choice for Discontinued only (browser-side)."""
    dash.clientside_callback(
        f"""
        function(status) {{
            const show = (wanted) => (status === wanted ? {{}} : {{display: "none"}});
            return [show("{SalesStatus.BACKORDER.value}"), show("{SalesStatus.DISCONTINUED.value}")];
        }}
        """,
        Output(f"{prefix}-override-box", "style"),
        Output(f"{prefix}-discontinue-box", "style"),
        Input(f"{prefix}-new", "value"),
    )


def make_mismatch_list(rows: Sequence[Any], total: int) -> html.Div:
    """SKUs whose status disagrees with the policy, and why (most waiting units first)."""
    if not rows:
        return html.P("Every SKU's status agrees with the policy.", className="small text-body-secondary mb-0")
    items = [
        html.Tr(
            [
                html.Td(html.A(r.sku, href=f"/sku/{quote(r.sku, safe='')}")),
                html.Td(_badge(r.current_status)),
                html.Td(_badge(r.recommended_status)),
                html.Td(r.mismatch, className="small"),
            ]
        )
        for r in rows
    ]
    more = f"Showing {len(rows)} of {total:,}." if total > len(rows) else ""
    return html.Div(
        [
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th("SKU"), html.Th("Now"), html.Th("Policy"), html.Th("Why")])),
                    html.Tbody(items),
                ],
                size="sm",
                hover=True,
                className="mb-1",
                id="mismatch-table",
            ),
            html.Small(more, className="text-body-secondary"),
        ]
    )
