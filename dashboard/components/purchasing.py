"""Builders for purchasing: the "draft purchase orders" dialog on /replenishment and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

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
                    html.Td(f"arrives {po.eta:%d %b %Y}", className="text-nowrap"),
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
