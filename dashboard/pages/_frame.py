"""The page frame: the layout served on every request (a navbar of the signed-in role's pages), and its callback.

Its name starts with ``_`` so Dash's page loader passes it by; the factory installs it.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dashboard.auth.pages import current_role, visible_pages
from dashboard.components.shell import make_shell


def serve_layout() -> Any:
    """The app layout, built per request for whoever is signed in (with the token their sign-out form posts)."""
    role = current_role()
    if role is None:
        return make_shell(visible_pages(role), None, None)
    return make_shell(visible_pages(role), current_user.username, role, generate_csrf())


def register(app: dash.Dash) -> None:
    """Wire the navbar's hamburger button on narrow screens (runs in the browser, no round trip)."""
    app.clientside_callback(
        "function(n, isOpen) { return n ? !isOpen : isOpen; }",
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        State("navbar-collapse", "is_open"),
        prevent_initial_call=True,
    )
