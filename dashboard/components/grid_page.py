"""The skeleton every server-side grid page shares: its filter row, its grid's reloads and its export link.

A page declares one :class:`FilteredGrid` when it is imported, naming its grid, the page filters the grid
follows and the service's allow-list of grid columns. The page keeps its own callbacks; the declaration
hands them the filters' ``Input``/``State`` lists, turns the posted values into the service's filter
object and builds the export link, and it wires the browser-side reloads. Every declaration is kept in a
registry, so a test can hold each grid's column definitions to the allow-list its SQL enforces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import orjson
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboard.components.grids import reload_grid_on
from dashboard.db.grid import GridColumn

F = TypeVar("F")
AllowList = Mapping[str, GridColumn]

# Every grid a page has declared, by grid id; a page module runs again for each app built, replacing its entry.
_DECLARED: dict[str, FilteredGrid[Any]] = {}


class QueryFilters(Protocol):
    """Page filters that can travel in an export link's query string."""

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (what the service's ``parse`` reads back)."""
        ...


@dataclass(frozen=True)
class PageFilter:
    """One page-level filter control.

    Attributes:
        component_id: The control's id.
        key: The name the service's filter parser reads the value under.
        prop: The control's property that holds the value.
    """

    component_id: str
    key: str
    prop: str = "value"


@dataclass(frozen=True)
class FilteredGrid(Generic[F]):
    """A server-side (infinite row model) grid and the page filters it follows.

    Attributes:
        grid_id: The grid's id.
        purge_id: The dummy store the browser-side reload callbacks write to.
        filters: The page filters, in the order the page's callbacks take their values.
        parse: The service's filter parser: a dict of raw values by :attr:`PageFilter.key` to a filter object.
        allow_list: The service's grid columns (what SQL may sort and filter by), or a function of today
            returning them when some columns depend on the date.
        export_id: The export link's id, when the grid has a CSV export.
        export_path: The export route the link points at.
    """

    grid_id: str
    purge_id: str
    filters: tuple[PageFilter, ...]
    parse: Callable[[dict[str, Any]], F]
    allow_list: AllowList | Callable[[dt.date], AllowList]
    export_id: str | None = None
    export_path: str | None = None

    def __post_init__(self) -> None:
        """Record the declaration, and refuse half an export before any page is drawn."""
        if (self.export_id is None) != (self.export_path is None):
            raise ValueError(f"{self.grid_id}: an export needs both export_id and export_path")
        _DECLARED[self.grid_id] = self

    @property
    def inputs(self) -> list[Input]:
        """The filters as callback inputs."""
        return [Input(f.component_id, f.prop) for f in self.filters]

    @property
    def states(self) -> list[State]:
        """The filters as callback states (the grid's row callback reads them without being fired by them)."""
        return [State(f.component_id, f.prop) for f in self.filters]

    def parse_filters(self, *values: Any) -> F:
        """The service's filter object for the values a callback received, in :attr:`filters` order.

        A value the service refuses raises the service's own error, as its ``parse`` does.
        """
        return self.parse(dict(zip((f.key for f in self.filters), values, strict=True)))

    def columns(self, today: dt.date) -> AllowList:
        """The allow-list as of ``today``."""
        return self.allow_list(today) if callable(self.allow_list) else self.allow_list

    def purge_store(self) -> dcc.Store:
        """The dummy store behind the reloads; put it anywhere in the page's layout."""
        return dcc.Store(id=self.purge_id)

    def export_button(self) -> dbc.Button:
        """The export link, pointing at the unfiltered export until the first block of rows sets its ``href``."""
        if self.export_id is None or self.export_path is None:
            raise ValueError(f"{self.grid_id} has no export")
        return make_export_button(self.export_id, self.export_path)

    def export_href(self, filters: QueryFilters, request: Mapping[str, Any]) -> str:
        """The export link for the page filters and the grid's own column filters and sort in ``request``."""
        query = {
            **filters.as_query(),
            "filterModel": orjson.dumps(request.get("filterModel") or {}).decode(),
            "sortModel": orjson.dumps(request.get("sortModel") or []).decode(),
        }
        return f"{self.export_path}?{urlencode(query)}"

    def reload_on_filters(self, *also: Input) -> None:
        """Make the grid forget its cached blocks and start again from the top when a filter or ``also`` changes."""
        reload_grid_on(self.grid_id, Output(self.purge_id, "data"), *self.inputs, *also)

    def reload_after(self, changed: Input, *, deselect: bool = False) -> None:
        """Make the grid re-read the blocks on screen, keeping the user's scroll position, when ``changed`` fires.

        For an action that changed rows the user is looking at; ``deselect`` also clears the selection.
        """
        output = Output(self.purge_id, "data", allow_duplicate=True)
        reload_grid_on(self.grid_id, output, changed, keep_rows=True, deselect=deselect)


def declared_grids() -> dict[str, FilteredGrid[Any]]:
    """Every :class:`FilteredGrid` the imported pages have declared, by grid id."""
    return dict(_DECLARED)


def filter_dropdown(
    component_id: str, options: Sequence[Any], placeholder: str | None = None, value: Any = None, **extra: Any
) -> dcc.Dropdown:
    """A page filter's dropdown; ``placeholder`` reads as the empty choice ("All warehouses")."""
    # Without a placeholder the Dropdown shows its own default text ("Select..."), not an empty box.
    props = {"placeholder": placeholder} if placeholder is not None else {}
    return dcc.Dropdown(id=component_id, options=options, value=value, **props, **extra)


def filter_search(component_id: str, placeholder: str, max_length: int) -> dbc.Input:
    """A page filter's search box; it reports its text once the user stops typing or leaves the box."""
    return dbc.Input(id=component_id, placeholder=placeholder, debounce=True, maxLength=max_length, type="search")


def make_filter_row(controls: Sequence[Component], *, md: int | Sequence[int], fill: bool = False) -> dbc.Row:
    """The page filters side by side above the grid.

    Args:
        controls: The filter controls, left to right.
        md: Each control's width in twelfths on medium screens, one for all or one per control.
        fill: Share large screens equally between the controls, and keep a gap below each when they wrap.
    """
    widths = [md] * len(controls) if isinstance(md, int) else list(md)
    layout = {"lg": True, "className": "mb-2"} if fill else {}
    return dbc.Row(
        [dbc.Col(control, md=width, **layout) for control, width in zip(controls, widths, strict=True)],
        className="g-2 mb-2",
    )


def make_export_button(component_id: str, href: str) -> dbc.Button:
    """The "Export CSV" link above a grid (a plain link: the browser downloads the file itself)."""
    return dbc.Button(
        [html.I(className="bi bi-download me-1"), "Export CSV"],
        id=component_id,
        href=href,
        external_link=True,
        color="secondary",
        outline=True,
        size="sm",
    )


def make_grid_toolbar(hint: str, *actions: Component | None) -> html.Div:
    """The line above a grid: how to use it on the left, its buttons on the right (``None`` for a hidden one)."""
    buttons = actions[0] if len(actions) == 1 else html.Div(list(actions), className="d-flex gap-2")
    return html.Div(
        [html.Span(hint, className="text-body-secondary small"), buttons],
        className="d-flex justify-content-between align-items-center mb-2",
    )
