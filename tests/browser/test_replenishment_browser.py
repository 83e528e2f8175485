"""Replenishment in a real browser: page filters narrow the SQL-backed grid; rows open the SKU."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser


GRID_DATA_JS = """
const api = dash_ag_grid.getApi('repl-grid');
const rows = [];
api.forEachNode(node => { if (node.data) rows.push(node.data); });
return rows;
"""


def _grid_rows(dash_duo):
    """The rows the grid has loaded, read through AG Grid's API (immune to re-rendering)."""
    return dash_duo.driver.execute_script(GRID_DATA_JS)


def test_rpl001_filter_to_one_warehouse_below_reorder_point(dash_duo, signed_in):
    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/replenishment")
    dash_duo.wait_for_element("#repl-grid .ag-row", timeout=15)
    dash_duo.select_dcc_dropdown("#repl-condition", value="Reorder now")
    dash_duo.select_dcc_dropdown("#repl-warehouse", value="NJ1 · Newark, NJ")
    wait = WebDriverWait(dash_duo.driver, 15)
    wait.until(lambda d: _grid_rows(dash_duo) and all(r.get("warehouse") == "NJ1" for r in _grid_rows(dash_duo)))
    rows = _grid_rows(dash_duo)
    assert rows, "the filtered grid should show rows"
    assert {r["warehouse"] for r in rows} == {"NJ1"}
    # Reorder now: position at or under the reorder point, or a shortfall before an order could
    # land (which always carries a suggestion), on every row shown.
    for row in rows:
        assert row["stock_position"] <= row["reorder_point"] or row["suggested_order_qty"] > 0
    count_card = int(dash_duo.find_element("#repl-card-rop-value").text.replace(",", ""))
    assert len(rows) <= count_card
    assert dash_duo.get_logs() == []


def test_rpl002_clicking_a_row_opens_the_sku(dash_duo, signed_in):
    signed_in("executive")
    dash_duo.driver.get(dash_duo.server.url + "/replenishment")
    dash_duo.wait_for_element("#repl-grid .ag-row", timeout=15)
    WebDriverWait(dash_duo.driver, 15).until(lambda d: _grid_rows(dash_duo))
    sku = _grid_rows(dash_duo)[0]["sku"]
    cell = dash_duo.driver.find_element(
        By.CSS_SELECTOR, "#repl-grid .ag-pinned-left-cols-container .ag-row[row-index='0'] .ag-cell"
    )
    # A DOM click event on the cell, as the mouse sends; immune to the page scrolling under a pointer.
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", cell)
    dash_duo.wait_for_element("#sku-why", timeout=15)
    assert dash_duo.find_element("h2").text == sku
    assert dash_duo.get_logs() == []
