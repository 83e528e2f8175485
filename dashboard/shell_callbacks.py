"""Callbacks of the page frame itself (not of any one page)."""

from __future__ import annotations

import dash
from dash import Input, Output, State


def register(app: dash.Dash) -> None:
    """Wire the navbar's hamburger button on narrow screens (runs in the browser, no round trip)."""
    app.clientside_callback(
        "function(n, isOpen) { return n ? !isOpen : isOpen; }",
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        State("navbar-collapse", "is_open"),
        prevent_initial_call=True,
    )
