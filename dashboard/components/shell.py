"""The page frame: navbar built from the page registry, and the content container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html


def make_navbar(pages: list[dict]) -> dbc.Navbar:
    """Top navigation with one link per registered page that opts into the menu."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in sorted(pages, key=lambda p: p.get("nav_order", 100))
        if page.get("nav_order") is not None
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.I(className="bi bi-box-seam me-2"), "Backorder Desk"], href="/", className="fw-bold"
                ),
                dbc.NavbarToggler(id="navbar-toggler"),
                dbc.Collapse(dbc.Nav(links, className="ms-auto", navbar=True), id="navbar-collapse", navbar=True),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-4 shadow-sm",
    )


def make_shell() -> html.Div:
    """Navbar + the current page; a function so the registry is read when the app is built."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            make_navbar(list(dash.page_registry.values())),
            dbc.Container(dash.page_container, fluid=True, className="pb-5", id="page-content"),
        ]
    )
