"""The page frame: a navbar with the signed-in user's pages, the page, and the error toast."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.domain.codes import Role


def make_sign_out(csrf_token: str) -> html.Form:
    """Sign out: a form POSTing to /logout with the session's CSRF token (a plain link would be a GET).

    A real submit button, so it works from the keyboard and needs no script (the CSP allows no inline
    handlers); its ``dropdown-item`` class is what the menu's arrow keys move between.
    """
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
            html.Button(
                [html.I(className="bi bi-box-arrow-right me-2"), "Sign out"],
                type="submit",
                className="dropdown-item",
                id="sign-out",
            ),
        ],
        method="post",
        action="/logout",
        id="sign-out-form",
    )


def make_navbar(
    pages: list[dict[str, Any]], username: str | None, role: Role | None, csrf_token: str | None = None
) -> dbc.Navbar:
    """Top navigation: one link per page that opts into the menu, then who is signed in and a way out."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in sorted(pages, key=lambda p: p.get("nav_order", 100))
        if page.get("nav_order") is not None
    ]
    user_menu = []
    if username and role:
        user_menu = [
            dbc.DropdownMenu(
                [
                    dbc.DropdownMenuItem(f"Role: {role.label}", header=True),
                    *([make_sign_out(csrf_token)] if csrf_token else []),
                ],
                label=[html.I(className="bi bi-person-circle me-1"), username],
                nav=True,
                in_navbar=True,
                align_end=True,
                id="user-menu",
            )
        ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.I(className="bi bi-box-seam me-2"), "Backorder Desk"], href="/", className="fw-bold"
                ),
                dbc.NavbarToggler(id="navbar-toggler"),
                dbc.Collapse(
                    dbc.Nav(
                        [*links, *user_menu], className="ms-auto align-items-lg-center", navbar=True, id="main-nav"
                    ),
                    id="navbar-collapse",
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-4 shadow-sm",
    )


def make_shell(
    pages: list[dict[str, Any]], username: str | None, role: Role | None, csrf_token: str | None = None
) -> html.Div:
    """Navbar + the current page + a toast for errors raised in any callback."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            make_navbar(pages, username, role, csrf_token),
            # The page is the document's main landmark (the navbar is its nav), for screen readers' "go to main".
            dbc.Container(dash.page_container, fluid=True, className="pb-5", id="page-content", tag="main"),
            dbc.Toast(
                id="global-error",
                header="Something went wrong",
                icon="danger",
                is_open=False,
                dismissable=True,
                duration=10000,
                className="position-fixed top-0 end-0 m-3",
            ),
        ]
    )
