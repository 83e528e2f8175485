"""/inbound in a real browser: a manager edits a draft, and cancels a PO customers count on after seeing the impact."""

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import context
from dashboard.services.audit.trail import Actor
from dashboard.services.purchasing.drafts import DraftScope, create_drafts
from dashboard.services.replenishment.queries import ReplenishmentFilters
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

CLICK_ROW_JS = """
const api = dash_ag_grid.getApi('in-grid');
let index = null;
api.forEachNode(node => {
  if (index === null && node.data && node.data.number === arguments[0]) index = node.rowIndex;
});
if (index === null) return false;
api.ensureIndexVisible(index);
const cell = document.querySelector(
  "#in-grid .ag-pinned-left-cols-container .ag-row[row-index='" + index + "'] .ag-cell");
if (!cell) return false;
cell.click();
return true;
"""
MOST_WAITED_JS = """
const api = dash_ag_grid.getApi('in-grid');
let best = null;
api.forEachNode(node => {
  const waiting = node.data ? node.data.waiting_lines : 0;
  if (waiting > 0 && (!best || waiting > best.waiting_lines)) best = node.data;
});
return best && best.number;
"""


def _open(dash_duo, number: str) -> None:
    WebDriverWait(dash_duo.driver, 15).until(lambda d: d.execute_script(CLICK_ROW_JS, number))
    dash_duo.wait_for_contains_text("#po-offcanvas", number, timeout=15)


def test_inb001_a_manager_edits_a_draft_and_sees_its_value_and_cover(dash_duo, signed_in, demo_app):
    with context.current_for(demo_app.server).db.write_session() as session:
        made = create_drafts(session, Actor("manager"), TODAY, DraftScope(ReplenishmentFilters(warehouse_id=1)))
    draft = max(made.purchase_orders, key=lambda po: len(po.lines))
    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/inbound?show=drafts")
    dash_duo.wait_for_element("#in-grid .ag-row", timeout=15)
    _open(dash_duo, draft.number)
    dash_duo.wait_for_element("#draft-lines", timeout=10)
    assert "Order value" in dash_duo.find_element("#draft-value").text
    first = draft.lines[0]
    field = dash_duo.find_element("#draft-lines input[type='number']")
    field.clear()
    field.send_keys(str(first.qty * 2))
    dash_duo.find_element("#draft-save").click()
    dash_duo.wait_for_contains_text("#po-feedback", "saved", timeout=15)
    assert dash_duo.get_logs() == []


def test_inb002_cancelling_a_po_customers_wait_on_shows_the_impact_before_confirming(dash_duo, signed_in, demo_app):
    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/inbound")
    dash_duo.wait_for_element("#in-grid .ag-row", timeout=15)
    number = WebDriverWait(dash_duo.driver, 15).until(lambda d: d.execute_script(MOST_WAITED_JS))
    _open(dash_duo, number)
    dash_duo.find_element("#po-cancel-reason").send_keys("Supplier stopped the line")
    dash_duo.find_element("#po-cancel").click()
    dash_duo.wait_for_element("#po-cancel-impact-card", timeout=15)
    dash_duo.wait_for_contains_text("#po-feedback", "check the impact", timeout=10)
    confirm = dash_duo.find_element("#po-cancel-confirm")
    assert confirm.is_enabled()
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", confirm)
    dash_duo.wait_for_contains_text("#po-feedback", "cancelled", timeout=15)
    assert "notices queued" in dash_duo.find_element("#po-feedback").text
    assert dash_duo.get_logs() == []
    # The cancel marked the derived tables stale: let the refresh it started finish before the app stops.
    refresher = context.current_for(demo_app.server).metrics
    if refresher.thread is not None:
        refresher.thread.join(timeout=120)
