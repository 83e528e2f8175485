"""The grids in a real browser: the default columns fit 1440 px, and the "Columns" chooser is remembered."""

import contextlib

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from dashboard import context
from dashboard.db.models import User, UserPreference

pytestmark = pytest.mark.browser

VISIBLE_JS = "return dash_ag_grid.getApi(arguments[0]).getColumn(arguments[1]).isVisible();"
# Whether the grid has to scroll sideways: its centre columns wider than the room they have.
SCROLLS_JS = """
const grid = document.getElementById(arguments[0]);
const centre = grid.querySelector('.ag-center-cols-viewport');
const bar = grid.querySelector('.ag-body-horizontal-scroll');
const hidden = bar.classList.contains('ag-scrollbar-invisible') || bar.classList.contains('ag-hidden');
return {scroll: centre.scrollWidth, room: centre.clientWidth, bar: !hidden && bar.offsetHeight > 0,
        window: window.innerWidth};
"""


def _open(dash_duo, path: str, grid_id: str) -> None:
    dash_duo.driver.get(dash_duo.server.url + path)
    dash_duo.wait_for_element(f"#{grid_id} .ag-row", timeout=15)


def _visible(dash_duo, grid_id: str, col_id: str) -> bool:
    return dash_duo.driver.execute_script(VISIBLE_JS, grid_id, col_id)


def _choice(app, username: str):
    with context.current_for(app.server).db.read_session() as session:
        return session.scalar(
            select(UserPreference.value).join(User).where(User.username == username, UserPreference.key.like("grid:%"))
        )


def _click(dash_duo, element) -> None:
    # A DOM click, as the mouse sends; immune to the page scrolling under a pointer or a toast over it.
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element)


def _choose(dash_duo, grid_id: str, text: str) -> None:
    """Open the grid's "Columns" menu and press the entry reading ``text`` (a column's tick, or the reset)."""
    _click(dash_duo, dash_duo.find_element(f"#{grid_id}-columns-menu .dropdown-toggle"))
    xpath = f"//*[@id='{grid_id}-columns-menu']//*[self::label or self::a or self::button][normalize-space()='{text}']"
    _click(dash_duo, WebDriverWait(dash_duo.driver, 10).until(lambda d: d.find_element(By.XPATH, xpath)))


def test_col001_a_hidden_column_stays_hidden_after_a_reload_until_reset(dash_duo, signed_in, demo_app):
    signed_in("manager")
    _open(dash_duo, "/replenishment", "repl-grid")
    wait = WebDriverWait(dash_duo.driver, 15)
    assert _visible(dash_duo, "repl-grid", "safety_stock")

    _choose(dash_duo, "repl-grid", "Safety stock (units)")
    wait.until(lambda d: not _visible(dash_duo, "repl-grid", "safety_stock"))
    wait.until(lambda d: _choice(demo_app, "manager") is not None)
    assert "safety_stock" not in _choice(demo_app, "manager")

    _open(dash_duo, "/replenishment", "repl-grid")
    assert not _visible(dash_duo, "repl-grid", "safety_stock")
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#repl-grid .ag-header-cell[col-id='safety_stock']")
    assert _visible(dash_duo, "repl-grid", "reorder_point")

    _choose(dash_duo, "repl-grid", "Reset to default")
    wait.until(lambda d: _visible(dash_duo, "repl-grid", "safety_stock"))
    wait.until(lambda d: _choice(demo_app, "manager") is None)
    _open(dash_duo, "/replenishment", "repl-grid")
    assert _visible(dash_duo, "repl-grid", "safety_stock")
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize(("path", "grid_id"), [("/replenishment", "repl-grid"), ("/backorders", "bo-grid")])
def test_col002_the_default_columns_fit_a_1440_px_window(dash_duo, signed_in, path, grid_id):
    signed_in("manager")
    dash_duo.driver.set_window_size(1440, 1000)
    _open(dash_duo, path, grid_id)
    # AG Grid lays the flex column out again once the rows (and the vertical scrollbar) arrive, and only
    # then hides its horizontal bar: judge the settled grid, not the first frame.
    readings = []

    def settled(driver) -> bool:
        readings.append(driver.execute_script(SCROLLS_JS, grid_id))
        return not readings[-1]["bar"]

    with contextlib.suppress(TimeoutException):  # a bar that never goes is judged below
        WebDriverWait(dash_duo.driver, 5, poll_frequency=0.25).until(settled)
    measured = readings[-1]
    assert measured["window"] >= 1400, measured  # the window really is about 1440 px wide
    assert measured["scroll"] <= measured["room"], measured
    assert not measured["bar"], measured
