"""Card builders: data in, components out; no database access here."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

# What a verdict looks like (docs/ui.md): a colour, and never the colour alone — an icon and a word too.
VERDICTS = {
    "good": ("success", "bi-check-circle-fill", "on target"),
    "watch": ("warning", "bi-exclamation-triangle-fill", "watch"),
    "bad": ("danger", "bi-x-octagon-fill", "off target"),
}
NEUTRAL = "secondary"


def verdict_colour(verdict: str | None) -> str:
    """The colour of a verdict (neutral without one)."""
    return VERDICTS[verdict][0] if verdict else NEUTRAL


def text_class(colour: str) -> str:
    """Text in ``colour``: the darker "emphasis" shade for verdict colours, which read on white (amber does not)."""
    return f"text-{colour}-emphasis" if colour in {"success", "warning", "danger"} else f"text-{colour}"


def make_verdict(verdict: str | None, note: str, element_id: str | None = None) -> html.Div | None:
    """'✓ on target · target ≥ 95 %' in the verdict's colour; None without a verdict."""
    if verdict is None:
        return None
    colour, icon, word = VERDICTS[verdict]
    return html.Div(
        [html.I(className=f"bi {icon} me-1"), word, html.Span(f" · {note}", className="fw-normal")],
        className=f"small fw-semibold {text_class(colour)}",
        id=element_id or "",
    )


def make_kpi_card(
    title: str,
    value: str,
    detail: str,
    *,
    colour: str = "primary",
    href: str | None = None,
    card_id: str | None = None,
    icon: str = "bi-graph-up",
    verdict: tuple[str | None, str] | None = None,
) -> dbc.Card:
    """A headline number with a line of context; the whole card links onward when ``href`` is set.

    ``verdict`` (good / watch / bad and the threshold it was judged by) sets the colour and adds
    its icon and word, so the colour is never the only signal.
    """
    if verdict is not None:
        colour = verdict_colour(verdict[0])
    body = dbc.CardBody(
        [
            html.Div([html.I(className=f"bi {icon} me-2"), title], className="kpi-title text-body-secondary"),
            html.Div(value, className=f"kpi-value {text_class(colour)}", id=f"{card_id}-value" if card_id else None),
            make_verdict(*verdict, element_id=f"{card_id}-verdict" if card_id else None) if verdict else None,
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


def make_alert_list(
    title: str,
    rows: list[tuple[str, str, str]],
    empty: str,
    *,
    list_id: str,
    total: int | None = None,
    see_all: str | None = None,
) -> dbc.Card:
    """A short titled list of (primary text, secondary text, badge) rows, or a calm empty message.

    With ``total`` above the rows shown, the header says "8 of 14" and ``see_all`` links to the rest.
    """
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
    header: list = [html.Span(title, className="fw-semibold")]
    if total is not None and total > len(rows):
        header.append(html.Span(f"{len(rows)} of {total:,}", className="text-body-secondary small ms-2"))
        if see_all:
            header.append(html.A("See all", href=see_all, className="small ms-auto", id=f"{list_id}-all"))
    return dbc.Card(
        [dbc.CardHeader(header, className="d-flex align-items-baseline"), content], id=list_id, className="h-100"
    )
