"""Messages a page shows instead of data when it cannot show data."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def make_database_unavailable() -> dbc.Alert:
    """Said plainly, without a traceback, when the database does not answer."""
    return dbc.Alert(
        [
            html.H4([html.I(className="bi bi-database-x me-2"), "Database unavailable"], className="alert-heading"),
            html.P(
                "Backorder Desk cannot reach its database right now. Nothing was changed. "
                "Try again in a moment; if it persists, tell whoever runs the system.",
                className="mb-0",
            ),
        ],
        color="danger",
        id="database-unavailable",
    )
