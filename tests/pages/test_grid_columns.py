"""Every server-side grid's columns agree with the allow-list its SQL enforces.

A grid whose column definitions and service allow-list disagree works until a user sorts or filters that
column ("Cannot sort by unknown column"). The grids are found by drawing every registered page as an
admin (who may open them all), so a new page's grid is checked without anyone listing it here; each
must be declared as a FilteredGrid, which names its allow-list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import dash
import pytest
from sqlalchemy import column, text

from dashboard import context
from dashboard.components.grid_page import declared_grids
from dashboard.db.grid import ALLOWED_FILTERS, MAX_CONDITIONS, SCALAR_TYPES, TEXT_TYPES, GridColumn
from tests.pages.dash_http import components, route

# The filterType each AG Grid filter sends; `filter: true` is the text filter in AG Grid Community.
FILTER_TYPES: dict[Any, str] = {
    True: "text",
    "agTextColumnFilter": "text",
    "agNumberColumnFilter": "number",
    "agDateColumnFilter": "date",
    "agSetColumnFilter": "set",
}
OPERATORS = {"text": TEXT_TYPES, "number": SCALAR_TYPES, "date": SCALAR_TYPES, "set": ()}
# Allow-list columns a grid does not show, by grid, with the reason they stay allowed.
NOT_SHOWN = {"repl-grid": {"demand_spike": "a column of the CSV export, which reads the same allow-list"}}


def leaf_columns(column_defs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The grid's columns, with column groups opened up."""
    for definition in column_defs:
        if "children" in definition:
            yield from leaf_columns(definition["children"])
        else:
            yield definition


def disagreements(
    grid_id: str,
    column_defs: list[dict[str, Any]],
    default_col_def: Mapping[str, Any],
    allowed: Mapping[str, GridColumn],
) -> list[str]:
    """Where what the browser may ask for and what SQL accepts differ (an empty list when they agree)."""
    problems, shown = [], set()
    for definition in leaf_columns(column_defs):
        # A column definition overrides the default one key by key (filterParams as a whole).
        merged = {**default_col_def, **definition}
        col_id = merged.get("colId", merged.get("field"))
        name = f"{grid_id} column {col_id!r}"
        shown.add(col_id)
        allowed_column = allowed.get(col_id)
        # Since AG Grid 31 a column sorts unless it says otherwise.
        if merged.get("sortable", True):
            if allowed_column is None:
                problems.append(f"{name} can be sorted but is not in the allow-list")
            elif not allowed_column.sortable:
                problems.append(f"{name} can be sorted but the allow-list says sortable=False")
        grid_filter = merged.get("filter")
        if not grid_filter:
            continue
        filter_type = FILTER_TYPES.get(grid_filter)
        if filter_type is None:
            problems.append(f"{name} has a filter ({grid_filter!r}) the server cannot read")
            continue
        if allowed_column is None:
            problems.append(f"{name} has a filter but is not in the allow-list")
            continue
        if not allowed_column.filterable:
            problems.append(f"{name} has a filter but the allow-list says filterable=False")
        if filter_type not in ALLOWED_FILTERS[allowed_column.kind]:
            problems.append(
                f"{name} has a {filter_type} filter; a {allowed_column.kind} column takes "
                f"{' or '.join(ALLOWED_FILTERS[allowed_column.kind])} filters"
            )
        params = merged.get("filterParams") or {}
        for option in params.get("filterOptions") or ():
            if option not in OPERATORS[filter_type]:
                problems.append(f"{name} offers the {option!r} filter option, which the server refuses")
        if params.get("maxNumConditions", 2) > MAX_CONDITIONS:
            problems.append(f"{name} allows more filter conditions than the server's {MAX_CONDITIONS}")
    hidden = NOT_SHOWN.get(grid_id, {})
    for key in allowed:
        if key not in shown and key not in hidden:
            problems.append(f"{grid_id}: the allow-list has {key!r}, which the grid does not show")
    for key in hidden:
        if key in shown or key not in allowed:
            problems.append(f"{grid_id}: NOT_SHOWN lists {key!r}, but the grid shows it or the allow-list lacks it")
    return problems


ALLOWED = {
    "sku": GridColumn("sku", column("sku"), "text"),
    "qty": GridColumn("qty", column("qty"), "number"),
    "on": GridColumn("on", column("on"), "date"),
    "note": GridColumn("note", column("note"), "text", sortable=False),
    "vip": GridColumn("vip", column("vip"), "bool", filterable=False),
}
AGREEING = [
    {"field": "sku", "filter": "agTextColumnFilter"},
    {"field": "qty", "filter": "agNumberColumnFilter"},
    {"headerName": "Dates", "children": [{"colId": "on", "field": "on_text", "filter": "agDateColumnFilter"}]},
    {"field": "note", "sortable": False, "filter": True},
    {"field": "vip", "filter": False},
]


class TestDisagreements:
    """The check itself catches each kind of mismatch (and passes an agreeing grid)."""

    def check(self, column_defs, default=None, allowed=None):
        return disagreements("g", column_defs, default or {}, ALLOWED if allowed is None else allowed)

    def test_an_agreeing_grid(self):
        assert self.check(AGREEING) == []

    @pytest.mark.parametrize(
        ("changed", "expected"),
        [
            ({"field": "sku", "colId": "code"}, "'code' can be sorted but is not in the allow-list"),
            ({"field": "note", "filter": True}, "'note' can be sorted but the allow-list says sortable=False"),
            ({"field": "vip", "filter": "agTextColumnFilter"}, "'vip' has a filter but the allow-list says filterable"),
            ({"field": "vip", "filter": "agSetColumnFilter"}, "'vip' has a filter but the allow-list says filterable"),
            ({"field": "qty", "filter": "agDateColumnFilter"}, "a number column takes number or set filters"),
            ({"field": "qty", "filter": "agMultiColumnFilter"}, "has a filter ('agMultiColumnFilter') the server"),
            (
                {"field": "sku", "filter": True, "filterParams": {"filterOptions": ["contains", "fuzzy"]}},
                "offers the 'fuzzy' filter option",
            ),
            (
                {"field": "sku", "filter": True, "filterParams": {"maxNumConditions": 50}},
                "allows more filter conditions",
            ),
        ],
    )
    def test_a_mismatch_is_named(self, changed, expected):
        key = changed.get("field")
        column_defs = [changed if d.get("field") == key else d for d in AGREEING]
        problems = self.check(column_defs)
        assert any(expected in problem for problem in problems), problems

    def test_the_default_column_definition_counts(self):
        unsortable_default = {"sortable": False}
        assert self.check([{"field": "extra"}], unsortable_default, allowed={}) == []
        assert "can be sorted" in self.check([{"field": "extra"}], {}, allowed={})[0]

    def test_a_column_only_the_server_knows(self):
        problems = self.check(AGREEING[:-1])
        assert problems == ["g: the allow-list has 'vip', which the grid does not show"]


@pytest.fixture
def pages(app, auth) -> dict[str, list[dict[str, Any]]]:
    """Every registered page as an admin sees it: its components, by path."""
    auth.login("admin")
    with context.current_for(app.server).db.engine.connect() as connection:
        fill = {"sku": connection.execute(text("SELECT sku FROM product ORDER BY sku LIMIT 1")).scalar_one()}
    drawn = {}
    for page in dash.page_registry.values():
        path = page["path_template"] or page["path"]
        unknown = set(re.findall(r"<(\w+)>", path)) - set(fill)
        assert not unknown, f"{page['module']}: give this test a value for {unknown} to draw the page"
        path = re.sub(r"<(\w+)>", lambda m: fill[m.group(1)], path)
        response = route(auth.client, path)
        assert response.status_code == 200, path
        drawn[path] = list(components(response.json["response"]["_pages_content"]["children"]))
    return drawn


def server_side_grids(pages) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        c["props"]["id"]: (path, c["props"])
        for path, found in pages.items()
        for c in found
        if c["type"] == "AgGrid" and c["props"].get("rowModelType") in ("infinite", "serverSide")
    }


def test_every_server_side_grid_is_declared_and_every_declaration_drawn(pages):
    grids, declared = server_side_grids(pages), declared_grids()
    assert {"repl-grid", "bo-grid", "in-grid", "audit-grid", "nt-grid"} <= set(grids)
    assert sorted(set(grids) - set(declared)) == [], "declare these grids with FilteredGrid in their page"
    assert sorted(set(declared) - set(grids)) == [], "declared, but no page draws them"


def test_every_grid_agrees_with_its_allow_list(app, pages):
    today = context.current_for(app.server).settings.today()
    problems = []
    for grid_id, (_path, props) in sorted(server_side_grids(pages).items()):
        grid = declared_grids().get(grid_id)
        if grid is None:
            problems.append(f"{grid_id} is not declared, so its allow-list is unknown")
            continue
        problems += disagreements(grid_id, props["columnDefs"], props.get("defaultColDef") or {}, grid.columns(today))
    assert not problems, "\n".join(problems)


def test_a_declared_grid_names_controls_its_page_draws(pages):
    for grid_id, (path, _props) in server_side_grids(pages).items():
        grid = declared_grids().get(grid_id)
        if grid is None:
            continue  # the test above names it
        ids = {c["props"].get("id") for c in pages[path]}
        named = {grid.purge_id, *(f.component_id for f in grid.filters), *([grid.export_id] if grid.export_id else [])}
        assert named <= ids, f"{path} lacks {sorted(named - ids)}"
