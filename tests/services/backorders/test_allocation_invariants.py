"""Stock invariants under any sequence of receive / allocate / cancel / ship / revise-ETA (hypothesis stateful).

After every step, on a real database:
- allocated never exceeds on hand (available stock is never negative), and equals what the
  open lines hold: no unit is allocated to two lines, none to nobody;
- no line holds more than it still needs;
- on hand equals the sum of the stock movements (every unit received is accounted for);
- every waiting line has exactly one queue position, numbered 1..n in its queue.
"""

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from dashboard.db.engine import Database
from dashboard.db.migrate import upgrade
from dashboard.db.models import (
    BackorderTriage,
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
    OPEN_PO_STATUSES,
    Channel,
    CustomerPriority,
    LineStatus,
    MovementKind,
    POStatus,
    SalesStatus,
    Substitutability,
)
from dashboard.services.audit.trail import Actor
from dashboard.services.backorders import allocation, shipping, support
from dashboard.services.derived import triage
from dashboard.services.inbound import eta, receiving

TODAY = dt.date(2026, 11, 27)
ACTOR = Actor("prop", None)
START = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)


def _build(db: Database) -> None:
    with db.write_session() as session:
        session.add_all(
            [
                Warehouse(id=1, code="W1", name="Main", timezone="UTC"),
                Supplier(id=1, code="S1", name="Supplier", country="DE", quoted_lead_time_days=10),
                Customer(id=1, code="C1", name="Ann", email="ann@example.com", priority=CustomerPriority.NORMAL),
                Customer(id=2, code="C2", name="Vip", email="vip@example.com", priority=CustomerPriority.VIP),
            ]
        )
        session.flush()
        for pid in (1, 2):
            session.add(
                Product(
                    id=pid,
                    sku=f"P{pid}",
                    name=f"Product {pid}",
                    category="C",
                    unit_price=10,
                    unit_cost=4,
                    substitutability=Substitutability.STANDARD,
                    sales_status=SalesStatus.BACKORDER,
                )
            )
            session.flush()
            session.add(StockLevel(product_id=pid, warehouse_id=1, on_hand=2, allocated=0))
            session.add(StockMovement(product_id=pid, warehouse_id=1, at=START, quantity=2, kind=MovementKind.COUNT))
        session.flush()
        for n in range(8):
            pid, qty = 1 + n % 2, 1 + (n * 3) % 5
            session.add(
                SalesOrder(
                    number=f"SO-{n}",
                    customer_id=2 if n % 3 == 0 else 1,
                    channel=Channel.WEB,
                    warehouse_id=1,
                    ordered_at=START + dt.timedelta(hours=n),
                    lines=[
                        OrderLine(
                            product_id=pid,
                            warehouse_id=1,
                            qty=qty,
                            unit_price=10,
                            status=LineStatus.BACKORDERED,
                            backordered_at=START + dt.timedelta(hours=n),
                            original_promised_date=TODAY + dt.timedelta(days=10),
                            promised_date=TODAY + dt.timedelta(days=10),
                        )
                    ],
                )
            )
        for n in range(3):
            session.add(
                PurchaseOrder(
                    number=f"PO-{n}",
                    supplier_id=1,
                    warehouse_id=1,
                    ordered_at=START,
                    eta=TODAY + dt.timedelta(days=3 + 4 * n),
                    eta_confirmed=True,
                    status=POStatus.OPEN,
                    lines=[POLine(product_id=1, qty=6, cross_dock=n == 2), POLine(product_id=2, qty=5)],
                )
            )
    # The starting free units go to the queue first, as they would have on arrival.
    with db.write_session() as session:
        for level in session.scalars(select(StockLevel)).all():
            allocation.allocate_free_stock(session, level, 2)
    triage.refresh_triage(db, TODAY)


class StockMachine(RuleBasedStateMachine):
    """Random operations against one small warehouse."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="stock-machine-"))
        self.db = Database(f"sqlite:///{self.tmp / 'prop.db'}")
        upgrade(self.db.engine)
        _build(self.db)

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _ids(self, stmt) -> list:
        with self.db.read_session() as session:
            return list(session.execute(stmt).all())

    @rule(pick=st.integers(0, 100), share=st.floats(0.1, 1.0))
    def receive(self, pick, share):
        open_lines = self._ids(
            select(PurchaseOrder.number, Product.sku, POLine.qty - POLine.qty_received)
            .join(POLine, POLine.po_id == PurchaseOrder.id)
            .join(Product, Product.id == POLine.product_id)
            .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES), POLine.qty > POLine.qty_received)
            .order_by(PurchaseOrder.number, Product.sku)
        )
        if not open_lines:
            return
        number, sku, left = open_lines[pick % len(open_lines)]
        with self.db.write_session() as session:
            receiving.receive(session, ACTOR, number, TODAY, 2, {sku: max(1, int(left * share))})

    @rule(pick=st.integers(0, 100))
    def cancel(self, pick):
        waiting = self._ids(select(OrderLine.id, OrderLine.version).where(OrderLine.status == LineStatus.BACKORDERED))
        if waiting:
            line_id, version = waiting[pick % len(waiting)]
            with self.db.write_session() as session:
                support.cancel_line(session, ACTOR, line_id, version, "changed mind", TODAY)

    @rule(pick=st.integers(0, 100))
    def ship(self, pick):
        ready = self._ids(select(OrderLine.id).where(OrderLine.status == LineStatus.ALLOCATED).order_by(OrderLine.id))
        if ready:
            with self.db.write_session() as session:
                shipping.ship_line(session, ACTOR, ready[pick % len(ready)][0])

    @rule(product=st.sampled_from([1, 2]), units=st.integers(1, 4))
    def found_stock_then_allocate(self, product, units):
        """A stock count finds units; allocation hands them down the queue."""
        with self.db.write_session() as session:
            level = session.scalar(select(StockLevel).where(StockLevel.product_id == product))
            level.on_hand += units
            session.add(
                StockMovement(product_id=product, warehouse_id=1, at=START, quantity=units, kind=MovementKind.COUNT)
            )
            session.flush()
            allocation.allocate_free_stock(session, level, 2)
            triage.refresh_queue(session, [(product, 1)], TODAY)

    @rule(pick=st.integers(0, 100), days=st.integers(1, 40))
    def revise_eta(self, pick, days):
        pos = self._ids(
            select(PurchaseOrder.number, PurchaseOrder.eta)
            .where(PurchaseOrder.status.in_(OPEN_PO_STATUSES))
            .order_by(PurchaseOrder.number)
        )
        if not pos:
            return
        number, current = pos[pick % len(pos)]
        new = TODAY + dt.timedelta(days=days)
        if new == current:
            return
        request = eta.EtaRequest.parse(number, new.isoformat(), True, "supplier_delay")
        with self.db.write_session() as session:
            eta.revise_eta(session, ACTOR, request, TODAY, 2)

    @invariant()
    def stock_is_consistent(self):
        with self.db.read_session() as session:
            for level in session.scalars(select(StockLevel)):
                held = session.scalar(
                    select(func.coalesce(func.sum(OrderLine.qty_allocated), 0)).where(
                        OrderLine.product_id == level.product_id,
                        OrderLine.status.in_([LineStatus.BACKORDERED, LineStatus.ALLOCATED]),
                    )
                )
                moved = session.scalar(
                    select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
                        StockMovement.product_id == level.product_id
                    )
                )
                assert 0 <= level.allocated <= level.on_hand, "available stock went negative"
                assert level.allocated == held, "units reserved twice, or reserved for nobody"
                assert level.on_hand == moved, "on hand drifted from the movements"
            over = session.scalar(
                select(func.count()).where(OrderLine.qty_allocated > OrderLine.qty - OrderLine.qty_shipped)
            )
            assert over == 0, "a line holds more than it needs"

    @invariant()
    def every_waiting_line_has_one_queue_position(self):
        with self.db.read_session() as session:
            waiting = session.execute(
                select(OrderLine.id, OrderLine.product_id).where(
                    OrderLine.status == LineStatus.BACKORDERED,
                    OrderLine.qty - OrderLine.qty_allocated - OrderLine.qty_shipped > 0,
                )
            ).all()
            rows = session.execute(
                select(BackorderTriage.id, BackorderTriage.product_id, BackorderTriage.queue_position)
            ).all()
        assert sorted(r.id for r in rows) == sorted(w.id for w in waiting)
        for product in (1, 2):
            positions = sorted(r.queue_position for r in rows if r.product_id == product)
            assert positions == list(range(1, len(positions) + 1))


StockMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_stock_invariants = StockMachine.TestCase
