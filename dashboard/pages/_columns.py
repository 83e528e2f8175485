"""Each user's columns in a grid: read when the page is drawn, saved when they tick a column.

Its name starts with ``_`` so Dash's page loader passes it by; a grid page calls
:func:`remember_columns` once when it is imported and :func:`chosen_columns` in its layout.
"""

from __future__ import annotations

from dash import Input, Output, callback
from flask_login import current_user

from dashboard import context
from dashboard.auth.roles import allow_roles, current_actor
from dashboard.components.grids import wire_column_chooser
from dashboard.domain.codes import Role
from dashboard.services.users.preferences import GridColumns, save_columns, saved_columns


def chosen_columns(columns: GridColumns) -> tuple[str, ...]:
    """The columns the signed-in user shows in this grid (the default until they choose)."""
    if not current_user.is_authenticated:
        return columns.default
    with context.current().db.read_session() as session:
        return saved_columns(session, int(current_user.get_id()), columns)


def remember_columns(columns: GridColumns, *roles: Role) -> None:
    """Wire the grid's column chooser: show the ticked columns at once, and keep the choice for the user.

    Whose choice it is comes from the session, never from the request: anyone who may open the page
    may save their own columns and nobody else's.
    """
    wire_column_chooser(columns)

    @callback(
        Output(f"{columns.grid_id}-columns-saved", "data"),
        Input(f"{columns.grid_id}-columns", "value"),
        prevent_initial_call=True,
    )
    @allow_roles(*roles, writes=True)
    def save(shown):
        """Keep the ticked columns; a list naming columns the grid lacks is refused and nothing changes."""
        app = context.current()
        with app.unit_of_work(current_actor()) as work:
            return list(save_columns(work.session, work.actor.user_id, columns, shown))
