"""Shared builders: the server-side (infinite row model) AG Grid, its column chooser, the panel that opens a row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashboard.services.users.preferences import GridColumns

# A click selects (highlights) the row the side panel shows.
ROW_CLICK = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
# Long headers wrap onto a second line instead of being cut ("Days of cover (d)", not "Days o…").
DEFAULT_COL_DEF = {
    "sortable": True,
    "resizable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
    "filterParams": {"maxNumConditions": 2, "buttons": ["reset"]},
}


def make_infinite_grid(
    grid_id: str,
    column_defs: list[dict[str, Any]],
    row_id: str,
    *,
    height: str = "560px",
    shown: Sequence[str] | None = None,
    **grid_options: Any,
) -> dag.AgGrid:
    """An AG Grid whose rows come from a callback a block at a time: SQL sorts, filters and pages.

    ``row_id`` is the JavaScript expression of a row's id (e.g. ``"'' + params.data.id"``); ``shown``
    the columns to show (the user's choice), else those the definitions do not hide.
    """
    return dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=column_defs if shown is None else show_columns(column_defs, shown),
        defaultColDef=DEFAULT_COL_DEF,
        dashGridOptions={
            "cacheBlockSize": 100,
            "maxBlocksInCache": 10,
            "infiniteInitialRowCount": 100,
            "getRowId": {"function": row_id},
            "tooltipShowDelay": 300,
            **grid_options,
        },
        className="ag-theme-quartz",
        style={"height": height, "width": "100%"},
    )


def make_side_panel(prefix: str, title: str, width: str = "520px") -> dbc.Offcanvas:
    """The right-hand panel a row click opens: ``{prefix}-feedback`` above ``{prefix}-panel``."""
    return dbc.Offcanvas(
        [html.Div(id=f"{prefix}-feedback"), html.Div(id=f"{prefix}-panel")],
        id=f"{prefix}-offcanvas",
        title=title,
        placement="end",
        is_open=False,
        scrollable=True,
        style={"width": f"min({width}, 100vw)"},
    )


def reload_grid_on(grid_id: str, output: Output, *inputs: Input, keep_rows: bool = False, deselect: bool = False):
    """Make the infinite grid ask the server again when any of ``inputs`` changes (browser-side).

    New filters need ``purgeInfiniteCache`` (forget every block, back to the top); after an edit,
    ``keep_rows`` re-reads the blocks on screen instead (``refreshInfiniteCache``), keeping the
    user's scroll position. ``output`` is a dummy store the callback never really sets.
    """
    reload = "refreshInfiniteCache" if keep_rows else "purgeInfiniteCache"
    clear = "api.deselectAll();" if deselect else ""
    dash.clientside_callback(
        f"""
        async function(...values) {{
            const api = await dash_ag_grid.getApiAsync({json.dumps(grid_id)});
            {clear}
            api.{reload}();
            return window.dash_clientside.no_update;
        }}
        """,
        output,
        *inputs,
        prevent_initial_call=True,
    )


# ---- which columns show ------------------------------------------------------------------------


def grid_columns(grid_id: str, column_defs: Sequence[dict[str, Any]]) -> GridColumns:
    """What a grid lets a user show: every column, and as the default those not declared ``hide``."""
    columns = tuple(_col_id(column) for column in column_defs)
    default = tuple(_col_id(column) for column in column_defs if not column.get("hide"))
    return GridColumns(grid_id, columns, default)


def show_columns(column_defs: Sequence[dict[str, Any]], shown: Sequence[str]) -> list[dict[str, Any]]:
    """The column definitions with exactly ``shown`` visible (the others stay in the grid, hidden)."""
    visible = set(shown)
    return [{**column, "hide": _col_id(column) not in visible} for column in column_defs]


def make_column_chooser(columns: GridColumns, column_defs: Sequence[dict[str, Any]], shown: Sequence[str]) -> html.Div:
    """The "Columns" button above a grid: a tick per column, and "Reset to default".

    Ids: ``{grid_id}-columns`` (the ticks), ``{grid_id}-columns-reset`` and ``{grid_id}-columns-saved``
    (what the server kept); :func:`wire_column_chooser` and the page's save callback use them.
    """
    grid_id = columns.grid_id
    options = [
        {"label": column.get("headerName") or _col_id(column), "value": _col_id(column)} for column in column_defs
    ]
    menu = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem("Columns shown", header=True),
            html.Div(
                dbc.Checklist(id=f"{grid_id}-columns", options=options, value=list(shown), class_name="small"),
                # Some grids offer 25 columns: the list scrolls instead of running off the screen.
                className="px-3 overflow-auto",
                style={"maxHeight": "60vh", "minWidth": "15rem"},
            ),
            dbc.DropdownMenuItem(divider=True),
            dbc.DropdownMenuItem("Reset to default", id=f"{grid_id}-columns-reset"),
        ],
        id=f"{grid_id}-columns-menu",
        label=[html.I(className="bi bi-layout-three-columns me-1"), "Columns"],
        # Outlined like the toolbar's other buttons: the menu's toggle takes no "outline-" colour, so the
        # secondary button gets the outline's transparent background and grey text.
        color="secondary",
        toggle_style={"--bs-btn-bg": "transparent", "--bs-btn-color": "var(--bs-secondary)"},
        size="sm",
        align_end=True,
    )
    return html.Div([menu, dcc.Store(id=f"{grid_id}-columns-saved")])


def wire_column_chooser(columns: GridColumns) -> None:
    """Show and hide the ticked columns in the browser at once, and tick the default on "Reset to default".

    Only visibility changes, so the grid keeps its rows, sort and filters: no block is fetched again.
    Saving the choice is the page's server callback, on the same ticks.
    """
    grid_id, every = json.dumps(columns.grid_id), json.dumps(list(columns.columns))
    dash.clientside_callback(
        f"""
        async function(shown) {{
            // Unticking the last column would leave an empty grid; the server refuses it too.
            if (!Array.isArray(shown) || !shown.length) {{ return window.dash_clientside.no_update; }}
            const api = await dash_ag_grid.getApiAsync({grid_id});
            api.setColumnsVisible({every}.filter((id) => !shown.includes(id)), false);
            api.setColumnsVisible(shown, true);
            return window.dash_clientside.no_update;
        }}
        """,
        Output(f"{columns.grid_id}-columns-saved", "data", allow_duplicate=True),
        Input(f"{columns.grid_id}-columns", "value"),
        prevent_initial_call=True,
    )
    default = json.dumps(list(columns.default))
    dash.clientside_callback(
        f"function(clicks) {{ return clicks ? {default} : window.dash_clientside.no_update; }}",
        Output(f"{columns.grid_id}-columns", "value"),
        Input(f"{columns.grid_id}-columns-reset", "n_clicks"),
        prevent_initial_call=True,
    )


def _col_id(column: dict[str, Any]) -> str:
    return column.get("colId") or column["field"]
