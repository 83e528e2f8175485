"""Card builders: data in, components out; no database access here."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def make_kpi_card(
    title: str,
    value: str,
    detail: str,
    *,
    colour: str = "primary",
    href: str | None = None,
    card_id: str | None = None,
    icon: str = "bi-graph-up",
) -> dbc.Card:
    """A headline number with a line of context; the whole card links onward when ``href`` is set."""
    body = dbc.CardBody(
        [
            html.Div([html.I(className=f"bi {icon} me-2"), title], className="kpi-title text-body-secondary"),
            html.Div(value, className=f"kpi-value text-{colour}", id=f"{card_id}-value" if card_id else None),
            html.Div(detail, className="kpi-detail small text-body-secondary"),
        ]
    )
    content = _card_link(body, href) if href else body
    return dbc.Card(
        content, className=f"kpi-card h-100 border-0 border-start border-4 border-{colour}", id=card_id or ""
    )


def _card_link(child: object, href: str) -> html.A:
    """Wrap ``child`` in a plain link styled to look like the card itself."""
    return html.A(child, href=href, className="stretched-link-card text-reset text-decoration-none")


def make_alert_list(title: str, rows: list[tuple[str, str, str]], empty: str, *, list_id: str) -> dbc.Card:
    """A short titled list of (primary text, secondary text, badge) rows, or a calm empty message."""
    if rows:
        items = [
            dbc.ListGroupItem(
                [
                    html.Div(
                        [html.Div(main, className="fw-semibold"), html.Small(sub, className="text-body-secondary")]
                    ),
                    dbc.Badge(badge, color="danger", className="ms-auto align-self-center"),
                ],
                className="d-flex gap-2",
            )
            for main, sub, badge in rows
        ]
        content = dbc.ListGroup(items, flush=True)
    else:
        content = dbc.CardBody(html.P(empty, className="text-body-secondary mb-0"))
    return dbc.Card([dbc.CardHeader(title, className="fw-semibold"), content], id=list_id, className="h-100")
