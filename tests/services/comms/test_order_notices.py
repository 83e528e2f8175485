"""One notice per customer order per event: lines of one order touched by one action share one email.

Ann's order SO-1 gets a second line, L5 (2 × Lamp shade, product 2), covered like L1 by PO-B.
One ETA revision of PO-B moves both promises: Ann hears once, about both lines; a replay of the
same event adds nothing; and each line's "last notice" on /backorders is that one email.
"""

import pytest
from sqlalchemy import func, select

from dashboard.db.models import (
    BackorderTriage,
    Notification,
    NotificationLine,
    OrderLine,
    POLine,
    Product,
    SalesOrder,
    StockLevel,
)
from dashboard.domain.codes import LineStatus, SalesStatus, Substitutability
from dashboard.services.audit.trail import Actor
from dashboard.services.comms import notices, reminders
from dashboard.services.derived import triage
from dashboard.services.inbound import eta, receiving
from tests.services import triage_data as data
from tests.services.triage_data import L1, PO_B, TODAY, day, moment

L5 = 15
MANAGER = Actor("mia", None)


@pytest.fixture
def two_line_db(db):
    with db.write_session() as session:
        data.build(session)
        session.add(
            Product(
                id=2,
                sku="SKU-2",
                name="Lamp shade",
                category="Lighting",
                unit_price=6.0,
                unit_cost=2.0,
                substitutability=Substitutability.STANDARD,
                sales_status=SalesStatus.BACKORDER,
            )
        )
        session.flush()
        session.add(StockLevel(product_id=2, warehouse_id=1, on_hand=0, allocated=0))
        order = session.scalar(select(SalesOrder).where(SalesOrder.number == "SO-1"))
        session.add(
            OrderLine(
                id=L5,
                order_id=order.id,
                product_id=2,
                warehouse_id=1,
                qty=2,
                qty_allocated=0,
                unit_price=6.0,
                status=LineStatus.BACKORDERED,
                backordered_at=moment(-20),
                original_promised_date=day(25),
                promised_date=day(25),
            )
        )
        session.add(POLine(po_id=PO_B, product_id=2, qty=2))
    triage.refresh_triage(db, TODAY, handling_days=2)
    return db


def revise_po_b(db, new_day: int = 30) -> None:
    request = eta.EtaRequest.parse("PO-B", day(new_day).isoformat(), True, "supplier_delay", "Late ship", None)
    with db.write_session() as session:
        eta.revise_eta(session, MANAGER, request, TODAY, 2)


def notices_of(db, kind: str) -> list[Notification]:
    with db.read_session() as session:
        return list(session.scalars(select(Notification).where(Notification.kind == kind)))


def lines_of(db, notice_id: int) -> set[int]:
    with db.read_session() as session:
        return set(
            session.scalars(select(NotificationLine.order_line_id).where(NotificationLine.notification_id == notice_id))
        )


def test_one_eta_revision_sends_one_email_per_order_listing_every_line(two_line_db):
    revise_po_b(two_line_db)
    [notice] = notices_of(two_line_db, "promise_revised")
    assert notice.recipient == "ann@example.com"
    assert lines_of(two_line_db, notice.id) == {L1, L5}
    assert notice.subject == "Your order SO-1: new shipping dates for Desk lamp and 1 more item"
    assert "There are new shipping dates for 2 items on your order SO-1." in notice.body_text
    assert "- 5 × Desk lamp (SKU-1): we are sorry, it will ship later than we said." in notice.body_text
    assert "- 2 × Lamp shade (SKU-2): we are sorry, it will ship later than we said." in notice.body_text
    assert notice.body_html.count("<li>") == 2


def test_the_same_event_again_adds_no_email_and_a_new_event_adds_one(two_line_db):
    revise_po_b(two_line_db, 30)
    with two_line_db.write_session() as session:
        # A replayed event: both lines already heard under these keys.
        context = {"customer_name": "Ann Lee", "order_number": "SO-1", "product_name": "Desk lamp", "sku": "SKU-1"}
        key = f"promise_revised:{L1}:{day(37).isoformat()}"
        assert notices.queue_line(session, "promise_revised", key, "ann@example.com", context, order_line_id=L1) is None
    assert len(notices_of(two_line_db, "promise_revised")) == 1
    revise_po_b(two_line_db, 40)
    assert len(notices_of(two_line_db, "promise_revised")) == 2


def test_each_line_reads_the_shared_notice_as_its_last(two_line_db):
    revise_po_b(two_line_db)
    with two_line_db.read_session() as session:
        rows = {row.id: row for row in session.scalars(select(BackorderTriage).where(BackorderTriage.id.in_([L1, L5])))}
    assert rows[L1].last_notice_kind == rows[L5].last_notice_kind == "promise_revised"
    assert rows[L1].last_notice_at == rows[L5].last_notice_at is not None


def test_a_receipt_that_completes_two_lines_of_one_order_sends_one_ready_to_ship(two_line_db):
    with two_line_db.write_session() as session:
        receiving.receive(session, MANAGER, "PO-A", TODAY, 2, None)
    with two_line_db.write_session() as session:
        receiving.receive(session, MANAGER, "PO-B", TODAY, 2, None)
    # Ann's other order SO-3 (L3) was completed by PO-A: a different order, its own email.
    ready = [n for n in notices_of(two_line_db, "ready_to_ship") if "SO-1" in n.subject]
    assert len(ready) == 1
    assert lines_of(two_line_db, ready[0].id) == {L1, L5}
    assert "these items are reserved for you" in ready[0].body_text


def test_different_orders_get_different_emails(two_line_db):
    with two_line_db.write_session() as session:
        queued = reminders.queue_reminders(session, TODAY, quiet_days=2)
    waiting = notices_of(two_line_db, "still_waiting")
    # Lines L1 and L5 (Ann, SO-1: L1 was called 3 days ago, so only L5 is quiet), L2 (Vera, SO-2), L3 (Ann, SO-3).
    by_order = {n.subject.split(":")[0]: lines_of(two_line_db, n.id) for n in waiting}
    assert queued == sum(len(lines) for lines in by_order.values())
    assert len(waiting) == len(by_order)
    with two_line_db.read_session() as session:
        per_order = session.execute(
            select(SalesOrder.number, func.count(func.distinct(Notification.id)))
            .join(OrderLine, OrderLine.order_id == SalesOrder.id)
            .join(NotificationLine, NotificationLine.order_line_id == OrderLine.id)
            .join(Notification, Notification.id == NotificationLine.notification_id)
            .where(Notification.kind == "still_waiting")
            .group_by(SalesOrder.number)
        ).all()
    assert all(count == 1 for _number, count in per_order)


def test_a_line_notice_through_the_plain_queue_is_refused(two_line_db):
    with two_line_db.write_session() as session, pytest.raises(ValueError, match="queue_line"):
        notices.queue(session, "ready_to_ship", "ready_to_ship:x", "a@example.com", {})
