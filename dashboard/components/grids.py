"""Shared builders: the server-side (infinite row model) AG Grid and the side panel that opens a row."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, html

# A click selects (highlights) the row the side panel shows.
ROW_CLICK = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}


def make_infinite_grid(
    grid_id: str,
    column_defs: list[dict[str, Any]],
    row_id: str,
    *,
    height: str = "560px",
    **grid_options: Any,
) -> dag.AgGrid:
    """An AG Grid whose rows come from a callback a block at a time: SQL sorts, filters and pages.

    ``row_id`` is the JavaScript expression of a row's id (e.g. ``"'' + params.data.id"``).
    """
    return dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=column_defs,
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "filterParams": {"maxNumConditions": 2, "buttons": ["reset"]},
        },
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
