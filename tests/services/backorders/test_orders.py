"""Taking an order line: from stock, as a backorder within the cap at its projected P80, or refused."""

import pytest
from sqlalchemy import select, update

from dashboard.db.models import (
    BackorderTriage,
    Notification,
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    StockLevel,
)
from dashboard.domain.codes import Channel, LineStatus, POStatus, SalesStatus
from dashboard.services.backorders import orders
from dashboard.services.derived import triage
from tests.services import triage_data as data
from tests.services.triage_data import L4, TODAY, day, moment


@pytest.fixture
def order_db(db):
    """SKU-1 on backorder with nothing free: 25 confirmed inbound units, 11 already promised → cap 14."""
    with db.write_session() as session:
        data.build(session)
        session.flush()
        session.execute(update(OrderLine).where(OrderLine.id == L4).values(status=LineStatus.CANCELLED))
        session.execute(update(StockLevel).values(on_hand=1, allocated=1))
        session.add(
            PurchaseOrder(
                number="PO-C",
                supplier_id=1,
                warehouse_id=1,
                ordered_at=moment(-10),
                eta=day(6),
                eta_confirmed=True,
                status=POStatus.OPEN,
                lines=[POLine(product_id=1, qty=15)],
            )
        )
    triage.refresh_triage(db, TODAY)
    return db


def place(db, qty, number="SO-NEW"):
    with db.write_session() as session:
        order = SalesOrder(number=number, customer_id=1, channel=Channel.WEB, warehouse_id=1, ordered_at=moment(0))
        session.add(order)
        session.flush()
        placement = orders.place_line(session, order, "SKU-1", qty, 10.0, TODAY)
        return placement.backordered, placement.promised, placement.line.id


def test_a_backorder_within_the_cap_is_promised_at_its_projected_p80(order_db):
    backordered, promised, line_id = place(order_db, 10)
    # Queue: L3 and L2 take PO-A; L1 and the new line take PO-C (ETA +6, supplier P80 delay 5 d, 2 handling days).
    assert backordered and promised == day(13)
    with order_db.read_session() as session:
        row = session.get(BackorderTriage, line_id)
    assert (row.queue_position, row.covering_po_number, row.promised_date) == (4, "PO-C", day(13))
    with order_db.read_session() as session:
        notice = session.scalar(
            select(Notification).where(
                Notification.kind == "backorder_confirmed", Notification.order_line_id == line_id
            )
        )
    # PO-C lands at +6: P50 +6 + 2 + 2 = +10, P80 +13. The customer hears the window, and the promise.
    assert notice.recipient == "ann@example.com"
    assert f"estimated shipping between {day(10):%A %d %B} and {day(13):%A %d %B %Y} (10–13 days)" in notice.body_text


def test_more_than_the_cap_is_refused_and_leaves_no_trace(order_db):
    place(order_db, 10)
    with pytest.raises(orders.OrderRefusedError, match="Only 4 more unit"):
        place(order_db, 5, number="SO-NEXT")
    with order_db.read_session() as session:
        assert session.scalar(select(SalesOrder).where(SalesOrder.number == "SO-NEXT")) is None


def test_stock_is_used_first(order_db):
    with order_db.write_session() as session:
        session.execute(update(StockLevel).values(on_hand=10))
    backordered, promised, line_id = place(order_db, 3)
    assert not backordered and promised == day(2)
    with order_db.read_session() as session:
        assert session.scalar(select(StockLevel.allocated)) == 4
        assert session.get(OrderLine, line_id).status is LineStatus.ALLOCATED


def test_out_of_stock_skus_take_no_backorders(order_db):
    with order_db.write_session() as session:
        session.execute(update(Product).values(sales_status=SalesStatus.OUT_OF_STOCK))
    with pytest.raises(orders.OrderRefusedError, match="Notify me"):
        place(order_db, 1)


def test_a_product_known_only_by_its_sku_is_named_by_it(order_db):
    # A snapshot import may bring a SKU without a name: sentences name the SKU, never "None".
    with order_db.write_session() as session:
        session.execute(update(Product).values(name=None))
    backordered, _, line_id = place(order_db, 2)
    with order_db.read_session() as session:
        notice = session.scalar(select(Notification).where(Notification.order_line_id == line_id))
    assert backordered and "SKU-1" in notice.body_text and "None" not in notice.body_text
    with order_db.write_session() as session:
        session.execute(update(Product).values(sales_status=SalesStatus.OUT_OF_STOCK))
    with pytest.raises(orders.OrderRefusedError, match=r"^SKU-1 is out of stock"):
        place(order_db, 1, number="SO-NEXT")


@pytest.mark.parametrize("qty", [0, -3, 2.5, True, "4"])
def test_impossible_quantities_are_refused(order_db, qty):
    with pytest.raises(orders.OrderRefusedError, match="whole number"):
        place(order_db, qty)
