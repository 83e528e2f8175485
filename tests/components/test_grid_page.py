"""The grid-page skeleton: filters in and out of callbacks, the export link, the reload wiring, the filter row."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import column

from dashboard.components import grid_page
from dashboard.components.grid_page import (
    FilteredGrid,
    PageFilter,
    filter_dropdown,
    filter_search,
    make_filter_row,
    make_grid_toolbar,
)
from dashboard.db.grid import GridColumn

COLUMNS = {"sku": GridColumn("sku", column("sku"), "text")}


@dataclass(frozen=True)
class Chosen:
    warehouse_id: object
    since: object

    @classmethod
    def parse(cls, raw):
        return cls(raw["warehouse_id"], raw["since"])

    def as_query(self):
        return {"warehouse_id": str(self.warehouse_id)}


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    """Grids declared here must not join the pages' grids that tests/pages checks."""
    monkeypatch.setattr(grid_page, "_DECLARED", {})


def declare(**extra) -> FilteredGrid:
    return FilteredGrid(
        grid_id="t-grid",
        purge_id="t-purge",
        filters=(PageFilter("t-warehouse", "warehouse_id"), PageFilter("t-dates", "since", "start_date")),
        parse=Chosen.parse,
        allow_list=COLUMNS,
        **extra,
    )


class TestFilteredGrid:
    def test_the_filters_as_inputs_and_states_in_their_order(self):
        grid = declare()
        assert [(i.component_id, i.component_property) for i in grid.inputs] == [
            ("t-warehouse", "value"),
            ("t-dates", "start_date"),
        ]
        assert [(s.component_id, s.component_property) for s in grid.states] == [
            ("t-warehouse", "value"),
            ("t-dates", "start_date"),
        ]

    def test_callback_values_reach_the_parser_under_their_keys(self):
        assert declare().parse_filters(3, "2026-11-01") == Chosen(3, "2026-11-01")

    def test_a_missing_value_is_a_programming_error_not_a_silent_none(self):
        with pytest.raises(ValueError):
            declare().parse_filters(3)

    def test_the_export_link_carries_the_page_filters_and_the_grids_own(self):
        grid = declare(export_id="t-export", export_path="/t/export.csv")
        request = {"startRow": 0, "endRow": 100, "filterModel": {"sku": {"type": "contains"}}, "sortModel": None}
        href = grid.export_href(Chosen(3, None), request)
        assert urlsplit(href).path == "/t/export.csv"
        assert parse_qs(urlsplit(href).query) == {
            "warehouse_id": ["3"],
            "filterModel": ['{"sku":{"type":"contains"}}'],
            "sortModel": ["[]"],
        }

    def test_the_export_button_starts_at_the_unfiltered_export(self):
        button = declare(export_id="t-export", export_path="/t/export.csv").export_button()
        assert (button.id, button.href, button.external_link) == ("t-export", "/t/export.csv", True)

    def test_half_an_export_is_refused(self):
        with pytest.raises(ValueError, match="both"):
            declare(export_id="t-export")
        with pytest.raises(ValueError, match="no export"):
            declare().export_button()

    def test_the_allow_list_as_of_a_day(self):
        today = dt.date(2026, 11, 27)
        assert declare().columns(today) is COLUMNS
        dated = FilteredGrid("d-grid", "d-purge", (), dict, allow_list=lambda day: {"day": day})
        assert dated.columns(today) == {"day": today}

    def test_a_declaration_is_registered_by_grid_id(self):
        grid = declare()
        assert grid_page.declared_grids() == {"t-grid": grid}

    def test_filters_purge_the_grid_and_an_action_keeps_the_rows_on_screen(self, monkeypatch):
        calls = []
        monkeypatch.setattr(grid_page, "reload_grid_on", lambda *args, **kwargs: calls.append((args, kwargs)))
        grid = declare()
        grid.reload_on_filters(grid_page.Input("t-changed", "data"))
        grid.reload_after(grid_page.Input("t-saved", "data"), deselect=True)
        (purge_args, purge_kwargs), (keep_args, keep_kwargs) = calls
        assert purge_args[0] == "t-grid" and purge_kwargs == {}
        assert [str(i) for i in purge_args[2:]] == ["t-warehouse.value", "t-dates.start_date", "t-changed.data"]
        assert keep_args[1].allow_duplicate and [str(i) for i in keep_args[2:]] == ["t-saved.data"]
        assert keep_kwargs == {"keep_rows": True, "deselect": True}


class TestBuilders:
    def test_one_width_for_all_or_one_each(self):
        row = make_filter_row([filter_dropdown("a", []), filter_dropdown("b", [])], md=4)
        assert [col.md for col in row.children] == [4, 4]
        assert row.className == "g-2 mb-2"
        row = make_filter_row([filter_dropdown("a", []), filter_dropdown("b", [])], md=(3, 9))
        assert [col.md for col in row.children] == [3, 9]
        with pytest.raises(ValueError):
            make_filter_row([filter_dropdown("a", [])], md=(3, 9))

    def test_fill_shares_large_screens_and_spaces_wrapped_rows(self):
        row = make_filter_row([filter_search("s", "SKU…", 200)], md=6, fill=True)
        assert (row.children[0].lg, row.children[0].className) == (True, "mb-2")
        plain = make_filter_row([filter_search("s", "SKU…", 200)], md=6).children[0].to_plotly_json()["props"]
        assert "lg" not in plain and "className" not in plain

    def test_a_dropdown_without_placeholder_keeps_the_default_text(self):
        assert "placeholder" not in filter_dropdown("d", [], value="all").to_plotly_json()["props"]
        assert filter_dropdown("d", [], "Anyone").placeholder == "Anyone"

    def test_the_search_box_reports_when_typing_stops(self):
        box = filter_search("s", "SKU…", 200)
        assert (box.debounce, box.maxLength, box.type) == (True, 200, "search")

    def test_toolbar_one_action_or_several_side_by_side(self):
        single = make_grid_toolbar("hint", filter_search("x", "x", 1))
        assert single.children[0].children == "hint" and single.children[1].id == "x"
        several = make_grid_toolbar("hint", None, filter_search("x", "x", 1))
        assert several.children[1].className == "d-flex gap-2" and several.children[1].children[0] is None
