"""Builders for purchasing: the "draft purchase orders" dialog on /replenishment and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import formats

TICKED, FILTERS = "ticked", "filters"


def make_draft_modal() -> dbc.Modal:
    """Choose what to draft (the ticked rows or every suggestion in the filters) and create the drafts."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Draft purchase orders")),
            dbc.ModalBody(
                [
                    html.P(
                        "One draft per primary supplier and warehouse: each line the suggested quantity, in whole "
                        "packs of the supplier's minimum order, at the supplier's unit cost. Nothing is sent yet; "
                        "drafts count as on order, so the same shortage is not drafted twice.",
                        className="small text-body-secondary",
                    ),
                    dbc.RadioItems(
                        id="draft-scope",
                        options=[
                            {"label": "Every suggestion in the current filters", "value": FILTERS},
                            {"label": "Only the ticked rows", "value": TICKED},
                        ],
                        value=FILTERS,
                    ),
                    html.Div(id="draft-feedback", className="mt-3"),
                ]
            ),
            dbc.ModalFooter(dbc.Button("Create drafts", id="draft-create", color="primary")),
        ],
        id="draft-modal",
        is_open=False,
        size="lg",
    )


def _money(value: float, unpriced: int) -> str:
    return f"${value:,.0f}" + (f" + {unpriced} line(s) without a cost" if unpriced else "")


def make_draft_report(purchase_orders: Sequence[Any], skipped: Sequence[str]) -> html.Div:
    """The drafts created (number, supplier, warehouse, lines, units, value, expected arrival) and what was left out."""
    header = html.Thead(
        html.Tr([html.Th(h) for h in ("PO", "Supplier", "Warehouse", "Lines", "Units", "Value", "If sent today")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(po.number, className="text-nowrap"),
                    html.Td(po.supplier),
                    html.Td(po.warehouse),
                    html.Td(len(po.lines), className="text-end"),
                    html.Td(f"{po.units:,}", className="text-end"),
                    html.Td(_money(po.value, po.unpriced), className="text-end text-nowrap"),
                    html.Td(f"arrives {formats.day(po.eta)}", className="text-nowrap"),
                ]
            )
            for po in purchase_orders
        ]
    )
    total = sum(po.value for po in purchase_orders)
    parts = [
        dbc.Alert(
            f"{len(purchase_orders)} draft purchase order(s), ${total:,.0f} at cost. Nothing has been sent to a "
            "supplier; the drafted SKUs' numbers were recomputed with the drafts on order.",
            color="success",
            className="py-2 small",
        ),
        dbc.Table([header, body], size="sm", bordered=False, hover=True, className="small mb-2", id="draft-report"),
    ]
    if skipped:
        parts.append(
            html.P(
                "Left out, already on a purchase order drafted or placed since the numbers were computed: "
                + ", ".join(skipped),
                className="small text-body-secondary",
            )
        )
    return html.Div(parts)


def _cover(days: float | None) -> str:
    return "—" if days is None else f"{days:,.0f} d"


def make_draft_editor(views: Sequence[Any], editable: bool) -> html.Div:
    """A draft's lines with their value and days of cover; for managers, units and supplier to edit and a SKU to add."""
    head = ["SKU", "Units", "Supplier", "Unit cost", "Value", "Cover"]
    rows = []
    for view in views:
        units: Any = f"{view.qty:,}"
        supplier: Any = view.suppliers[0][1] if view.suppliers else "—"
        if editable:
            units = dbc.Input(
                id={"type": "draft-qty", "sku": view.sku}, type="number", min=0, step=1, value=view.qty, size="sm",
                style={"width": "5rem"},
            )  # fmt: skip
            supplier = dbc.Select(
                id={"type": "draft-supplier", "sku": view.sku},
                options=[{"label": name, "value": code} for code, name in view.suppliers],
                value=view.suppliers[0][0] if view.suppliers else None,
                size="sm",
            )
        rows.append(
            html.Tr(
                [
                    html.Td(html.A(view.sku, href=f"/sku/{view.sku}", title=view.name), className="text-nowrap"),
                    html.Td(units, className="text-end"),
                    html.Td(supplier),
                    html.Td("—" if view.unit_cost is None else f"${view.unit_cost:,.2f}", className="text-end"),
                    html.Td("—" if view.value is None else f"${view.value:,.0f}", className="text-end"),
                    html.Td(_cover(view.days_of_cover), className="text-end text-nowrap"),
                ]
            )
        )
    value = sum(view.value for view in views if view.value is not None)
    unpriced = sum(view.value is None for view in views)
    parts: list[Any] = [
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th(h, className="text-end" if h in {"Unit cost", "Value", "Cover"} else None)
                            for h in head
                        ]
                    )
                ),
                html.Tbody(rows),
            ],
            size="sm",
            className="small mb-1 align-middle",
            id="draft-lines",
        ),
        html.P(
            [
                html.Strong(f"Order value {_money(value, unpriced)}"),
                " · cover: days of this warehouse's demand a line buys",
            ],
            className="small mb-2",
            id="draft-value",
        ),
    ]
    if editable:
        parts += [
            dbc.InputGroup(
                [
                    dbc.Input(id="draft-add-sku", placeholder="Add a SKU this supplier sells", maxLength=64, size="sm"),
                    dbc.Input(
                        id="draft-add-qty",
                        type="number",
                        min=1,
                        step=1,
                        placeholder="Units",
                        size="sm",
                        style={"maxWidth": "6.5rem"},
                    ),
                    dbc.Button("Save changes", id="draft-save", color="primary", outline=True, size="sm"),
                ],
                size="sm",
                className="mb-1",
            ),
            html.Div(
                "Units round up to the supplier's minimum order and whole packs; 0 removes a line; another supplier "
                "moves the line to that supplier's draft.",
                className="form-text mb-3",
            ),
        ]
    return html.Div(parts, id="draft-editor")


def make_sku_draft_card(suggested: int, suppliers: Sequence[tuple[int, str]], primary: int | None) -> html.Div:
    """The SKU page's reorder box (managers): the suggestion, the supplier to buy it from, and a button to draft it."""
    if suggested <= 0:
        return html.P(
            "Nothing to reorder here now: the stock position is above the reorder point and no shortfall is projected.",
            className="small text-body-secondary mb-0",
            id="sku-draft-none",
        )
    return html.Div(
        [
            html.P(
                [html.Strong(f"Suggested: {suggested:,} units"), " (whole packs of the primary supplier)."],
                className="small mb-2",
            ),
            dbc.InputGroup(
                [
                    # A real label, so the select is named "From" to a screen reader too.
                    html.Label("From", htmlFor="sku-draft-supplier", className="input-group-text small"),
                    dbc.Select(
                        id="sku-draft-supplier",
                        options=[{"label": name, "value": str(sid)} for sid, name in suppliers],
                        value=str(primary) if primary is not None else None,
                        size="sm",
                    ),
                    dbc.Button("Draft a purchase order", id="sku-draft", color="primary", size="sm"),
                ],
                size="sm",
            ),
            html.Div(
                "One line on a new draft for this warehouse and supplier, at its cost and pack rules; edit or send "
                "it on Inbound.",
                className="form-text",
            ),
            html.Div(id="sku-draft-feedback", className="mt-2"),
        ],
        id="sku-draft-card",
    )
