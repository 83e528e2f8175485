"""The page Dash shows for any path no page claims."""

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, path="/404", name="Not found", title="Not found · Backorder Desk")


def layout(**_query: str) -> dbc.Container:
    """Say plainly that nothing lives here and offer the way back."""
    return dbc.Container(
        [
            html.H2("Page not found", className="mt-4"),
            html.P("There is no page at this address. It may have moved, or the link may be mistyped."),
            dbc.Button([html.I(className="bi bi-house me-2"), "Back to the overview"], href="/", color="primary"),
        ],
        id="not-found",
        className="py-4",
    )
