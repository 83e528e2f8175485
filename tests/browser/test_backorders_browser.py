"""Backorder triage in a real browser: a support lead filters the queue, opens a line and logs a contact."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import context

pytestmark = pytest.mark.browser

GRID_DATA_JS = """
const api = dash_ag_grid.getApi('bo-grid');
const rows = [];
api.forEachNode(node => { if (node.data) rows.push(node.data); });
return rows;
"""


def _grid_rows(dash_duo):
    return dash_duo.driver.execute_script(GRID_DATA_JS)


def _contacts(app, line_id: int) -> list[tuple]:
    with context.current_for(app.server).db.read_session() as session:
        return (
            session.connection()
            .exec_driver_sql(f"SELECT channel, outcome, note FROM contact_log WHERE order_line_id = {int(line_id)}")
            .all()
        )


def test_bo001_support_filters_opens_a_line_and_logs_a_contact(dash_duo, signed_in, demo_app):
    signed_in("support")
    dash_duo.driver.get(dash_duo.server.url + "/backorders")
    dash_duo.wait_for_element("#bo-grid .ag-row", timeout=15)
    wait = WebDriverWait(dash_duo.driver, 15)

    dash_duo.select_dcc_dropdown("#bo-state", value="Past promise")
    wait.until(lambda d: _grid_rows(dash_duo) and all(r["state"] == "Past promise" for r in _grid_rows(dash_duo)))
    rows = _grid_rows(dash_duo)
    past_card = int(dash_duo.find_element("#bo-card-past-value").text.replace(",", ""))
    assert len(rows) == min(past_card, 100) > 0  # the first block holds up to 100 rows
    assert [r["severity"] for r in rows] == sorted((r["severity"] for r in rows), reverse=True)
    line = rows[0]

    cell = dash_duo.driver.find_element(
        By.CSS_SELECTOR, "#bo-grid .ag-center-cols-container .ag-row[row-index='0'] [col-id='sku']"
    )
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", cell)
    dash_duo.wait_for_element("#bo-offcanvas.show #bo-log-contact", timeout=15)
    # The panel slides in before the click's answer fills it: wait for the title, then read the body.
    dash_duo.wait_for_text_to_equal("#bo-offcanvas .offcanvas-title", f"{line['order_number']} · {line['sku']}", 10)
    assert "Past its promised date" in dash_duo.find_element("#bo-panel").text

    Select(dash_duo.find_element("#bo-contact-channel")).select_by_value("email")
    Select(dash_duo.find_element("#bo-contact-outcome")).select_by_value("left_message")
    dash_duo.find_element("#bo-contact-note").send_keys("Sent the new window by email")
    dash_duo.find_element("#bo-log-contact").click()

    dash_duo.wait_for_contains_text("#bo-feedback", "Contact logged", timeout=15)
    dash_duo.wait_for_contains_text("#bo-history", "Sent the new window by email", timeout=15)
    assert ("email", "left_message", "Sent the new window by email") in _contacts(demo_app, line["line_id"])
    assert dash_duo.get_logs() == []
