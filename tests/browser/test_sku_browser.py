"""The SKU page in a real browser shows one warehouse at a time (issue 22): its stock, its queue, its POs."""

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from dashboard import context
from dashboard.db.models import OrderLine, Product, Warehouse
from dashboard.db.queries import line_is_waiting

pytestmark = pytest.mark.browser


def _queue_cells(dash_duo) -> list[str]:
    return [
        cell.text for cell in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#sku-waiting tbody tr td:first-child")
    ]


def test_sku001_switching_warehouse_switches_stock_queue_and_pos_together(dash_duo, signed_in, demo_app):
    with context.current_for(demo_app.server).db.read_session() as session:
        product_id = session.scalar(
            select(OrderLine.product_id).where(line_is_waiting()).group_by(OrderLine.product_id)
            .having(func.count(func.distinct(OrderLine.warehouse_id)) >= 2).order_by(OrderLine.product_id).limit(1)
        )  # fmt: skip
        sku = session.scalar(select(Product.sku).where(Product.id == product_id))
        here, there = session.scalars(
            select(Warehouse.code).join(OrderLine, OrderLine.warehouse_id == Warehouse.id)
            .where(OrderLine.product_id == product_id, line_is_waiting()).distinct().order_by(Warehouse.code)
        ).all()[:2]  # fmt: skip
    signed_in("support")
    dash_duo.driver.get(f"{dash_duo.server.url}/sku/{sku}?warehouse={here}")
    dash_duo.wait_for_contains_text("#sku-here", f"{here}:", timeout=15)
    assert _queue_cells(dash_duo) and all(cell.startswith(here) for cell in _queue_cells(dash_duo))
    assert there in dash_duo.find_element("#sku-elsewhere").text
    dash_duo.driver.find_element(By.LINK_TEXT, there).click()
    dash_duo.wait_for_contains_text("#sku-here", f"{there}:", timeout=15)
    assert _queue_cells(dash_duo) and all(cell.startswith(there) for cell in _queue_cells(dash_duo))
    assert here in dash_duo.find_element("#sku-elsewhere").text
    assert dash_duo.get_logs() == []


def test_sku002_the_status_form_shows_each_field_only_for_its_status(dash_duo, signed_in, demo_app):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    with context.current_for(demo_app.server).db.read_session() as session:
        sku = session.scalar(select(Product.sku).order_by(Product.sku).limit(1))
    signed_in("manager")
    dash_duo.driver.get(f"{dash_duo.server.url}/sku/{sku}")
    dash_duo.wait_for_element("#status-new", timeout=15)
    boxes = {name: dash_duo.find_element(f"#status-{name}-box") for name in ("override", "discontinue")}
    wait = WebDriverWait(dash_duo.driver, 10)
    for status, visible in (("discontinued", "discontinue"), ("backorder", "override"), ("in_stock", None)):
        Select(dash_duo.find_element("#status-new")).select_by_value(status)
        wait.until(lambda d, v=visible: all(box.is_displayed() == (name == v) for name, box in boxes.items()))
    assert dash_duo.get_logs() == []
