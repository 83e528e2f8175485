"""A small catalogue for the KPI tests, dated around the real clock (services stamp events with it).

Warehouse W1, supplier S1 (primary for both products), customer C1.
- P1 "Tools": price 10, cost 6, 10 on hand, in stock.
- P2 "Toys":  price 20, cost 8, nothing on hand, on backorder against PO-X: 10 units, confirmed
  ETA today+5, ordered 10 days ago.
History before today (for the rebuild and the closed days): one P1 order shipped from stock
3 days ago, and P1's opening stock count 12 days ago.
"""

import datetime as dt

from dashboard.db.base import utcnow
from dashboard.db.models import (
    Customer,
    OrderLine,
    POLine,
    Product,
    ProductSupplier,
    PurchaseOrder,
    SalesOrder,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from dashboard.domain.codes import (
    Channel,
    CustomerPriority,
    LineStatus,
    MovementKind,
    POStatus,
    SalesStatus,
    Substitutability,
)
from dashboard.services.audit.trail import Actor
from dashboard.services.derived import triage
from dashboard.services.kpis import rebuild as kpi_rebuild

ACTOR = Actor("kpi-test", None)
HANDLING = 2


def now() -> dt.datetime:
    return utcnow()


def today() -> dt.date:
    return now().date()


def days(offset: int) -> dt.date:
    return today() + dt.timedelta(days=offset)


def at(offset: int, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(days(offset), dt.time(hour), dt.UTC)


def product(pid: int, category: str, price: float, cost: float, status: SalesStatus) -> Product:
    return Product(
        id=pid,
        sku=f"P{pid}",
        name=f"Product {pid}",
        category=category,
        unit_price=price,
        unit_cost=cost,
        substitutability=Substitutability.STANDARD,
        sales_status=status,
    )


def build(db) -> None:
    """The catalogue, PO-X, a little history, and the KPI tables rebuilt from it."""
    with db.write_session() as session:
        session.add_all(
            [
                Warehouse(id=1, code="W1", name="Main", timezone="UTC"),
                Supplier(id=1, code="S1", name="Supplier One", country="DE", quoted_lead_time_days=10),
                Customer(id=1, code="C1", name="Ann", email="ann@example.com", priority=CustomerPriority.NORMAL),
                product(1, "Tools", 10, 6, SalesStatus.IN_STOCK),
                product(2, "Toys", 20, 8, SalesStatus.BACKORDER),
            ]
        )
        session.flush()
        for pid in (1, 2):
            session.add(
                ProductSupplier(
                    product_id=pid,
                    supplier_id=1,
                    is_primary=True,
                    quoted_lead_time_days=10,
                    moq=1,
                    pack_size=1,
                    unit_cost=4,
                )
            )
        session.add(StockLevel(product_id=1, warehouse_id=1, on_hand=10, allocated=0, created_at=at(-20)))
        session.add(StockLevel(product_id=2, warehouse_id=1, on_hand=0, allocated=0, created_at=at(-20)))
        session.add(StockMovement(product_id=1, warehouse_id=1, at=at(-12), quantity=12, kind=MovementKind.COUNT))
        session.add(StockMovement(product_id=1, warehouse_id=1, at=at(-3), quantity=-2, kind=MovementKind.SHIPMENT))
        session.add(
            SalesOrder(
                number="SO-OLD",
                customer_id=1,
                channel=Channel.WEB,
                warehouse_id=1,
                ordered_at=at(-4),
                lines=[
                    OrderLine(
                        product_id=1,
                        warehouse_id=1,
                        qty=2,
                        qty_allocated=0,
                        qty_shipped=2,
                        unit_price=10,
                        status=LineStatus.SHIPPED,
                        original_promised_date=days(-2),
                        promised_date=days(-2),
                        shipped_at=at(-3),
                    )
                ],
            )
        )
        session.add(
            PurchaseOrder(
                number="PO-X",
                supplier_id=1,
                warehouse_id=1,
                ordered_at=at(-10),
                eta=days(5),
                eta_confirmed=True,
                status=POStatus.OPEN,
                lines=[POLine(product_id=2, qty=10)],
            )
        )
    triage.refresh_triage(db, today(), HANDLING)
    with db.write_session() as session:
        kpi_rebuild.rebuild_kpis(session, today())
