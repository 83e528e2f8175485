"""A small hand-built backorder dataset with worked answers, shared by the triage, query and support tests.

Warehouse W1, product P1 (price 10). Stock: 3 on hand, 1 of them reserved for line L2 → 2 free.
Supplier S1 delivered five POs 0, 1, 2, 3 and 10 days after their ETA → P50 2 days, P80 4.4 → 5 days.
Open supply: PO-A (6 units, ETA today+5) and PO-B (4 units, ETA today+12). Handling: 2 days.

Waiting lines (queue order: pin, then VIP, then order time):
  L3 pinned,  3 waiting, promised today−2 → 2 stock + 1 of PO-A  → PO-A, ships today+9..+12, past promise
  L2 VIP,     3 waiting (4 ordered, 1 reserved), promised today+3 → 3 of PO-A → PO-A, at risk
  L1 normal,  5 waiting, promised today+25 → 2 of PO-A + 3 of PO-B → PO-B, ships +16..+19, on track
  L4 normal, 20 waiting, promised today+30 → 1 of PO-B, nothing more → uncovered, at risk
"""

import datetime as dt

from sqlalchemy import select

from dashboard.db.models import (
    ContactLog,
    Customer,
    Notification,
    NotificationLine,
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    StockLevel,
    Supplier,
    Warehouse,
)
from dashboard.domain.codes import (
    Channel,
    CustomerPriority,
    LineStatus,
    NotificationStatus,
    POStatus,
    SalesStatus,
    Substitutability,
)

TODAY = dt.date(2026, 11, 27)
L1, L2, L3, L4 = 11, 12, 13, 14
PO_A, PO_B = 21, 22


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def moment(offset: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour), dt.UTC)


def _order(number, customer, line_id, qty, ordered, promised, channel=Channel.WEB, allocated=0, pin=None):
    line = OrderLine(
        id=line_id,
        product_id=1,
        warehouse_id=1,
        qty=qty,
        qty_allocated=allocated,
        unit_price=10.0,
        status=LineStatus.BACKORDERED,
        backordered_at=moment(ordered),
        original_promised_date=day(promised),
        promised_date=day(promised),
        priority_pin=pin,
    )
    return SalesOrder(
        number=number, customer_id=customer, channel=channel, warehouse_id=1, ordered_at=moment(ordered), lines=[line]
    )


def build(session) -> None:
    """Write the dataset (one transaction, the caller's)."""
    session.add_all(
        [
            Warehouse(id=1, code="W1", name="Main", timezone="UTC"),
            Supplier(id=1, code="S1", name="Primary Co", country="DE", quoted_lead_time_days=10),
            Product(
                id=1,
                sku="SKU-1",
                name="Desk lamp",
                category="Lighting",
                unit_price=10.0,
                unit_cost=4.0,
                substitutability=Substitutability.STANDARD,
                sales_status=SalesStatus.BACKORDER,
            ),
            StockLevel(product_id=1, warehouse_id=1, on_hand=3, allocated=1),
            Customer(id=1, code="C1", name="Ann Lee", email="ann@example.com", priority=CustomerPriority.NORMAL),
            Customer(id=2, code="C2", name="Vera Ip", email="vera@example.com", priority=CustomerPriority.VIP),
        ]
    )
    session.flush()
    for n, delay in enumerate((0, 1, 2, 3, 10)):
        eta = day(-100 + 10 * n)
        received = moment(-100 + 10 * n + delay)
        session.add(
            PurchaseOrder(
                number=f"PO-OLD-{n}",
                supplier_id=1,
                warehouse_id=1,
                ordered_at=moment(-130 + 10 * n),
                eta=eta,
                eta_confirmed=True,
                status=POStatus.RECEIVED,
                received_at=received,
                lines=[POLine(product_id=1, qty=5, qty_received=5, last_received_at=received)],
            )
        )
    for po_id, number, qty, eta in ((PO_A, "PO-A", 6, 5), (PO_B, "PO-B", 4, 12)):
        session.add(
            PurchaseOrder(
                id=po_id,
                number=number,
                supplier_id=1,
                warehouse_id=1,
                ordered_at=moment(-20),
                eta=day(eta),
                eta_confirmed=True,
                status=POStatus.OPEN,
                lines=[POLine(product_id=1, qty=qty)],
            )
        )
    session.add_all(
        [
            _order("SO-1", 1, L1, 5, -20, 25),
            _order("SO-2", 2, L2, 4, -10, 3, channel=Channel.MARKETPLACE, allocated=1),
            _order("SO-3", 1, L3, 3, -5, -2, pin=1),
            _order("SO-4", 1, L4, 20, -1, 30),
        ]
    )
    session.flush()
    session.add_all(
        [
            ContactLog(order_line_id=L1, at=moment(-3), channel="phone", outcome="reached", note="Will wait"),
            Notification(
                idempotency_key="backorder_confirmed:12",
                kind="backorder_confirmed",
                recipient="vera@example.com",
                subject="Backordered",
                body_text="…",
                order_line_id=L2,
                status=NotificationStatus.SENT,
                created_at=moment(-10, 11),
                sent_at=moment(-10, 11),
            ),
        ]
    )
    session.flush()
    # A line reads its notices through the link table (one notice may tell about several lines).
    notice_id = session.scalar(select(Notification.id).where(Notification.idempotency_key == "backorder_confirmed:12"))
    session.add(NotificationLine(notification_id=notice_id, order_line_id=L2, line_key="backorder_confirmed:12"))
