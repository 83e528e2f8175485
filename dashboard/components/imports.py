"""Builders for /import: the kind's fields, the column-matching form, the preview and the outcome."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import formats

KIND_LABELS = {
    "products": "Products (also Shopify / WooCommerce exports)",
    "stock": "Stock levels (a stock count)",
    "orders": "Open sales orders and lines",
    "purchase_orders": "Purchase orders and lines",
    "receipts": "Receipts (goods received)",
    "sales": "Sales history (also Shopify / WooCommerce order exports)",
    "sales_periods": "Sales totals per period (monthly totals, 'sold in the last N months')",
    "suppliers": "Suppliers",
    "product_suppliers": "Product–supplier links",
    "warehouses": "Warehouses",
}
# What a recognised shop export is called, by the kind it is imported as.
EXPORT_NAMES = {
    "shopify": "Shopify product export",
    "woocommerce": "WooCommerce product export",
    "shopify_orders": "Shopify orders export",
    "woocommerce_orders": "WooCommerce order export",
}
OUTCOME_BADGES = {"new": "success", "update": "primary", "unchanged": "secondary", "rejected": "danger"}
NOT_MAPPED = "__none__"
# The dropdown choice "one value for every row": the field's text box then holds the value.
SET_VALUE = "__set__"


def kind_options() -> list[dict[str, str]]:
    """The kinds in the order a new shop loads them."""
    return [{"label": label, "value": kind} for kind, label in KIND_LABELS.items()]


def make_fields(description: str, fields: list[dict[str, Any]]) -> html.Div:
    """What a kind's file holds: one line per column, required ones marked."""
    return html.Div(
        [
            html.P(description, className="mb-2"),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Code(field["name"]),
                            html.Span(" required", className="badge text-bg-warning ms-1")
                            if field["required"]
                            else None,
                            html.Div(field["description"], className="text-body-secondary"),
                        ],
                        className="mb-1",
                    )
                    for field in fields
                ],
                className="list-unstyled small mb-0 import-fields",
            ),
        ]
    )


def make_file_info(file_name: str, size: int, columns: int, shop: str | None) -> html.Div:
    """The uploaded file: name, size, columns, and the shop whose export it is."""
    return html.Div(
        [
            html.I(className="bi bi-file-earmark-spreadsheet me-2"),
            html.Strong(file_name, id="imp-file-name"),
            html.Span(f" · {_size(size)} · {columns} columns", className="text-body-secondary"),
            dbc.Badge(EXPORT_NAMES[shop], color="info", className="ms-2", id="imp-shop-badge") if shop else None,
        ],
        className="mt-2",
    )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:,.0f} KB" if size < 1024**2 else f"{size / 1024**2:,.1f} MB"


def make_mapping_form(fields: list[dict[str, Any]], header: list[str], mapping: dict[str, Any]) -> list[dbc.Row]:
    """One row per field of ours: a dropdown of the file's columns, set to the suggested or saved column.

    A field the file lacks can take one value for every row instead (``--set`` on the command
    line): the dropdown's "one value for every row" choice opens the text box beside it. A saved
    mapping's set value comes back that way.
    """
    options = [
        {"label": "— not in this file —", "value": NOT_MAPPED},
        {"label": "✎ one value for every row…", "value": SET_VALUE},
    ] + [{"label": column, "value": column} for column in header if column]
    rows = []
    for field in fields:
        chosen = mapping.get(field["name"])
        fixed = chosen.get("set") if isinstance(chosen, dict) else None
        selected = SET_VALUE if fixed is not None else (chosen if chosen in header else NOT_MAPPED)
        rows.append(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Code(field["name"]),
                            html.Span(" *", className="text-danger", title="required") if field["required"] else None,
                        ],
                        md=4,
                        className="pt-1",
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id={"type": "imp-map", "field": field["name"]},
                            options=options,
                            value=selected,
                            clearable=False,
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        dbc.Input(
                            id={"type": "imp-set", "field": field["name"]},
                            value=fixed or "",
                            placeholder="value for every row",
                            maxLength=200,
                            debounce=True,
                            size="sm",
                            disabled=selected != SET_VALUE,
                        ),
                        md=3,
                    ),
                ],
                className="g-2 mb-1 align-items-center",
            )
        )
    return rows


def make_shop_notice(shop: str, columns: dict[str, str]) -> dbc.Alert:
    """A recognised shop export: what was matched to what, without anything to do."""
    return dbc.Alert(
        [
            html.Strong(f"Recognised as a {EXPORT_NAMES[shop]}."),
            " Its columns are matched automatically: ",
            ", ".join(f"{theirs} → {ours}" for ours, theirs in columns.items()),
            ". Pick the warehouse its orders shipped from."
            if shop.endswith("_orders")
            else ". Pick the warehouse its stock quantities are in.",
        ],
        color="info",
        className="small",
        id="imp-shop-notice",
    )


def make_preview_grid(grid_id: str) -> dag.AgGrid:
    """The first rows of the file as the import would treat them."""
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=[],
        defaultColDef={"resizable": True, "sortable": False, "minWidth": 90},
        dashGridOptions={"domLayout": "autoHeight", "tooltipShowDelay": 200},
        className="ag-theme-quartz",
        style={"width": "100%"},
    )


def preview_columns(fields: list[str]) -> list[dict[str, Any]]:
    """Row number, outcome, our fields, and the problems found."""
    return [
        {"field": "row", "headerName": "Row", "width": 80, "pinned": "left"},
        {
            "field": "outcome",
            "headerName": "Would be",
            "width": 120,
            "pinned": "left",
            "cellClassRules": {
                "text-success fw-semibold": "params.value === 'new'",
                "text-primary": "params.value === 'update'",
                "text-body-secondary": "params.value === 'unchanged' || params.value === 'ignored'",
                "text-danger fw-semibold": "params.value === 'rejected'",
            },
        },
        {"field": "problems", "headerName": "Problems", "minWidth": 260, "tooltipField": "problems"},
        *({"field": f"f_{name}", "headerName": name} for name in fields),
    ]


def make_outcome(summary: dict[str, Any], refused_href: str | None) -> html.Div:
    """What the import did: counts, the refused rows (first of them) and the download of all."""
    if "error" in summary:
        return dbc.Alert(
            [html.Strong("Nothing was imported. "), summary["error"]], color="danger", id="imp-outcome-error"
        )
    counts = [
        ("rows in file", summary["rows"], "dark"),
        ("new", summary["created"], "success"),
        ("updated", summary["updated"], "primary"),
        ("unchanged", summary["unchanged"], "secondary"),
        ("refused", summary["rejected_rows"], "danger"),
    ]
    if summary.get("ignored"):
        counts.append(("ignored", summary["ignored"], "secondary"))
    children: list[Any] = [
        html.H5(
            f"Imported {summary['file']}"
            if summary["created"] + summary["updated"]
            else f"{summary['file']}: nothing new to import",
            className="mb-2",
        ),
        html.Div(
            [
                html.Span([html.Span(f"{value:,}", className=f"fs-4 fw-semibold text-{color}"), f" {label}"])
                for label, value, color in counts
            ],
            className="d-flex flex-wrap gap-4 mb-2",
            id="imp-outcome-counts",
        ),
    ]
    if summary.get("refreshed"):
        children.append(html.P(f"The {summary['refreshed']} were refreshed.", className="small text-body-secondary"))
    refused = summary.get("refused") or []
    if refused:
        children += [
            html.Div(
                [
                    html.Strong(f"{summary['rejected_rows']:,} row(s) refused"),
                    html.Span(" — fix them in your file and import it again; the rest is in.", className="me-2"),
                    html.A(
                        [html.I(className="bi bi-download me-1"), "Download refused rows (CSV)"],
                        href=refused_href,
                        className="btn btn-sm btn-outline-danger",
                        id="imp-refused-download",
                    )
                    if refused_href
                    else None,
                ],
                className="mb-2",
            ),
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th("Row"), html.Th("Column"), html.Th("Value"), html.Th("Reason")])),
                    html.Tbody(
                        [
                            html.Tr([html.Td(r[key]) for key in ("row", "column", "value", "reason")])
                            for r in refused[:50]
                        ]
                    ),
                ],
                size="sm",
                striped=True,
                className="small",
                id="imp-refused-table",
            ),
        ]
        if summary["problems"] > 50:
            children.append(html.P(f"First 50 of {summary['problems']:,} problems shown.", className="small"))
    return html.Div(children, id="imp-outcome")


def make_history(imports: list[dict[str, Any]]) -> html.Div:
    """The latest imports from the audit log."""
    if not imports:
        return html.P("No imports yet.", className="text-body-secondary mb-0")
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [html.Th("When (UTC)"), html.Th("Who"), html.Th("File"), html.Th("Kind")]
                    + [html.Th(h, className="text-end") for h in ("Rows", "Applied", "Unchanged", "Refused")]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(formats.stamp(item["at"])),
                            html.Td(item["actor"]),
                            html.Td(item["file"]),
                            html.Td(KIND_LABELS.get(item["kind"], EXPORT_NAMES.get(item["kind"], item["kind"]))),
                        ]
                        + [
                            html.Td("" if item[key] is None else f"{item[key]:,}", className="text-end")
                            for key in ("rows", "applied", "unchanged", "rejected")
                        ]
                    )
                    for item in imports
                ]
            ),
        ],
        size="sm",
        hover=True,
        className="small mb-0",
        id="imp-history-table",
    )
