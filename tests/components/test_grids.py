"""The column chooser's builders: what a grid offers, what it shows, and the chooser's controls."""

import pytest

from dashboard.components.grids import grid_columns, make_column_chooser, make_infinite_grid, show_columns

COLUMN_DEFS = [
    {"field": "sku", "headerName": "SKU"},
    {"colId": "qty", "field": "qty_text", "headerName": "Qty (units)"},
    {"field": "note", "headerName": "Note", "hide": True},
]


def test_every_column_is_offered_and_those_not_hidden_are_the_default():
    columns = grid_columns("g", COLUMN_DEFS)
    assert (columns.key, columns.columns, columns.default) == ("grid:g:columns", ("sku", "qty", "note"), ("sku", "qty"))


def test_a_grid_that_hides_everything_is_a_programming_error():
    with pytest.raises(ValueError, match="default"):
        grid_columns("g", [{"field": "a", "hide": True}])


def test_showing_a_choice_hides_the_rest_and_keeps_the_definitions():
    defs = show_columns(COLUMN_DEFS, ["note"])
    assert [(c.get("colId") or c["field"], c["hide"]) for c in defs] == [("sku", True), ("qty", True), ("note", False)]
    assert "hide" not in COLUMN_DEFS[0]  # the module's definitions are not changed for the next user


def test_the_grid_shows_the_users_choice_or_the_default():
    assert [c.get("hide") for c in make_infinite_grid("g", COLUMN_DEFS, "x").columnDefs] == [None, None, True]
    chosen = make_infinite_grid("g", COLUMN_DEFS, "x", shown=["qty"]).columnDefs
    assert [c["hide"] for c in chosen] == [True, False, True]


def test_the_chooser_ticks_what_is_shown_and_offers_a_reset():
    columns = grid_columns("g", COLUMN_DEFS)
    chooser = make_column_chooser(columns, COLUMN_DEFS, ["sku"])
    found = {c.id: c for c in chooser._traverse() if getattr(c, "id", None)}
    ticks = found["g-columns"]
    assert ticks.options == [
        {"label": "SKU", "value": "sku"},
        {"label": "Qty (units)", "value": "qty"},
        {"label": "Note", "value": "note"},
    ]
    assert ticks.value == ["sku"]
    assert {"g-columns-reset", "g-columns-saved", "g-columns-menu"} <= set(found)
