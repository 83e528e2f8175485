"""Receiving stock: waiting customers first, down the one queue; partial receipts; promises follow; pins; shipping."""

import pytest
from sqlalchemy import func, select, update

from dashboard.db.models import (
    AuditEvent,
    BackorderTriage,
    Notification,
    OrderLine,
    POLine,
    PurchaseOrder,
    StockLevel,
    StockMovement,
)
from dashboard.domain.codes import LineStatus, POStatus
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import shipping, support
from dashboard.services.derived import triage
from dashboard.services.inbound import receiving
from tests.services import triage_data as data
from tests.services.triage_data import L1, L2, L3, L4, TODAY, day

MIA = Actor("mia", None)


@pytest.fixture
def stock_db(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY)
    return db


def receive(db, po, quantities=None):
    with db.write_session() as session:
        return receiving.receive(session, MIA, po, TODAY, 2, quantities)


def line(db, line_id) -> OrderLine:
    with db.read_session() as session:
        return session.get(OrderLine, line_id)


def stock(db) -> tuple[int, int]:
    with db.read_session() as session:
        level = session.scalar(select(StockLevel))
        return level.on_hand, level.allocated


def test_a_receipt_goes_down_the_queue_pin_then_vip_then_order_time(stock_db):
    result = receive(stock_db, "PO-A")
    # 2 free + 6 received = 8 units: L3 (pinned) 3, L2 (VIP) its last 3, L1 the remaining 2.
    assert [(a.line_id, a.qty, a.completes) for a in result.allocations] == [
        (L3, 3, True),
        (L2, 3, True),
        (L1, 2, False),
    ]
    assert (line(stock_db, L3).status, line(stock_db, L2).status) == (LineStatus.ALLOCATED, LineStatus.ALLOCATED)
    l1 = line(stock_db, L1)
    assert (l1.status, l1.qty_allocated) == (LineStatus.BACKORDERED, 2)  # partly allocated, still waiting
    assert stock(stock_db) == (9, 9)
    assert result.po_status is POStatus.RECEIVED and result.lines_completed == 2
    with stock_db.read_session() as session:
        movement = session.scalar(select(StockMovement).where(StockMovement.reference == "PO-A"))
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-A"))
        ready = session.scalars(select(Notification.order_line_id).where(Notification.kind == "ready_to_ship")).all()
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "receive"))
    assert movement.quantity == 6 and po.received_at is not None
    assert sorted(ready) == sorted([L3, L2])
    assert event.after["received"] == {"SKU-1": 6}


def test_still_waiting_lines_get_the_earlier_date_as_good_news(stock_db):
    result = receive(stock_db, "PO-A")
    # L1 now waits for 3 units that PO-B (ETA +12) covers. PO-A itself arrived 5 days early, which joins
    # the supplier's history (delays −5, 0, 1, 2, 3, 10 → P80 3 days): ships by +12 + 3 + 2 = +17,
    # eight days before its promise of +25.
    assert result.promises_moved == 1
    l1 = line(stock_db, L1)
    assert (l1.promised_date, l1.promise_revision_count) == (day(17), 1)
    with stock_db.read_session() as session:
        notice = session.scalar(select(Notification).where(Notification.kind == "promise_revised"))
        rows = {row.id: row for row in session.scalars(select(BackorderTriage))}
    assert notice.order_line_id == L1 and "3 × Desk lamp (SKU-1): good news, it will ship sooner" in notice.body_text
    assert set(rows) == {L1, L4} and rows[L1].queue_position == 1


def test_a_partial_receipt_allocates_what_came_and_keeps_the_po_open(stock_db):
    result = receive(stock_db, "PO-B", {"SKU-1": 2})
    assert [(a.line_id, a.qty) for a in result.allocations] == [(L3, 3), (L2, 1)]
    assert result.po_status is POStatus.PARTIALLY_RECEIVED
    assert line(stock_db, L2).qty_allocated == 2
    with stock_db.read_session() as session:
        assert (
            session.scalar(select(POLine.qty_received).join(PurchaseOrder).where(PurchaseOrder.number == "PO-B")) == 2
        )


def test_cross_dock_units_go_to_the_waiting_orders(stock_db):
    with stock_db.write_session() as session:
        session.execute(update(POLine).where(POLine.po_id == 22).values(cross_dock=True))
    receive(stock_db, "PO-B")
    with stock_db.read_session() as session:
        assert session.scalar(select(StockMovement.reference).where(StockMovement.quantity == 4)) == "PO-B (cross-dock)"
    assert line(stock_db, L3).status is LineStatus.ALLOCATED
    assert stock(stock_db) == (7, 7)  # nothing left free on the shelf: every unit is someone's


@pytest.mark.parametrize(
    ("po", "quantities", "message"),
    [
        ("PO-A", {"SKU-1": 7}, "Only 6 unit"),
        ("PO-A", {"SKU-1": 0}, "at least 1"),
        ("PO-A", {"SKU-1": "3"}, "at least 1"),
        ("PO-A", {"SKU-9": 1}, "not on PO-A"),
        ("PO-A", {}, "Say which SKU"),
        ("PO-OLD-1", None, "received; nothing more"),
        ("PO-NONE", None, "No purchase order"),
    ],
)
def test_bad_receipts_change_nothing(stock_db, po, quantities, message):
    with pytest.raises(receiving.ReceiveError, match=message):
        receive(stock_db, po, quantities)
    assert stock(stock_db) == (3, 1)
    with stock_db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_pin_moves_a_line_to_the_front_of_its_queue(stock_db):
    with stock_db.write_session() as session:
        support.pin_line(session, MIA, L4, line(stock_db, L4).version, 1, TODAY)
    with stock_db.read_session() as session:
        positions = dict(session.execute(select(BackorderTriage.id, BackorderTriage.queue_position)).all())
    assert positions[L3] == 1 and positions[L4] == 2  # both pinned 1: the earlier order (L3) goes first
    with pytest.raises(support.SupportError, match="from 1"), stock_db.write_session() as session:
        support.pin_line(session, MIA, L4, None, 0, TODAY)


def test_shipping_an_allocated_line_takes_its_units_out(stock_db):
    receive(stock_db, "PO-A")
    with stock_db.write_session() as session:
        shipping.ship_line(session, MIA, L3)
    assert line(stock_db, L3).status is LineStatus.SHIPPED
    assert stock(stock_db) == (6, 6)
    with pytest.raises(shipping.ShipError), stock_db.write_session() as session:
        shipping.ship_line(session, MIA, L4)
