"""A small shop to import into, and helpers to run an import and compare what the tables hold."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from dashboard.db.models import (
    Customer,
    OrderLine,
    POLine,
    Product,
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
from dashboard.services import imports as importing
from dashboard.services.audit.trail import Actor

TODAY = dt.date(2026, 11, 27)
MIA = Actor("mia", None)
# Every table an import writes to, apart from the audit log and the change marker.
DATA_TABLES = (
    "warehouse",
    "supplier",
    "product",
    "product_supplier",
    "stock_level",
    "stock_movement",
    "customer",
    "sales_order",
    "order_line",
    "purchase_order",
    "po_line",
    "notification",
    "eta_revision",
    "promise_revision",
    "sales_line",
)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def moment(offset: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour), dt.UTC)


def _product(sku, status=SalesStatus.IN_STOCK, **extra) -> Product:
    values = {"name": f"Product {sku}", "category": "Kitchen", "unit_price": 20.0, "unit_cost": 8.0}
    return Product(sku=sku, substitutability=Substitutability.STANDARD, sales_status=status, **(values | extra))


def build_shop(session) -> None:
    """Write the shop (one transaction, the caller's).

    Warehouses BER and HAM; supplier S1; customers C-1 (normal) and C-2 (VIP). SKU-A in stock:
    10 on hand in BER, 3 reserved for SO-1. SKU-B out of stock, confirmed PO-1 brings 20 on
    today+10. SKU-C on backorder: SO-1 waits for 4, confirmed PO-2 brings 10 on today+12.
    """
    ber = Warehouse(code="BER", name="Berlin", timezone="Europe/Berlin")
    ham = Warehouse(code="HAM", name="Hamburg", timezone="Europe/Berlin")
    s1 = Supplier(code="S1", name="First Supply", country="DE", email="po@s1.example", quoted_lead_time_days=14)
    a, b, c = _product("SKU-A"), _product("SKU-B", SalesStatus.OUT_OF_STOCK), _product("SKU-C", SalesStatus.BACKORDER)
    ann = Customer(code="C-1", name="Ann Lee", email="ann@example.com", priority=CustomerPriority.NORMAL)
    vera = Customer(code="C-2", name="Vera Ip", email="vera@example.com", priority=CustomerPriority.VIP)
    session.add_all([ber, ham, s1, a, b, c, ann, vera])
    session.flush()
    session.add_all(
        [
            StockLevel(product_id=a.id, warehouse_id=ber.id, on_hand=10, allocated=3),
            StockLevel(product_id=b.id, warehouse_id=ber.id, on_hand=0, allocated=0),
            StockMovement(product_id=a.id, warehouse_id=ber.id, at=moment(-30), quantity=10, kind=MovementKind.RECEIPT),
        ]
    )
    for number, product, qty, eta in (("PO-1", b, 20, 10), ("PO-2", c, 10, 12)):
        session.add(
            PurchaseOrder(
                number=number,
                supplier_id=s1.id,
                warehouse_id=ber.id,
                ordered_at=moment(-20),
                eta=day(eta),
                eta_confirmed=True,
                status=POStatus.OPEN,
                lines=[POLine(product_id=product.id, qty=qty)],
            )
        )
    session.add(
        SalesOrder(
            number="SO-1",
            customer_id=ann.id,
            channel=Channel.WEB,
            warehouse_id=ber.id,
            ordered_at=moment(-2),
            lines=[
                OrderLine(
                    product_id=a.id,
                    warehouse_id=ber.id,
                    qty=3,
                    qty_allocated=3,
                    unit_price=20.0,
                    status=LineStatus.ALLOCATED,
                    original_promised_date=day(0),
                    promised_date=day(0),
                ),
                OrderLine(
                    product_id=c.id,
                    warehouse_id=ber.id,
                    qty=4,
                    qty_allocated=0,
                    unit_price=20.0,
                    status=LineStatus.BACKORDERED,
                    backordered_at=moment(-2),
                    original_promised_date=day(16),
                    promised_date=day(16),
                ),
            ],
        )
    )
    session.flush()


def run(db, kind: str, content: str | bytes, name: str = "upload.csv", **options) -> importing.ImportReport:
    """Import ``content`` as ``kind`` in one transaction, as the page and the command line do."""
    data = content.encode() if isinstance(content, str) else content
    table = importing.read_table(data, name)
    with db.write_session() as session:
        return importing.run_import(session, MIA, kind, table, today=TODAY, **options)


def problems(report: importing.ImportReport) -> list[tuple[int, str]]:
    """(row, column) of every refused cell, in row order."""
    return sorted((r.row, r.column) for r in report.rejected)


def reason(report: importing.ImportReport, row: int) -> str:
    """The reasons given for ``row``."""
    return " | ".join(r.reason for r in report.rejected if r.row == row)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every data table, in id order: equal snapshots mean nothing changed."""
    with db.read_session() as session:
        return {
            table: [tuple(row) for row in session.execute(text(f'SELECT * FROM "{table}" ORDER BY id'))]
            for table in DATA_TABLES
        }


def scalar(db, statement):
    with db.read_session() as session:
        return session.scalar(statement)


def rows(db, statement) -> list:
    with db.read_session() as session:
        return list(session.execute(statement).all())


def ledger_is_true(db) -> bool:
    """On hand equals the sum of stock movements for every stock level."""
    with db.read_session() as session:
        bad = session.execute(
            text(
                "SELECT s.id FROM stock_level s LEFT JOIN (SELECT product_id, warehouse_id, SUM(quantity) q "
                "FROM stock_movement GROUP BY product_id, warehouse_id) m "
                "ON m.product_id = s.product_id AND m.warehouse_id = s.warehouse_id "
                "WHERE s.on_hand <> COALESCE(m.q, 0)"
            )
        ).all()
    return not bad
