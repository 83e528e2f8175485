"""/inbound in a real browser: a manager edits a draft, and cancels a PO customers count on after seeing the impact."""

import datetime as dt

import pytest
from selenium.common.exceptions import TimeoutException
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
    """Click the PO's row until its panel shows it (a click before the grid's callbacks are wired is lost)."""

    def opened(driver) -> bool:
        if not driver.execute_script(CLICK_ROW_JS, number):
            return False
        try:
            dash_duo.wait_for_contains_text("#po-offcanvas", number, timeout=4)
        except TimeoutException:
            return False
        return True

    WebDriverWait(dash_duo.driver, 30).until(opened)


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


SET_DATE_JS = """
const input = arguments[0];
Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, arguments[1]);
input.dispatchEvent(new Event('input', {bubbles: true}));
input.dispatchEvent(new Event('change', {bubbles: true}));
"""
CLICK_MESSAGE_JS = """
const api = dash_ag_grid.getApi('nt-grid');
let index = null;
api.forEachNode(node => {
  if (index === null && node.data && node.data.recipient === arguments[0]) index = node.rowIndex;
});
if (index === null) return false;
api.ensureIndexVisible(index);
const cell = document.querySelector("#nt-grid .ag-row[row-index='" + index + "'] [col-id='subject']");
if (!cell) return false;
cell.click();
return true;
"""


def _order_waiting_on_one_po(db) -> tuple[str, str, list[int], list[str]]:
    """Give a new customer one order with two lines only one open PO can cover (first in their queues, pinned).

    Returns the PO number, its ETA, the two line ids and their SKUs.
    """
    from collections import defaultdict

    from sqlalchemy import select

    from dashboard.db.base import utcnow
    from dashboard.db.models import BackorderTriage, Customer, OrderLine, POLine, Product, PurchaseOrder, SalesOrder
    from dashboard.db.queries import po_is_open
    from dashboard.domain.codes import Channel, CustomerPriority, LineStatus
    from dashboard.services.derived import triage

    with db.read_session() as session:
        rows = session.execute(
            select(PurchaseOrder.number, PurchaseOrder.warehouse_id, POLine.product_id, PurchaseOrder.eta)
            .join(POLine, POLine.po_id == PurchaseOrder.id)
            .where(po_is_open())
            .order_by(PurchaseOrder.eta, PurchaseOrder.number)
        ).all()
    # Pairs with exactly one open PO: when it moves, nothing else can cover their lines instead.
    supply: dict[tuple[int, int], list[tuple[str, object]]] = defaultdict(list)
    for number, warehouse, product, eta in rows:
        supply[(product, warehouse)].append((number, eta))
    products_of: dict[tuple[str, int, object], list[int]] = defaultdict(list)
    for (product, warehouse), pos in supply.items():
        if len(pos) == 1:
            products_of[(pos[0][0], warehouse, pos[0][1])].append(product)
    for (number, warehouse, eta), products in products_of.items():
        if len(products) < 2:
            continue
        with db.write_session() as session:
            customer = Customer(
                code="C-TWO", name="Tess Two", email="tess@example.com", priority=CustomerPriority.NORMAL
            )
            session.add(customer)
            session.flush()
            promised = TODAY + dt.timedelta(days=90)
            lines = [
                OrderLine(
                    product_id=product,
                    warehouse_id=warehouse,
                    qty=1,
                    qty_allocated=0,
                    qty_shipped=0,
                    unit_price=10.0,
                    status=LineStatus.BACKORDERED,
                    backordered_at=utcnow(),
                    original_promised_date=promised,
                    promised_date=promised,
                    priority_pin=1,
                )
                for product in products[:2]
            ]
            session.add(
                SalesOrder(
                    number="SO-TWO",
                    customer_id=customer.id,
                    channel=Channel.WEB,
                    warehouse_id=warehouse,
                    ordered_at=utcnow(),
                    lines=lines,
                )
            )
            session.flush()
            triage.refresh_queue(session, [(p, warehouse) for p in products[:2]], TODAY, 2)
            if all(session.get(BackorderTriage, line.id).covering_po_number == number for line in lines):
                skus = [session.get(Product, line.product_id).sku for line in lines]
                return number, eta.isoformat(), [line.id for line in lines], skus
            session.rollback()  # stock covers one of them: try the next PO
    raise AssertionError("the demo has no open PO that is first in line for two products")


def test_inb003_one_eta_revision_sends_one_email_per_order_listing_both_lines(dash_duo, signed_in, demo_app):
    from sqlalchemy import select

    from dashboard.db.models import Notification, NotificationLine

    db = context.current_for(demo_app.server).db
    number, eta, line_ids, skus = _order_waiting_on_one_po(db)
    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/inbound")
    dash_duo.wait_for_element("#in-grid .ag-row", timeout=15)
    _open(dash_duo, number)
    later = (dt.date.fromisoformat(eta) + dt.timedelta(days=120)).isoformat()
    dash_duo.driver.execute_script(SET_DATE_JS, dash_duo.find_element("#po-new-eta"), later)
    dash_duo.find_element("#po-note").send_keys("Factory closed for a season")
    dash_duo.find_element("#po-preview").click()
    WebDriverWait(dash_duo.driver, 15).until(lambda d: d.find_element("css selector", "#po-confirm").is_enabled())
    confirm = dash_duo.find_element("#po-confirm")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", confirm)
    dash_duo.wait_for_contains_text("#po-feedback", "customer promise(s) revised", timeout=15)

    with db.read_session() as session:
        told = session.execute(
            select(Notification.id, NotificationLine.order_line_id)
            .join(NotificationLine, NotificationLine.notification_id == Notification.id)
            .where(Notification.recipient == "tess@example.com", Notification.kind == "promise_revised")
        ).all()
    assert len({notice for notice, _ in told}) == 1  # one email for the order...
    assert sorted(line for _, line in told) == sorted(line_ids)  # ...telling about both lines

    dash_duo.driver.get(dash_duo.server.url + "/notifications")
    dash_duo.wait_for_element("#nt-grid .ag-row", timeout=15)
    WebDriverWait(dash_duo.driver, 15).until(lambda d: d.execute_script(CLICK_MESSAGE_JS, "tess@example.com"))
    dash_duo.wait_for_contains_text("#nt-body", "SO-TWO", timeout=15)  # the panel slides in, then shows it
    body = dash_duo.find_element("#nt-body").text
    assert "new shipping dates for 2 items on your order SO-TWO" in body
    assert all(f"({sku})" in body for sku in skus)
    assert dash_duo.get_logs() == []
    refresher = context.current_for(demo_app.server).metrics
    if refresher.thread is not None:
        refresher.thread.join(timeout=120)
