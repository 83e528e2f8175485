"""/kpis and /suppliers in a real browser: numbers on the cards, a definition one click away, charts that export."""

import re

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.domain.kpi_kinds import DEFINITIONS

pytestmark = pytest.mark.browser


def test_kpi001_executive_reads_a_kpi_and_its_definition(dash_duo, signed_in):
    signed_in("executive")
    dash_duo.driver.get(dash_duo.server.url + "/kpis")
    value = dash_duo.wait_for_element("#kpi-headline .kpi-value", timeout=20)
    assert re.search(r"\d", value.text), value.text
    dash_duo.find_element("#kpi-def-fill_rate_lines").click()
    # The popover is in the page before its body has faded in: wait for the words, not the element.
    dash_duo.wait_for_contains_text("#kpi-def-fill_rate_lines-popover", DEFINITIONS["fill_rate_lines"].text[:40], 5)
    # Every chart keeps the plotly toolbar with its "download as PNG" button.
    dash_duo.wait_for_element("#kpi-pareto .modebar-btn[data-title^='Download plot']", timeout=10)
    assert len(dash_duo.find_elements(".js-plotly-plot")) >= 4
    # The charts were drawn by plotly.js's basic bundle (1.2 MB), never the full one (4.8 MB).
    scripts = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('plotly'));"
    )
    assert any("plotly-basic.min.js" in name for name in scripts), scripts
    assert not any(name.split("?")[0].endswith("/plotly.min.js") for name in scripts), scripts
    assert dash_duo.get_logs() == []


def test_kpi002_manager_opens_a_supplier_from_the_scorecard(dash_duo, signed_in):
    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/suppliers")
    dash_duo.wait_for_element("#sup-grid .ag-row", timeout=20)
    # The worst supplier is chosen at once.
    WebDriverWait(dash_duo.driver, 20).until(lambda _: dash_duo.find_element("#sup-title").text)
    first = dash_duo.find_element("#sup-title").text
    rows = dash_duo.find_elements("#sup-grid .ag-center-cols-container .ag-row")
    rows[1].find_element("css selector", ".ag-cell").click()
    WebDriverWait(dash_duo.driver, 10).until(lambda _: dash_duo.find_element("#sup-title").text not in ("", first))
    assert dash_duo.find_element("#sup-cards").text.count("%") >= 2
    assert dash_duo.get_logs() == []
